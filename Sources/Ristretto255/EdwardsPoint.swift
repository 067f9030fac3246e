// Points of edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2) in the coordinate models of
// curve25519-dalek (Hisil-Wong-Carter-Dawson, "Twisted Edwards curves revisited"):
// - EdwardsPoint: extended (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z.
// - ProjectivePoint: (X:Y:Z), enough for doubling.
// - CompletedPoint: ((X:Z), (Y:T)), x = X/Z, y = Y/T: the output of add and double.
// - ProjectiveNielsPoint: (Y+X, Y-X, Z, 2dT), a cached addend.
// - AffineNielsPoint: (y+x, y-x, 2dxy) with Z = 1, a cached table entry.
// Limb bounds: every stored coordinate is "reduced" (< 2^51 + 2^13, see FieldElement);
// the sums and the uncarried differences (`lazyDifference`) formed inside the formulas
// stay < 2^54, which mul accepts. A CompletedPoint's coordinates are such values: they
// only feed the multiplications of `extended` and `projective`.

/// A point of edwards25519 in extended coordinates. Ristretto equality, not Edwards
/// equality, is what `RistrettoPoint` exposes.
package struct EdwardsPoint: Sendable {
    package var X: FieldElement
    package var Y: FieldElement
    package var Z: FieldElement
    package var T: FieldElement

    @inline(__always)
    package init(X: FieldElement, Y: FieldElement, Z: FieldElement, T: FieldElement) {
        self.X = X; self.Y = Y; self.Z = Z; self.T = T
    }

    /// The neutral element (0, 1).
    package static let identity = EdwardsPoint(X: .zero, Y: .one, Z: .one, T: .zero)

    /// (X:Y:Z), dropping T.
    @inline(__always)
    package var projective: ProjectivePoint { ProjectivePoint(X: X, Y: Y, Z: Z) }

    /// The cached form for repeated additions of this point.
    @inline(__always)
    package var projectiveNiels: ProjectiveNielsPoint {
        ProjectiveNielsPoint(YplusX: Y + X, YminusX: Y - X, Z: Z, T2d: T * Constants.d2)
    }

    /// The affine cached form (one inversion).
    package var affineNiels: AffineNielsPoint {
        let zInv = Z.inverted()
        let x = X * zInv, y = Y * zInv
        return AffineNielsPoint(yPlusX: y + x, yMinusX: y - x, xy2d: (x * y) * Constants.d2)
    }

    /// Affine cached forms of many points with one shared inversion (public points only:
    /// the loop has no secret-dependent branches, but it is meant for table building).
    package static func batchAffineNiels(_ points: [EdwardsPoint]) -> [AffineNielsPoint] {
        guard !points.isEmpty else { return [] }
        var prefix = [FieldElement](repeating: .one, count: points.count)
        var acc = FieldElement.one
        for i in points.indices { prefix[i] = acc; acc = acc * points[i].Z }
        var inv = acc.inverted()
        var out = [AffineNielsPoint](repeating: .identity, count: points.count)
        for i in points.indices.reversed() {
            let zInv = inv * prefix[i]
            inv = inv * points[i].Z
            let x = points[i].X * zInv, y = points[i].Y * zInv
            out[i] = AffineNielsPoint(yPlusX: y + x, yMinusX: y - x, xy2d: (x * y) * Constants.d2)
        }
        return out
    }

    /// 2 * self.
    @inline(__always)
    package func doubled() -> EdwardsPoint { projective.doubled().extended }

    /// 2^k * self for k >= 1.
    package func multipliedByPow2(_ k: Int) -> EdwardsPoint {
        precondition(k >= 1)
        var r = projective
        for _ in 0..<(k - 1) { r = r.doubled().projective }
        return r.doubled().extended
    }

    @inline(__always)
    package static func + (a: EdwardsPoint, b: EdwardsPoint) -> EdwardsPoint { (a + b.projectiveNiels).extended }

    @inline(__always)
    package static func - (a: EdwardsPoint, b: EdwardsPoint) -> EdwardsPoint { (a - b.projectiveNiels).extended }

    @inline(__always)
    package static prefix func - (a: EdwardsPoint) -> EdwardsPoint {
        EdwardsPoint(X: -a.X, Y: a.Y, Z: a.Z, T: -a.T)
    }

    /// self + q (unified, complete for edwards25519).
    @inline(__always)
    package static func + (p: EdwardsPoint, q: ProjectiveNielsPoint) -> CompletedPoint {
        let PP = (p.Y + p.X) * q.YplusX
        let MM = FieldElement.lazyDifference(p.Y, p.X) * q.YminusX
        let TT2d = p.T * q.T2d
        let ZZ = p.Z * q.Z
        let ZZ2 = ZZ + ZZ
        return CompletedPoint(X: .lazyDifference(PP, MM), Y: PP + MM, Z: ZZ2 + TT2d, T: .lazyDifference(ZZ2, TT2d))
    }

    /// self - q.
    @inline(__always)
    package static func - (p: EdwardsPoint, q: ProjectiveNielsPoint) -> CompletedPoint {
        let PM = (p.Y + p.X) * q.YminusX
        let MP = FieldElement.lazyDifference(p.Y, p.X) * q.YplusX
        let TT2d = p.T * q.T2d
        let ZZ = p.Z * q.Z
        let ZZ2 = ZZ + ZZ
        return CompletedPoint(X: .lazyDifference(PM, MP), Y: PM + MP, Z: .lazyDifference(ZZ2, TT2d), T: ZZ2 + TT2d)
    }

    /// self + q for an affine cached q.
    @inline(__always)
    package static func + (p: EdwardsPoint, q: AffineNielsPoint) -> CompletedPoint {
        let PP = (p.Y + p.X) * q.yPlusX
        let MM = FieldElement.lazyDifference(p.Y, p.X) * q.yMinusX
        let Txy2d = p.T * q.xy2d
        let Z2 = p.Z + p.Z
        return CompletedPoint(X: .lazyDifference(PP, MM), Y: PP + MM, Z: Z2 + Txy2d, T: .lazyDifference(Z2, Txy2d))
    }

    /// self - q for an affine cached q.
    @inline(__always)
    package static func - (p: EdwardsPoint, q: AffineNielsPoint) -> CompletedPoint {
        let PM = (p.Y + p.X) * q.yMinusX
        let MP = FieldElement.lazyDifference(p.Y, p.X) * q.yPlusX
        let Txy2d = p.T * q.xy2d
        let Z2 = p.Z + p.Z
        return CompletedPoint(X: .lazyDifference(PM, MP), Y: PM + MP, Z: .lazyDifference(Z2, Txy2d), T: Z2 + Txy2d)
    }

    /// Edwards (not ristretto) equality: X1 Z2 == X2 Z1 and Y1 Z2 == Y2 Z1.
    package func edwardsEquals(_ o: EdwardsPoint) -> CTBool {
        (X * o.Z).ctEquals(o.X * Z) & (Y * o.Z).ctEquals(o.Y * Z)
    }

    /// Whether the point satisfies the curve equation and T Z = X Y (a test aid).
    package var isOnCurve: Bool {
        let XX = X.squared(), YY = Y.squared(), ZZ = Z.squared()
        let lhs = (YY - XX) * ZZ
        let rhs = ZZ.squared() + Constants.d * XX * YY
        return lhs.ctEquals(rhs).isTrue && (T * Z).ctEquals(X * Y).isTrue
    }
}

