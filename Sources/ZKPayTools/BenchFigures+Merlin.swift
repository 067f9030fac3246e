import Keccak
import Merlin

/// Benchmark figures of the Keccak and Merlin modules.
extension BenchCommand {
    static func merlinFigures() -> [BenchFigure] {
        [
            BenchFigure("keccak_f1600", unit: "Keccak-f[1600] permutation") {
                var state = KeccakState()
                state[byte: 0] = 1
                // The state lives in the closure's box across calls, so no permutation is dead code.
                return { n in
                    for _ in 0..<n { state.permute() }
                }
            },
            BenchFigure("merlin_challenge", unit: "new transcript, 2 appends, 64-byte challenge") {
                let point = [UInt8](repeating: 0xa5, count: 32)
                var sink: UInt8 = 0  // keeps each challenge live
                return { n in
                    for i in 0..<n {
                        var t = Transcript(label: "zkpay bench")
                        t.appendMessage("point", point)
                        t.appendU64("index", UInt64(i))
                        let c = t.challengeBytes("challenge", count: 64)
                        sink ^= c[0]
                    }
                }
            },
        ]
    }
}
