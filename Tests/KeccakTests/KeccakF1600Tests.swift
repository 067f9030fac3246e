import Foundation
import Keccak
import TestSupport
import Testing

@Suite("Keccak-f[1600]")
struct KeccakF1600Tests {
    /// The `keccak_f1600` case of merlin.json (XKCP zero-state answer).
    static func zeroStateCase() throws -> [String: Any] {
        let cases = try Fixtures.cases("merlin.json").filter { ($0["kind"] as? String) == "keccak_f1600" }
        try #require(cases.count == 1)
        return cases[0]
    }

    @Test("permuting the zero state once and twice gives the published lanes and bytes")
    func zeroState() throws {
        let c = try Self.zeroStateCase()
        let input = Hex.decode(try #require(c["input_state_hex"] as? String))
        let one = Hex.decode(try #require(c["after_one_permutation_hex"] as? String))
        let two = Hex.decode(try #require(c["after_two_permutations_hex"] as? String))
        let lanes = try #require(c["after_one_permutation_lanes"] as? [String])

        var state = KeccakState()
        state.withUnsafeMutableBytes { s in for i in 0..<200 { s[i] = input[i] } }
        state.permute()
        #expect(state.withUnsafeBytes { Array($0) } == one)
        state.permute()
        #expect(state.withUnsafeBytes { Array($0) } == two)

        var laneState = [UInt64](repeating: 0, count: 25)
        Keccak.f1600(&laneState)
        #expect(laneState.map { Hex.encode(withUnsafeBytes(of: $0.bigEndian) { Array($0) }) } == lanes)
        Keccak.f1600(&laneState)
        let laneBytes = laneState.flatMap { withUnsafeBytes(of: $0.littleEndian) { Array($0) } }
        #expect(laneBytes == two)
    }

    @Test("the lane API and the byte-addressed state agree on random states")
    func laneAndByteViewsAgree() {
        var rng = SeededRNG(seed: 0x6b65_6363_616b_0001)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(50) {
            var lanes = (0..<25).map { _ in rng.next() }
            var state = KeccakState()
            state.withUnsafeMutableBytes { s in
                for i in 0..<200 { s[i] = UInt8(truncatingIfNeeded: lanes[i / 8] >> (8 * (i % 8))) }
            }
            Keccak.f1600(&lanes)
            state.permute()
            for i in 0..<200 {
                #expect(state[byte: i] == UInt8(truncatingIfNeeded: lanes[i / 8] >> (8 * (i % 8))))
            }
        }
    }

    @Test("the permutation changes every nonzero state and is not the identity on single-bit states")
    func singleBitStatesMove() {
        for bit in stride(from: 0, to: 1600, by: 37) {
            var lanes = [UInt64](repeating: 0, count: 25)
            lanes[bit / 64] = 1 << UInt64(bit % 64)
            let before = lanes
            Keccak.f1600(&lanes)
            #expect(lanes != before)
            #expect(lanes.reduce(0) { $0 + $1.nonzeroBitCount } > 100)
        }
    }
}
