// Constant-time multiscalar multiplication for prover commitments over secret scalars:
// fixed-window Straus with signed radix-16 digits.
//
// Each scalar is recoded into 64 digits in [-8, 8] (constant time, `writeRadix16Digits`);
// each point gets a table [P, 2P, ..., 8P] in projective Niels form. From the top digit
// down, the accumulator is multiplied by 16 (4 doublings shared by all terms) and then
// every term's digit * P_j is added, the entry chosen by a full scan with masked
// assignment and a conditional negation. Control flow and memory addresses depend only
// on the number of terms, never on the scalars. (The points are treated as public.)

import Sodium

extension RistrettoPoint {
    /// The sum of `scalars[i] * points[i]`, constant time in the scalars (secrets allowed).
    /// - Precondition: `scalars.count == points.count`.
    public static func constantTimeMultiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> RistrettoPoint {
        precondition(scalars.count == points.count, "constantTimeMultiscalarMul needs one scalar per point")
        return RistrettoPoint(edwards: ConstantTimeStraus.multiscalarMul(scalars, points))
    }
}

/// Fixed-window constant-time Straus.
package enum ConstantTimeStraus {
    /// sum scalars[j] * points[j], constant time in the scalars.
    package static func multiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> EdwardsPoint {
        let n = scalars.count
        precondition(points.count == n)
        if n == 0 { return .identity }
        // digits[i * n + j] = digit i of scalar j.
        var digits = [Int8](repeating: 0, count: 64 * n)
        digits.withUnsafeMutableBufferPointer { d in
            scalars.withUnsafeBufferPointer { s in
                for j in 0..<n { s[j].writeRadix16Digits(into: d.baseAddress! + j, stride: n) }
            }
        }
        // tables[8 j + k] = (k + 1) * P_j.
        var tables = [ProjectiveNielsPoint](repeating: .identity, count: 8 * n)
        tables.withUnsafeMutableBufferPointer { t in
            points.withUnsafeBufferPointer { p in
                for j in 0..<n {
                    let pj = p[j].edwards
                    let pn = pj.projectiveNiels
                    var q = pj
                    t[8 * j] = pn
                    for k in 1..<8 {
                        q = (q + pn).extended
                        t[8 * j + k] = q.projectiveNiels
                    }
                }
            }
        }
        // The digits are secret-derived: clear them before the buffer is freed.
        defer { secureZero(&digits) }
        return digits.withUnsafeBufferPointer { d in
            tables.withUnsafeBufferPointer { t in
                var q = EdwardsPoint.identity
                for i in stride(from: 63, through: 0, by: -1) {
                    if i != 63 { q = q.multipliedByPow2(4) }  // public loop index
                    let row = d.baseAddress! + i * n
                    for j in 0..<n {
                        q = (q + select(t.baseAddress! + 8 * j, row[j])).extended
                    }
                }
                return q
            }
        }
    }

    /// digit * P from the table [P, ..., 8P] at `table`, for digit in [-8, 8]: every entry
    /// is read and masked in, so neither branches nor addresses depend on the digit.
    @inline(__always)
    static func select(_ table: UnsafePointer<ProjectiveNielsPoint>, _ digit: Int8) -> ProjectiveNielsPoint {
        let x = Int64(digit)
        let negMask = UInt64(bitPattern: x >> 63)
        let absolute = (UInt64(bitPattern: x) &+ negMask) ^ negMask
        var t = ProjectiveNielsPoint.identity
        for k in 0..<8 {
            t.conditionalAssign(table[k], ctEqual(absolute, UInt64(k + 1)))
        }
        return t.conditionalNegated(CTBool(bit: negMask & 1))
    }
}
