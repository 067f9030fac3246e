public import Ristretto255
import Synchronization

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
///
/// A verifier is built for one `Backend`, whose MSM engines check every batch it is given.
public struct BatchVerifier: Sendable, Hashable {
    /// The backend of the multiscalar multiplications.
    public let backend: Backend

    /// A verifier whose multiscalar multiplications run on `backend`.
    /// - Warning: The backend must be one the CPU runs (`Backend.check(on:)`).
    public init(backend: Backend) { self.backend = backend }

    /// True iff every statement holds (except with probability ≤ 2^-128 when one does
    /// not): random 128-bit weights, one MSM.
    /// - Warning: Variable time. Verification data only.
    /// - Parameter parallelism: how the multiscalar multiplication may be split (the
    ///   static generator terms and slices of the dynamic ones as separate jobs).
    public func verifyVartime(_ statements: [Statement], parallelism: Parallelism = .serial) -> Bool {
        if statements.isEmpty { return true }
        // A lone statement needs no weight: it is checked exactly.
        if statements.count == 1 { return statements[0].isSatisfiedVartime(backend: backend) }
        let weights = statements.map { $0.isWeighted ? Scalar.one : Scalar.randomWeight128() }
        return combinedSumVartime(statements, weights: weights, parallelism: parallelism).isIdentity
    }

    /// The sorted indices of the items that have at least one false statement.
    ///
    /// `items[i]` holds the statements of item i (e.g. all checks of one transfer). The
    /// whole batch is checked first; if it fails, the items are bisected, each half
    /// checked with fresh weights, down to single items. An item with no statements
    /// is valid.
    /// - Warning: Variable time. Verification data only.
    /// `parallelism`: as in `verifyVartime`, for every check (the whole batch and the
    /// bisection's halves).
    public func invalidItemsVartime(_ items: [[Statement]], parallelism: Parallelism = .serial) -> [Int] {
        var invalid: [Int] = []
        if items.isEmpty { return invalid }
        if checkVartime(items, items.indices, parallelism) { return invalid }
        bisectVartime(items, items.indices, knownToFail: true, parallelism, into: &invalid)
        return invalid
    }

    // MARK: - Internals

    /// Whether every statement of the items in `range` holds (fresh weights).
    func checkVartime(_ items: [[Statement]], _ range: Range<Int>, _ parallelism: Parallelism = .serial) -> Bool {
        verifyVartime(Array(items[range].joined()), parallelism: parallelism)
    }

    /// Finds the invalid items in `range`, appending them in increasing order.
    ///
    /// `knownToFail`: a check over exactly this range has failed (so it holds an invalid
    /// item). Otherwise the range is only suspected (its sibling passed while the parent
    /// failed) and a single item is checked directly before it is reported. Halves are
    /// checked left first; when the left half of a failing range passes, the right half
    /// must hold the invalid item, so its own check is skipped and left to its halves.
    func bisectVartime(_ items: [[Statement]], _ range: Range<Int>, knownToFail: Bool,
                              _ parallelism: Parallelism = .serial, into invalid: inout [Int]) {
        if range.count == 1 {
            if knownToFail || !checkVartime(items, range, parallelism) { invalid.append(range.lowerBound) }
            return
        }
        let mid = range.lowerBound + range.count / 2
        let left = range.lowerBound..<mid
        let right = mid..<range.upperBound
        let leftFails = !checkVartime(items, left, parallelism)
        if leftFails { bisectVartime(items, left, knownToFail: true, parallelism, into: &invalid) }
        if knownToFail && !leftFails {
            bisectVartime(items, right, knownToFail: false, parallelism, into: &invalid)
        } else if !checkVartime(items, right, parallelism) {
            bisectVartime(items, right, knownToFail: true, parallelism, into: &invalid)
        }
    }

