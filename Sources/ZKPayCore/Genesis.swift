import Sodium

/// One validator of a ledger: a name people use and the Ed25519 key its receipt signatures
/// verify under.
public struct GenesisValidator: Sendable, Equatable {
    /// 1 to 32 characters of `a-z`, `0-9` and `-`.
    public let name: String
    /// Ed25519 public key (32 bytes).
    public let publicKey: [UInt8]

    /// A validator entry; `name` must satisfy `isValidName` and the key be 32 bytes.
    public init(name: String, publicKey: [UInt8]) throws(GenesisFormatError) {
        guard Self.isValidName(name) else {
            throw .damaged("validator name \"\(name)\": use 1 to 32 characters of a-z, 0-9 and -")
        }
        guard publicKey.count == 32 else { throw .damaged("validator \(name)'s key is \(publicKey.count) bytes, expected 32") }
        self.name = name
        self.publicKey = publicKey
    }

    /// Whether `name` can name a validator.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return (1...32).contains(bytes.count)
            && bytes.allSatisfy { (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d }
    }

    /// Writes a validator set as the genesis (§7.7) and authority statements (§7.12) hold it:
    /// count u8 ‖ per validator: name length u8 ‖ name ‖ Ed25519 key (32).
    static func encode(_ validators: [GenesisValidator], to w: inout ByteWriter) {
        w.u8(UInt8(validators.count))
        for v in validators {
            let name = Array(v.name.utf8)
            w.u8(UInt8(name.count))
            w.raw(name)
            w.raw(v.publicKey)
        }
    }

    /// Reads a validator set written by `encode` (1 to `Genesis.maxValidators` entries).
    /// - Throws: `ProtocolError` for a wrong count, length or truncation;
    ///   `GenesisFormatError.damaged` for a name that is not UTF-8 or not a valid name.
    static func decodeSet(_ r: inout ByteReader) throws -> [GenesisValidator] {
        let count = try r.count("validators count", allowed: 1...Genesis.maxValidators)
        var validators: [GenesisValidator] = []
        for i in 0..<count {
            let length = try r.count("validators[\(i)].name length", allowed: 1...32)
            let nameBytes = try r.raw(length, "validators[\(i)].name")
            let key = try r.raw(32, "validators[\(i)].key")
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw GenesisFormatError.damaged("validators[\(i)].name is not UTF-8")
            }
            validators.append(try GenesisValidator(name: name, publicKey: key))
        }
        return validators
    }
}

/// A ledger's fixed parameters, format version 2: the byte layout of `genesis.zkpg`, the file
/// `zkpay validator init` and `zkpay cluster init` write into every validator's data
/// directory (docs/PROTOCOL.md §7.7). The ledger reads and writes the file; this type
/// encodes and decodes it, so that wallets and auditors can pin the ledger by its chain id.
///
/// Layout (integers little-endian):
///
///     magic "zkpaygen" (8) ‖ format version u32 = 2 ‖ issuer address P ‖ V (64)
///     ‖ minimum fee u64 ‖ currency (3, ASCII A-Z) ‖ decimals u8 (0...18)
///     ‖ validator count u8 (1...64)
///     ‖ per validator: name length u8 ‖ name (ASCII a-z 0-9 -) ‖ Ed25519 key (32)
///     ‖ auditor count u8 (0...8) ‖ per auditor: A (32, canonical, not the identity)
///     ‖ chain id (32)
///
/// The chain id is BLAKE2b-256 keyed "zkpay/genesis/v2" of every byte before it. Every
/// transfer and mint carries it (so their ids and signatures bind it), the range proofs'
/// transcripts absorb it, every receipt signature covers it, and it is the ledger's initial
/// chain hash: no object of one ledger is valid on another.
public struct Genesis: Sendable, Equatable {
    /// File name inside the data directory.
    public static let fileName = "genesis.zkpg"
    /// File name of the validator's Ed25519 key seed (32 bytes, mode 0600).
    public static let keyFileName = "receipt.key"
    /// The format version this build writes and reads.
    public static let formatVersion: UInt32 = 2
    /// Most validators in one ledger (a receipt names signers by a one-byte index).
    public static let maxValidators = 64
    static let magic = Array("zkpaygen".utf8)
    static let checksumKey = Domain.key(Domain.genesisChecksum)
    /// Longest encoding (64 validators with 32-character names, 8 auditors).
    public static let maxEncodedLength = 8 + 4 + 64 + 8 + 3 + 1 + 1 + maxValidators * (1 + 32 + 32) + 1
        + Auditing.maxAuditors * 32 + 32
    /// The currency of a ledger that names none (ISO 4217 "no currency").
    public static let noCurrency = "XXX"
    /// Decimals of the amounts wallets show (units per coin: 10^decimals).
    public static let defaultDecimals: UInt8 = 6

