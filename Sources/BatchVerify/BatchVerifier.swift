import Ristretto255

/// Batch verification of statements (see `Statement`).
///
/// A batch multiplies statement j by an independent uniformly random 128-bit weight
/// z_j (unless the statement is `isWeighted`: its builder already did) and checks Σ z_j·(statement j) == identity with one multiscalar
/// multiplication, the scalars on the fixed generators added up first. If every
/// statement holds, so does the sum. If some statement is false, the sum is the
/// identity with probability at most 2^-128 over the weights (the group has prime
/// order l > 2^252; for a fixed nonzero difference, at most one weight value in
/// 2^128 cancels it). So a passing batch is accepted, and a failing batch proves that
/// at least one statement in it is false.
///
/// Bisection on failure: an item is reported invalid only when a check over that
/// item's statements alone fails, which is impossible for a valid item. Hence a
/// valid item is never reported, whatever the other items of the batch contain.
/// See docs/notes/batch-verification.md.
public enum BatchVerifier {
    /// True iff every statement holds (except with probability ≤ 2^-128 when one does
    /// not): random 128-bit weights, one MSM.
    /// - Warning: Variable time. Verification data only.
    public static func verifyVartime(_ statements: [Statement]) -> Bool {
        if statements.isEmpty { return true }
        // A lone statement needs no weight: it is checked exactly.
        if statements.count == 1 { return statements[0].isSatisfiedVartime() }
        let weights = statements.map { _ in Scalar.randomWeight128() }
        return combinedSumVartime(statements, weights: weights).isIdentity
    }

    /// The sorted indices of the items that have at least one false statement.
    ///
    /// `items[i]` holds the statements of item i (e.g. all checks of one transfer). The
    /// whole batch is checked first; if it fails, the items are bisected, each half
    /// checked with fresh weights, down to single items. An item with no statements
    /// is valid.
    /// - Warning: Variable time. Verification data only.
    public static func invalidItemsVartime(_ items: [[Statement]]) -> [Int] {
        var invalid: [Int] = []
        if items.isEmpty { return invalid }
        if checkVartime(items, items.indices) { return invalid }
        bisectVartime(items, items.indices, knownToFail: true, into: &invalid)
        return invalid
    }

    // MARK: - Internals

    /// Whether every statement of the items in `range` holds (fresh weights).
    static func checkVartime(_ items: [[Statement]], _ range: Range<Int>) -> Bool {
        verifyVartime(Array(items[range].joined()))
    }

    /// Finds the invalid items in `range`, appending them in increasing order.
    ///
    /// `knownToFail`: a check over exactly this range has failed (so it holds an invalid
    /// item). Otherwise the range is only suspected (its sibling passed while the parent
    /// failed) and a single item is checked directly before it is reported. Halves are
    /// checked left first; when the left half of a failing range passes, the right half
    /// must hold the invalid item, so its own check is skipped and left to its halves.
    static func bisectVartime(_ items: [[Statement]], _ range: Range<Int>, knownToFail: Bool, into invalid: inout [Int]) {
        if range.count == 1 {
            if knownToFail || !checkVartime(items, range) { invalid.append(range.lowerBound) }
            return
        }
        let mid = range.lowerBound + range.count / 2
        let left = range.lowerBound..<mid
        let right = mid..<range.upperBound
        let leftFails = !checkVartime(items, left)
        if leftFails { bisectVartime(items, left, knownToFail: true, into: &invalid) }
        if knownToFail && !leftFails {
            bisectVartime(items, right, knownToFail: false, into: &invalid)
        } else if !checkVartime(items, right) {
            bisectVartime(items, right, knownToFail: true, into: &invalid)
        }
    }

    /// Σ weights[j] · statements[j], with the generator scalars added up.
    /// - Precondition: one weight per statement; each statement well formed.
    static func combinedSumVartime(_ statements: [Statement], weights: [Scalar]) -> RistrettoPoint {
        precondition(weights.count == statements.count, "one weight per statement")
        var generatorTerms = 0
        var dynamicCount = 0
        for st in statements {
            precondition(st.scalars.count == st.points.count, "a statement needs one scalar per dynamic point")
            precondition(st.g.count <= Generators.capacityBits * Generators.capacityParties
                && st.h.count <= Generators.capacityBits * Generators.capacityParties,
                "a statement has at most 1024 G and 1024 H scalars")
            generatorTerms = max(generatorTerms, st.g.count, st.h.count)
            dynamicCount += st.points.count
        }
        var staticScalars = [Scalar](repeating: .zero, count: 2 + 2 * generatorTerms)
        var dynamicScalars: [Scalar] = []
        var dynamicPoints: [RistrettoPoint] = []
        dynamicScalars.reserveCapacity(dynamicCount)
        dynamicPoints.reserveCapacity(dynamicCount)
        for (st, weight) in zip(statements, weights) {
            let unit = st.isWeighted || weight == .one
            let z = ScalarMultiplier(weight)  // every scalar of the statement times one weight
            staticScalars[0] += unit ? st.b : z.times(st.b)
            staticScalars[1] += unit ? st.bBlinding : z.times(st.bBlinding)
            for (k, s) in st.g.enumerated() { staticScalars[2 + 2 * k] += unit ? s : z.times(s) }
            for (k, s) in st.h.enumerated() { staticScalars[3 + 2 * k] += unit ? s : z.times(s) }
            if unit {
                dynamicScalars += st.scalars
            } else {
                for s in st.scalars { dynamicScalars.append(z.times(s)) }
            }
            dynamicPoints += st.points
        }
        if generatorTerms == 0 {
            // Only B and B~: no need for the 2050-point G/H table (its precomputation is
            // paid once, on the first batch that uses G or H), e.g. batches of signatures.
            return pedersenTable.vartimeMultiscalarMul(staticScalars: staticScalars, dynamicScalars: dynamicScalars,
                                                       dynamicPoints: dynamicPoints)
        }
        // `Generators.vartimeTable` is interleaved [B, B~, G_0, H_0, G_1, H_1, ...], the
        // layout of `staticScalars`; sharing it with the prover keeps one 16 MB table.
        return Generators.vartimeTable.vartimeMultiscalarMul(staticScalars: staticScalars, dynamicScalars: dynamicScalars,
                                                    dynamicPoints: dynamicPoints)
    }

    /// B and B~ alone, for statements that do not touch G/H.
    static let pedersenTable = VartimePrecomputedMSM(points: [Generators.standard.B, Generators.standard.blinding])
}
