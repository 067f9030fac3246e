public import Ristretto255
import Schnorr
public import Sodium

/// Who governs a ledger from a sequence on: the validators whose quorum certifies its
/// batches, and the auditors its transfers must disclose amounts to. The genesis sets the
/// first; each `AuthorityStatement` replaces it from its `effective` sequence.
public struct Authority: Sendable, Equatable {
    /// 0 for the genesis's authority, else the number of the statement that set it.
    public let number: UInt32
    /// The first ledger sequence it governs.
    public let effective: UInt64
    public let validators: [GenesisValidator]
    public let auditors: [AuditorKey]
    /// The id the next statement names as `previous`: the chain id for the genesis's
    /// authority, else the id of the statement that set it.
    public let id: [UInt8]

    /// q(N) of its validator set (§7.7).
    public var quorum: Int { Genesis.quorum(validatorCount: validators.count) }
}

/// A signed change of a ledger's validator set and auditor keys, taking effect at a stated
/// ledger sequence (docs/PROTOCOL.md §7.12): signed by a quorum of the validators in office
/// before it and, when the auditor keys change, by the issuer too. Statements form a chain
/// from the genesis (each names the previous one's id), which `AuthorityChain` checks.
///
///     version u8 (1) ‖ chain id (32) ‖ LE32(number) ‖ previous id (32) ‖ LE64(effective sequence)
///     ‖ validator count N u8 (1...64) ‖ N × ( name length u8 ‖ name ‖ Ed25519 key (32) )
///     ‖ auditor count K u8 (0...8) ‖ K × auditor key (32)        ← the signed body ends here
///     ‖ signature count S u8 ‖ S × ( validator index u8 (strictly increasing) ‖ Ed25519 signature (64) )
///     ‖ issuer flag u8 (0 or 1) ‖ [schnorrkel signature (64), context "zkpay/authority/v1", generator B]
public struct AuthorityStatement: Sendable, Equatable {
    public static let version: UInt8 = 1
    /// The longest encoding: every count at its largest, names of 32 bytes, the issuer's signature.
    public static let maxEncodedLength = 1 + 32 + 4 + 32 + 8 + 1 + Genesis.maxValidators * (1 + 32 + 32)
        + 1 + Auditing.maxAuditors * 32 + 1 + Genesis.maxValidators * (1 + 64) + 1 + 64

    /// A validator's signature: its index in the validator set in office before the statement.
    public struct Signer: Sendable, Equatable {
        public let index: Int
        public let signature: [UInt8]

        public init(index: UInt8, signature: [UInt8]) {
            self.index = Int(index)
            self.signature = signature
        }
    }

    public let chainID: ChainID
    /// 1 for the first statement after the genesis, then 2, 3, …
    public let number: UInt32
    /// The id of the authority it replaces (the chain id when `number` is 1).
    public let previous: [UInt8]
    /// The first ledger sequence the new authority governs.
    public let effective: UInt64
    public let validators: [GenesisValidator]
    public let auditors: [AuditorKey]
    public let signers: [Signer]
    /// The issuer's signature (64 bytes), required when the auditor keys change.
    public let issuerSignature: [UInt8]?
    /// The signed body: every field before the signatures.
    public let body: [UInt8]

    /// `BLAKE2b-256("zkpay/authority-id/v1", body)`: what the next statement names as previous.
    public var id: [UInt8] { Hash.blake2b(body, outputLength: 32, key: Domain.key(Domain.authorityID)) }

    /// What each validator signs with Ed25519: "zkpay/authority-statement/v1" ‖ body.
    public var validatorMessage: [UInt8] { Array(Domain.authorityStatement.utf8) + body }

