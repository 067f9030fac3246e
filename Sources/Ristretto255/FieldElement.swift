// Field elements of GF(p), p = 2^255 - 19, in radix 2^51: five UInt64 limbs,
// value = l0 + l1*2^51 + l2*2^102 + l3*2^153 + l4*2^204 (not necessarily reduced).
//
// Limb bounds (the same discipline as curve25519-dalek's u64 backend):
// - "reduced" means every limb < 2^51 + 2^13 (output of mul, square, sub, neg, reduce);
//   a canonical element (from `bytes`) has every limb < 2^51 and value < p.
// - `+` does not reduce: the sum of two reduced elements has limbs < 2^52 + 2^14.
// - `mul`/`square` accept limbs < 2^54 (then 19 * limb < 2^59 and each 128-bit column
//   sum of five products stays < 2^117, far below 2^128) and return reduced limbs.
// - `-` computes a + 16p - b: it accepts a with limbs < 2^54 and b with limbs
//   <= 16 * (2^51 - 19) ~ 2^55, and returns reduced limbs.
// - `lazyDifference` computes a + 2p - b (or 4p) without the carry (a < 2^53, b reduced,
//   or a sum of two for 4p): its limbs are < 2^54, a valid factor of mul but not reduced.
// With ZKPAY_VERIFY defined, `assertBounds` checks the input bounds of mul and sub.

