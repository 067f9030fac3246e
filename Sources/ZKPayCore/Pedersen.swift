public import Ristretto255

/// Pedersen commitments C = v·B + r·B~ with the generators of the dalek `bulletproofs`
/// crate (docs/PROTOCOL.md §4).
public enum Pedersen {
    /// B, the ristretto255 basepoint (the value generator).
    public static let valueGenerator = RistrettoPoint.basepoint

    /// Encoding of B~ = ristretto255 element from SHA3-512(encoding of B) (the dalek
    /// `PedersenGens::default()` blinding generator; see
    /// ../shared/reference/bulletproofs-wire-format.md). A test re-derives it.
    public static let blindingGeneratorEncoding: [UInt8] = [
        0x8c, 0x92, 0x40, 0xb4, 0x56, 0xa9, 0xe6, 0xdc, 0x65, 0xc3, 0x77, 0xa1, 0x04, 0x8d, 0x74, 0x5f,
        0x94, 0xa0, 0x8c, 0xdb, 0x7f, 0x44, 0xcb, 0xcd, 0x7b, 0x46, 0xf3, 0x40, 0x48, 0x87, 0x11, 0x34,
    ]

    /// B~, the blinding generator.
    public static let blindingGenerator: RistrettoPoint = {
        do { return try RistrettoPoint(encoding: blindingGeneratorEncoding) } catch {
            preconditionFailure("the B~ constant is a valid encoding: \(error)")
        }
    }()

    /// amount·B + blinding·B~ in constant time (both are secrets of the note holder).
    public static func commit(amount: UInt64, blinding: Scalar) -> RistrettoPoint {
        RistrettoPoint.multiplyBase(secret: Scalar(amount)) + blindingGenerator.multiply(secret: blinding)
    }
}
