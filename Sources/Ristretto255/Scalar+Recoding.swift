// Digit recodings of scalars for scalar multiplication.
// - `radix16Digits`: 64 signed digits in [-8, 8], constant time (for secret scalars).
// - `vartimeNonAdjacentForm(width:)`: width-w NAF for public scalars (written by
//   `vartimeWriteNonAdjacentForm` in MSMRecoding.swift); its running time
//   depends on the scalar's bits.

extension Scalar {
    /// Signed radix-16 digits a_i in [-8, 8] with self = sum a_i 16^i, i = 0..63
    /// (a_63 in [-8, 8] too, since canonical scalars are < 2^253). Constant time.
    package var radix16Digits: [Int8] {
        let w = words
        var digits = [Int8](repeating: 0, count: 64)
        for i in 0..<64 {
            let word: UInt64
            switch i >> 4 {
            case 0: word = w.0
            case 1: word = w.1
            case 2: word = w.2
            default: word = w.3
            }
            digits[i] = Int8(truncatingIfNeeded: (word >> UInt64(4 * (i & 15))) & 15)
        }
        // Recenter: digits in [0, 16) become [-8, 8) with a carry into the next one.
        for i in 0..<63 {
            let carry = (digits[i] &+ 8) >> 4
            digits[i] &-= carry << 4
            digits[i + 1] &+= carry
        }
        return digits
    }

    /// The width-`w` non-adjacent form (2 <= w <= 8): 256 digits, each zero or odd with
    /// |d| < 2^(w-1), nonzero digits at least w apart, self = sum d_i 2^i.
    /// - Warning: Variable time. Public scalars only.
    package func vartimeNonAdjacentForm(width w: Int) -> [Int8] {
        precondition(w >= 2 && w <= 8, "NAF width must be in 2...8")
        var naf = [Int8](repeating: 0, count: 256)
        naf.withUnsafeMutableBufferPointer { buffer in
            _ = vartimeWriteNonAdjacentForm(width: w, into: buffer.baseAddress!, stride: 1)
        }
        return naf
    }
}