    /// The issuer whose mints are accepted.
    public let issuer: Address
    /// Minimum transfer fee.
    public let minimumFee: UInt64
    /// The currency amounts are in: three letters A-Z (ISO 4217 where it is one; statements
    /// name it).
    public let currency: String
    /// Decimals of an amount: one coin is 10^decimals units.
    public let decimals: UInt8
    /// The validators, in index order (a receipt names its signers by index).
    public let validators: [GenesisValidator]
    /// The auditors, in order: every transfer output carries a handle for each
    /// (docs/PROTOCOL.md §7.4.1).
    public let auditors: [AuditorKey]

    /// Genesis parameters.
    /// - Throws: `damaged` if there are no validators, more than 64, two share a name or key, the
    ///   currency is not three letters A-Z, decimals exceed 18, there are more than 8 auditors
    ///   or two share a key.
    public init(issuer: Address, minimumFee: UInt64, currency: String = Genesis.noCurrency,
                decimals: UInt8 = Genesis.defaultDecimals, validators: [GenesisValidator],
                auditors: [AuditorKey] = []) throws(GenesisFormatError) {
        guard auditors.count <= Auditing.maxAuditors else {
            throw .damaged("\(auditors.count) auditors; a ledger has at most \(Auditing.maxAuditors)")
        }
        guard Set(auditors).count == auditors.count else { throw .damaged("two auditors share a key") }
        guard Self.isValidCurrency(currency) else { throw .damaged("currency \"\(currency)\": use three letters A-Z") }
        guard decimals <= 18 else { throw .damaged("\(decimals) decimals; at most 18") }
        guard (1...Self.maxValidators).contains(validators.count) else {
            throw .damaged("\(validators.count) validators; a ledger has 1 to \(Self.maxValidators)")
        }
        guard Set(validators.map(\.name)).count == validators.count else { throw .damaged("two validators share a name") }
        guard Set(validators.map(\.publicKey)).count == validators.count else { throw .damaged("two validators share a key") }
        self.issuer = issuer
        self.minimumFee = minimumFee
        self.currency = currency
        self.decimals = decimals
        self.validators = validators
        self.auditors = auditors
    }

    /// Whether `code` can name a ledger's currency: three ASCII letters A-Z.
    public static func isValidCurrency(_ code: String) -> Bool {
        let b = Array(code.utf8)
        return b.count == 3 && b.allSatisfy { (0x41...0x5a).contains($0) }
    }

    /// f = floor((N − 1) / 3): the Byzantine validators the quorum tolerates.
    public var faultTolerance: Int { (validators.count - 1) / 3 }

    /// q(N) = ceil((N + f + 1) / 2): the signatures a receipt's certificate needs
    /// (N = 1: 1; N = 3: 2; N = 4: 3).
    public var quorum: Int { Self.quorum(validatorCount: validators.count) }

    /// q(N) for a set of `n` validators, with f = floor((N − 1) / 3).
    public static func quorum(validatorCount n: Int) -> Int { (n + (n - 1) / 3 + 2) / 2 }

