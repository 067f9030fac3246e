public import BatchVerify
import Merlin
public import Ristretto255
public import Schnorr
import Sodium

/// A redemption (burn), version 1 (docs/PROTOCOL.md §7.11): the holder pays an amount out of
/// the confidential ledger to a bank reference. It wraps a complete transfer whose output
/// `burnedIndex` is the amount paid out, and reveals that output's opening, so everyone sees
/// the amount and nobody can spend the note: the ledger settles the transfer without
/// creating it.
///
///     type u8 = 4 ‖ version u8 = 1 ‖ chain id (32)
///     LE32(transfer length) ‖ canonical transfer (§7.4)
///     burned output index u8 ‖ LE64(amount) ‖ blinding (32, canonical scalar)
///     reference length u8 (1...140) ‖ reference (printable ASCII)
///     holder signature (64)           ← signs every byte before it
///
/// The holder signature is schnorrkel with context "zkpay/redemption/v1", key the inner
/// transfer's sender P, generator B. The redemption id is BLAKE2b-256 keyed
/// "zkpay/redemption-id/v1" of the whole encoding.
///
/// Holding a `Redemption` means the bytes decoded strictly (the inner transfer too, the
/// chain ids agree, the burned output exists and is owned by the sender, the reference
/// is well formed); `statements(inputs:backend:)` gives what makes it valid.
public struct Redemption: Sendable, Equatable {
    /// The object type byte of a redemption (1 transfer, 2 mint, 3 note).
    public static let objectType: UInt8 = 4
    /// The version this implementation encodes and accepts.
    public static let version: UInt8 = 1
    /// Allowed reference lengths in bytes (the ISO 20022 unstructured remittance limit).
    public static let referenceLengths = 1...140
    /// Largest inner transfer (16 inputs, 16 outputs, the longest range proof).
    public static let maxTransferLength = 2 + 32 + 1 + 16 * 32 + 1 + 16 * Output.encodedLength + 8 + 2 + 928 + 32 + 64
        + 32 + 64

    /// The ledger the redemption is for (equal to the inner transfer's).
    public let chainID: ChainID
    /// The transfer that spends the holder's notes; its output `burnedIndex` is burned.
    public let transfer: Transfer
    /// Which output of `transfer` is paid out.
    public let burnedIndex: Int
    /// The amount paid out (opens the burned output with `blinding`).
    public let amount: UInt64
    /// The burned output's blinding, public once burned.
    public let blinding: Scalar
    /// The bank reference: 1...140 bytes of printable ASCII without leading or trailing space.
    public let reference: String
    /// The holder's signature (key: the transfer's sender).
    public let signature: Signature
    /// The canonical encoding.
    public let bytes: [UInt8]
    /// The redemption id (computed once, when decoded).
    public let id: RedemptionID

    /// The holder: the inner transfer's sender key P.
    public var holder: RistrettoPoint { transfer.sender }
    /// The signed message (every byte before the signature).
    public var signedMessage: ArraySlice<UInt8> { bytes[0..<(bytes.count - 64)] }
    /// The burned output's commitment.
    public var burnedCommitment: RistrettoPoint { transfer.outputs[burnedIndex].commitment }

    /// The notes settling this redemption creates: every output of the inner transfer but the
    /// burned one, with the note ids the transfer gives them.
    public var createdNotes: [Note] {
        transfer.createdNotes.enumerated().filter { $0.offset != burnedIndex }.map(\.element)
    }

    /// Whether `reference` is a valid bank reference: 1...140 bytes, each printable ASCII
    /// (0x20...0x7E), the first and last not a space. Bank files (camt.053, MT940) carry
    /// such text unchanged; control characters, non-ASCII bytes and edge spaces could be
    /// dropped or altered on the way, which would change what the issuer pays out against.
    public static func referenceProblem(_ reference: [UInt8]) -> String? {
        guard referenceLengths.contains(reference.count) else {
            return "a reference has 1 to 140 bytes, not \(reference.count)"
        }
        if let i = reference.firstIndex(where: { !(0x20...0x7E).contains($0) }) {
            return "byte \(i) (0x\(String(reference[i], radix: 16))) is not printable ASCII; use letters, digits, spaces and punctuation only"
        }
        if reference.first == 0x20 || reference.last == 0x20 { return "a reference neither starts nor ends with a space" }
        return nil
    }

