public import Ristretto255

/// One output of a transfer or mint: owner P, commitment C, encrypted memo
/// (docs/PROTOCOL.md §7.2). Encoding: owner (32) ‖ commitment (32) ‖ memo (153).
public struct Output: Sendable, Equatable {
    /// Encoded length.
    public static let encodedLength = 64 + Memo.encodedLength

    /// P of the recipient: only its spend key can spend the note.
    public let owner: RistrettoPoint
    /// C = amount·B + blinding·B~.
    public let commitment: RistrettoPoint
    /// Amount, blinding and text, encrypted to the recipient's view key.
    public let memo: EncryptedMemo

    /// An output from its parts.
    /// - Throws: `identityPoint` for an identity owner (anyone could spend it).
    public init(owner: RistrettoPoint, commitment: RistrettoPoint, memo: EncryptedMemo) throws(ProtocolError) {
        guard !owner.isIdentity else { throw .identityPoint(field: "owner") }
        self.owner = owner
        self.commitment = commitment
        self.memo = memo
    }

    /// Builds an output for `recipient` holding `amount` with `blinding`, sealing the memo.
    package init(to recipient: Address, amount: UInt64, blinding: SecretScalar, text: [UInt8],
                 using rng: inout some RandomNumberGenerator) throws(ProtocolError) {
        let contents = try MemoContents(amount: amount, blinding: blinding, text: text)
        let c = contents.commitment
        let memo = EncryptedMemo.seal(contents, to: recipient.viewKey, owner: recipient.spendKey, commitment: c,
                                      using: &rng)
        try self.init(owner: recipient.spendKey, commitment: c, memo: memo)
    }

    /// Appends the canonical encoding.
    public func encode(to writer: inout ByteWriter) {
        writer.point(owner)
        writer.point(commitment)
        writer.raw(memo.bytes)
    }

    /// Reads the canonical encoding; fields are named `<field>.owner` etc.
    public init(reading reader: inout ByteReader, field: @autoclosure () -> String) throws(ProtocolError) {
        owner = try reader.nonIdentityPoint(field() + ".owner")
        commitment = try reader.point(field() + ".commitment")
        memo = try EncryptedMemo(reading: &reader, field: field() + ".memo")
    }

    /// Opens the memo with `view`.
    /// - Throws: as `EncryptedMemo.open`.
    public func openMemo(with view: ViewKey) throws(ProtocolError) -> MemoContents {
        try memo.open(with: view, owner: owner, commitment: commitment)
    }
}

/// What the verifier needs of a spent note: its id, owner and commitment.
public struct InputNote: Sendable, Equatable {
    /// The note id.
    public let id: NoteID
    /// Its owner P.
    public let owner: RistrettoPoint
    /// Its commitment C.
    public let commitment: RistrettoPoint

    /// An input note from its parts.
    public init(id: NoteID, owner: RistrettoPoint, commitment: RistrettoPoint) {
        self.id = id
        self.owner = owner
        self.commitment = commitment
    }
}

/// An unspent output as the ledger and wallets hold it: its id and the output
/// (docs/PROTOCOL.md §7.3). Encoding: type 3 ‖ version 1 ‖ id (32) ‖ output (217).
public struct Note: Sendable, Equatable {
    /// The object type byte of a note.
    public static let objectType: UInt8 = 3
    /// The only version.
    public static let version: UInt8 = 1
    /// Encoded length.
    public static let encodedLength = 2 + 32 + Output.encodedLength

    /// BLAKE2b-256 of (parent id ‖ LE32(output index)).
    public let id: NoteID
    /// Owner, commitment and memo.
    public let output: Output

    /// A note from its parts.
    public init(id: NoteID, output: Output) {
        self.id = id
        self.output = output
    }

    /// The note's owner P.
    public var owner: RistrettoPoint { output.owner }
    /// The note's commitment C.
    public var commitment: RistrettoPoint { output.commitment }
    /// The part the transfer verifier needs.
    public var inputNote: InputNote { InputNote(id: id, owner: output.owner, commitment: output.commitment) }

    /// The canonical encoding.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: Self.encodedLength)
        w.u8(Self.objectType)
        w.u8(Self.version)
        w.raw(id.bytes)
        output.encode(to: &w)
        return w.bytes
    }

    /// Decodes the canonical encoding.
    /// - Throws: a `ProtocolError` naming the first bad field.
    public init(bytes: some Collection<UInt8>) throws(ProtocolError) {
        var r = ByteReader(bytes)
        let type = try r.u8("type")
        guard type == Self.objectType else { throw .unexpectedObjectType(expected: "note", found: Int(type)) }
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "note", version: Int(version)) }
        id = NoteID(uncheckedBytes: try r.raw(32, "id"))
        output = try Output(reading: &r, field: "output")
        try r.finish()
    }
}

extension WalletKeys {
    /// Opens an output addressed to this wallet: the owner must be this wallet's P and
    /// the memo must decrypt and open the commitment.
    /// - Throws: `noteNotOwned`, `memoNotForThisKey`, `memoMalformed`, `memoCommitmentMismatch`.
    public func open(_ output: Output) throws(ProtocolError) -> MemoContents {
        guard output.owner == spend.publicKey else { throw .noteNotOwned }
        return try output.openMemo(with: view)
    }
}