extension EdwardsPoint: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: EdwardsPoint, _ b: EdwardsPoint, _ c: CTBool) -> EdwardsPoint {
        EdwardsPoint(X: .select(a.X, b.X, c), Y: .select(a.Y, b.Y, c), Z: .select(a.Z, b.Z, c), T: .select(a.T, b.T, c))
    }
}

/// (X:Y:Z) with x = X/Z, y = Y/Z.
package struct ProjectivePoint: Sendable {
    package var X: FieldElement
    package var Y: FieldElement
    package var Z: FieldElement

    @inline(__always)
    package init(X: FieldElement, Y: FieldElement, Z: FieldElement) { self.X = X; self.Y = Y; self.Z = Z }

    package static let identity = ProjectivePoint(X: .zero, Y: .one, Z: .one)

    /// 2 * self (dbl-2008-hwcd with a = -1).
    @inline(__always)
    package func doubled() -> CompletedPoint {
        let XX = X.squared()
        let YY = Y.squared()
        let ZZ2 = Z.squaredDoubled()
        let XplusYsq = (X + Y).squared()
        let YYplusXX = YY + XX
        let YYminusXX = YY - XX
        return CompletedPoint(X: .lazyDifference(XplusYsq, YYplusXX, timesP: 4), Y: YYplusXX, Z: YYminusXX,
                              T: .lazyDifference(ZZ2, YYminusXX))
    }

    /// With T = XY/Z restored (costs 3M + 1S via the extended form).
    package var extended: EdwardsPoint {
        EdwardsPoint(X: X * Z, Y: Y * Z, Z: Z.squared(), T: X * Y)
    }
}