    /// The index of the validator whose key is `publicKey`.
    public func validatorIndex(publicKey: [UInt8]) -> Int? { validators.firstIndex { $0.publicKey == publicKey } }

    /// The index of the validator named `name`.
    public func validatorIndex(name: String) -> Int? { validators.firstIndex { $0.name == name } }

    var body: [UInt8] {
        var w = ByteWriter(capacity: Self.maxEncodedLength)
        w.raw(Self.magic)
        w.u32(Self.formatVersion)
        w.raw(issuer.payload)
        w.u64(minimumFee)
        w.raw(Array(currency.utf8))
        w.u8(decimals)
        GenesisValidator.encode(validators, to: &w)
        w.u8(UInt8(auditors.count))
        for a in auditors { w.raw(a.encoding) }
        return w.bytes
    }

    /// The chain id: the genesis hash, also the initial chain hash.
    public var chainID: ChainID { ChainID(uncheckedBytes: Hash.blake2b(body, outputLength: 32, key: Self.checksumKey)) }

    /// The file contents.
    public var bytes: [UInt8] { body + chainID.bytes }

    /// Decodes a genesis file.
    /// - Throws: `GenesisFormatError` saying what is wrong.
    public init(bytes data: [UInt8]) throws(GenesisFormatError) {
        guard data.count >= 12, Array(data[0..<8]) == Self.magic else { throw .notGenesis }
        let version = UInt32(data[8]) | UInt32(data[9]) << 8 | UInt32(data[10]) << 16 | UInt32(data[11]) << 24
        guard version == Self.formatVersion else { throw .unsupportedVersion(found: version) }
        guard data.count > 32, data.count <= Self.maxEncodedLength else {
            throw .damaged("it is \(data.count) bytes; a genesis file is at most \(Self.maxEncodedLength)")
        }
        let body = Array(data[0..<(data.count - 32)])
        guard Hash.blake2b(body, outputLength: 32, key: Self.checksumKey) == Array(data[(data.count - 32)...]) else {
            throw .damaged("checksum mismatch")
        }
        var r = ByteReader(body)
        let issuer: Address, minimumFee: UInt64, currency: String, decimals: UInt8
        var validators: [GenesisValidator] = []
        var auditors: [AuditorKey] = []
        do {
            _ = try r.raw(12, "header")
            let spend = try r.nonIdentityPoint("issuer.spend")
            let view = try r.nonIdentityPoint("issuer.view")
            issuer = try Address(spend: spend, view: view)
            minimumFee = try r.u64("minimum_fee")
            currency = String(decoding: try r.raw(3, "currency"), as: UTF8.self)
            decimals = try r.u8("decimals")
            validators = try GenesisValidator.decodeSet(&r)
            let auditorCount = try r.count("auditors count", allowed: 0...Auditing.maxAuditors)
            for k in 0..<auditorCount { auditors.append(try AuditorKey(encoding: try r.raw(32, "auditors[\(k)]"), field: "auditors[\(k)]")) }
            try r.finish()
        } catch let e as GenesisFormatError {
            throw e
        } catch { throw .damaged("\(error)") }
        try self.init(issuer: issuer, minimumFee: minimumFee, currency: currency, decimals: decimals, validators: validators,
                      auditors: auditors)
    }
}

/// Bytes that are not a genesis file this build reads.
public enum GenesisFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the genesis magic.
    case notGenesis
    /// Written by another format version.
    case unsupportedVersion(found: UInt32)
    /// Damaged (checksum, length or field) or inconsistent (validator set).
    case damaged(String)

    public var description: String {
        switch self {
        case .notGenesis:
            "not a zkpay genesis file (\(Genesis.fileName), written by `zkpay validator init` or `zkpay cluster init`)"
        case let .unsupportedVersion(found):
            "a genesis file of format version \(found); this build reads version \(Genesis.formatVersion) "
                + "(create the ledger again with this build)"
        case let .damaged(reason):
            "a damaged or invalid genesis file (\(reason))"
        }
    }
}
