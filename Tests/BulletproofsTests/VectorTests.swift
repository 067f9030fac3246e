import BatchVerify
import Bulletproofs
import Foundation
import Merlin
import Ristretto255
import Testing
import TestSupport

/// The dalek crate's own regression proofs (Fixtures/vectors/dalek-bulletproofs.json:
/// tests/range_proof.rs at be67b6d5, 16 valid) and 13 one-change invalid derivatives.
@Suite("dalek-bulletproofs vectors")
struct VectorTests {
    @Test("the vector file holds 16 valid and 13 invalid cases")
    func counts() {
        #expect(BulletproofVector.valid.count == 16)
        #expect(BulletproofVector.invalid.count == 13)
    }

    @Test("every proof made by the crate verifies", arguments: BulletproofVector.valid)
    func validProofVerifies(_ v: BulletproofVector) throws {
        try v.verify()
    }

    @Test("every crate proof re-encodes to the same bytes and has the documented length",
          arguments: BulletproofVector.valid)
    func reencodes(_ v: BulletproofVector) throws {
        let proof = try RangeProof(bytes: v.proof)
        #expect(proof.bytes == v.proof)
        #expect(v.proof.count == RangeProof.encodedLength(bitSize: v.n, aggregation: v.m))
        #expect(proof.rounds == (v.n * v.m).trailingZeroBitCount)
    }

    @Test("every invalid case is rejected at the stage the crate rejects it", arguments: BulletproofVector.invalid)
    func invalidRejected(_ v: BulletproofVector) throws {
        switch v.expectedError {
        case "FormatError":
            #expect(throws: BulletproofsError.self) { try RangeProof(bytes: v.proof) }
        case "VerificationError":
            // Decoding may already refuse an undecodable point (S-invalid-encoding); the
            // crate finds it in verification. Either way the proof must not verify.
            #expect(throws: (any Error).self) { try v.verify() }
        default:
            Issue.record("unknown expected_error \(v.expectedError ?? "nil") in \(v.name)")
        }
    }

    @Test("errors name the failing field")
    func errorsNameTheField() throws {
        let byName = Dictionary(uniqueKeysWithValues: BulletproofVector.all.map { ($0.name, $0) })
        let tx = try #require(byName["t_x-non-canonical"])
        #expect(throws: BulletproofsError.nonCanonicalScalar(field: "t_x")) { try RangeProof(bytes: tx.proof) }
        let a = try #require(byName["ipp-a-non-canonical"])
        #expect(throws: BulletproofsError.nonCanonicalScalar(field: "a")) { try RangeProof(bytes: a.proof) }
        let s = try #require(byName["S-invalid-encoding"])
        #expect(throws: BulletproofsError.invalidPoint(field: "S")) { try RangeProof(bytes: s.proof) }
        let identityA = try #require(byName["A-identity"])
        #expect(throws: BulletproofsError.identityPoint(field: "A")) { try identityA.verify() }
        let identityL = try #require(byName["L0-identity"])
        #expect(throws: BulletproofsError.identityPoint(field: "L_1")) { try identityL.verify() }
        let bits = try #require(byName["wrong-bitsize"])
        #expect(throws: BulletproofsError.sizeMismatch(bitSize: 8, commitments: 2, rounds: 5)) { try bits.verify() }
        let trailing = try #require(byName["trailing-byte"])
        #expect(throws: BulletproofsError.wrongLength(field: "range proof", actual: 673,
                                                       reason: "not a multiple of 32 bytes")) {
            try RangeProof(bytes: trailing.proof)
        }
        let flipped = try #require(byName["e_blinding-bit-flip"])
        #expect(throws: BulletproofsError.verificationFailed) { try flipped.verify() }
    }

    @Test("all 16 crate proofs verify as one batch, and each invalid one is isolated inside it")
    func batchOfVectors() throws {
        var claims: [RangeProofClaim] = []
        for v in BulletproofVector.valid {
            let points = try v.commitments.map { try RistrettoPoint(encoding: $0, field: "V") }
            claims.append(RangeProofClaim(proof: try RangeProof(bytes: v.proof), commitments: points, bitSize: v.n,
                                          transcript: v.transcript))
        }
        let allValid = RangeProof.verifyBatchVartime(claims)
        #expect(allValid)
        let none = RangeProof.invalidClaimsVartime(claims)
        #expect(none == [])
        // Insert each decodable invalid case at a different position.
        var position = 0
        for v in BulletproofVector.invalid {
            guard let proof = try? RangeProof(bytes: v.proof),
                  let points = try? v.commitments.map({ try RistrettoPoint(encoding: $0, field: "V") })
            else { continue }
            var mixed = claims
            position = (position + 5) % (mixed.count + 1)
            mixed.insert(RangeProofClaim(proof: proof, commitments: points, bitSize: v.n, transcript: v.transcript),
                         at: position)
            let found = RangeProof.invalidClaimsVartime(mixed)
            #expect(found == [position], "\(v.name)")
            let accepted = RangeProof.verifyBatchVartime(mixed)
            #expect(!accepted, "\(v.name)")
        }
    }

    @Test("the commitment table's openings reproduce the commitments with B and B~")
    func commitmentOpenings() throws {
        let table = try #require(try Fixtures.vector("dalek-bulletproofs.json")["commitments_table"] as? [[String: Any]])
        #expect(table.count == 8)
        for row in table {
            let value = try #require(row["value"] as? Int)
            let blinding = try Scalar(canonical: Hex.decode(try #require(row["blinding"] as? String)))
            let expected = try #require(row["commitment"] as? String)
            let gens = Generators.standard
            let v = RistrettoPoint.constantTimeMultiscalarMul([Scalar(UInt64(value)), blinding], [gens.B, gens.blinding])
            #expect(Hex.encode(v.encoding) == expected)
        }
    }
}
