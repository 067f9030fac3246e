import BatchVerify
import Ristretto255
import Schnorr
import TestSupport
import Testing

/// 64 signatures by different keys, each with its good statement and a bad one (the
/// same signature checked against a changed message).
struct SignatureBatchFixture: Sendable {
    let good: [Statement]
    let bad: [Statement]

    static let shared: SignatureBatchFixture = {
        var rng = SeededRNG(seed: 0x4241_5443_4800_0001)
        print("batch fixture seed \(rng.seed)")
        let context = SigningContext("zkpay batch test")
        var good: [Statement] = []
        var bad: [Statement] = []
        for i in 0..<64 {
            let key = (try? MiniSecretKey(bytes: rng.bytes(32)))?.expandEd25519() ?? MiniSecretKey().expandEd25519()
            let pk = key.publicKey()
            let message = rng.bytes(i)
            let sig = key.sign(context: context, message: message)
            good.append(pk.statement(for: sig, context.bytes(message)))
            bad.append(pk.statement(for: sig, context.bytes(message + [UInt8(i)])))
        }
        return SignatureBatchFixture(good: good, bad: bad)
    }()
}

@Suite("Schnorr batch verification")
struct SchnorrBatchTests {
    @Test("batches of 1 to 64 good signatures pass")
    func allGoodPass() {
        let f = SignatureBatchFixture.shared
        for n in 1...64 {
            #expect(BatchVerifier(backend: TestBackends.fastest).verifyVartime(Array(f.good[0..<n])), "batch of \(n)")
            #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(f.good[0..<n].map { [$0] }) == [], "batch of \(n)")
        }
    }

    @Test("one bad signature at every position of batches of 1 to 64 is found, and only it")
    func everyPositionFound() {
        let f = SignatureBatchFixture.shared
        for n in 1...64 {
            for position in 0..<n {
                var items = f.good[0..<n].map { [$0] }
                items[position] = [f.bad[position]]
                let found = BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(items)
                #expect(found == [position], "batch of \(n), bad at \(position)")
            }
        }
    }

    @Test("several bad signatures in one batch are all found and no good one is reported")
    func severalBad() {
        let f = SignatureBatchFixture.shared
        var rng = SeededRNG(seed: 0x4241_5443_4800_0002)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(30) {
            let n = 1 + Int(rng.next() % 64)
            let badCount = Int(rng.next() % UInt64(n + 1))
            var badSet = Set<Int>()
            while badSet.count < badCount { badSet.insert(Int(rng.next() % UInt64(n))) }
            let items = (0..<n).map { badSet.contains($0) ? [f.bad[$0]] : [f.good[$0]] }
            #expect(BatchVerifier(backend: TestBackends.fastest).invalidItemsVartime(items) == badSet.sorted(), "n \(n), bad \(badSet.sorted())")
            #expect(BatchVerifier(backend: TestBackends.fastest).verifyVartime(items.flatMap { $0 }) == badSet.isEmpty)
        }
    }
}
