public import Ristretto255

/// A 64-byte schnorrkel (sr25519) signature: R (32-byte ristretto255 encoding) ‖ s
/// (32-byte little-endian scalar) with bit 7 of byte 63 set as the schnorrkel marker.
///
/// Parsing is strict: the marker is required, s must be canonical (< l) and R must be
/// a canonical ristretto255 encoding. See ../shared/reference/merlin-and-schnorrkel.md §4.4.
public struct Signature: Sendable, Equatable {
    /// The commitment R.
    public let R: RistrettoPoint
    /// R's canonical encoding, as signed over.
    public let rBytes: [UInt8]
    /// The response s.
    public let s: Scalar

    init(R: RistrettoPoint, rBytes: [UInt8], s: Scalar) {
        self.R = R
        self.rBytes = rBytes
        self.s = s
    }

    /// Parses 64 signature bytes.
    /// - Throws: `wrongLength`, `notMarkedSchnorrkel`, `nonCanonicalScalar(field: "s")`,
    ///   `invalidPoint(field: "R")`.
    public init(bytes: some Collection<UInt8>) throws(SchnorrError) {
        try self.init(bytes: bytes, decodedR: nil)
    }

    /// Parses 64 signature bytes, taking R from `decodedR` when its encoding is the first
    /// 32 bytes (a caller's batch decoding); errors as `init(bytes:)`.
    package init(bytes: some Collection<UInt8>,
                 decodedR: (encoding: ArraySlice<UInt8>, point: RistrettoPoint)?) throws(SchnorrError) {
        let raw = Array(bytes)
        guard raw.count == 64 else { throw .wrongLength(field: "signature", expected: 64, actual: raw.count) }
        guard raw[63] & 0x80 != 0 else { throw .notMarkedSchnorrkel }
        var sBytes = Array(raw[32..<64])
        sBytes[31] &= 0x7f
        do { s = try Scalar(canonical: sBytes, field: "s") } catch { throw .nonCanonicalScalar(field: "s") }
        rBytes = Array(raw[0..<32])
        if let decodedR, decodedR.encoding.elementsEqual(rBytes) {
            R = decodedR.point
        } else {
            do { R = try RistrettoPoint(encoding: rBytes, field: "R") } catch { throw .invalidPoint(field: "R") }
        }
    }

    /// The 64 wire bytes: R ‖ s with the marker bit set.
    public var bytes: [UInt8] {
        var out = rBytes + s.bytes
        out[63] |= 0x80
        return out
    }

    public static func == (a: Signature, b: Signature) -> Bool { a.bytes == b.bytes }
}
