import BatchVerify
@testable import Bulletproofs
import Foundation
import Merlin
import Ristretto255
import Testing
import TestSupport

@Suite("RangeProof prover")
struct ProverTests {
    static let sizes: [(Int, Int)] = [8, 16, 32, 64].flatMap { n in [1, 2, 4, 8, 16].map { (n, $0) } }

    @Test("proofs for every n in {8,16,32,64} and m in {1,2,4,8,16} verify and survive the wire",
          arguments: [8, 16, 32, 64], [1, 2, 4, 8, 16])
    func roundTrip(n: Int, m: Int) throws {
        var rng = SeededRNG(seed: 0xb0_0000 + UInt64(n * 100 + m))
        print("roundTrip n=\(n) m=\(m) seed \(rng.seed)")
        let made = try TestProofs.make(bitSize: n, count: m, rng: &rng)
        let bytes = made.proof.bytes
        #expect(bytes.count == RangeProof.encodedLength(bitSize: n, aggregation: m))
        let decoded = try RangeProof(bytes: bytes)
        #expect(decoded == made.proof)
        #expect(decoded.bytes == bytes)
        var t = TestProofs.transcript()
        try decoded.verifyVartime(commitments: made.commitments, bitSize: n, transcript: &t)
        // Commitments are v*B + gamma*B~.
        let gens = Generators.standard
        for j in 0..<m {
            let expected = RistrettoPoint.constantTimeMultiscalarMul([Scalar(made.values[j]), made.blindings[j]],
                                                                     [gens.B, gens.blinding])
            #expect(made.commitments[j] == expected)
        }
        // The wrong bit size never verifies.
        for other in [8, 16, 32, 64] where other != n {
            var t2 = TestProofs.transcript()
            #expect(throws: BulletproofsError.self) {
                try decoded.verifyVartime(commitments: made.commitments, bitSize: other, transcript: &t2)
            }
        }
    }

    @Test("the end points 0 and 2^n - 1 can be proven", arguments: [8, 16, 32, 64])
    func endPoints(n: Int) throws {
        var rng = SeededRNG(seed: 0xe0 + UInt64(n))
        print("endPoints seed \(rng.seed)")
        let top: UInt64 = n == 64 ? .max : (1 << UInt64(n)) - 1
        let values: [UInt64] = [0, top]
        let blindings = [Scalar(reducingWide: rng.bytes(64)), Scalar(reducingWide: rng.bytes(64))]
        var t = TestProofs.transcript()
        let (proof, commitments) = try RangeProof.prove(values: values, blindings: blindings, bitSize: n,
                                                        transcript: &t, using: &rng)
        #expect(TestProofs.verifies(proof.bytes, commitments, bitSize: n))
    }

    @Test("a value of 2^n or more is refused with valueOutOfRange", arguments: [8, 16, 32])
    func refusesOutOfRange(n: Int) throws {
        var rng = SeededRNG(seed: 0x0f + UInt64(n))
        let blinding = Scalar(reducingWide: rng.bytes(64))
        for (index, bad) in [(0, UInt64(1) << UInt64(n)), (1, UInt64.max), (1, (UInt64(1) << UInt64(n)) + 5)] {
            var values: [UInt64] = [3, 4]
            values[index] = bad
            var t = TestProofs.transcript()
            #expect(throws: BulletproofsError.valueOutOfRange(index: index, bitSize: n)) {
                try RangeProof.prove(values: values, blindings: [blinding, blinding], bitSize: n, transcript: &t,
                                     using: &rng)
            }
        }
    }

    @Test("a commitment to a value outside [0, 2^n) cannot be proven, even by a prover that cheats on the bits",
          arguments: [8, 32, 64])
    func negativeValuesFail(n: Int) throws {
        var rng = SeededRNG(seed: 0x4e6 + UInt64(n))
        print("negativeValuesFail seed \(rng.seed)")
        let top: UInt64 = n == 64 ? .max : (1 << UInt64(n)) - 1
        let twoN = n == 64 ? Scalar(UInt64.max) + .one : Scalar(UInt64(1) << UInt64(n))
        // (committed value, value whose bits are used): -1 with the bits of its n-bit
        // wrap-around 2^n - 1; -5 with the bits of 5 and of 2^n - 5; 2^n with the bits of 0.
        let cases: [(Scalar, UInt64)] = [(-Scalar.one, top), (-Scalar(5), 5), (-Scalar(5), top - 4), (twoN, 0),
                                         (twoN + Scalar(7), 7)]
        for (committed, bits) in cases {
            let blinding = Scalar(reducingWide: rng.bytes(64))
            var t = TestProofs.transcript()
            let (proof, commitments) = try RangeProof.proveCore(committedValues: [committed], bitValues: [bits],
                                                                blindings: [blinding], bitSize: n, transcript: &t,
                                                                using: &rng)
            #expect(!TestProofs.verifies(proof.bytes, commitments, bitSize: n))
        }
        // The negated commitment of an honest proof commits to -v: rejected.
        let honest = try TestProofs.make(bitSize: n, count: 1, rng: &rng)
        #expect(TestProofs.verifies(honest.proof.bytes, honest.commitments, bitSize: n))
        #expect(!TestProofs.verifies(honest.proof.bytes, [-honest.commitments[0]], bitSize: n))
    }

    @Test("sumOfPowers (doubling for powers of two) equals the term-by-term sum for counts 0...130")
    func sumOfPowers() {
        for x in [Scalar.zero, .one, -Scalar.one, Scalar(2), Scalar.random(), Scalar.random()] {
            var expected = Scalar.zero
            var power = Scalar.one
            for count in 0...130 {
                #expect(VectorMath.sumOfPowers(of: x, count: count) == expected, "count \(count)")
                expected += power
                power *= x
            }
        }
    }

    @Test("bad parameters are refused before any work")
    func badParameters() throws {
        var rng = SeededRNG(seed: 0xbad)
        let b = Scalar(reducingWide: rng.bytes(64))
        var t = TestProofs.transcript()
        #expect(throws: BulletproofsError.invalidBitSize(12)) {
            try RangeProof.prove(values: [1], blindings: [b], bitSize: 12, transcript: &t, using: &rng)
        }
        #expect(throws: BulletproofsError.invalidAggregationSize(3)) {
            try RangeProof.prove(values: [1, 2, 3], blindings: [b, b, b], bitSize: 8, transcript: &t, using: &rng)
        }
        #expect(throws: BulletproofsError.invalidAggregationSize(0)) {
            try RangeProof.prove(values: [], blindings: [], bitSize: 8, transcript: &t, using: &rng)
        }
        #expect(throws: BulletproofsError.invalidAggregationSize(32)) {
            try RangeProof.prove(values: Array(repeating: 1, count: 32), blindings: Array(repeating: b, count: 32),
                                 bitSize: 8, transcript: &t, using: &rng)
        }
        #expect(throws: BulletproofsError.mismatchedInputs(values: 2, blindings: 1)) {
            try RangeProof.prove(values: [1, 2], blindings: [b], bitSize: 8, transcript: &t, using: &rng)
        }
    }

    @Test("swapping, dropping, adding, changing or negating a commitment makes the proof fail")
    func commitmentsAreBound() throws {
        var rng = SeededRNG(seed: 0xc0111)
        print("commitmentsAreBound seed \(rng.seed)")
        for (n, m) in [(64, 2), (16, 4)] {
            let made = try TestProofs.make(bitSize: n, count: m, rng: &rng)
            let bytes = made.proof.bytes
            let V = made.commitments
            #expect(TestProofs.verifies(bytes, V, bitSize: n))
            var swapped = V
            swapped.swapAt(0, 1)
            #expect(!TestProofs.verifies(bytes, swapped, bitSize: n))
            #expect(!TestProofs.verifies(bytes, Array(V.dropLast()), bitSize: n))
            #expect(!TestProofs.verifies(bytes, Array(V.dropFirst()), bitSize: n))
            #expect(!TestProofs.verifies(bytes, V + V, bitSize: n))
            for j in 0..<m {
                var changed = V
                changed[j] = changed[j] + Generators.standard.B  // value + 1
                #expect(!TestProofs.verifies(bytes, changed, bitSize: n))
                changed[j] = V[j] + Generators.standard.blinding  // same value, other blinding
                #expect(!TestProofs.verifies(bytes, changed, bitSize: n))
                changed[j] = -V[j]
                #expect(!TestProofs.verifies(bytes, changed, bitSize: n))
                changed[j] = .identity
                #expect(!TestProofs.verifies(bytes, changed, bitSize: n))
            }
        }
    }

    @Test("a proof is bound to its transcript: another label or extra transcript data fails")
    func transcriptBinding() throws {
        var rng = SeededRNG(seed: 0x7a)
        let made = try TestProofs.make(bitSize: 32, count: 2, rng: &rng)
        var other = Transcript(label: "zkpay bulletproofs test 2")
        #expect(throws: BulletproofsError.verificationFailed) {
            try made.proof.verifyVartime(commitments: made.commitments, bitSize: 32, transcript: &other)
        }
        var extended = TestProofs.transcript()
        extended.appendMessage("ctx", [1, 2, 3])
        #expect(throws: BulletproofsError.verificationFailed) {
            try made.proof.verifyVartime(commitments: made.commitments, bitSize: 32, transcript: &extended)
        }
    }

    @Test("verification leaves the transcript in the prover's final state")
    func transcriptStateMatches() throws {
        var rng = SeededRNG(seed: 0x5a5a)
        var proverT = TestProofs.transcript()
        let (values, blindings) = TestProofs.inputs(bitSize: 16, count: 2, rng: &rng)
        let (proof, commitments) = try RangeProof.prove(values: values, blindings: blindings, bitSize: 16,
                                                        transcript: &proverT, using: &rng)
        var verifierT = TestProofs.transcript()
        try proof.verifyVartime(commitments: commitments, bitSize: 16, transcript: &verifierT)
        #expect(proverT.challengeBytes("after", count: 32) == verifierT.challengeBytes("after", count: 32))
    }

    @Test("the prover with libsodium randomness makes different, valid proofs for the same inputs")
    func systemRandomness() throws {
        var rng = SeededRNG(seed: 0x55)
        let (values, blindings) = TestProofs.inputs(bitSize: 64, count: 1, rng: &rng)
        var t1 = TestProofs.transcript()
        var t2 = TestProofs.transcript()
        let p1 = try RangeProof.prove(values: values, blindings: blindings, bitSize: 64, transcript: &t1)
        let p2 = try RangeProof.prove(values: values, blindings: blindings, bitSize: 64, transcript: &t2)
        #expect(p1.commitments == p2.commitments)
        #expect(p1.proof.bytes != p2.proof.bytes)
        #expect(TestProofs.verifies(p1.proof.bytes, p1.commitments, bitSize: 64))
        #expect(TestProofs.verifies(p2.proof.bytes, p2.commitments, bitSize: 64))
    }
}
