import Bech32m
public import Ristretto255

/// A zkpay address: bech32m with human-readable part `zkp` over the 64 bytes P ‖ V
/// (spend public key, then view public key).
///
/// 64 bytes are 103 five-bit groups, so an address is 3 + 1 + 103 + 6 = 113 characters.
/// BIP-350 caps strings at 90 characters because its checksum detects any 4 errors only
/// up to 89 characters; zkpay lifts the cap for `zkp` exactly to 113 (still detecting
/// every single-character error and any burst of up to 6 characters). Decoding demands
/// exactly this length, the `zkp` prefix, the bech32m checksum, zero padding bits and
/// two canonical, non-identity points (docs/PROTOCOL.md §5.2).
public struct Address: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The human-readable part.
    public static let humanReadablePart = "zkp"
    /// Length of every encoded address.
    public static let encodedLength = 113

    /// P, the key that owns the notes sent to this address.
    public let spendKey: RistrettoPoint
    /// V, the key memos are encrypted to.
    public let viewKey: RistrettoPoint
    /// P ‖ V (64 bytes).
    public let payload: [UInt8]

    /// An address from its two public keys.
    /// - Throws: `identityPoint` if either is the identity.
    public init(spend: RistrettoPoint, view: RistrettoPoint) throws(ProtocolError) {
        guard !spend.isIdentity else { throw .identityPoint(field: "address.spend") }
        guard !view.isIdentity else { throw .identityPoint(field: "address.view") }
        spendKey = spend
        viewKey = view
        payload = spend.encoding + view.encoding
    }

    /// Parses a `zkp1…` string (either all lower- or all uppercase).
    /// - Throws: `invalidAddress` for a bech32m failure, another prefix or a wrong length;
    ///   `nonCanonicalPoint` / `identityPoint` for a bad key.
    public init(parsing string: String) throws(ProtocolError) {
        let bytes: [UInt8]
        do {
            bytes = try Bech32.decodeBytes(string, expectedHumanReadablePart: Self.humanReadablePart,
                                           variant: .bech32m, maximumLength: Self.encodedLength)
        } catch { throw .invalidAddress(reason: error.description) }
        guard string.utf8.count == Self.encodedLength, bytes.count == 64 else {
            throw .invalidAddress(reason: "it carries \(bytes.count) bytes, an address carries 64 (P ‖ V)")
        }
        var reader = ByteReader(bytes)
        let spend = try reader.nonIdentityPoint("address.spend")
        let view = try reader.nonIdentityPoint("address.view")
        try self.init(spend: spend, view: view)
    }

    /// The lowercase bech32m string.
    public var encoded: String {
        do {
            return try Bech32.encode(humanReadablePart: Self.humanReadablePart, bytes: payload, variant: .bech32m,
                                     maximumLength: Self.encodedLength)
        } catch { preconditionFailure("a 64-byte payload always encodes to 113 characters: \(error)") }
    }

    public var description: String { encoded }

    public static func == (a: Address, b: Address) -> Bool { a.payload == b.payload }
    public func hash(into hasher: inout Hasher) { hasher.combine(payload) }
}