    /// The whole encoding.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: body.count + 2 + signers.count * 65 + 64)
        w.raw(body)
        w.u8(UInt8(signers.count))
        for s in signers {
            w.u8(UInt8(s.index))
            w.raw(s.signature)
        }
        if let issuerSignature {
            w.u8(1)
            w.raw(issuerSignature)
        } else {
            w.u8(0)
        }
        return w.bytes
    }

    /// An unsigned statement.
    /// - Throws: `countOutOfRange` for an empty or oversized validator set or too many
    ///   auditors; `invalidEncoding` for a repeated name, key or auditor key.
    public init(chain: ChainID, number: UInt32, previous: [UInt8], effective: UInt64, validators: [GenesisValidator],
                auditors: [AuditorKey]) throws(ProtocolError) {
        try self.init(chain: chain, number: number, previous: previous, effective: effective, validators: validators,
                      auditors: auditors, signers: [], issuerSignature: nil)
    }

    private init(chain: ChainID, number: UInt32, previous: [UInt8], effective: UInt64, validators: [GenesisValidator],
                 auditors: [AuditorKey], signers: [Signer], issuerSignature: [UInt8]?) throws(ProtocolError) {
        guard (1...Genesis.maxValidators).contains(validators.count) else {
            throw .countOutOfRange(field: "validators count", count: validators.count, allowed: "1...\(Genesis.maxValidators)")
        }
        guard auditors.count <= Auditing.maxAuditors else {
            throw .countOutOfRange(field: "auditors count", count: auditors.count, allowed: "0...\(Auditing.maxAuditors)")
        }
        guard Set(validators.map(\.name)).count == validators.count else {
            throw .invalidEncoding(field: "validators", reason: "two validators share a name")
        }
        guard Set(validators.map(\.publicKey)).count == validators.count else {
            throw .invalidEncoding(field: "validators", reason: "two validators share a key")
        }
        guard Set(auditors).count == auditors.count else {
            throw .invalidEncoding(field: "auditors", reason: "an auditor key appears twice")
        }
        guard previous.count == 32 else {
            throw .invalidEncoding(field: "previous", reason: "\(previous.count) bytes, expected 32")
        }
        chainID = chain
        self.number = number
        self.previous = previous
        self.effective = effective
        self.validators = validators
        self.auditors = auditors
        self.signers = signers
        self.issuerSignature = issuerSignature
        var w = ByteWriter()
        w.u8(Self.version)
        w.raw(chain.bytes)
        w.u32(number)
        w.raw(previous)
        w.u64(effective)
        GenesisValidator.encode(validators, to: &w)
        w.u8(UInt8(auditors.count))
        for a in auditors { w.raw(a.encoding) }
        body = w.bytes
    }

    /// This statement with one more validator signature (`index` in the set in office before
    /// it; an earlier signature of the same index is replaced).
    public func signed(asValidator index: UInt8, key: Ed25519KeyPair) -> AuthorityStatement {
        adding(Signer(index: index, signature: key.sign(validatorMessage)))
    }

    /// This statement with `signer` added, the signatures kept in index order.
    public func adding(_ signer: Signer) -> AuthorityStatement {
        var all = signers.filter { $0.index != signer.index }
        all.append(signer)
        all.sort { $0.index < $1.index }
        return replacing(signers: all, issuerSignature: issuerSignature)
    }

    /// This statement signed by the issuer (its spend key).
    public func signed(asIssuer issuer: SpendKey) -> AuthorityStatement {
        var signer = SecureSigner()
        return signed(asIssuer: issuer, signer: &signer)
    }

    /// `signed(asIssuer:)` with the signer supplied (fixtures and tests).
    package func signed(asIssuer issuer: SpendKey, signer: inout some TransferSigner) -> AuthorityStatement {
        var nonceSeed = issuer.nonceSeed.withUnsafeBytes { Array($0) }
        defer { secureZero(&nonceSeed) }
        let message = body
        let signature = issuer.secret.withScalar { x in
            signer.sign(secret: x, nonceSeed: nonceSeed, publicKey: issuer.publicKey,
                        transcript: Contexts.authority.bytes(message), generator: .basepoint)
        }
        return replacing(signers: signers, issuerSignature: signature)
    }

    private func replacing(signers: [Signer], issuerSignature: [UInt8]?) -> AuthorityStatement {
        do {
            return try AuthorityStatement(chain: chainID, number: number, previous: previous, effective: effective,
                                          validators: validators, auditors: auditors, signers: signers,
                                          issuerSignature: issuerSignature)
        } catch { preconditionFailure("the fields were checked when this statement was made: \(error)") }
    }

    /// Decodes exactly one canonical statement (signatures are checked by `AuthorityChain`).
    /// - Throws: `ProtocolError` naming the first wrong field.
    public init(bytes data: [UInt8]) throws(ProtocolError) {
        var r = ByteReader(data)
        let version = try r.u8("version")
        guard version == Self.version else { throw .unknownVersion(object: "authority statement", version: Int(version)) }
        let chain = ChainID(uncheckedBytes: try r.raw(32, "chain_id"))
        let number = try r.u32("number")
        let previous = try r.raw(32, "previous")
        let effective = try r.u64("effective")
        let validators: [GenesisValidator]
        do { validators = try GenesisValidator.decodeSet(&r) } catch let e as ProtocolError {
            throw e
        } catch {
            throw .invalidEncoding(field: "validators", reason: "\(error)")
        }
        let auditorCount = try r.count("auditors count", allowed: 0...Auditing.maxAuditors)
        var auditors: [AuditorKey] = []
        for k in 0..<auditorCount {
            auditors.append(try AuditorKey(encoding: try r.raw(32, "auditors[\(k)]"), field: "auditors[\(k)]"))
        }
        let signerCount = try r.count("signatures count", allowed: 0...Genesis.maxValidators)
        var signers: [Signer] = []
        for k in 0..<signerCount {
            let index = try r.u8("signatures[\(k)].index")
            if let last = signers.last, Int(index) <= last.index {
                throw .invalidEncoding(field: "signatures[\(k)].index", reason: "indices must increase")
            }
            signers.append(Signer(index: index, signature: try r.raw(64, "signatures[\(k)].signature")))
        }
        let flag = try r.u8("issuer flag")
        var issuerSignature: [UInt8]? = nil
        switch flag {
        case 0: break
        case 1: issuerSignature = try r.raw(64, "issuer_signature")
        default: throw .invalidEncoding(field: "issuer flag", reason: "\(flag), expected 0 or 1")
        }
        try r.finish()
        try self.init(chain: chain, number: number, previous: previous, effective: effective, validators: validators,
                      auditors: auditors, signers: signers, issuerSignature: issuerSignature)
    }
}