/// ((X:Z), (Y:T)): x = X/Z, y = Y/T.
package struct CompletedPoint: Sendable {
    package var X: FieldElement
    package var Y: FieldElement
    package var Z: FieldElement
    package var T: FieldElement

    @inline(__always)
    package init(X: FieldElement, Y: FieldElement, Z: FieldElement, T: FieldElement) {
        self.X = X; self.Y = Y; self.Z = Z; self.T = T
    }

    /// To extended coordinates (4M).
    @inline(__always)
    package var extended: EdwardsPoint { EdwardsPoint(X: X * T, Y: Y * Z, Z: Z * T, T: X * Y) }

    /// To projective coordinates (3M), when T is not needed next (before a doubling).
    @inline(__always)
    package var projective: ProjectivePoint { ProjectivePoint(X: X * T, Y: Y * Z, Z: Z * T) }
}

/// (Y+X, Y-X, Z, 2dT): a cached addend.
package struct ProjectiveNielsPoint: Sendable {
    package var YplusX: FieldElement
    package var YminusX: FieldElement
    package var Z: FieldElement
    package var T2d: FieldElement

    @inline(__always)
    package init(YplusX: FieldElement, YminusX: FieldElement, Z: FieldElement, T2d: FieldElement) {
        self.YplusX = YplusX; self.YminusX = YminusX; self.Z = Z; self.T2d = T2d
    }

    package static let identity = ProjectiveNielsPoint(YplusX: .one, YminusX: .one, Z: .one, T2d: .zero)

    /// -self: swap Y+X and Y-X, negate 2dT.
    @inline(__always)
    package static prefix func - (a: ProjectiveNielsPoint) -> ProjectiveNielsPoint {
        ProjectiveNielsPoint(YplusX: a.YminusX, YminusX: a.YplusX, Z: a.Z, T2d: -a.T2d)
    }

    /// -self when `choice` is true (constant time).
    @inline(__always)
    package func conditionalNegated(_ choice: CTBool) -> ProjectiveNielsPoint {
        var a = YplusX, b = YminusX
        FieldElement.conditionalSwap(&a, &b, choice)
        return ProjectiveNielsPoint(YplusX: a, YminusX: b, Z: Z, T2d: T2d.conditionalNegated(choice))
    }
}

extension ProjectiveNielsPoint: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: ProjectiveNielsPoint, _ b: ProjectiveNielsPoint, _ c: CTBool) -> ProjectiveNielsPoint {
        ProjectiveNielsPoint(YplusX: .select(a.YplusX, b.YplusX, c), YminusX: .select(a.YminusX, b.YminusX, c),
                             Z: .select(a.Z, b.Z, c), T2d: .select(a.T2d, b.T2d, c))
    }
}

/// (y+x, y-x, 2dxy): an affine cached addend (Z = 1).
package struct AffineNielsPoint: Sendable {
    package var yPlusX: FieldElement
    package var yMinusX: FieldElement
    package var xy2d: FieldElement

    @inline(__always)
    package init(yPlusX: FieldElement, yMinusX: FieldElement, xy2d: FieldElement) {
        self.yPlusX = yPlusX; self.yMinusX = yMinusX; self.xy2d = xy2d
    }

    package static let identity = AffineNielsPoint(yPlusX: .one, yMinusX: .one, xy2d: .zero)

    @inline(__always)
    package static prefix func - (a: AffineNielsPoint) -> AffineNielsPoint {
        AffineNielsPoint(yPlusX: a.yMinusX, yMinusX: a.yPlusX, xy2d: -a.xy2d)
    }

    /// -self when `choice` is true (constant time).
    @inline(__always)
    package func conditionalNegated(_ choice: CTBool) -> AffineNielsPoint {
        var a = yPlusX, b = yMinusX
        FieldElement.conditionalSwap(&a, &b, choice)
        return AffineNielsPoint(yPlusX: a, yMinusX: b, xy2d: xy2d.conditionalNegated(choice))
    }
}

extension AffineNielsPoint: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: AffineNielsPoint, _ b: AffineNielsPoint, _ c: CTBool) -> AffineNielsPoint {
        AffineNielsPoint(yPlusX: .select(a.yPlusX, b.yPlusX, c), yMinusX: .select(a.yMinusX, b.yMinusX, c),
                         xy2d: .select(a.xy2d, b.xy2d, c))
    }
}
