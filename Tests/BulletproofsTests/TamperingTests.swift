import Bulletproofs
import Foundation
import Ristretto255
import Testing
import TestSupport

@Suite("RangeProof tampering")
struct TamperingTests {
    /// Changes byte `index` of `bytes` by XOR with a nonzero mask from `rng`.
    static func flip(_ bytes: [UInt8], at index: Int, rng: inout SeededRNG) -> [UInt8] {
        var out = bytes
        var mask = UInt8(truncatingIfNeeded: rng.next())
        if mask == 0 { mask = 0x80 }
        out[index] ^= mask
        return out
    }

    @Test("changing any single byte of a valid proof makes it fail", arguments: [(64, 1), (16, 2), (8, 1)])
    func everyByte(n: Int, m: Int) throws {
        var rng = SeededRNG(seed: 0xf11b + UInt64(n * 10 + m))
        print("everyByte n=\(n) m=\(m) seed \(rng.seed)")
        let made = try TestProofs.make(bitSize: n, count: m, rng: &rng)
        let bytes = made.proof.bytes
        #expect(TestProofs.verifies(bytes, made.commitments, bitSize: n))
        var accepted: [Int] = []
        for i in 0..<bytes.count {
            if TestProofs.verifies(Self.flip(bytes, at: i, rng: &rng), made.commitments, bitSize: n) { accepted.append(i) }
        }
        #expect(accepted.isEmpty, "tampered bytes accepted at offsets \(accepted)")
    }

    @Test("flipping bit 7 of the last byte of each scalar field gives a non-canonical-scalar error naming it")
    func highBitScalars() throws {
        var rng = SeededRNG(seed: 0x5ca1)
        let made = try TestProofs.make(bitSize: 8, count: 1, rng: &rng)
        let bytes = made.proof.bytes
        let k = made.proof.rounds
        for (field, offset) in [("t_x", 128), ("t_x_blinding", 160), ("e_blinding", 192), ("a", 224 + 64 * k),
                                ("b", 256 + 64 * k)] {
            var bad = bytes
            bad[offset + 31] |= 0x80
            #expect(throws: BulletproofsError.nonCanonicalScalar(field: field)) { try RangeProof(bytes: bad) }
        }
    }

    @Test("a non-canonical point encoding in any point field is refused with the field's name")
    func badPoints() throws {
        var rng = SeededRNG(seed: 0x9017)
        let made = try TestProofs.make(bitSize: 8, count: 2, rng: &rng)
        let bytes = made.proof.bytes
        let k = made.proof.rounds
        var fields: [(String, Int)] = [("A", 0), ("S", 32), ("T_1", 64), ("T_2", 96)]
        for r in 0..<k { fields += [("L_\(r + 1)", 224 + 64 * r), ("R_\(r + 1)", 256 + 64 * r)] }
        // p = 2^255 - 19 itself: a non-canonical field element (RFC 9496 rejects it).
        let p: [UInt8] = [0xed] + Array(repeating: 0xff, count: 30) + [0x7f]
        for (field, offset) in fields {
            var bad = bytes
            bad.replaceSubrange(offset..<offset + 32, with: p)
            #expect(throws: BulletproofsError.invalidPoint(field: field)) { try RangeProof(bytes: bad) }
            var high = bytes
            high[offset + 31] |= 0x80
            #expect(throws: BulletproofsError.invalidPoint(field: field)) { try RangeProof(bytes: high) }
        }
    }

