public import Sodium
import ZKPayCore

/// The ledger's Ed25519 receipt key.
public struct ReceiptKey: Sendable {
    /// The key pair (secret part in `SecretBytes`).
    public let pair: Ed25519KeyPair
    /// A fresh random key.
    public init() { pair = Ed25519KeyPair() }
    /// A key from a 32-byte seed.
    public init(seed: SecretBytes) throws(SodiumError) { pair = try Ed25519KeyPair(seed: seed) }
    /// The 32-byte public key receipts verify under.
    public var publicKey: [UInt8] { pair.publicKey }
}

/// A signed statement that the ledger settled a transfer or mint.
///
/// Canonical encoding (integers little-endian), 147 bytes:
///
///     type u8 = 0x52 ('R') ‖ version u8 = 1 ‖ sequence u64 ‖ kind u8 (1 transfer, 2 mint)
///     ‖ id (32) ‖ time u64 (milliseconds since 1970) ‖ chain hash after (32)
///     ‖ signature (64)
///
/// The Ed25519 signature covers "zkpay/receipt/v1" ‖ every byte before the signature.
public struct Receipt: Sendable, Equatable {
    /// What a receipt settles.
    public enum Kind: UInt8, Sendable {
        case transfer = 1
        case mint = 2
    }

    /// Type byte.
    public static let objectType: UInt8 = 0x52
    /// Version byte.
    public static let version: UInt8 = 1
    /// Encoded length.
    public static let encodedLength = 2 + 8 + 1 + 32 + 8 + 32 + 64
    /// The signature's domain prefix.
    public static let domain = Array("zkpay/receipt/v1".utf8)

    /// Position in the ledger (1 is the first settled object).
    public let sequence: UInt64
    /// Transfer or mint.
    public let kind: Kind
    /// The transfer or mint id.
    public let id: [UInt8]
    /// Settlement time, milliseconds since 1970-01-01 UTC.
    public let time: UInt64
    /// The ledger's chain hash after this object.
    public let chainHash: [UInt8]
    /// Ed25519 signature by the receipt key.
    public let signature: [UInt8]

    /// Creates and signs a receipt.
    init(sequence: UInt64, kind: Kind, id: [UInt8], time: UInt64, chainHash: [UInt8], key: ReceiptKey) {
        self.sequence = sequence
        self.kind = kind
        self.id = id
        self.time = time
        self.chainHash = chainHash
        signature = key.pair.sign(Self.domain + Self.body(sequence, kind, id, time, chainHash))
    }

    static func body(_ sequence: UInt64, _ kind: Kind, _ id: [UInt8], _ time: UInt64, _ chain: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: encodedLength)
        w.u8(objectType)
        w.u8(version)
        w.u64(sequence)
        w.u8(kind.rawValue)
        w.raw(id)
        w.u64(time)
        w.raw(chain)
        return w.bytes
    }

    /// The canonical encoding.
    public var bytes: [UInt8] { Self.body(sequence, kind, id, time, chainHash) + signature }

    /// Decodes the canonical encoding (does not check the signature: see `verify`).
    /// - Throws: `ReceiptError.malformed` naming the field.
    public init(bytes: some Collection<UInt8>) throws(ReceiptError) {
        var r = ByteReader(bytes)
        do {
            guard try r.u8("type") == Self.objectType else { throw ReceiptError.malformed("not a receipt (type byte)") }
            guard try r.u8("version") == Self.version else { throw ReceiptError.malformed("unknown receipt version") }
            sequence = try r.u64("sequence")
            guard let k = Kind(rawValue: try r.u8("kind")) else { throw ReceiptError.malformed("unknown kind") }
            kind = k
            id = try r.raw(32, "id")
            time = try r.u64("time")
            chainHash = try r.raw(32, "chain_hash")
            signature = try r.raw(64, "signature")
            try r.finish()
        } catch let e as ReceiptError {
            throw e
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// True if the signature is the receipt key `publicKey`'s over this receipt.
    public func verify(publicKey: [UInt8]) -> Bool {
        Ed25519.verify(signature: signature, message: Self.domain + Self.body(sequence, kind, id, time, chainHash),
                       publicKey: publicKey)
    }
}

/// A receipt that cannot be decoded.
public enum ReceiptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a canonical receipt.
    case malformed(String)
    public var description: String {
        switch self {
        case let .malformed(reason): "malformed receipt: \(reason)"
        }
    }
}
