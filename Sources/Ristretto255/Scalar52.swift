// Integers mod l in radix 2^52 (five UInt64 limbs) with Montgomery multiplication,
// R = 2^260, following the structure of curve25519-dalek's u64 backend.
//
// Montgomery reduction bound: for T < l * 2^260, montgomeryReduce(T) = T/R mod l and
// the value before the final conditional subtraction is < T/2^260 + l < 2l, so the one
// subtraction of l yields a value < l. Every caller keeps T < l * 2^260:
// - a * b with a, b < l (l < 2^253);
// - x * R' and x * RR' with R' = R mod l < l, RR' = R^2 mod l < l, and x < 2^260.

/// A value mod l in five 52-bit limbs. Canonical (< l) after every public operation.
package struct Scalar52: Sendable, Hashable, BitwiseCopyable {
    package var l0: UInt64
    package var l1: UInt64
    package var l2: UInt64
    package var l3: UInt64
    package var l4: UInt64

    static let mask52: UInt64 = (1 << 52) - 1

    @inline(__always)
    package init(_ l0: UInt64, _ l1: UInt64, _ l2: UInt64, _ l3: UInt64, _ l4: UInt64) {
        self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3; self.l4 = l4
    }

    package static let zero = Scalar52(0, 0, 0, 0, 0)
    /// l = 2^252 + 27742317777372353535851937790883648493.
    package static let L = Scalar52(0x2631a5cf5d3ed, 0xdea2f79cd6581, 0x000000014def9, 0, 0x0100000000000)
    /// -1/l mod 2^52.
    static let lFactor: UInt64 = 0x51da312547e1b
    /// R = 2^260 mod l.
    package static let R = Scalar52(0xf48bd6721e6ed, 0x3bab5ac67e45a, 0xfffffeb35e51b, 0xfffffffffffff, 0x00fffffffffff)
    /// R^2 = 2^520 mod l.
    package static let RR = Scalar52(0x9d265e952d13b, 0xd63c715bea69f, 0x5be65cb687604, 0x3dceec73d217f, 0x009411b7c309a)

    /// Unpacks four little-endian words (any value < 2^256, not reduced).
    @inline(__always)
    package init(words w: (UInt64, UInt64, UInt64, UInt64)) {
        let m = Scalar52.mask52
        self.init(w.0 & m, (w.0 >> 52 | w.1 << 12) & m, (w.1 >> 40 | w.2 << 24) & m,
                  (w.2 >> 28 | w.3 << 36) & m, w.3 >> 16)
    }

    /// Packs into four little-endian words (requires limbs < 2^52 and value < 2^256).
    @inline(__always)
    package var words: (UInt64, UInt64, UInt64, UInt64) {
        (l0 | l1 << 52, l1 >> 12 | l2 << 40, l2 >> 24 | l3 << 28, l3 >> 36 | l4 << 16)
    }

    /// a - b mod l for a, b < 2^260 with a - b > -l (constant time).
    @inline(__always)
    package static func sub(_ a: Scalar52, _ b: Scalar52) -> Scalar52 {
        let m = mask52
        var borrow = a.l0 &- b.l0
        let d0 = borrow & m
        borrow = a.l1 &- (b.l1 &+ (borrow >> 63))
        let d1 = borrow & m
        borrow = a.l2 &- (b.l2 &+ (borrow >> 63))
        let d2 = borrow & m
        borrow = a.l3 &- (b.l3 &+ (borrow >> 63))
        let d3 = borrow & m
        borrow = a.l4 &- (b.l4 &+ (borrow >> 63))
        let d4 = borrow & m
        // Add l back when the difference went negative.
        let under = 0 &- (borrow >> 63)
        var carry = d0 &+ (L.l0 & under)
        let r0 = carry & m
        carry = (carry >> 52) &+ d1 &+ (L.l1 & under)
        let r1 = carry & m
        carry = (carry >> 52) &+ d2 &+ (L.l2 & under)
        let r2 = carry & m
        carry = (carry >> 52) &+ d3 &+ (L.l3 & under)
        let r3 = carry & m
        carry = (carry >> 52) &+ d4 &+ (L.l4 & under)
        let r4 = carry & m
        return Scalar52(r0, r1, r2, r3, r4)
    }

    /// a + b mod l for a, b < l (constant time).
    @inline(__always)
    package static func add(_ a: Scalar52, _ b: Scalar52) -> Scalar52 {
        let m = mask52
        var carry = a.l0 &+ b.l0
        let s0 = carry & m
        carry = a.l1 &+ b.l1 &+ (carry >> 52)
        let s1 = carry & m
        carry = a.l2 &+ b.l2 &+ (carry >> 52)
        let s2 = carry & m
        carry = a.l3 &+ b.l3 &+ (carry >> 52)
        let s3 = carry & m
        carry = a.l4 &+ b.l4 &+ (carry >> 52)
        let s4 = carry & m
        return sub(Scalar52(s0, s1, s2, s3, s4), L)
    }

    @inline(__always)
    static func m(_ a: UInt64, _ b: UInt64) -> UInt128 { UInt128(a) &* UInt128(b) }

    /// The nine 128-bit columns of a * b.

    struct Wide {
        var z0, z1, z2, z3, z4, z5, z6, z7, z8: UInt128
        @inline(__always)
        init(_ z0: UInt128, _ z1: UInt128, _ z2: UInt128, _ z3: UInt128, _ z4: UInt128, _ z5: UInt128,
             _ z6: UInt128, _ z7: UInt128, _ z8: UInt128) {
            self.z0 = z0; self.z1 = z1; self.z2 = z2; self.z3 = z3; self.z4 = z4
            self.z5 = z5; self.z6 = z6; self.z7 = z7; self.z8 = z8
        }
    }

    @inline(__always)
    static func mulInternal(_ a: Scalar52, _ b: Scalar52) -> Wide {
        Wide(m(a.l0, b.l0),
             m(a.l0, b.l1) &+ m(a.l1, b.l0),
             m(a.l0, b.l2) &+ m(a.l1, b.l1) &+ m(a.l2, b.l0),
             m(a.l0, b.l3) &+ m(a.l1, b.l2) &+ m(a.l2, b.l1) &+ m(a.l3, b.l0),
             m(a.l0, b.l4) &+ m(a.l1, b.l3) &+ m(a.l2, b.l2) &+ m(a.l3, b.l1) &+ m(a.l4, b.l0),
             m(a.l1, b.l4) &+ m(a.l2, b.l3) &+ m(a.l3, b.l2) &+ m(a.l4, b.l1),
             m(a.l2, b.l4) &+ m(a.l3, b.l3) &+ m(a.l4, b.l2),
             m(a.l3, b.l4) &+ m(a.l4, b.l3),
             m(a.l4, b.l4))
    }

    @inline(__always)
    static func squareInternal(_ a: Scalar52) -> Wide {
        let a0 = a.l0 &* 2, a1 = a.l1 &* 2, a2 = a.l2 &* 2, a3 = a.l3 &* 2
        return Wide(m(a.l0, a.l0),
                    m(a0, a.l1),
                    m(a0, a.l2) &+ m(a.l1, a.l1),
                    m(a0, a.l3) &+ m(a1, a.l2),
                    m(a0, a.l4) &+ m(a1, a.l3) &+ m(a.l2, a.l2),
                    m(a1, a.l4) &+ m(a2, a.l3),
                    m(a2, a.l4) &+ m(a.l3, a.l3),
                    m(a3, a.l4),
                    m(a.l4, a.l4))
    }

    /// T / R mod l for T < l * 2^260 (see the file comment), constant time.
    @inline(__always)
    static func montgomeryReduce(_ t: Wide) -> Scalar52 {
        let mk = mask52
        @inline(__always) func part1(_ sum: UInt128) -> (UInt128, UInt64) {
            let p = (UInt64(truncatingIfNeeded: sum) &* lFactor) & mk
            return ((sum &+ m(p, L.l0)) >> 52, p)
        }
        @inline(__always) func part2(_ sum: UInt128) -> (UInt128, UInt64) {
            (sum >> 52, UInt64(truncatingIfNeeded: sum) & mk)
        }
        let (c0, n0) = part1(t.z0)
        let (c1, n1) = part1(c0 &+ t.z1 &+ m(n0, L.l1))
        let (c2, n2) = part1(c1 &+ t.z2 &+ m(n0, L.l2) &+ m(n1, L.l1))
        let (c3, n3) = part1(c2 &+ t.z3 &+ m(n1, L.l2) &+ m(n2, L.l1))
        let (c4, n4) = part1(c3 &+ t.z4 &+ m(n0, L.l4) &+ m(n2, L.l2) &+ m(n3, L.l1))
        let (c5, r0) = part2(c4 &+ t.z5 &+ m(n1, L.l4) &+ m(n3, L.l2) &+ m(n4, L.l1))
        let (c6, r1) = part2(c5 &+ t.z6 &+ m(n2, L.l4) &+ m(n4, L.l2))
        let (c7, r2) = part2(c6 &+ t.z7 &+ m(n3, L.l4))
        let (c8, r3) = part2(c7 &+ t.z8 &+ m(n4, L.l4))
        let r4 = UInt64(truncatingIfNeeded: c8)
        return sub(Scalar52(r0, r1, r2, r3, r4), L)
    }

    /// a * b / R mod l.
    @inline(__always)
    package static func montgomeryMul(_ a: Scalar52, _ b: Scalar52) -> Scalar52 {
        montgomeryReduce(mulInternal(a, b))
    }

    /// a^2 / R mod l.
    @inline(__always)
    package static func montgomerySquare(_ a: Scalar52) -> Scalar52 {
        montgomeryReduce(squareInternal(a))
    }

    /// a * b mod l for a, b < l.
    package static func mul(_ a: Scalar52, _ b: Scalar52) -> Scalar52 {
        montgomeryMul(montgomeryMul(a, b), RR)
    }

    /// a^2 mod l for a < l.
    package static func square(_ a: Scalar52) -> Scalar52 {
        montgomeryMul(montgomerySquare(a), RR)
    }

    /// self * R mod l.
    package var montgomeryForm: Scalar52 { Scalar52.montgomeryMul(self, Scalar52.RR) }

    /// self / R mod l.
    package var fromMontgomery: Scalar52 {
        Scalar52.montgomeryReduce(Wide(UInt128(l0), UInt128(l1), UInt128(l2), UInt128(l3), UInt128(l4), 0, 0, 0, 0))
    }

    /// Any 256-bit value reduced mod l.
    package static func reducing(words w: (UInt64, UInt64, UInt64, UInt64)) -> Scalar52 {
        // x * R' / R with R' = R mod l: x < 2^256 keeps T < l * 2^260.
        montgomeryMul(Scalar52(words: w), R)
    }

    /// sum l_i 2^(52 i) mod l for five limb sums, each < 2^63 (sums of up to 2^11
    /// canonical scalars' limbs, added without carrying).
    package static func reducing(limbSums l: (UInt64, UInt64, UInt64, UInt64, UInt64)) -> Scalar52 {
        let mk = mask52
        var c = l.0
        let w0 = c & mk
        c = l.1 &+ (c >> 52); let w1 = c & mk
        c = l.2 &+ (c >> 52); let w2 = c & mk
        c = l.3 &+ (c >> 52); let w3 = c & mk
        c = l.4 &+ (c >> 52); let w4 = c & mk
        let top = c >> 52                                   // < 2^12: the value is < 2^272
        // (w < 2^260) mod l, plus top * 2^260 mod l.
        return add(montgomeryMul(Scalar52(w0, w1, w2, w3, w4), R), montgomeryMul(Scalar52(top, 0, 0, 0, 0), RR))
    }

    /// A 512-bit value (eight little-endian words) reduced mod l.
    package static func reducing(wide w: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)) -> Scalar52 {
        let mk = mask52
        let lo = Scalar52(w.0 & mk, (w.0 >> 52 | w.1 << 12) & mk, (w.1 >> 40 | w.2 << 24) & mk,
                          (w.2 >> 28 | w.3 << 36) & mk, (w.3 >> 16 | w.4 << 48) & mk)
        let hi = Scalar52((w.4 >> 4) & mk, (w.4 >> 56 | w.5 << 8) & mk, (w.5 >> 44 | w.6 << 20) & mk,
                          (w.6 >> 32 | w.7 << 32) & mk, w.7 >> 20)
        // lo < 2^260 gives lo mod l; hi < 2^252 gives hi * 2^260 mod l.
        return add(montgomeryMul(lo, R), montgomeryMul(hi, RR))
    }
}
