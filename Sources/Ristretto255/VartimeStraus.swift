// Variable-time Straus (interleaved window) multiscalar multiplication.
//
// sum s_i P_i is computed with one shared chain of 256 doublings: for each bit
// position from the top, double the accumulator once, then add the NAF digit of every
// scalar at that position times its point from a per-point table of odd multiples.
// - Dynamic points: width-5 NAF, table [P, 3P, ..., 15P] in projective Niels form
//   (7 additions to build; NAF-5 has ~256/6 nonzero digits).
// - Static (precomputed) points: width-8 NAF, table [P, 3P, ..., 127P] in affine
//   Niels form built once (`VartimePrecomputedMSM`), ~256/9 mixed additions each.
// The NAFs are stored bit-major (digit of term j at bit i at [i * n + j]) so that the
// inner loop reads them sequentially; tables are flat (8 or 64 entries per term).

/// The variable-time Straus algorithm.
package enum VartimeStraus {
    /// Dynamic tables hold 8 odd multiples (width-5 NAF).
    package static let dynamicWidth = 5
    package static let dynamicTableSize = 8
    /// Static tables hold 64 odd multiples (width-8 NAF).
    package static let staticWidth = 8
    package static let staticTableSize = 64

    /// sum scalars[i] * points[i].
    /// - Warning: Variable time. Public data only.
    package static func multiscalarMul(_ scalars: [Scalar], _ points: [RistrettoPoint]) -> EdwardsPoint {
        precondition(scalars.count == points.count)
        return multiscalarMul(dynamicScalars: scalars, dynamicPoints: points,
                              staticScalars: [], staticTables: [])
    }

    /// Writes the width-5 odd-multiple tables of `points` (8 entries each) into `out`.
    @inline(__always)
    static func writeDynamicTables(_ points: UnsafeBufferPointer<RistrettoPoint>,
                                   into out: UnsafeMutablePointer<ProjectiveNielsPoint>) {
        for j in 0..<points.count {
            let p = points[j].edwards
            let p2 = p.doubled().projectiveNiels
            var q = p
            let base = out + j * dynamicTableSize
            base[0] = q.projectiveNiels
            for k in 1..<dynamicTableSize {
                q = (q + p2).extended
                base[k] = q.projectiveNiels
            }
        }
    }

    /// sum dynamicScalars[j] * dynamicPoints[j] + sum staticScalars[j] * S_j, where the
    /// odd multiples [S_j, 3 S_j, ..., 127 S_j] are `staticTables[64 j ..< 64 j + 64]`.
    /// - Warning: Variable time. Public data only.
    package static func multiscalarMul(dynamicScalars: [Scalar], dynamicPoints: [RistrettoPoint],
                                       staticScalars: [Scalar], staticTables: [AffineNielsPoint]) -> EdwardsPoint {
        let nd = dynamicScalars.count
        let ns = staticScalars.count
        precondition(dynamicPoints.count == nd)
        precondition(staticTables.count >= ns * staticTableSize)
        if nd + ns == 0 { return .identity }

        var dynNaf = [Int8](repeating: 0, count: 256 * nd)
        var statNaf = [Int8](repeating: 0, count: 256 * ns)
        var dynTables = [ProjectiveNielsPoint](repeating: .identity, count: nd * dynamicTableSize)
        var top = -1
        dynNaf.withUnsafeMutableBufferPointer { naf in
            dynamicScalars.withUnsafeBufferPointer { s in
                for j in 0..<nd {
                    top = max(top, s[j].vartimeWriteNonAdjacentForm(width: dynamicWidth, into: naf.baseAddress! + j, stride: nd))
                }
            }
        }
        statNaf.withUnsafeMutableBufferPointer { naf in
            staticScalars.withUnsafeBufferPointer { s in
                for j in 0..<ns {
                    top = max(top, s[j].vartimeWriteNonAdjacentForm(width: staticWidth, into: naf.baseAddress! + j, stride: ns))
                }
            }
        }
        if top < 0 { return .identity }
        dynTables.withUnsafeMutableBufferPointer { t in
            dynamicPoints.withUnsafeBufferPointer { p in writeDynamicTables(p, into: t.baseAddress!) }
        }

        return dynNaf.withUnsafeBufferPointer { dNaf in
            statNaf.withUnsafeBufferPointer { sNaf in
                dynTables.withUnsafeBufferPointer { dTab in
                    staticTables.withUnsafeBufferPointer { sTab in
                        run(top: top, nd: nd, dNaf: dNaf.baseAddress, dTab: dTab.baseAddress,
                            ns: ns, sNaf: sNaf.baseAddress, sTab: sTab.baseAddress)
                    }
                }
            }
        }
    }

    /// The doubling-and-adding loop over bit positions top...0.
    @inline(__always)
    static func run(top: Int, nd: Int, dNaf: UnsafePointer<Int8>?, dTab: UnsafePointer<ProjectiveNielsPoint>?,
                    ns: Int, sNaf: UnsafePointer<Int8>?, sTab: UnsafePointer<AffineNielsPoint>?) -> EdwardsPoint {
        var r = ProjectivePoint.identity
        var i = top
        while i >= 0 {
            var t = r.doubled()
            if let dNaf, let dTab {
                let row = dNaf + i * nd
                for j in 0..<nd {
                    let d = Int(row[j])
                    if d > 0 {
                        t = t.extended + dTab[j &* dynamicTableSize &+ (d >> 1)]
                    } else if d < 0 {
                        t = t.extended - dTab[j &* dynamicTableSize &+ ((-d) >> 1)]
                    }
                }
            }
            if let sNaf, let sTab {
                let row = sNaf + i * ns
                for j in 0..<ns {
                    let d = Int(row[j])
                    if d > 0 {
                        t = t.extended + sTab[j &* staticTableSize &+ (d >> 1)]
                    } else if d < 0 {
                        t = t.extended - sTab[j &* staticTableSize &+ ((-d) >> 1)]
                    }
                }
            }
            if i == 0 { return t.extended }
            r = t.projective
            i -= 1
        }
        return r.extended
    }
}