    /// Decodes the canonical encoding.
    /// - Parameter backend: the backend of the inner transfer's point decoding.
    /// - Throws: the first `ProtocolError` found, naming the field (`transfer.…` for the inner
    ///   transfer); `invalidReference` for a bad reference; `invalidBurn` for a burned index
    ///   outside the outputs, a burned output not owned by the sender or another chain id.
    public init(bytes data: some Collection<UInt8>, backend: Backend = .portable) throws(ProtocolError) {
        let all = Array(data)
        var r = ByteReader(all)
        let type = try r.u8("type")
        guard type == Self.objectType else { throw .unexpectedObjectType(expected: "redemption", found: Int(type)) }
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "redemption", version: Int(version)) }
        chainID = ChainID(uncheckedBytes: try r.raw(32, "chain_id"))
        let length = Int(try r.u32("transfer length"))
        guard length <= Self.maxTransferLength else {
            throw .countOutOfRange(field: "transfer length", count: length, allowed: "1...\(Self.maxTransferLength)")
        }
        let inner = try r.raw(length, "transfer")
        transfer = try Transfer(bytes: inner, backend: backend)
        guard transfer.chainID == chainID else {
            throw .invalidBurn(reason: "the inner transfer is for chain \(transfer.chainID), the redemption for \(chainID)")
        }
        burnedIndex = Int(try r.u8("burned_output"))
        guard burnedIndex < transfer.outputs.count else {
            throw .invalidBurn(reason: "burned output \(burnedIndex) does not exist: the transfer has \(transfer.outputs.count) outputs")
        }
        guard transfer.outputs[burnedIndex].owner == transfer.sender else {
            throw .invalidBurn(reason: "burned output \(burnedIndex) is not owned by the holder (the transfer's sender)")
        }
        amount = try r.u64("amount")
        blinding = try r.scalar("blinding")
        let referenceLength = try r.count("reference length", allowed: Self.referenceLengths)
        let referenceBytes = try r.raw(referenceLength, "reference")
        if let problem = Self.referenceProblem(referenceBytes) { throw .invalidReference(reason: problem) }
        reference = String(decoding: referenceBytes, as: UTF8.self)
        signature = try Transfer.decodeSignature(try r.raw(64, "signature"), field: "signature")
        try r.finish()
        bytes = all
        id = RedemptionID(uncheckedBytes: Hash.blake2b(all, outputLength: 32, key: Domain.key(Domain.redemptionID)))
    }

    /// The statements that make the redemption valid besides the inner transfer's: the
    /// opening `C_burned − amount·B − blinding·B~ = 0` and the holder signature
    /// `s·B − c·P − R = 0`.
    public func ownStatements() -> (opening: Statement, holder: Statement) {
        var opening = Statement()
        opening.add(.one, burnedCommitment)
        opening.b = -Scalar(amount)
        opening.bBlinding = -blinding
        let holder = transfer.senderKey.statement(for: signature, Contexts.redemption.bytes(signedMessage))
        return (opening, holder)
    }

    /// Verifies the redemption against the notes its transfer spends: the inner transfer's
    /// structural rules and statements (§8.2, with the auditor section for the genesis's
    /// `auditors`), the opening and the holder signature, as one
    /// multiscalar multiplication on `verifier`'s backend (per-statement checks only to name
    /// a failure).
    /// - Throws: the transfer's errors, then `burnOpeningMismatch` or `invalidHolderSignature`.
    /// - Warning: Variable time; public data only.
    public func verifyVartime(inputs: [InputNote], auditors: [AuditorKey] = [],
                              verifier: BatchVerifier = BatchVerifier(backend: .portable)) throws(ProtocolError)
    {
        let s = try TransferVerifier.statements(for: transfer, inputs: inputs, auditors: auditors, backend: verifier.backend)
        let own = ownStatements()
        guard !verifier.verifyVartime(s.all + [own.opening, own.holder]) else { return }
        if let e = s.firstFailureVartime(backend: verifier.backend) { throw e }
        if !own.opening.isSatisfiedVartime(backend: verifier.backend) { throw .burnOpeningMismatch(output: burnedIndex) }
        throw .invalidHolderSignature
    }

    /// Every statement that makes the redemption valid (the inner transfer's, the opening,
    /// the holder signature), for a verifier that checks many redemptions in one batch.
    /// - Throws: the inner transfer's structural errors (`TransferVerifier.statements`).
    public func statements(inputs: [InputNote], auditors: [AuditorKey] = [], backend: Backend = .portable)
        throws(ProtocolError) -> [Statement]
    {
        let own = ownStatements()
        return try TransferVerifier.statements(for: transfer, inputs: inputs, auditors: auditors, backend: backend).all
            + [own.opening, own.holder]
    }

    /// Builds the encoding of a redemption around `transfer` and signs it with the holder's
    /// spend key (which must be the transfer's sender).
    package static func sign(transfer: Transfer, burnedIndex: Int, amount: UInt64, blinding: Scalar, reference: [UInt8],
                             holder: SpendKey, signer: inout some TransferSigner) throws(ProtocolError) -> Redemption
    {
        if let problem = referenceProblem(reference) { throw .invalidReference(reason: problem) }
        var w = ByteWriter()
        w.u8(objectType)
        w.u8(version)
        w.raw(transfer.chainID.bytes)
        w.u32(UInt32(transfer.bytes.count))
        w.raw(transfer.bytes)
        w.u8(UInt8(truncatingIfNeeded: burnedIndex))
        w.u64(amount)
        w.scalar(blinding)
        w.u8(UInt8(reference.count))
        w.raw(reference)
        let message = w.bytes
        var nonceSeed = holder.nonceSeed.withUnsafeBytes { Array($0) }
        defer { secureZero(&nonceSeed) }
        let signature = holder.secret.withScalar { x in
            signer.sign(secret: x, nonceSeed: nonceSeed, publicKey: holder.publicKey,
                        transcript: Contexts.redemption.bytes(message), generator: .basepoint)
        }
        return try Redemption(bytes: message + signature)
    }

    public static func == (a: Redemption, b: Redemption) -> Bool { a.bytes == b.bytes }
}