    /// Σ weights[j] · statements[j], with the generator scalars added up.
    /// - Precondition: one weight per statement; each statement well formed.
    func combinedSumVartime(_ statements: [Statement], weights: [Scalar],
                                   parallelism: Parallelism = .serial) -> RistrettoPoint {
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
        // The G/H scalars are summed limb by limb without carrying (a canonical scalar's
        // five limbs are < 2^52, so 2^11 of them fit a UInt64) and reduced mod l once per
        // 2^11 statements: a modular addition per term costs more than the rest of the
        // combination.
        var limbSums = [UInt64](repeating: 0, count: 5 * 2 * generatorTerms)
        var pending = 0
        func foldLimbSums() {
            for k in 0..<(2 * generatorTerms) {
                let o = 5 * k
                staticScalars[2 + k] += Scalar(value: Scalar52.reducing(limbSums: (limbSums[o], limbSums[o + 1],
                    limbSums[o + 2], limbSums[o + 3], limbSums[o + 4])))
                for i in 0..<5 { limbSums[o + i] = 0 }
            }
            pending = 0
        }
        @inline(__always) func accumulate(_ s: Scalar, _ k: Int) {
            let o = 5 * k, v = s.value
            limbSums[o] &+= v.l0; limbSums[o + 1] &+= v.l1; limbSums[o + 2] &+= v.l2
            limbSums[o + 3] &+= v.l3; limbSums[o + 4] &+= v.l4
        }
        for (st, weight) in zip(statements, weights) {
            let unit = st.isWeighted || weight == .one
            let z = ScalarMultiplier(weight)  // every scalar of the statement times one weight
            staticScalars[0] += unit ? st.b : z.times(st.b)
            staticScalars[1] += unit ? st.bBlinding : z.times(st.bBlinding)
            if pending == 1 << 11 { foldLimbSums() }
            pending += 1
            for (k, s) in st.g.enumerated() { accumulate(unit ? s : z.times(s), 2 * k) }
            for (k, s) in st.h.enumerated() { accumulate(unit ? s : z.times(s), 2 * k + 1) }
            if unit {
                dynamicScalars += st.scalars
            } else {
                for s in st.scalars { dynamicScalars.append(z.times(s)) }
            }
            dynamicPoints += st.points
        }
        foldLimbSums()
        // Only B and B~: no need for the 2050-point G/H table (its precomputation is paid
        // once, on the first batch that uses G or H), e.g. batches of signatures.
        // `Generators.vartimeTable` is interleaved [B, B~, G_0, H_0, G_1, H_1, ...], the
        // layout of `staticScalars`; sharing it with the prover keeps one 16 MB table.
        let table = VartimePrecomputedMSM(table: generatorTerms == 0 ? Self.pedersenTable : Generators.vartimeTable,
                                          backend: backend)
        if parallelism.ways == 1 || dynamicCount < Self.parallelThreshold {
            return table.vartimeMultiscalarMul(staticScalars: staticScalars, dynamicScalars: dynamicScalars,
                                               dynamicPoints: dynamicPoints)
        }
        return splitSumVartime(table, staticScalars, dynamicScalars, dynamicPoints, parallelism)
    }

    /// Below this many dynamic terms a check is one job: splitting a small Pippenger
    /// costs more than it saves.
    static let parallelThreshold = 512

    /// The sum of `combinedSumVartime` as `parallelism.ways` jobs: job 0 takes the static
    /// terms and a smaller share of the dynamic ones (a static term costs about one
    /// dynamic term: ~32 bucket additions at window 8 against ~26 at Pippenger's window
    /// 10), the others equal slices of the dynamic terms; the partial sums are added.
    /// One static part per check, however many jobs: this is why a batch is checked as
    /// one sum split across cores rather than as one sum per core.
    func splitSumVartime(_ table: VartimePrecomputedMSM, _ staticScalars: [Scalar], _ dynamicScalars: [Scalar],
                                _ dynamicPoints: [RistrettoPoint], _ parallelism: Parallelism) -> RistrettoPoint {
        let ways = parallelism.ways
        let total = dynamicScalars.count
        let share = (total + staticScalars.count) / ways
        let first = max(0, min(total, share - staticScalars.count))
        var bounds = [0, first]
        let rest = Parallelism(ways: ways - 1, run: parallelism.run).ranges(total - first)
        for r in rest { bounds.append(first + r.upperBound) }
        if rest.isEmpty { bounds.append(total) }
        let parts = Mutex([EdwardsPoint](repeating: .identity, count: bounds.count - 1))
        let dynamicMSM = VartimeMSM(backend: backend)
        let jobs: [@Sendable () -> Void] = (0..<(bounds.count - 1)).map { k in
            let range = bounds[k]..<bounds[k + 1]
            return {
                var part = k == 0 ? table.staticMultiscalarMul(staticScalars) : .identity
                if !range.isEmpty {
                    part = part + dynamicMSM.multiscalarMul(Array(dynamicScalars[range]), Array(dynamicPoints[range]))
                }
                parts.withLock { $0[k] = part }
            }
        }
        parallelism.run(jobs)
        return RistrettoPoint(edwards: parts.withLock { $0.reduce(EdwardsPoint.identity, +) })
    }

    /// B and B~ alone, for statements that do not touch G/H.
    static let pedersenTable = VartimePrecomputedTable(points: [Generators.standard.B, Generators.standard.blinding])
}
