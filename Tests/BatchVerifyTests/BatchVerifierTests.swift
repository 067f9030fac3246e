@testable import BatchVerify
import Dispatch
import Ristretto255
import TestSupport
import Testing

/// Random true statements that use every kind of term, and false variants of them.
enum StatementFactory {
    static func scalar(_ rng: inout SeededRNG) -> Scalar { Scalar(reducingWide: rng.bytes(64)) }

    /// A true statement: dynamic points P_i = x_i·B + y_i·B~ + Σ c·G + Σ d·H, with the
    /// opposite scalars put on the generator terms.
    static func good(_ rng: inout SeededRNG, generatorTerms: Int) -> Statement {
        let gens = Generators.standard
        var st = Statement()
        let dynamic = 1 + Int(rng.next() % 3)
        for _ in 0..<dynamic {
            let a = scalar(&rng)  // the dynamic term's own weight
            let x = scalar(&rng), y = scalar(&rng)
            let c = (0..<generatorTerms).map { _ in scalar(&rng) }
            let d = (0..<generatorTerms).map { _ in scalar(&rng) }
            let P = RistrettoPoint.vartimeMultiscalarMul([x, y] + c + d,
                                                         [gens.B, gens.blinding] + gens.g.prefix(generatorTerms)
                                                            + gens.h.prefix(generatorTerms))
            st.add(a, P)
            st.b -= a * x
            st.bBlinding -= a * y
            if st.g.count < generatorTerms { st.g += [Scalar](repeating: .zero, count: generatorTerms - st.g.count) }
            if st.h.count < generatorTerms { st.h += [Scalar](repeating: .zero, count: generatorTerms - st.h.count) }
            for k in 0..<generatorTerms {
                st.g[k] -= a * c[k]
                st.h[k] -= a * d[k]
            }
        }
        return st
    }

    /// The statement with one of its scalars changed (so it is false).
    static func broken(_ st: Statement, _ rng: inout SeededRNG) -> Statement {
        var bad = st
        switch rng.next() % 4 {
        case 0: bad.b += .one
        case 1: bad.bBlinding += .one
        case 2 where !bad.g.isEmpty: bad.g[Int(rng.next() % UInt64(bad.g.count))] += .one
        case 3 where !bad.h.isEmpty: bad.h[Int(rng.next() % UInt64(bad.h.count))] += .one
        default: bad.scalars[0] += .one
        }
        return bad
    }
}

@Suite("Batch verifier")
struct BatchVerifierTests {
    @Test("random true statements over B, B~, G_k, H_k and dynamic points hold alone and in batches")
    func goodStatementsHold() {
        var rng = SeededRNG(seed: 0x4256_0001)
        print("seed \(rng.seed)")
        var statements: [Statement] = []
        for i in 0..<testIterations(12) {
            let st = StatementFactory.good(&rng, generatorTerms: [0, 1, 64, 130][i % 4])
            #expect(st.isSatisfiedVartime(backend: TestBackends.fastest))
            statements.append(st)
        }
        #expect(BatchVerifier(backend: TestBackends.fastest).verifyVartime(statements))
        #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(statements.map { [$0] }) == [])
    }

    @Test("a statement with any one scalar changed fails alone and fails every batch it is in")
    func brokenStatementsFail() {
        var rng = SeededRNG(seed: 0x4256_0002)
        print("seed \(rng.seed)")
        for i in 0..<testIterations(12) {
            let good = StatementFactory.good(&rng, generatorTerms: [0, 2, 64][i % 3])
            let bad = StatementFactory.broken(good, &rng)
            #expect(!bad.isSatisfiedVartime(backend: TestBackends.fastest))
            let other = StatementFactory.good(&rng, generatorTerms: 3)
            #expect(!BatchVerifier(backend: TestBackends.fastest).verifyVartime([other, bad]))
            #expect(!BatchVerifier(backend: TestBackends.fastest).verifyVartime([bad, other, other]))
        }
    }

