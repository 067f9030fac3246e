import Sodium

/// A ledger's fixed parameters: the byte layout of `genesis.zkpg`, the file `zkpay validator
/// init` writes in a ledger's data directory (the ledger reads and writes the file; this
/// type only encodes and decodes it, so that a wallet can pin the receipt key from it).
///
/// Layout (integers little-endian):
///
///     magic "zkpaygen" (8) ‖ format version u32 ‖ issuer address P ‖ V (64)
///     ‖ minimum fee u64 ‖ receipt public key (32) ‖ checksum (32)
///
/// The checksum is BLAKE2b-256 keyed "zkpay/genesis/v1" of every byte before it. It is
/// also the ledger's initial chain hash, so two ledgers with different parameters never
/// share a chain.
public struct Genesis: Sendable, Equatable {
    /// File name inside the data directory.
    public static let fileName = "genesis.zkpg"
    /// File name of the receipt key's 32-byte seed (mode 0600).
    public static let keyFileName = "receipt.key"
    /// The format version this build writes and reads.
    public static let formatVersion: UInt32 = 1
    static let magic = Array("zkpaygen".utf8)
    static let checksumKey = Domain.key(Domain.genesisChecksum)
    /// Encoded length.
    public static let encodedLength = 8 + 4 + 64 + 8 + 32 + 32

    /// The issuer whose mints are accepted.
    public let issuer: Address
    /// Minimum transfer fee.
    public let minimumFee: UInt64
    /// The Ed25519 key receipts verify under.
    public let receiptPublicKey: [UInt8]

    /// Genesis parameters.
    public init(issuer: Address, minimumFee: UInt64, receiptPublicKey: [UInt8]) {
        self.issuer = issuer
        self.minimumFee = minimumFee
        self.receiptPublicKey = receiptPublicKey
    }

    var body: [UInt8] {
        var w = ByteWriter(capacity: Self.encodedLength)
        w.raw(Self.magic)
        w.u32(Self.formatVersion)
        w.raw(issuer.payload)
        w.u64(minimumFee)
        w.raw(receiptPublicKey)
        return w.bytes
    }

    /// The checksum, also the initial chain hash.
    public var checksum: [UInt8] { Hash.blake2b(body, outputLength: 32, key: Self.checksumKey) }

    /// The file contents.
    public var bytes: [UInt8] { body + checksum }

    /// Decodes a genesis file.
    /// - Throws: `GenesisFormatError` saying what is wrong.
    public init(bytes data: [UInt8]) throws(GenesisFormatError) {
        guard data.count >= 12, Array(data[0..<8]) == Self.magic else { throw .notGenesis }
        let version = UInt32(data[8]) | UInt32(data[9]) << 8 | UInt32(data[10]) << 16 | UInt32(data[11]) << 24
        guard version == Self.formatVersion else { throw .unsupportedVersion(found: version) }
        guard data.count == Self.encodedLength else { throw .damaged("it is \(data.count) bytes, expected \(Self.encodedLength)") }
        let body = Array(data[0..<(Self.encodedLength - 32)])
        guard Hash.blake2b(body, outputLength: 32, key: Self.checksumKey) == Array(data[(Self.encodedLength - 32)...]) else {
            throw .damaged("checksum mismatch")
        }
        var r = ByteReader(body)
        do {
            _ = try r.raw(12, "header")
            let spend = try r.nonIdentityPoint("issuer.spend")
            let view = try r.nonIdentityPoint("issuer.view")
            issuer = try Address(spend: spend, view: view)
            minimumFee = try r.u64("minimum_fee")
            receiptPublicKey = try r.raw(32, "receipt_key")
        } catch { throw .damaged("\(error)") }
    }
}

/// Bytes that are not a genesis file this build reads.
public enum GenesisFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes do not start with the genesis magic.
    case notGenesis
    /// Written by another format version.
    case unsupportedVersion(found: UInt32)
    /// Damaged (checksum, length or field).
    case damaged(String)

    public var description: String {
        switch self {
        case .notGenesis:
            "not a zkpay genesis file (\(Genesis.fileName), written by `zkpay validator init`)"
        case let .unsupportedVersion(found):
            "a genesis file of format version \(found); this build reads version \(Genesis.formatVersion)"
        case let .damaged(reason):
            "a damaged genesis file (\(reason))"
        }
    }
}