    @Test("every length that is not 32 * (9 + 2k) is refused and no truncation verifies")
    func lengths() throws {
        var rng = SeededRNG(seed: 0x1e9)
        let made = try TestProofs.make(bitSize: 16, count: 1, rng: &rng)
        let bytes = made.proof.bytes
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length % 32 != 0 || length < 288 || (length / 32 - 9) % 2 != 0 {
                #expect(throws: BulletproofsError.self) { try RangeProof(bytes: prefix) }
            } else {
                // Structurally a proof with fewer rounds: it may decode, but never verifies.
                #expect(!TestProofs.verifies(prefix, made.commitments, bitSize: 16))
            }
        }
        #expect(throws: BulletproofsError.self) { try RangeProof(bytes: bytes + [0]) }
        // 2 more points (an extra round) decode but no longer match n*m.
        let longer = Array(bytes.prefix(224)) + Array(bytes[224..<288]) + Array(bytes[224...])
        let decoded = try RangeProof(bytes: longer)
        var t = TestProofs.transcript()
        #expect(throws: BulletproofsError.sizeMismatch(bitSize: 16, commitments: 1, rounds: 5)) {
            try decoded.verifyVartime(commitments: made.commitments, bitSize: 16, transcript: &t)
        }
        // 32 rounds are refused at decoding.
        let huge = Array(bytes.prefix(224)) + Array(repeating: Array(bytes[224..<288]), count: 32).flatMap { $0 }
            + Array(bytes.suffix(64))
        #expect(throws: BulletproofsError.malformedInnerProduct(reason: "32 rounds; at most 31 are possible")) {
            try RangeProof(bytes: huge)
        }
    }

    @Test("decodeMany gives what one-by-one decoding gives: the same proofs and the same errors, in order")
    func decodeManyMatchesOneByOne() throws {
        var rng = SeededRNG(seed: 0xdec0de)
        print("decodeMany seed \(rng.seed)")
        var encodings: [[UInt8]] = []
        for (n, m) in [(64, 2), (8, 1), (16, 4), (64, 2)] {
            let bytes = try TestProofs.make(bitSize: n, count: m, rng: &rng).proof.bytes
            encodings.append(bytes)
            // Every point field made non-canonical (p itself), one at a time; a high bit on
            // a scalar; tampered bytes anywhere; bad lengths.
            let k = (bytes.count / 32 - 9) / 2
            let p: [UInt8] = [0xed] + Array(repeating: 0xff, count: 30) + [0x7f]
            for offset in [0, 32, 64, 96] + (0..<(2 * k)).map({ 224 + 32 * $0 }) {
                var bad = bytes
                bad.replaceSubrange(offset..<offset + 32, with: p)
                encodings.append(bad)
            }
            var scalar = bytes
            scalar[160 + 31] |= 0x80
            encodings.append(scalar)
            for _ in 0..<20 { encodings.append(Self.flip(bytes, at: Int(rng.next() % UInt64(bytes.count)), rng: &rng)) }
            encodings += [Array(bytes.dropLast(32)), bytes + [0], [], Array(bytes.prefix(224))]
            encodings.append(bytes)
        }
        encodings.shuffle(using: &rng)
        let many = RangeProof.decodeMany(encodings)
        #expect(many.count == encodings.count)
        var valid = 0
        for (bytes, result) in zip(encodings, many) {
            switch (result, Result { () throws(BulletproofsError) in try RangeProof(bytes: bytes) }) {
            case let (.success(a), .success(b)):
                #expect(a.bytes == b.bytes && a.bytes == bytes)
                valid += 1
            case let (.failure(a), .failure(b)): #expect(a == b)
            default: Issue.record("decodeMany and init(bytes:) disagree on \(bytes.count) bytes")
            }
        }
        #expect(valid >= 8)
        #expect(RangeProof.decodeMany([]).isEmpty)
    }

    @Test("replacing any proof point with the identity is rejected by verification")
    func identityPoints() throws {
        var rng = SeededRNG(seed: 0x1d)
        let made = try TestProofs.make(bitSize: 8, count: 1, rng: &rng)
        let bytes = made.proof.bytes
        let k = made.proof.rounds
        var fields: [(String, Int)] = [("A", 0), ("S", 32), ("T_1", 64), ("T_2", 96)]
        for r in 0..<k { fields += [("L_\(r + 1)", 224 + 64 * r), ("R_\(r + 1)", 256 + 64 * r)] }
        for (field, offset) in fields {
            var bad = bytes
            bad.replaceSubrange(offset..<offset + 32, with: [UInt8](repeating: 0, count: 32))
            let proof = try RangeProof(bytes: bad)
            var t = TestProofs.transcript()
            #expect(throws: BulletproofsError.identityPoint(field: field)) {
                try proof.verifyVartime(commitments: made.commitments, bitSize: 8, transcript: &t)
            }
        }
    }
}
