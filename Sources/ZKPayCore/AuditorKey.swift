import Bech32m
public import Ristretto255
public import Sodium

/// An auditor's public key A = s⁻¹·B~, a twisted-ElGamal key over the Pedersen blinding
/// generator (docs/PROTOCOL.md §5.3). A ledger's genesis lists its auditors; every transfer
/// output then carries a decryption handle D = r·A for its blinding r, so the auditor
/// computes C − s·D = v·B.
///
/// Text form: bech32m with human-readable part `zkpaud` over the 32-byte encoding of A,
/// 6 + 1 + 52 + 6 = 65 characters.
public struct AuditorKey: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The human-readable part.
    public static let humanReadablePart = "zkpaud"
    /// Length of every encoded auditor key.
    public static let encodedLength = 65

    /// A.
    public let point: RistrettoPoint
    /// A's canonical encoding.
    public let encoding: [UInt8]

    /// An auditor key from its point.
    /// - Throws: `identityPoint` (field `auditor`) for the identity.
    public init(point: RistrettoPoint) throws(ProtocolError) {
        guard !point.isIdentity else { throw .identityPoint(field: "auditor") }
        self.point = point
        encoding = point.encoding
    }

    /// Decodes 32 bytes.
    /// - Throws: `nonCanonicalPoint` or `identityPoint` naming `field`.
    public init(encoding bytes: some Collection<UInt8>, field: String = "auditor") throws(ProtocolError) {
        var r = ByteReader(bytes)
        let point = try r.nonIdentityPoint(field)
        try r.finish()
        try self.init(point: point)
    }

    /// Parses a `zkpaud1…` string (all lower- or all uppercase).
    /// - Throws: `invalidAuditorKey` for a bech32m failure, another prefix or length;
    ///   `nonCanonicalPoint` / `identityPoint` for a bad point.
    public init(parsing string: String) throws(ProtocolError) {
        let bytes: [UInt8]
        do {
            bytes = try Bech32.decodeBytes(string, expectedHumanReadablePart: Self.humanReadablePart, variant: .bech32m,
                                           maximumLength: Self.encodedLength)
        } catch { throw .invalidAuditorKey(reason: error.description) }
        guard string.utf8.count == Self.encodedLength, bytes.count == 32 else {
            throw .invalidAuditorKey(reason: "it carries \(bytes.count) bytes, an auditor key carries 32")
        }
        try self.init(encoding: bytes)
    }

    /// The lowercase bech32m string.
    public var encoded: String {
        do {
            return try Bech32.encode(humanReadablePart: Self.humanReadablePart, bytes: encoding, variant: .bech32m,
                                     maximumLength: Self.encodedLength)
        } catch { preconditionFailure("a 32-byte key always encodes to 65 characters: \(error)") }
    }

    public var description: String { encoded }

    public static func == (a: AuditorKey, b: AuditorKey) -> Bool { a.encoding == b.encoding }
    public func hash(into hasher: inout Hasher) { hasher.combine(encoding) }
}

/// An auditor's secret s and public key A = s⁻¹·B~ (docs/PROTOCOL.md §5.3).
///
/// s = BLAKE2b-512(key "zkpay/auditor-secret/v1", seed) mod l for a 32-byte seed; the
/// wallet home keeps the seed in a passphrase-sealed keystore.
public struct AuditorSecret: Sendable {
    /// Seed length in bytes.
    public static let seedLength = 32
    /// s, in wiped memory.
    public let secret: SecretScalar
    /// A = s⁻¹·B~.
    public let publicKey: AuditorKey

    /// Derives the auditor secret from `seed`.
    /// - Throws: `invalidSeed` if the seed is not 32 bytes or gives s = 0.
    public init(seed: SecretBytes) throws(ProtocolError) {
        guard seed.count == Self.seedLength else { throw .invalidSeed(reason: "an auditor seed is 32 bytes, not \(seed.count)") }
        var wide = seed.withUnsafeBytes { Hash.blake2b(Array($0), outputLength: 64, key: Domain.key(Domain.auditorSecret)) }
        var s = Scalar(reducingWide: wide)
        secureZero(&wide)
        defer { secureZero(value: &s) }
        guard s != .zero else { throw .invalidSeed(reason: "the seed derives a zero auditor secret") }
        var inverse = s.inverted()
        defer { secureZero(value: &inverse) }
        try self.init(secret: s, publicPoint: Pedersen.blindingGenerator.multiply(secret: inverse))
    }

    /// An auditor secret from a nonzero scalar (tests and benchmarks).
    package init(secret s: Scalar) throws(ProtocolError) {
        guard s != .zero else { throw .invalidSeed(reason: "a zero auditor secret") }
        var inverse = s.inverted()
        defer { secureZero(value: &inverse) }
        try self.init(secret: s, publicPoint: Pedersen.blindingGenerator.multiply(secret: inverse))
    }

    private init(secret s: Scalar, publicPoint: RistrettoPoint) throws(ProtocolError) {
        secret = SecretScalar(s)
        publicKey = try AuditorKey(point: publicPoint)
    }
}
