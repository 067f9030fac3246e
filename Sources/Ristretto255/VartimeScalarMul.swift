// Variable-time scalar multiplication for public data: width-5 NAF for an arbitrary
// point, width-8 NAF with a static table for the generator.

extension EdwardsPoint {
    /// [P, 3P, 5P, ..., (2n-1)P] as cached points.
    package func vartimeOddMultiples(count n: Int) -> [ProjectiveNielsPoint] {
        var out = [ProjectiveNielsPoint]()
        out.reserveCapacity(n)
        let p2 = self.doubled()
        var q = self
        out.append(q.projectiveNiels)
        for _ in 1..<n {
            q = (q + p2.projectiveNiels).extended
            out.append(q.projectiveNiels)
        }
        return out
    }

    /// scalar * self with a width-5 NAF.
    /// - Warning: Variable time. Public scalars and points only.
    package func vartimeMultiply(_ scalar: Scalar) -> EdwardsPoint {
        let naf = scalar.vartimeNonAdjacentForm(width: 5)
        let table = vartimeOddMultiples(count: 8)
        var i = 255
        while i >= 0 && naf[i] == 0 { i -= 1 }
        var r = ProjectivePoint.identity
        while i >= 0 {
            var t = r.doubled()
            let d = naf[i]
            if d > 0 {
                t = t.extended + table[Int(d) / 2]
            } else if d < 0 {
                t = t.extended - table[Int(-d) / 2]
            }
            r = t.projective
            i -= 1
        }
        return r.extended
    }
}

/// Odd multiples B, 3B, ..., 127B of the generator in affine cached form (width-8 NAF).
package enum VartimeBasepointOddMultiples {
    package static let table: [AffineNielsPoint] = {
        let b = Constants.basepoint
        let b2 = b.doubled()
        var points = [b]
        for _ in 1..<64 { points.append(points[points.count - 1] + b2) }
        return EdwardsPoint.batchAffineNiels(points)
    }()
}

extension RistrettoPoint {
    /// s * self.
    /// - Warning: Variable time. Public data only; never pass secret-derived values.
    public func vartimeMultiply(_ s: Scalar) -> RistrettoPoint {
        RistrettoPoint(edwards: edwards.vartimeMultiply(s))
    }

    /// a * A + b * B for the generator B (signature checks): width-5 NAF for A,
    /// width-8 NAF with a static table for B, shared doublings.
    /// - Warning: Variable time. Public data only; never pass secret-derived values.
    public static func vartimeDoubleBaseMul(_ a: Scalar, _ A: RistrettoPoint, _ b: Scalar) -> RistrettoPoint {
        let aNaf = a.vartimeNonAdjacentForm(width: 5)
        let bNaf = b.vartimeNonAdjacentForm(width: 8)
        let tableA = A.edwards.vartimeOddMultiples(count: 8)
        let tableB = VartimeBasepointOddMultiples.table
        var i = 255
        while i >= 0 && aNaf[i] == 0 && bNaf[i] == 0 { i -= 1 }
        var r = ProjectivePoint.identity
        while i >= 0 {
            var t = r.doubled()
            let da = aNaf[i], db = bNaf[i]
            if da > 0 {
                t = t.extended + tableA[Int(da) / 2]
            } else if da < 0 {
                t = t.extended - tableA[Int(-da) / 2]
            }
            if db > 0 {
                t = t.extended + tableB[Int(db) / 2]
            } else if db < 0 {
                t = t.extended - tableB[Int(-db) / 2]
            }
            r = t.projective
            i -= 1
        }
        return RistrettoPoint(edwards: r.extended)
    }
}
