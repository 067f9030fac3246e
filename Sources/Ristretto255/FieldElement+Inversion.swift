// Exponentiations with fixed public exponents (so their running time is constant):
// inversion x^(p-2), x^((p-5)/8), and SQRT_RATIO_M1 of RFC 9496 §4.2.

extension FieldElement {
    /// (x^(2^250 - 1), x^11): the shared prefix of the inversion and pow_p58 chains.
    func pow22501() -> (FieldElement, FieldElement) {
        let t0 = squared()                    // 2
        let t1 = t0.squared(times: 2)         // 8
        let t2 = self * t1                    // 9
        let t3 = t0 * t2                      // 11
        let t4 = t3.squared()                 // 22
        let t5 = t2 * t4                      // 31 = 2^5 - 1
        let t6 = t5.squared(times: 5)
        let t7 = t6 * t5                      // 2^10 - 1
        let t8 = t7.squared(times: 10)
        let t9 = t8 * t7                      // 2^20 - 1
        let t10 = t9.squared(times: 20)
        let t11 = t10 * t9                    // 2^40 - 1
        let t12 = t11.squared(times: 10)
        let t13 = t12 * t7                    // 2^50 - 1
        let t14 = t13.squared(times: 50)
        let t15 = t14 * t13                   // 2^100 - 1
        let t16 = t15.squared(times: 100)
        let t17 = t16 * t15                   // 2^200 - 1
        let t18 = t17.squared(times: 50)
        let t19 = t18 * t13                   // 2^250 - 1
        return (t19, t3)
    }

    /// 1/x = x^(p-2) (zero maps to zero). Constant time.
    package func inverted() -> FieldElement {
        let (t19, t3) = pow22501()
        return t19.squared(times: 5) * t3     // 2^255 - 32 + 11 = p - 2
    }

    /// x^((p-5)/8) = x^(2^252 - 3). Constant time.
    package func powP58() -> FieldElement {
        let (t19, _) = pow22501()
        return self * t19.squared(times: 2)   // 2^252 - 4 + 1
    }

    /// SQRT_RATIO_M1(u, v) of RFC 9496 §4.2: `(wasSquare, r)` with r the non-negative
    /// square root of u/v if u/v is square, else of sqrt(-1)*u/v. (0, v) gives (true, 0);
    /// (u != 0, 0) gives (false, 0). Constant time.
    package static func sqrtRatioM1(_ u: FieldElement, _ v: FieldElement) -> (wasSquare: CTBool, r: FieldElement) {
        let (v3, uv7) = sqrtRatioM1Prelude(u, v)
        return sqrtRatioM1Finish(u, v, v3: v3, powered: uv7.powP58())
    }

    /// The part of `sqrtRatioM1` before its exponentiation: (v^3, u v^7).
    @inline(__always)
    package static func sqrtRatioM1Prelude(_ u: FieldElement, _ v: FieldElement) -> (v3: FieldElement, uv7: FieldElement) {
        let v3 = v.squared() * v
        let v7 = v3.squared() * v
        return (v3, u * v7)
    }

    /// The part of `sqrtRatioM1` after its exponentiation, given `powered` = (u v^7)^((p-5)/8)
    /// (computed alone or eight at a time by the vector kernel).
    @inline(__always)
    package static func sqrtRatioM1Finish(_ u: FieldElement, _ v: FieldElement, v3: FieldElement,
                                          powered: FieldElement) -> (wasSquare: CTBool, r: FieldElement) {
        var r = (u * v3) * powered
        let check = v * r.squared()
        let uNeg = -u
        let correctSign = check.ctEquals(u)
        let flippedSign = check.ctEquals(uNeg)
        let flippedSignI = check.ctEquals(uNeg * Constants.sqrtM1)
        let rPrime = r * Constants.sqrtM1
        r.conditionalAssign(rPrime, flippedSign | flippedSignI)
        return (correctSign | flippedSign, r.absolute)
    }

    /// 1/sqrt(self) when self is a nonzero square: `sqrtRatioM1(1, self)`.
    package func invSqrt() -> (wasSquare: CTBool, r: FieldElement) {
        FieldElement.sqrtRatioM1(.one, self)
    }
}
