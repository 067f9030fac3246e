import BatchVerify
import Bulletproofs
import Foundation
import Ristretto255
import Testing
import TestSupport

@Suite("RangeProof batch verification")
struct BatchTests {
    /// 64 valid claims of mixed shapes (n in {8, 32, 64}, m in {1, 2, 4}) and, for each,
    /// an invalid twin (the same proof against a changed commitment, or with a changed
    /// scalar).
    static let pool: (good: [RangeProofClaim], bad: [RangeProofClaim]) = {
        var rng = SeededRNG(seed: 0xba7c4)
        print("batch pool seed \(rng.seed)")
        let shapes = [(64, 1), (32, 2), (8, 4), (64, 2), (8, 1), (32, 1), (16, 2), (64, 4)]
        var good: [RangeProofClaim] = []
        var bad: [RangeProofClaim] = []
        for i in 0..<64 {
            let (n, m) = shapes[i % shapes.count]
            guard let made = try? TestProofs.make(bitSize: n, count: m, rng: &rng) else { continue }
            good.append(RangeProofClaim(proof: made.proof, commitments: made.commitments, bitSize: n,
                                        transcript: TestProofs.transcript()))
            if i % 2 == 0 {
                var wrong = made.commitments
                wrong[i % m] = wrong[i % m] + Generators.standard.B
                bad.append(RangeProofClaim(proof: made.proof, commitments: wrong, bitSize: n,
                                           transcript: TestProofs.transcript()))
            } else {
                var bytes = made.proof.bytes
                bytes[128] ^= 1  // t_x changes by +-1 and stays canonical
                if let proof = try? RangeProof(bytes: bytes) {
                    bad.append(RangeProofClaim(proof: proof, commitments: made.commitments, bitSize: n,
                                               transcript: TestProofs.transcript()))
                }
            }
        }
        return (good, bad)
    }()

    @Test("the pool is complete: 64 valid claims that verify one by one, 64 invalid ones that fail")
    func poolIsSound() throws {
        #expect(Self.pool.good.count == 64 && Self.pool.bad.count == 64)
        for claim in Self.pool.good {
            let ok = try claim.statement().isSatisfiedVartime(backend: TestBackends.fastest)
            #expect(ok)
        }
        for claim in Self.pool.bad {
            let ok = (try? claim.statement().isSatisfiedVartime(backend: TestBackends.fastest)) ?? false
            #expect(!ok)
        }
    }

    @Test("valid batches of any size are accepted and nothing is reported", arguments: [1, 2, 5, 17, 64])
    func goodBatches(size: Int) {
        let claims = Array(Self.pool.good.prefix(size))
        let accepted = RangeProof.verifyBatchVartime(claims)
        #expect(accepted)
        let found = RangeProof.invalidClaimsVartime(claims)
        #expect(found == [])
        let emptyAccepted = RangeProof.verifyBatchVartime([])
        #expect(emptyAccepted)
        let emptyFound = RangeProof.invalidClaimsVartime([])
        #expect(emptyFound == [])
    }

    @Test("one bad proof is isolated at every position of batches of up to 64", arguments: [1, 2, 3, 7, 16, 33, 64])
    func everyPosition(size: Int) {
        var wrongly: [Int] = []
        for position in 0..<size {
            var claims = Array(Self.pool.good.prefix(size))
            claims[position] = Self.pool.bad[position]
            let found = RangeProof.invalidClaimsVartime(claims)
            if found != [position] { wrongly.append(position) }
            let accepted = RangeProof.verifyBatchVartime(claims)
            #expect(!accepted)
        }
        #expect(wrongly.isEmpty, "misreported positions \(wrongly) in a batch of \(size)")
    }

    @Test("every pattern of bad proofs in a batch of 6 is reported exactly")
    func exhaustiveSmall() {
        for pattern in 0..<(1 << 6) {
            var claims = Array(Self.pool.good[10..<16])
            var expected: [Int] = []
            for i in 0..<6 where pattern >> i & 1 == 1 {
                claims[i] = Self.pool.bad[10 + i]
                expected.append(i)
            }
            let found = RangeProof.invalidClaimsVartime(claims)
            #expect(found == expected, "pattern \(pattern)")
        }
    }

    @Test("random sets of bad proofs in batches of 64 are reported exactly and good ones never")
    func randomPatterns() {
        var rng = SeededRNG(seed: 0x9a77)
        print("randomPatterns seed \(rng.seed)")
        for _ in 0..<testIterations(6) {
            var claims = Self.pool.good
            var expected: [Int] = []
            for i in 0..<64 where rng.next() % 8 == 0 {
                claims[i] = Self.pool.bad[i]
                expected.append(i)
            }
            let found = RangeProof.invalidClaimsVartime(claims)
            #expect(found == expected)
        }
    }

    @Test("a claim with a structural fault (identity point, wrong bit size) is reported without hiding others")
    func structuralFaults() throws {
        var claims = Array(Self.pool.good.prefix(8))
        var bytes = claims[3].proof.bytes
        bytes.replaceSubrange(0..<32, with: [UInt8](repeating: 0, count: 32))
        claims[3].proof = try RangeProof(bytes: bytes)
        claims[5].bitSize = claims[5].bitSize == 8 ? 16 : 8
        claims[6] = Self.pool.bad[6]
        let found = RangeProof.invalidClaimsVartime(claims)
        #expect(found == [3, 5, 6])
        let accepted = RangeProof.verifyBatchVartime(claims)
        #expect(!accepted)
    }
}