/// A redemption id: BLAKE2b-256 keyed "zkpay/redemption-id/v1" of the canonical encoding.
public struct RedemptionID: Identifier32 {
    public let bytes: [UInt8]
    public init(uncheckedBytes: [UInt8]) { bytes = uncheckedBytes }
}

/// A redemption as the wallet built it: the object and the notes it spends.
public struct BuiltRedemption: Sendable {
    /// The signed redemption.
    public let redemption: Redemption
    /// The notes it spends.
    public let spent: [OwnedNote]
    /// The change returned to the holder.
    public let change: UInt64
}

/// Builds redemptions (docs/PROTOCOL.md §7.11): a transfer paying `amount` to the holder's
/// own address as output 0 (the burned output) and the change, then the opening of output 0,
/// the reference and the holder's signature.
public enum RedemptionBuilder {
    /// Builds and signs a redemption with the CSPRNG.
    /// - Throws: `invalidReference`, `insufficientFunds`, `unsupportedRequest` and the
    ///   other errors of `TransferBuilder.build`.
    public static func build(chain: ChainID, auditors: [AuditorKey] = [], from wallet: WalletKeys,
                             spending available: [OwnedNote], amount: UInt64,
                             fee: UInt64, reference: String, backend: Backend = .portable)
        throws(ProtocolError) -> BuiltRedemption
    {
        var rng = SecureRandomness()
        var signer = SecureSigner()
        return try build(chain: chain, auditors: auditors, from: wallet, spending: available, amount: amount, fee: fee, reference: reference,
                         rng: &rng, signer: &signer, backend: backend)
    }