/// Why an authority statement does not continue a ledger's chain of statements.
public enum AuthorityError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongChain
    case wrongNumber(expected: UInt32, found: UInt32)
    case wrongPrevious
    /// The effective sequence is not after the one of the authority it replaces.
    case notLater(effective: UInt64, current: UInt64)
    /// A signature's index names no validator of the set in office.
    case unknownSigner(index: Int)
    case invalidValidatorSignature(name: String)
    case noQuorum(valid: Int, needed: Int)
    /// The auditor keys change but the issuer did not sign.
    case issuerSignatureMissing
    case invalidIssuerSignature

    public var description: String {
        switch self {
        case .wrongChain: "the statement belongs to another ledger (its chain id differs)"
        case let .wrongNumber(expected, found): "statement number \(found) where \(expected) comes next"
        case .wrongPrevious: "the statement does not name the authority in office as the one it replaces"
        case let .notLater(effective, current):
            "the statement takes effect at sequence \(effective), not after the authority in office (from \(current))"
        case let .unknownSigner(index): "signature by validator index \(index), which the set in office does not have"
        case let .invalidValidatorSignature(name): "validator \(name)'s signature does not verify"
        case let .noQuorum(valid, needed): "\(valid) valid validator signatures; the set in office needs \(needed)"
        case .issuerSignatureMissing: "the auditor keys change, so the issuer must sign the statement too"
        case .invalidIssuerSignature: "the issuer's signature does not verify"
        }
    }
}

