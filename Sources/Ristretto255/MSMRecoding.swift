// Digit recodings for the multiscalar multiplications, written straight into flat
// buffers so that recoding n scalars allocates once, not once per scalar.
// - `vartimeWriteNonAdjacentForm`: width-w NAF (Straus, public scalars).
// - `vartimeWriteSignedRadix`: signed radix-2^c digits (Pippenger, public scalars).
// - `writeRadix16Digits`: signed radix-16 digits, constant time (secret scalars).
// Every canonical scalar is < l < 2^253, which bounds the digit counts below.

extension Scalar {
    /// Writes the width-`w` NAF of `self` (2 <= w <= 8) as 256 digits, digit i at
    /// `out[i * stride]`: each zero or odd with |d| < 2^(w-1), nonzero digits at least w
    /// apart, self = sum d_i 2^i. Returns the index of the highest nonzero digit, or -1.
    /// Every one of the 256 slots is written (zeros included).
    /// - Warning: Variable time. Public scalars only.
    @inline(__always)
    package func vartimeWriteNonAdjacentForm(width w: Int, into out: UnsafeMutablePointer<Int8>, stride: Int) -> Int {
        let limbs = words
        @inline(__always) func limb(_ i: Int) -> UInt64 { Scalar.word(limbs, i) }
        for i in 0..<256 { out[i * stride] = 0 }
        let width = UInt64(1) << UInt64(w)
        let windowMask = width - 1
        var pos = 0
        var carry: UInt64 = 0
        var top = -1
        while pos < 256 {
            let idx = pos >> 6, bit = pos & 63
            let bitBuf: UInt64 = bit < 64 - w
                ? limb(idx) >> UInt64(bit)
                : (limb(idx) >> UInt64(bit)) | (limb(idx + 1) << UInt64(64 - bit))
            let window = carry &+ (bitBuf & windowMask)
            if window & 1 == 0 {
                pos += 1
                continue
            }
            if window < width / 2 {
                carry = 0
                out[pos * stride] = Int8(truncatingIfNeeded: window)
            } else {
                carry = 1
                out[pos * stride] = Int8(truncatingIfNeeded: Int(window) - Int(width))
            }
            top = pos
            pos += w
        }
        return top
    }

    /// The number of signed radix-2^c digits `vartimeWriteSignedRadix` writes:
    /// ceil(254 / c), so that the top window holds at most c - 1 bits of a scalar
    /// below 2^253 and, with the carry from below, a digit of at most 2^(c-1).
    @inline(__always)
    package static func signedRadixDigitCount(windowBits c: Int) -> Int { (254 + c - 1) / c }

    /// Writes the signed radix-2^c digits of `self` (1 <= c <= 15): digit k at
    /// `out[k * stride]`, k < `signedRadixDigitCount(windowBits: c)`, with
    /// self = sum d_k 2^(c k) and every d_k in [-2^(c-1), 2^(c-1)].
    /// - Warning: Variable time. Public scalars only.
    @inline(__always)
    package func vartimeWriteSignedRadix(windowBits c: Int, into out: UnsafeMutablePointer<Int16>, stride: Int) {
        let limbs = words
        @inline(__always) func limb(_ i: Int) -> UInt64 { Scalar.word(limbs, i) }
        let count = Scalar.signedRadixDigitCount(windowBits: c)
        let radix = Int64(1) << Int64(c)
        let half = radix >> 1
        let mask = UInt64(radix - 1)
        var carry: Int64 = 0
        for k in 0..<count {
            let pos = k * c
            let idx = pos >> 6, bit = pos & 63
            var bits = limb(idx) >> UInt64(bit)
            if bit + c > 64 { bits |= limb(idx + 1) << UInt64(64 - bit) }
            let v = Int64(bits & mask) + carry
            if k == count - 1 {
                // No recentering: the top window holds < c bits, so v <= 2^(c-1).
                out[k * stride] = Int16(truncatingIfNeeded: v)
            } else {
                // v in [0, 2^c]: map [2^(c-1), 2^c] to [-2^(c-1), 0] with a carry.
                carry = (v + half) >> Int64(c)
                out[k * stride] = Int16(truncatingIfNeeded: v - (carry << Int64(c)))
            }
        }
    }

    /// Writes the 64 signed radix-16 digits of `self` (each in [-8, 8], self =
    /// sum a_i 16^i): digit i at `out[i * stride]`. Constant time: the loop bounds and
    /// addresses are public, the digit values only go through shifts and adds.
    @inline(__always)
    package func writeRadix16Digits(into out: UnsafeMutablePointer<Int8>, stride: Int) {
        let w = words
        var carry: Int8 = 0
        for i in 0..<64 {
            let word: UInt64
            switch i >> 4 {  // public index
            case 0: word = w.0
            case 1: word = w.1
            case 2: word = w.2
            default: word = w.3
            }
            var d = Int8(truncatingIfNeeded: (word >> UInt64(4 * (i & 15))) & 15) &+ carry
            if i < 63 {  // public index
                // Recenter [0, 16] to [-8, 8) with an arithmetic-shift carry (no branch on d).
                carry = (d &+ 8) >> 4
                d &-= carry << 4
            }
            out[i * stride] = d
        }
    }
}

extension Scalar {
    /// Word `i` of a scalar's four little-endian words, and 0 past the top (the
    /// recodings read one word beyond the window they are in).
    @inline(__always)
    static func word(_ w: (UInt64, UInt64, UInt64, UInt64), _ i: Int) -> UInt64 {
        switch i {
        case 0: w.0
        case 1: w.1
        case 2: w.2
        case 3: w.3
        default: 0
        }
    }
}
