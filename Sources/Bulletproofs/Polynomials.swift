import Ristretto255

/// Small vector helpers of the range-proof algebra (all constant time: `Scalar`
/// arithmetic is, and loop bounds depend only on public sizes).
enum VectorMath {
    /// [1, x, x^2, ..., x^(count-1)].
    static func powers(of x: Scalar, count: Int) -> [Scalar] {
        var out: [Scalar] = []
        out.reserveCapacity(count)
        var p = Scalar.one
        for _ in 0..<count {
            out.append(p)
            p *= x
        }
        return out
    }

    /// 1 + x + ... + x^(count-1).
    ///
    /// For a power-of-two count (every n*m of a range proof) by doubling, 2 log2(count)
    /// multiplications: S(2k) = S(k) + x^k * S(k) (the crate's `sum_of_powers`); otherwise
    /// term by term.
    static func sumOfPowers(of x: Scalar, count: Int) -> Scalar {
        if count <= 0 { return .zero }
        if count & (count - 1) == 0 {
            var sum = Scalar.one  // S(1)
            var power = x  // x^k for the current k
            var k = 1
            while k < count {
                sum += power * sum
                power = power.squared()
                k *= 2
            }
            return sum
        }
        var sum = Scalar.zero
        var p = Scalar.one
        for _ in 0..<count {
            sum += p
            p *= x
        }
        return sum
    }

    /// <a, b> over the first min(a.count, b.count) entries (callers pass equal lengths).
    static func innerProduct(_ a: ArraySlice<Scalar>, _ b: ArraySlice<Scalar>) -> Scalar {
        precondition(a.count == b.count, "inner product of vectors of different lengths")
        var acc = Scalar.zero
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex {
            acc += a[i] * b[j]
            i += 1
            j += 1
        }
        return acc
    }

    /// 2^i as a scalar, i < 64.
    static func powerOfTwo(_ i: Int) -> Scalar { Scalar(UInt64(1) << UInt64(i)) }

    /// delta(y, z) = (z - z^2) * sum_{g<N} y^g - sum_{j<m} z^(j+3) * (2^n - 1), the public
    /// constant of the polynomial-commitment check (reference section 6).
    static func delta(bitSize n: Int, aggregation m: Int, y: Scalar, z: Scalar) -> Scalar {
        let zz = z * z
        let sumY = sumOfPowers(of: y, count: n * m)
        let sumZ = sumOfPowers(of: z, count: m)
        let twoNMinusOne = n == 64 ? Scalar(UInt64.max) : Scalar((UInt64(1) << UInt64(n)) - 1)
        return (z - zz) * sumY - zz * z * sumZ * twoNMinusOne
    }
}

/// Parameters every range-proof entry point checks first.
enum RangeProofParameters {
    /// Supported bit sizes (the crate's `InvalidBitsize` otherwise).
    static let bitSizes: Set<Int> = [8, 16, 32, 64]
    /// Supported aggregation sizes: powers of two up to the generator capacity.
    static let aggregationSizes: Set<Int> = [1, 2, 4, 8, 16]

    static func check(bitSize n: Int, aggregation m: Int) throws(BulletproofsError) {
        guard bitSizes.contains(n) else { throw .invalidBitSize(n) }
        guard aggregationSizes.contains(m) else { throw .invalidAggregationSize(m) }
    }
}
