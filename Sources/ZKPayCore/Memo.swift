public import Ristretto255
import Sodium

/// Sizes of the memo encoding (docs/PROTOCOL.md §6).
public enum Memo {
    /// Longest memo text in bytes.
    public static let maximumTextLength = 64
    /// Plaintext: amount (8) ‖ blinding (32) ‖ text length (1) ‖ text zero-padded to 64.
    /// Fixed so that the ciphertext reveals neither the text length nor anything else.
    public static let plaintextLength = 8 + 32 + 1 + maximumTextLength
    /// Ciphertext with its Poly1305 tag.
    public static let ciphertextLength = plaintextLength + XChaCha20Poly1305.tagBytes
    /// Encoded memo: R (32) ‖ ciphertext.
    public static let encodedLength = 32 + ciphertextLength
}

/// What a memo tells the recipient: the amount and blinding that open the note's
/// commitment, and an optional text of up to 64 bytes.
public struct MemoContents: Sendable {
    /// The note's amount.
    public let amount: UInt64
    /// The note's blinding r (C = amount·B + r·B~), in wiped memory.
    public let blinding: SecretScalar
    /// Free text (at most `Memo.maximumTextLength` bytes), e.g. UTF-8.
    public let text: [UInt8]

    /// Memo contents.
    /// - Throws: `memoTextTooLong`.
    public init(amount: UInt64, blinding: SecretScalar, text: [UInt8] = []) throws(ProtocolError) {
        guard text.count <= Memo.maximumTextLength else { throw .memoTextTooLong(length: text.count) }
        self.amount = amount
        self.blinding = blinding
        self.text = text
    }

    /// The commitment these contents open: amount·B + blinding·B~ (constant time).
    public var commitment: RistrettoPoint {
        blinding.withScalar { Pedersen.commit(amount: amount, blinding: $0) }
    }

    /// The fixed-length plaintext. The caller wipes it.
    fileprivate func plaintext() -> [UInt8] {
        var w = ByteWriter(capacity: Memo.plaintextLength)
        w.u64(amount)
        blinding.withScalar { w.scalar($0) }
        w.u8(UInt8(text.count))
        w.raw(text)
        w.raw([UInt8](repeating: 0, count: Memo.maximumTextLength - text.count))
        return w.bytes
    }

    /// Parses a decrypted plaintext strictly.
    fileprivate init(plaintext: UnsafeRawBufferPointer) throws(ProtocolError) {
        guard plaintext.count == Memo.plaintextLength else {
            throw .memoMalformed(reason: "plaintext is \(plaintext.count) bytes, not \(Memo.plaintextLength)")
        }
        var amount: UInt64 = 0
        for i in 0..<8 { amount |= UInt64(plaintext[i]) << UInt64(8 * i) }
        var blinding: Scalar
        do { blinding = try Scalar(canonical: plaintext[8..<40]) } catch {
            throw .memoMalformed(reason: "the blinding is not a canonical scalar")
        }
        defer { secureZero(value: &blinding) }  // kept only in the SecretScalar below
        let length = Int(plaintext[40])
        guard length <= Memo.maximumTextLength else {
            throw .memoMalformed(reason: "text length \(length) exceeds \(Memo.maximumTextLength)")
        }
        guard plaintext[(41 + length)...].allSatisfy({ $0 == 0 }) else {
            throw .memoMalformed(reason: "the padding after the text is not zero")
        }
        try self.init(amount: amount, blinding: SecretScalar(blinding), text: Array(plaintext[41..<(41 + length)]))
    }
}

/// An encrypted memo: the ephemeral public key R = e·B and the XChaCha20-Poly1305
/// ciphertext of the fixed-length plaintext (docs/PROTOCOL.md §6).
///
/// Key agreement: shared = e·V (sender) = y·R (recipient). Key schedule:
///
///     okm   = BLAKE2b-512(key = "zkpay/memo-key/v1", shared ‖ R ‖ V ‖ owner ‖ C)
///     key   = okm[0..<32],  nonce = okm[32..<56],  associated data = empty
///
/// Binding the owner and the commitment into the key means a memo moved to another
/// output does not decrypt. The nonce need not be stored: every memo has a fresh e,
/// hence a fresh key.
public struct EncryptedMemo: Sendable, Equatable {
    /// R = e·B.
    public let ephemeralKey: RistrettoPoint
    /// Ciphertext ‖ tag (`Memo.ciphertextLength` bytes).
    public let ciphertext: [UInt8]

    /// The canonical encoding: R ‖ ciphertext.
    public var bytes: [UInt8] { ephemeralKey.encoding + ciphertext }

    /// Decodes the canonical encoding.
    /// - Throws: `truncated`, `trailingBytes` or `nonCanonicalPoint` naming `field`.
    public init(bytes: some Collection<UInt8>, field: String = "memo") throws(ProtocolError) {
        var reader = ByteReader(bytes)
        try self.init(reading: &reader, field: field)
        try reader.finish()
    }

