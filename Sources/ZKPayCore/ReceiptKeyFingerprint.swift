import Sodium

/// The fingerprint of a ledger's receipt public key: what people compare when they pin a
/// key out of band (docs/PROTOCOL.md, "Receipt-key fingerprint").
///
///     fingerprint = BLAKE2b-256(key "zkpay/receipt-key-fingerprint/v1", receipt public key (32))
///
/// shown as 64 lowercase hex digits. Every place that prints or checks a fingerprint goes
/// through this type, so the validator, the wallet and another implementation agree.
public struct ReceiptKeyFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    /// The fingerprint of `publicKey` (any length; a receipt key is 32 bytes).
    public init(publicKey: [UInt8]) {
        bytes = Hash.blake2b(publicKey, outputLength: 32, key: Domain.key(Domain.receiptKeyFingerprint))
    }

    /// A fingerprint as people type it: 64 hex digits, either case, optionally split by
    /// spaces, `:` or `-`.
    /// - Returns: nil when `text` is not 32 bytes of hex.
    public init?(parsing text: String) {
        let digits = String(text.lowercased().filter { $0 != " " && $0 != ":" && $0 != "-" })
        guard digits.utf8.count == 64, let b = ProtocolHex.decode(digits) else { return nil }
        bytes = b
    }

    /// Lowercase hex.
    public var hex: String { ProtocolHex.encode(bytes) }
    public var description: String { hex }

    /// True when `publicKey` has this fingerprint.
    public func matches(publicKey: [UInt8]) -> Bool { ReceiptKeyFingerprint(publicKey: publicKey) == self }
}
