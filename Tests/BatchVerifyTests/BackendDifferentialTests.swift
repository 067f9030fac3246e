@testable import BatchVerify
import Ristretto255
import TestSupport
import Testing

/// Batch verification on every vector backend against the portable one: the same combined
/// sums for the same weights, the same verdicts and the same bad items.
@Suite("Batch verification: backends against portable")
struct BatchBackendDifferentialTests {
    /// Statements with edge dynamic points: each true statement gets, as extra terms, an edge
    /// representative of a point and the negated representative of another of its class
    /// (torsion components, coordinates near p, unreduced limbs), which cancel.
    static func statements(_ rng: inout SeededRNG) -> [Statement] {
        var out: [Statement] = []
        for i in 0..<24 {
            var st = StatementFactory.good(&rng, generatorTerms: [0, 1, 64, 130][i % 4])
            let q = RistrettoPoint.fromUniformBytes(rng.bytes(64))
            let reps = EdgePoints.representatives(of: q)
            let a = StatementFactory.scalar(&rng)
            st.add(a, reps[i % reps.count])
            st.add(-a, reps[(i + 1) % reps.count])
            st.add(StatementFactory.scalar(&rng), EdgePoints.representatives(of: .identity)[i % reps.count])
            out.append(st)
        }
        return out
    }

    static func compare(_ backend: Backend, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        print("BatchBackendDifferentialTests \(backend) seed \(rng.seed)")
        let portable = BatchVerifier(backend: .portable), verifier = BatchVerifier(backend: backend)
        let good = statements(&rng)
        for st in good { #expect(st.isSatisfiedVartime(backend: backend) && st.isSatisfiedVartime(backend: .portable)) }
        // The same weighted sum, exactly, for true and false statements.
        var mixed = good
        for k in [3, 10, 17] { mixed[k] = StatementFactory.broken(mixed[k], &rng) }
        let weights = mixed.map { _ in Scalar.randomWeight128() }
        #expect(verifier.combinedSumVartime(mixed, weights: weights) == portable.combinedSumVartime(mixed, weights: weights))
        #expect(verifier.combinedSumVartime(good, weights: weights) == portable.combinedSumVartime(good, weights: weights))
        #expect(verifier.verifyVartime(good) && portable.verifyVartime(good))
        #expect(!verifier.verifyVartime(mixed) && !portable.verifyVartime(mixed))
        let items = mixed.map { [$0] }
        #expect(verifier.invalidItemsVartime(items) == [3, 10, 17])
        #expect(portable.invalidItemsVartime(items) == [3, 10, 17])
        // Large enough for the split (parallel) sum.
        let many = (0..<600).map { _ in [StatementFactory.good(&rng, generatorTerms: Int(rng.next() % 2))] }
        let threads = Parallelism(ways: 3) { jobs in for job in jobs { job() } }
        #expect(verifier.invalidItemsVartime(many, parallelism: threads) == [])
    }

    @Test("the ifma backend's batch verifier gives the portable one's sums, verdicts and bad items",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the ifma backend cannot run here"))
    func ifmaMatchesPortable() {
        Self.compare(.ifma, seed: 0xbac_0002)
    }

    @Test("the avx2 backend's batch verifier gives the portable one's sums, verdicts and bad items",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func avx2MatchesPortable() {
        Self.compare(.avx2, seed: 0xbac_0005)
    }
}
