// Variable-time scalar inversion by the binary extended Euclidean algorithm, for public
// scalars (verifier challenges): several times faster than the constant-time
// exponentiation x^(l-2) of `Scalar.inverted`.
//
// Invariants (a the input, l the group order, odd): x1 * a = u and x2 * a = v (mod l),
// 0 < u <= a < l and 0 < v <= l, 0 <= x1, x2 < l. Each step divides an even u or v by
// its largest power-of-two factor 2^k (and x1 or x2 by 2^k mod l) or subtracts the
// smaller of u, v from the larger; gcd(u, v) = gcd(a, l) = 1 throughout, so one of them
// reaches 1, and then x1 or x2 is 1/a. Every step shrinks u + v, which ends the loop after
// at most about 2 * 253 halvings and as many subtractions.

extension Scalar {
    /// 1/self mod l by the binary extended Euclidean algorithm. Zero maps to zero.
    /// - Warning: Variable time (branches and loop counts depend on the value): public
    ///   scalars only, e.g. verification challenges. Secrets use `inverted()`.
    public func invertedVartime() -> Scalar {
        if isZero { return .zero }
        let l = Word256(Scalar52.L.words)
        var u = Word256(words), v = l
        var x1 = Word256.one, x2 = Word256.zero
        while !u.isOne && !v.isOne {
            // Strip all factors of two at once (u, v > 0, so w0 == 0 means 64 zero bits).
            while u.isEven {
                let k = min(u.w0.trailingZeroBitCount, 63)
                u.shiftRight(k)
                x1.divideByPowerOfTwoModulo(k, l)
            }
            while v.isEven {
                let k = min(v.w0.trailingZeroBitCount, 63)
                v.shiftRight(k)
                x2.divideByPowerOfTwoModulo(k, l)
            }
            if u.isAtLeast(v) {
                u.subtract(v)
                x1.subtractModulo(x2, l)
            } else {
                v.subtract(u)
                x2.subtractModulo(x1, l)
            }
        }
        let r = u.isOne ? x1 : x2
        return Scalar(value: Scalar52(words: (r.w0, r.w1, r.w2, r.w3)))
    }
}

/// A 256-bit unsigned integer in four little-endian words (values here stay < 2^254).
struct Word256 {
    var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    @inline(__always)
    init(_ w: (UInt64, UInt64, UInt64, UInt64)) { (w0, w1, w2, w3) = w }

    static let zero = Word256((0, 0, 0, 0))
    static let one = Word256((1, 0, 0, 0))

    var isOne: Bool { w0 == 1 && (w1 | w2 | w3) == 0 }
    var isEven: Bool { w0 & 1 == 0 }

    @inline(__always)
    func isAtLeast(_ b: Word256) -> Bool {
        if w3 != b.w3 { return w3 > b.w3 }
        if w2 != b.w2 { return w2 > b.w2 }
        if w1 != b.w1 { return w1 > b.w1 }
        return w0 >= b.w0
    }

    /// self -= b (requires self >= b).
    @inline(__always)
    mutating func subtract(_ b: Word256) {
        var borrow: Bool
        (w0, borrow) = w0.subtractingReportingOverflow(b.w0)
        (w1, borrow) = Self.sub(w1, b.w1, borrow)
        (w2, borrow) = Self.sub(w2, b.w2, borrow)
        (w3, _) = Self.sub(w3, b.w3, borrow)
    }

    /// self += b (the sum stays below 2^256 here).
    @inline(__always)
    mutating func add(_ b: Word256) {
        var carry: Bool
        (w0, carry) = w0.addingReportingOverflow(b.w0)
        (w1, carry) = Self.add(w1, b.w1, carry)
        (w2, carry) = Self.add(w2, b.w2, carry)
        (w3, _) = Self.add(w3, b.w3, carry)
    }

    /// self >> k for 1 <= k <= 63.
    @inline(__always)
    mutating func shiftRight(_ k: Int) {
        let j = 64 - k
        w0 = w0 >> k | w1 << j
        w1 = w1 >> k | w2 << j
        w2 = w2 >> k | w3 << j
        w3 >>= k
    }

    /// -l^-1 mod 2^64 (the tests check l0 * this == -1 mod 2^64).
    static let minusLInverse64: UInt64 = 0xd2b5_1da3_1254_7e1b

    /// self / 2^k mod l, for self < l < 2^253 and 1 <= k <= 63 (Montgomery's division by a
    /// power of two): with q = self * (-l^-1) mod 2^k, self + q*l is divisible by 2^k and
    /// (self + q*l) / 2^k < (l + 2^k * l) / 2^k < 2l, so one conditional subtraction reduces it.
    @inline(__always)
    mutating func divideByPowerOfTwoModulo(_ k: Int, _ l: Word256) {
        let q = (w0 &* Self.minusLInverse64) & ((1 << UInt64(k)) &- 1)
        // (t4 ‖ t3 ‖ t2 ‖ t1 ‖ t0) = self + q*l, column by column (each column sum is below
        // 2^64 + 2^127 + 2^64 < 2^128).
        var acc = UInt128(w0) &+ UInt128(q) &* UInt128(l.w0)
        let t0 = UInt64(truncatingIfNeeded: acc)
        acc = (acc >> 64) &+ UInt128(w1) &+ UInt128(q) &* UInt128(l.w1)
        let t1 = UInt64(truncatingIfNeeded: acc)
        acc = (acc >> 64) &+ UInt128(w2) &+ UInt128(q) &* UInt128(l.w2)
        let t2 = UInt64(truncatingIfNeeded: acc)
        acc = (acc >> 64) &+ UInt128(w3) &+ UInt128(q) &* UInt128(l.w3)
        let t3 = UInt64(truncatingIfNeeded: acc)
        let w4 = UInt64(truncatingIfNeeded: acc >> 64)
        let j = 64 - k
        w0 = t0 >> k | t1 << j
        w1 = t1 >> k | t2 << j
        w2 = t2 >> k | t3 << j
        w3 = t3 >> k | w4 << j
        if isAtLeast(l) { subtract(l) }
    }

    /// self - b mod l (self, b < l).
    @inline(__always)
    mutating func subtractModulo(_ b: Word256, _ l: Word256) {
        if !isAtLeast(b) { add(l) }
        subtract(b)
    }

    @inline(__always)
    static func sub(_ a: UInt64, _ b: UInt64, _ borrow: Bool) -> (UInt64, Bool) {
        let (d, o1) = a.subtractingReportingOverflow(b)
        let (e, o2) = d.subtractingReportingOverflow(borrow ? 1 : 0)
        return (e, o1 || o2)
    }

    @inline(__always)
    static func add(_ a: UInt64, _ b: UInt64, _ carry: Bool) -> (UInt64, Bool) {
        let (s, o1) = a.addingReportingOverflow(b)
        let (t, o2) = s.addingReportingOverflow(carry ? 1 : 0)
        return (t, o1 || o2)
    }
}