    /// `build` with the randomness and signer supplied (tests).
    package static func build(chain: ChainID, auditors: [AuditorKey] = [], from wallet: WalletKeys,
                              spending available: [OwnedNote], amount: UInt64,
                              fee: UInt64, reference: String, rng: inout some RandomNumberGenerator,
                              signer: inout some TransferSigner, backend: Backend = .portable)
        throws(ProtocolError) -> BuiltRedemption
    {
        let referenceBytes = Array(reference.utf8)
        if let problem = Redemption.referenceProblem(referenceBytes) { throw .invalidReference(reason: problem) }
        guard amount > 0 else { throw .unsupportedRequest(reason: "a redemption pays out a positive amount") }
        var needed = fee
        let (sum, overflow) = needed.addingReportingOverflow(amount)
        guard !overflow else { throw .amountOverflow(field: "amount plus fee") }
        needed = sum
        for note in available where note.input.owner != wallet.spend.publicKey { throw .noteNotOwned }
        let (chosen, change) = try TransferBuilder.selectInputs(available, needed: needed)
        var outputs: [(recipient: Address, amount: UInt64, text: [UInt8])] = [(wallet.address, amount, Array("redeemed".utf8))]
        if change > 0 { outputs.append((wallet.address, change, [])) }
        while !Transfer.outputCounts.contains(outputs.count) { outputs.append((wallet.address, 0, [])) }
        let draft = try TransferDraft(chain: chain, auditors: auditors, inputs: chosen, outputs: outputs, fee: fee, rng: &rng,
                                      backend: backend)
        guard draft.isBalanced else {
            throw .unsupportedRequest(reason: "an owned note's amount or blinding does not open its commitment; rescan the wallet")
        }
        let transfer: Transfer
        do { transfer = try Transfer(bytes: draft.assemble(sender: wallet.spend, signer: &signer), backend: backend) } catch {
            preconditionFailure("a transfer built here decodes: \(error)")
        }
        let blinding = draft.openings[0].blinding.withScalar { $0 }
        let redemption = try Redemption.sign(transfer: transfer, burnedIndex: 0, amount: amount, blinding: blinding,
                                             reference: referenceBytes, holder: wallet.spend, signer: &signer)
        return BuiltRedemption(redemption: redemption, spent: chosen, change: change)
    }
}

// MARK: JSON

extension Redemption {
    /// The JSON form: `{"version", "chain_id", "transfer": transfer JSON, "burned_output",
    /// "amount": "decimal", "blinding", "reference": "text", "signature"}`; decoded through the
    /// binary decoder.
    public var json: JSONValue {
        .object([
            JSONMember("version", .int(Int(Self.version))),
            JSONMember("chain_id", .hex(chainID.bytes)),
            JSONMember("transfer", transfer.json),
            JSONMember("burned_output", .int(burnedIndex)),
            JSONMember("amount", .u64(amount)),
            JSONMember("blinding", .hex(blinding.bytes)),
            JSONMember("reference", .string(reference)),
            JSONMember("signature", .hex(signature.bytes)),
        ])
    }

    /// Decodes the JSON form.
    /// - Throws: `invalidJSON` for JSON-level faults, else the binary decoder's errors.
    public init(json: JSONValue, backend: Backend = .portable) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let version = try o.int("version")
        guard version == Int(Self.version) else { throw .unknownVersion(object: "redemption", version: version) }
        var w = ByteWriter()
        w.u8(Self.objectType)
        w.u8(Self.version)
        w.raw(try o.hex("chain_id", length: 32))
        let inner = try Transfer(json: try o.value("transfer"), backend: backend)
        w.u32(UInt32(inner.bytes.count))
        w.raw(inner.bytes)
        let index = try o.int("burned_output")
        guard (0...255).contains(index) else { throw .invalidJSON(field: "burned_output", reason: "expected 0...255") }
        w.u8(UInt8(index))
        w.u64(try o.u64("amount"))
        w.raw(try o.hex("blinding", length: 32))
        let reference = Array(try o.string("reference").utf8)
        guard Self.referenceLengths.contains(reference.count) else {
            throw .invalidReference(reason: "a reference has 1 to 140 bytes, not \(reference.count)")
        }
        w.u8(UInt8(reference.count))
        w.raw(reference)
        w.raw(try o.hex("signature", length: 64))
        try o.finish()
        try self.init(bytes: w.bytes, backend: backend)
    }
}