/// A ledger's authorities from its genesis: the genesis's, then one per statement, each
/// checked against the one before it, so that whoever pins the genesis can check every later
/// validator set and auditor key without trusting one validator.
public struct AuthorityChain: Sendable {
    /// The ledger's chain id: every statement names it.
    public let chainID: ChainID
    /// The issuer, who signs every change of the auditor keys.
    public let issuer: RistrettoPoint
    /// In order: the genesis's authority first.
    public private(set) var authorities: [Authority]
    public private(set) var statements: [AuthorityStatement] = []

    public init(genesis: Genesis) {
        self.init(chainID: genesis.chainID, issuer: genesis.issuer.spendKey, validators: genesis.validators,
                  auditors: genesis.auditors)
    }

    /// The chain of a ledger whose genesis names `validators` and `auditors`. With no
    /// validators no statement reaches a quorum, so the first authority stays in office.
    public init(chainID: ChainID, issuer: RistrettoPoint, validators: [GenesisValidator], auditors: [AuditorKey]) {
        self.chainID = chainID
        self.issuer = issuer
        authorities = [Authority(number: 0, effective: 1, validators: validators, auditors: auditors, id: chainID.bytes)]
    }

    /// The chain of `statements` in order from `genesis`.
    /// - Throws: the `AuthorityError` of the first statement that does not continue the chain.
    public init(genesis: Genesis, statements: [AuthorityStatement]) throws(AuthorityError) {
        self.init(genesis: genesis)
        for s in statements { try append(s) }
    }

    /// The authority in office after the last statement.
    public var current: Authority { authorities[authorities.count - 1] }

    /// The authority that governs ledger sequence `sequence`.
    public func authority(at sequence: UInt64) -> Authority {
        authorities.last { $0.effective <= sequence } ?? authorities[0]
    }

    /// The first effective sequence of a statement later than `sequence` (nil if none is
    /// pending): the authority changes there.
    public func nextChange(after sequence: UInt64) -> UInt64? {
        authorities.first { $0.effective > sequence }?.effective
    }

    /// Takes the last statement out of the chain (a ledger undoing the batch that settled it).
    package mutating func removeLast() {
        guard !statements.isEmpty else { return }
        statements.removeLast()
        authorities.removeLast()
    }

    /// Checks `statement` against the authority in office and, if it continues the chain,
    /// puts the authority it states in office from its effective sequence.
    /// - Throws: `AuthorityError` saying what is wrong; the chain is unchanged then.
    /// - Warning: Variable time; public data only.
    public mutating func append(_ statement: AuthorityStatement) throws(AuthorityError) {
        let office = current
        guard statement.chainID == chainID else { throw .wrongChain }
        guard statement.number == office.number &+ 1, statement.number > office.number else {
            throw .wrongNumber(expected: office.number &+ 1, found: statement.number)
        }
        guard statement.previous == office.id else { throw .wrongPrevious }
        guard statement.effective > office.effective else {
            throw .notLater(effective: statement.effective, current: office.effective)
        }
        let message = statement.validatorMessage
        for s in statement.signers {
            guard s.index < office.validators.count else { throw .unknownSigner(index: s.index) }
            let v = office.validators[s.index]
            guard Ed25519.verify(signature: s.signature, message: message, publicKey: v.publicKey) else {
                throw .invalidValidatorSignature(name: v.name)
            }
        }
        guard statement.signers.count >= office.quorum else {
            throw .noQuorum(valid: statement.signers.count, needed: office.quorum)
        }
        if let signature = statement.issuerSignature {
            guard Self.issuerSigned(statement.body, signature, issuer: issuer) else {
                throw .invalidIssuerSignature
            }
        } else if statement.auditors != office.auditors {
            throw .issuerSignatureMissing
        }
        statements.append(statement)
        authorities.append(Authority(number: statement.number, effective: statement.effective,
                                     validators: statement.validators, auditors: statement.auditors, id: statement.id))
    }

    private static func issuerSigned(_ body: [UInt8], _ signature: [UInt8], issuer: RistrettoPoint) -> Bool {
        guard let s = try? Transfer.decodeSignature(signature, field: "issuer_signature") else { return false }
        return PublicKey(point: issuer).statement(for: s, Contexts.authority.bytes(body)).isSatisfiedVartime(backend: .portable)
    }
}
