import Sodium

// Constant-time scalar multiplication with the project's own code: signed radix-16
// digits and constant-time table lookups (no branch or index depends on the scalar).

extension EdwardsPoint {
    /// scalar * self, constant time in the scalar (fixed window of 4 bits).
    package func multiply(constantTime scalar: Scalar) -> EdwardsPoint {
        let table = ProjectiveNielsLookupTable(self)
        var digits = scalar.radix16Digits
        defer { secureZero(&digits) }  // secret-derived
        var q = (EdwardsPoint.identity + table.select(digits[63])).extended
        for i in stride(from: 62, through: 0, by: -1) {
            q = q.multipliedByPow2(4)
            q = (q + table.select(digits[i])).extended
        }
        return q
    }
}

extension RistrettoPoint {
    /// s * self in constant time (secret scalars allowed).
    /// - Parameter s: the scalar, possibly secret.
    /// - Returns: the product.
    public func multiply(secret s: Scalar) -> RistrettoPoint {
        RistrettoPoint(edwards: edwards.multiply(constantTime: s))
    }

    /// s * B for the generator B, in constant time with a precomputed table (secret
    /// scalars allowed).
    public static func multiplyBase(secret s: Scalar) -> RistrettoPoint {
        RistrettoPoint(edwards: EdwardsBasepointTable.standard.multiply(s))
    }

    /// s * self with the scalar held in `SecretScalar`, in constant time.
    public func multiply(secret s: SecretScalar) -> RistrettoPoint {
        s.withScalar { multiply(secret: $0) }
    }

    /// s * B with the scalar held in `SecretScalar`, in constant time.
    public static func multiplyBase(secret s: SecretScalar) -> RistrettoPoint {
        s.withScalar { multiplyBase(secret: $0) }
    }
}