/// An element of GF(2^255 - 19) in radix 2^51.
package struct FieldElement: Sendable {
    package var l0: UInt64
    package var l1: UInt64
    package var l2: UInt64
    package var l3: UInt64
    package var l4: UInt64

    static let mask51: UInt64 = (1 << 51) - 1

    /// Builds an element from raw limbs (each < 2^54 for later arithmetic).
    @inline(__always)
    package init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    package static let zero = FieldElement(0, 0, 0, 0, 0)
    package static let one = FieldElement(1, 0, 0, 0, 0)
    package static let minusOne = FieldElement(
        0x7_ffff_ffff_ffec, 0x7_ffff_ffff_ffff, 0x7_ffff_ffff_ffff, 0x7_ffff_ffff_ffff, 0x7_ffff_ffff_ffff)

    /// Reads 32 little-endian bytes, ignoring bit 255 (RFC 9496 §4.3.4 masks it; the
    /// ristretto decoder instead rejects it by re-encoding). The value is not reduced
    /// mod p: 2^255 - 19 ... 2^255 - 1 give limbs that still represent values mod p.
    /// - Precondition: exactly 32 bytes.
    package init(bytesMaskingBit255 bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "a field element encoding is 32 bytes")
        let w = loadWords4(bytes)
        let m = FieldElement.mask51
        self.init(w.0 & m,
                  (w.0 >> 51 | w.1 << 13) & m,
                  (w.1 >> 38 | w.2 << 26) & m,
                  (w.2 >> 25 | w.3 << 39) & m,
                  (w.3 >> 12) & m)
    }

    /// The canonical 32-byte little-endian encoding (value fully reduced mod p, bit 255 clear).
    package var bytes: [UInt8] {
        let (a0, a1, a2, a3) = canonicalWords
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: a0.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: a1.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: a2.littleEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: a3.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }

    /// The fully reduced value as four little-endian 64-bit words (constant time).
    package var canonicalWords: (UInt64, UInt64, UInt64, UInt64) {
        let m = FieldElement.mask51
        var h = self.reduced()  // limbs < 2^51 + 2^13, value < 2p
        // q = 1 iff h >= p: add 19 and see whether the carry reaches bit 255.
        var q = (h.l0 &+ 19) >> 51
        q = (h.l1 &+ q) >> 51
        q = (h.l2 &+ q) >> 51
        q = (h.l3 &+ q) >> 51
        q = (h.l4 &+ q) >> 51
        // h - q*p = h + 19q - q*2^255.
        h.l0 &+= 19 &* q
        h.l1 &+= h.l0 >> 51; h.l0 &= m
        h.l2 &+= h.l1 >> 51; h.l1 &= m
        h.l3 &+= h.l2 >> 51; h.l2 &= m
        h.l4 &+= h.l3 >> 51; h.l3 &= m
        h.l4 &= m
        return (h.l0 | h.l1 << 51,
                h.l1 >> 13 | h.l2 << 38,
                h.l2 >> 26 | h.l3 << 25,
                h.l3 >> 39 | h.l4 << 12)
    }

    /// Carries the limbs so that each is < 2^51 + 2^13 (the value is unchanged mod p).
    @inline(__always)
    package func reduced() -> FieldElement {
        let m = FieldElement.mask51
        let c0 = l0 >> 51, c1 = l1 >> 51, c2 = l2 >> 51, c3 = l3 >> 51, c4 = l4 >> 51
        return FieldElement((l0 & m) &+ c4 &* 19, (l1 & m) &+ c0, (l2 & m) &+ c1, (l3 & m) &+ c2, (l4 & m) &+ c3)
    }

    /// Limb-wise sum without reduction (see the bounds at the top of the file).
    @inline(__always)
    package static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        FieldElement(a.l0 &+ b.l0, a.l1 &+ b.l1, a.l2 &+ b.l2, a.l3 &+ b.l3, a.l4 &+ b.l4)
    }

    /// a - b computed as (a + 16p) - b, then carried.
    @inline(__always)
    package static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        a.assertBounds(54); b.assertBounds(55)
        return FieldElement((a.l0 &+ 36_028_797_018_963_664) &- b.l0,
                            (a.l1 &+ 36_028_797_018_963_952) &- b.l1,
                            (a.l2 &+ 36_028_797_018_963_952) &- b.l2,
                            (a.l3 &+ 36_028_797_018_963_952) &- b.l3,
                            (a.l4 &+ 36_028_797_018_963_952) &- b.l4).reduced()
    }

    /// a - b as a + kp - b (k = 2 or 4), not carried, for a difference that only feeds `*`
    /// or `squared`: b's limbs at most kp's (k = 2: every reduced element; k = 4: a sum of
    /// two), a's below 2^53; the result's limbs are below 2^54, which mul accepts, but it is
    /// not reduced and may not be a subtrahend. Saves the carry pass of `-` inside the point
    /// formulas.
    @inline(__always)
    package static func lazyDifference(_ a: FieldElement, _ b: FieldElement, timesP k: UInt64 = 2) -> FieldElement {
        a.assertBounds(53); b.assertAtMostMultipleOfP(k)
        let low = k &* ((1 << 51) - 19), high = k &* ((1 << 51) - 1)
        return FieldElement((a.l0 &+ low) &- b.l0, (a.l1 &+ high) &- b.l1, (a.l2 &+ high) &- b.l2,
                            (a.l3 &+ high) &- b.l3, (a.l4 &+ high) &- b.l4)
    }

    /// -a (reduced).
    @inline(__always)
    package static prefix func - (a: FieldElement) -> FieldElement {
        FieldElement.zero - a
    }

    @inline(__always)
    static func m(_ a: UInt64, _ b: UInt64) -> UInt128 {
        UInt128(a) &* UInt128(b)
    }

    /// Product mod p (inputs: limbs < 2^54; output reduced).
    @inline(__always)
    package static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        a.assertBounds(54); b.assertBounds(54)
        let b1 = b.l1 &* 19, b2 = b.l2 &* 19, b3 = b.l3 &* 19, b4 = b.l4 &* 19
        let mk = FieldElement.mask51
        // Column by column, each carried into the next as it is finished: one 128-bit
        // accumulator is live instead of five, which keeps the limbs in registers.
        var c = m(a.l0, b.l0) &+ m(a.l4, b1) &+ m(a.l3, b2) &+ m(a.l2, b3) &+ m(a.l1, b4)
        var o0 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a.l1, b.l0) &+ m(a.l0, b.l1) &+ m(a.l4, b2) &+ m(a.l3, b3) &+ m(a.l2, b4)
        var o1 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a.l2, b.l0) &+ m(a.l1, b.l1) &+ m(a.l0, b.l2) &+ m(a.l4, b3) &+ m(a.l3, b4)
        let o2 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a.l3, b.l0) &+ m(a.l2, b.l1) &+ m(a.l1, b.l2) &+ m(a.l0, b.l3) &+ m(a.l4, b4)
        let o3 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a.l4, b.l0) &+ m(a.l3, b.l1) &+ m(a.l2, b.l2) &+ m(a.l1, b.l3) &+ m(a.l0, b.l4)
        let o4 = UInt64(truncatingIfNeeded: c) & mk
        // Each column sum stays < 2^117 (five products of a limb < 2^54 and one < 2^59, plus
        // a carry < 2^66). The last column holds no factor 19: it is < 5 * 2^108 + 2^66 <
        // 2^110.4, so its carry is < 2^59.4 and the carry times 19 fits in 64 bits.
        o0 &+= UInt64(truncatingIfNeeded: c >> 51) &* 19
        o1 &+= o0 >> 51
        o0 &= mk
        return FieldElement(o0, o1, o2, o3, o4)
    }

    /// self^2 mod p (input limbs < 2^54; output reduced).
    @inline(__always)
    package func squared() -> FieldElement {
        assertBounds(54)
        let a0_2 = l0 &* 2, a1_2 = l1 &* 2
        let a3_19 = l3 &* 19, a4_19 = l4 &* 19
        let m = FieldElement.m, mk = FieldElement.mask51
        // Column by column, as in `*`.
        var c = m(l0, l0) &+ m(a1_2, a4_19) &+ m(l2 &* 2, a3_19)
        var o0 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a0_2, l1) &+ m(l2 &* 2, a4_19) &+ m(l3, a3_19)
        var o1 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a0_2, l2) &+ m(l1, l1) &+ m(l3 &* 2, a4_19)
        let o2 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a0_2, l3) &+ m(a1_2, l2) &+ m(l4, a4_19)
        let o3 = UInt64(truncatingIfNeeded: c) & mk
        c = (c >> 51) &+ m(a0_2, l4) &+ m(a1_2, l3) &+ m(l2, l2)
        let o4 = UInt64(truncatingIfNeeded: c) & mk
        o0 &+= UInt64(truncatingIfNeeded: c >> 51) &* 19
        o1 &+= o0 >> 51
        o0 &= mk
        return FieldElement(o0, o1, o2, o3, o4)
    }

    /// self^(2^k) for k >= 1.
    package func squared(times k: Int) -> FieldElement {
        var r = self.squared()
        var i = 1
        while i < k { r = r.squared(); i += 1 }
        return r
    }

    /// 2 * self^2 (used by point doubling formulas that need it).
    @inline(__always)
    package func squaredDoubled() -> FieldElement {
        let s = squared()
        return s + s
    }

    /// Constant-time equality of the values mod p.
    package func ctEquals(_ other: FieldElement) -> CTBool {
        let a = canonicalWords, b = other.canonicalWords
        return ctIsZero((a.0 ^ b.0) | (a.1 ^ b.1) | (a.2 ^ b.2) | (a.3 ^ b.3))
    }

    /// True iff the canonical value is odd (RFC 9496 §4.1 IS_NEGATIVE).
    package var isNegative: CTBool { CTBool(bit: canonicalWords.0 & 1) }

    /// True iff the value is 0 mod p.
    package var isZero: CTBool {
        let a = canonicalWords
        return ctIsZero(a.0 | a.1 | a.2 | a.3)
    }

    /// -self when `choice` is true (CT_NEG).
    @inline(__always)
    package func conditionalNegated(_ choice: CTBool) -> FieldElement {
        FieldElement.select(self, -self, choice)
    }

    /// |self|: the non-negative (even) one of ±self (CT_ABS).
    @inline(__always)
    package var absolute: FieldElement { conditionalNegated(isNegative) }

    /// Checks limb bounds in the `ZKPAY_VERIFY` build; free otherwise.
    @inline(__always)
    func assertBounds(_ bits: UInt64) {
        #if ZKPAY_VERIFY
        if bits >= 55 {
            // Subtrahend of `-`: limb-wise at most 16p's limbs, so a + 16p - b cannot wrap.
            precondition(l0 <= 36_028_797_018_963_664 && l1 <= 36_028_797_018_963_952 && l2 <= 36_028_797_018_963_952
                         && l3 <= 36_028_797_018_963_952 && l4 <= 36_028_797_018_963_952,
                         "field element subtrahend exceeds 16p limb-wise")
        } else {
            let bound: UInt64 = 1 << bits
            precondition(l0 < bound && l1 < bound && l2 < bound && l3 < bound && l4 < bound,
                         "field element limb exceeds its documented bound 2^\(bits)")
        }
        #endif
    }
}

extension FieldElement {
    /// Checks, in the `ZKPAY_VERIFY` build, that every limb is at most the same limb of
    /// k * p in radix 2^51 (k = 2 or 4), so that k p - self cannot wrap; free otherwise.
    @inline(__always)
    func assertAtMostMultipleOfP(_ k: UInt64) {
        #if ZKPAY_VERIFY
        let low = k &* ((1 << 51) - 19), high = k &* ((1 << 51) - 1)
        precondition(l0 <= low && l1 <= high && l2 <= high && l3 <= high && l4 <= high,
                     "field element subtrahend exceeds \(k)p limb-wise")
        #endif
    }
}

extension FieldElement: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: FieldElement, _ b: FieldElement, _ choice: CTBool) -> FieldElement {
        let m = choice.mask
        return FieldElement(a.l0 ^ ((a.l0 ^ b.l0) & m), a.l1 ^ ((a.l1 ^ b.l1) & m), a.l2 ^ ((a.l2 ^ b.l2) & m),
                            a.l3 ^ ((a.l3 ^ b.l3) & m), a.l4 ^ ((a.l4 ^ b.l4) & m))
    }
}