    /// Decodes from the middle of a larger encoding.
    init(reading reader: inout ByteReader, field: @autoclosure () -> String) throws(ProtocolError) {
        ephemeralKey = try reader.point(field() + ".ephemeral_key")
        ciphertext = try reader.raw(Memo.ciphertextLength, field() + ".ciphertext")
    }

    private init(ephemeralKey: RistrettoPoint, ciphertext: [UInt8]) {
        self.ephemeralKey = ephemeralKey
        self.ciphertext = ciphertext
    }

    /// Encrypts `contents` to the view key `view` for the output (`owner`, `commitment`),
    /// with a fresh ephemeral scalar from the CSPRNG.
    public static func seal(_ contents: MemoContents, to view: RistrettoPoint, owner: RistrettoPoint,
                            commitment: RistrettoPoint) -> EncryptedMemo {
        var rng = SecureRandomness()
        return seal(contents, to: view, owner: owner, commitment: commitment, using: &rng)
    }

    /// `seal` with the randomness supplied (fixture generation and tests only).
    ///
    /// e = BLAKE2b-512(key = "zkpay/memo-ephemeral/v1", 32 random bytes ‖ V ‖ owner ‖ C)
    /// mod l: hedged, so a repeated random value alone does not repeat e across outputs.
    package static func seal(_ contents: MemoContents, to view: RistrettoPoint, owner: RistrettoPoint,
                             commitment: RistrettoPoint, using rng: inout some RandomNumberGenerator) -> EncryptedMemo {
        var plaintext = contents.plaintext()
        defer { secureZero(&plaintext) }
        return seal(plaintext: plaintext, to: view, owner: owner, commitment: commitment, using: &rng)
    }

    /// Encrypts an already-encoded plaintext of `Memo.plaintextLength` bytes. `seal` uses it;
    /// tests use it to build memos whose plaintext is malformed.
    package static func seal(plaintext: [UInt8], to view: RistrettoPoint, owner: RistrettoPoint,
                             commitment: RistrettoPoint, using rng: inout some RandomNumberGenerator) -> EncryptedMemo {
        precondition(plaintext.count == Memo.plaintextLength, "a memo plaintext is \(Memo.plaintextLength) bytes")
        var hedge = rng.bytes(32) + view.encoding + owner.encoding + commitment.encoding
        var wide = Hash.blake2b(hedge, outputLength: 64, key: Domain.key(Domain.memoEphemeral))
        var e = Scalar(reducingWide: wide)
        defer { secureZero(value: &e) }  // the ephemeral secret opens the memo
        secureZero(&hedge)
        secureZero(&wide)
        let r = RistrettoPoint.multiplyBase(secret: e)
        let shared = view.multiply(secret: e)
        let (key, nonce) = keySchedule(shared: shared, ephemeral: r, view: view, owner: owner, commitment: commitment)
        do {
            let sealed = try XChaCha20Poly1305.seal(plaintext, key: key, nonce: nonce)
            return EncryptedMemo(ephemeralKey: r, ciphertext: sealed)
        } catch { preconditionFailure("key and nonce have the AEAD's sizes: \(error)") }
    }

    /// Decrypts with the view key and checks the contents against the output.
    ///
    /// - Parameters:
    ///   - view: the recipient's view key (y, V).
    ///   - owner: the output's owner P (part of the key schedule).
    ///   - commitment: the output's commitment C.
    /// - Returns: the contents, whose amount and blinding open `commitment`.
    /// - Throws: `memoNotForThisKey` (not addressed to V, or altered), `memoMalformed`,
    ///   or `memoCommitmentMismatch` (the sender lied: never credit such a note).
    public func open(with view: ViewKey, owner: RistrettoPoint, commitment: RistrettoPoint) throws(ProtocolError)
        -> MemoContents
    {
        let shared = ephemeralKey.multiply(secret: view.secret)
        let (key, nonce) = Self.keySchedule(shared: shared, ephemeral: ephemeralKey, view: view.publicKey,
                                            owner: owner, commitment: commitment)
        let plaintext: SecretBytes
        do { plaintext = try XChaCha20Poly1305.open(ciphertext, key: key, nonce: nonce) } catch {
            throw .memoNotForThisKey
        }
        let parsed = plaintext.withUnsafeBytes { raw in
            Result { () throws(ProtocolError) in try MemoContents(plaintext: raw) }
        }
        let contents = try parsed.get()
        // The comparison result is public (credited or not); the commitment math is constant time.
        guard contents.commitment == commitment else { throw .memoCommitmentMismatch }
        return contents
    }

    /// The AEAD key and nonce of a memo.
    private static func keySchedule(shared: RistrettoPoint, ephemeral: RistrettoPoint, view: RistrettoPoint,
                                    owner: RistrettoPoint, commitment: RistrettoPoint) -> (SecretBytes, [UInt8]) {
        var input = shared.encoding + ephemeral.encoding + view.encoding + owner.encoding + commitment.encoding
        return AEADKeys.derive(&input, domain: Domain.memoKey)
    }

    public static func == (a: EncryptedMemo, b: EncryptedMemo) -> Bool {
        a.ephemeralKey == b.ephemeralKey && a.ciphertext == b.ciphertext
    }
}
