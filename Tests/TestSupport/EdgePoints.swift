public import Ristretto255

/// Unusual representations of ristretto255 points for the backend differential tests: the
/// same group element as other Edwards coordinates, which every backend must treat alike.
public enum EdgePoints {
    /// The 4-torsion of edwards25519 besides the identity: (0, -1), (±sqrt(-1), 0).
    package static let torsion: [EdwardsPoint] = [
        EdwardsPoint(X: .zero, Y: .minusOne, Z: .one, T: .zero),
        EdwardsPoint(X: Constants.sqrtM1, Y: .zero, Z: .one, T: .zero),
        EdwardsPoint(X: -Constants.sqrtM1, Y: .zero, Z: .one, T: .zero),
    ]

    /// `f + p` limb by limb: the same value with limbs of 2^51 and more (not reduced).
    package static func unreduced(_ f: FieldElement) -> FieldElement {
        let r = f.reduced()
        let m = (UInt64(1) << 51) - 1
        return FieldElement(r.l0 + m - 18, r.l1 + m, r.l2 + m, r.l3 + m, r.l4 + m)
    }

    /// `p` as other representatives of its class: plus each 4-torsion point (small-order
    /// components), projectively scaled by -1 (coordinates p - x: near p for small x), with
    /// every coordinate's limbs left unreduced, and both.
    public static func representatives(of p: RistrettoPoint) -> [RistrettoPoint] {
        let e = p.edwards
        var out = torsion.map { RistrettoPoint(edwards: e + $0) }
        let m1 = FieldElement.minusOne
        out.append(RistrettoPoint(edwards: EdwardsPoint(X: e.X * m1, Y: e.Y * m1, Z: e.Z * m1, T: e.T * m1)))
        out.append(RistrettoPoint(edwards: EdwardsPoint(X: unreduced(e.X), Y: unreduced(e.Y), Z: unreduced(e.Z),
                                                        T: unreduced(e.T))))
        let negated = EdwardsPoint(X: e.X * m1, Y: e.Y * m1, Z: e.Z * m1, T: e.T * m1)
        out.append(RistrettoPoint(edwards: EdwardsPoint(X: unreduced(negated.X), Y: unreduced(negated.Y),
                                                        Z: unreduced(negated.Z), T: unreduced(negated.T))))
        return out
    }
}