    /// Runs the jobs on several threads at once.
    static let threads = Parallelism(ways: 3) { jobs in DispatchQueue.concurrentPerform(iterations: jobs.count) { jobs[$0]() } }

    @Test("a check split into jobs sums to exactly the serial sum, for any number of ways")
    func splitSums() {
        var rng = SeededRNG(seed: 0x4256_0005)
        print("seed \(rng.seed)")
        // Enough dynamic terms to take the split path; some statements false, so the sum is
        // a point other than the identity and any lost or doubled term would show.
        var statements: [Statement] = []
        while statements.reduce(0, { $0 + $1.points.count }) < BatchVerifier.parallelThreshold + 100 {
            let st = StatementFactory.good(&rng, generatorTerms: Int(rng.next() % 3))
            statements.append(rng.next() % 5 == 0 ? StatementFactory.broken(st, &rng) : st)
        }
        let weights = statements.map { _ in Scalar.randomWeight128() }
        let serial = BatchVerifier(backend: TestBackends.fastest).combinedSumVartime(statements, weights: weights)
        #expect(!serial.isIdentity)
        for ways in [2, 3, 5, 16] {
            let p = Parallelism(ways: ways) { jobs in DispatchQueue.concurrentPerform(iterations: jobs.count) { jobs[$0]() } }
            #expect(BatchVerifier(backend: TestBackends.fastest).combinedSumVartime(statements, weights: weights, parallelism: p) == serial, "\(ways) ways")
        }
    }

    @Test("checks split across threads accept good batches and bisect to exactly the bad items")
    func parallelBisection() {
        var rng = SeededRNG(seed: 0x4256_0006)
        print("seed \(rng.seed)")
        let good = (0..<300).map { _ in StatementFactory.good(&rng, generatorTerms: Int(rng.next() % 2)) }
        #expect(BatchVerifier(backend: TestBackends.fastest).verifyVartime(good, parallelism: Self.threads))
        #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(good.map { [$0] }, parallelism: Self.threads) == [])
        for _ in 0..<testIterations(3) {
            var items = good.map { [$0] }
            let bad = Set((0..<(1 + Int(rng.next() % 3))).map { _ in Int(rng.next() % UInt64(items.count)) })
            for i in bad { items[i] = [StatementFactory.broken(items[i][0], &rng)] }
            #expect(!BatchVerifier(backend: TestBackends.fastest).verifyVartime(items.flatMap { $0 }, parallelism: Self.threads))
            #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(items, parallelism: Self.threads) == bad.sorted())
        }
    }

    @Test("the empty statement and the empty batch are true; items without statements are valid")
    func emptyCases() {
        #expect(Statement().isSatisfiedVartime(backend: TestBackends.fastest))
        #expect(BatchVerifier(backend: TestBackends.fastest).verifyVartime([]))
        #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime([]) == [])
        #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime([[], [], []]) == [])
    }

    @Test("every pattern of bad items in a batch of 7 multi-statement items is found exactly")
    func exhaustivePatterns() {
        var rng = SeededRNG(seed: 0x4256_0003)
        print("seed \(rng.seed)")
        let n = 7
        // Each item has 0 to 2 statements; a bad item has exactly one false statement,
        // in a random position among its statements.
        var goodItems: [[Statement]] = []
        var badItems: [[Statement]] = []
        for i in 0..<n {
            let count = i == 0 ? 1 : 1 + Int(rng.next() % 2)
            let items = (0..<count).map { _ in StatementFactory.good(&rng, generatorTerms: Int(rng.next() % 3)) }
            goodItems.append(items)
            var bad = items
            let which = Int(rng.next() % UInt64(count))
            bad[which] = StatementFactory.broken(bad[which], &rng)
            badItems.append(bad)
        }
        goodItems.append([])  // an item without statements is valid
        badItems.append([])
        for pattern in 0..<(1 << n) {
            let items = (0...n).map { i in pattern >> i & 1 == 1 ? badItems[i] : goodItems[i] }
            let expected = (0..<n).filter { pattern >> $0 & 1 == 1 }
            #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(items) == expected, "pattern \(pattern)")
        }
    }
}
