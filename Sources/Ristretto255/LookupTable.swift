import Sodium

// Constant-time table lookups for fixed-window scalar multiplication: the digit picks
// an entry by scanning every entry with masked assignment, never by indexing.

/// [P, 2P, ..., 8P] as cached points, for signed radix-16 digits.
package struct ProjectiveNielsLookupTable: Sendable {
    package let entries: [ProjectiveNielsPoint]

    /// The multiples 1P ... 8P of `p`.
    package init(_ p: EdwardsPoint) {
        var entries = [ProjectiveNielsPoint]()
        entries.reserveCapacity(8)
        let pn = p.projectiveNiels
        var q = p
        entries.append(pn)
        for _ in 1..<8 {
            q = (q + pn).extended
            entries.append(q.projectiveNiels)
        }
        self.entries = entries
    }

    /// digit * P for digit in [-8, 8], constant time in `digit`.
    package func select(_ digit: Int8) -> ProjectiveNielsPoint {
        let x = Int64(digit)
        let negMask = UInt64(bitPattern: x >> 63)
        let absolute = (UInt64(bitPattern: x) &+ negMask) ^ negMask
        var t = ProjectiveNielsPoint.identity
        for j in 0..<8 {
            t.conditionalAssign(entries[j], ctEqual(absolute, UInt64(j + 1)))
        }
        return t.conditionalNegated(CTBool(bit: negMask & 1))
    }
}

/// [P, 2P, ..., 8P] in affine cached form, for the basepoint table.
package struct AffineNielsLookupTable: Sendable {
    package let entries: [AffineNielsPoint]

    package init(entries: [AffineNielsPoint]) {
        precondition(entries.count == 8)
        self.entries = entries
    }

    /// digit * P for digit in [-8, 8], constant time in `digit`.
    package func select(_ digit: Int8) -> AffineNielsPoint {
        let x = Int64(digit)
        let negMask = UInt64(bitPattern: x >> 63)
        let absolute = (UInt64(bitPattern: x) &+ negMask) ^ negMask
        var t = AffineNielsPoint.identity
        for j in 0..<8 {
            t.conditionalAssign(entries[j], ctEqual(absolute, UInt64(j + 1)))
        }
        return t.conditionalNegated(CTBool(bit: negMask & 1))
    }
}

/// Tables for the basepoint B: table i holds [1..8] * 16^(2i) * B (i = 0..31), so that
/// a*B = sum over digits a_j of a_j 16^j B takes 64 additions and 4 doublings.
package struct EdwardsBasepointTable: Sendable {
    package let tables: [AffineNielsLookupTable]

    /// The table of the ristretto255 generator, built once.
    package static let standard = EdwardsBasepointTable(Constants.basepoint)

    package init(_ basepoint: EdwardsPoint) {
        var points = [EdwardsPoint]()
        points.reserveCapacity(256)
        var p = basepoint
        for _ in 0..<32 {
            var q = p
            points.append(q)
            for _ in 1..<8 { q = q + p; points.append(q) }
            p = p.multipliedByPow2(8)
        }
        let affine = EdwardsPoint.batchAffineNiels(points)
        tables = (0..<32).map { AffineNielsLookupTable(entries: Array(affine[($0 * 8)..<($0 * 8 + 8)])) }
    }

    /// scalar * B, constant time in the scalar.
    package func multiply(_ scalar: Scalar) -> EdwardsPoint {
        var digits = scalar.radix16Digits
        defer { secureZero(&digits) }  // secret-derived
        var p = EdwardsPoint.identity
        for i in stride(from: 1, to: 64, by: 2) { p = (p + tables[i / 2].select(digits[i])).extended }
        p = p.multipliedByPow2(4)
        for i in stride(from: 0, to: 64, by: 2) { p = (p + tables[i / 2].select(digits[i])).extended }
        return p
    }
}
