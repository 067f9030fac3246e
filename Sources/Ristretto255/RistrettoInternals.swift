// Byte-level access to internal routines for the package's tests and the CLI's vector
// checker (package visibility: not part of the public API).

/// Byte-level entry points to internal field routines.
package enum RistrettoInternals {
    /// SQRT_RATIO_M1(u, v) of RFC 9496 §4.2 on 32-byte little-endian inputs (bit 255 masked).
    package static func sqrtRatioM1(_ u: [UInt8], _ v: [UInt8]) -> (wasSquare: Bool, r: [UInt8]) {
        let (ok, r) = FieldElement.sqrtRatioM1(FieldElement(bytesMaskingBit255: u), FieldElement(bytesMaskingBit255: v))
        return (ok.isTrue, r.bytes)
    }
}
