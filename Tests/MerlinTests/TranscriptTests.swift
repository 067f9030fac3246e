import Merlin
import TestSupport
import Testing

@Suite("Merlin transcript properties")
struct TranscriptTests {
    @Test("StaticString and byte-array labels give identical transcripts")
    func labelVariantsAgree() {
        var a = Transcript(label: "zkpay test")
        var b = Transcript(labelBytes: Array("zkpay test".utf8))
        a.appendMessage("m", [1, 2, 3])
        b.appendMessage(labelBytes: Array("m".utf8), [1, 2, 3])
        a.appendU64("n", 77)
        b.appendU64(labelBytes: Array("n".utf8), 77)
        #expect(a.challengeBytes("c", count: 64) == b.challengeBytes(labelBytes: Array("c".utf8), count: 64))
    }

    @Test("appendU64 is appendMessage of the 8 little-endian bytes")
    func appendU64IsLittleEndianMessage() {
        var rng = SeededRNG(seed: 0x4d45_524c_494e_0001)
        print("seed \(rng.seed)")
        for _ in 0..<testIterations(20) {
            let v = rng.next()
            var a = Transcript(label: "u64")
            var b = Transcript(label: "u64")
            a.appendU64("v", v)
            b.appendMessage("v", (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
            #expect(a.challengeBytes("c", count: 32) == b.challengeBytes("c", count: 32))
        }
    }

    @Test("challengeBytes into a buffer equals the array form, for lengths across block boundaries")
    func bufferFormAgrees() {
        for n in [0, 1, 32, 64, 165, 166, 167, 400] {
            var a = Transcript(label: "buf")
            var b = a
            var out = [UInt8](repeating: 0, count: n)
            out.withUnsafeMutableBytes { b.challengeBytes("c", into: $0) }
            #expect(a.challengeBytes("c", count: n) == out)
            #expect(a.challengeBytes("d", count: 16) == b.challengeBytes("d", count: 16))
        }
    }

    @Test("copying a transcript forks it: both copies continue identically and diverge on different input")
    func forking() {
        var a = Transcript(label: "fork")
        a.appendMessage("x", [9])
        var b = a
        var c = a
        #expect(a.challengeBytes("c", count: 32) == b.challengeBytes("c", count: 32))
        c.appendMessage("y", [0])
        #expect(a.challengeBytes("c", count: 32) != c.challengeBytes("c", count: 32))
    }

    @Test("every difference in label, message, framing or order changes the challenge")
    func sensitivity() {
        func challenge(_ build: (inout Transcript) -> Void) -> [UInt8] {
            var t = Transcript(label: "sens")
            build(&t)
            return t.challengeBytes("c", count: 32)
        }
        let variants: [[UInt8]] = [
            challenge { $0.appendMessage("ab", [1]) },
            challenge { $0.appendMessage("a", [1]) },
            challenge { $0.appendMessage("ab", [2]) },
            challenge { $0.appendMessage("ab", [1, 0]) },
            challenge { $0.appendMessage("ab", []) },
            challenge { $0.appendMessage("a", Array("b".utf8) + [1]) },  // label/message boundary moves
            challenge { $0.appendMessage("ab", [1]); $0.appendMessage("cd", [2]) },
            challenge { $0.appendMessage("cd", [2]); $0.appendMessage("ab", [1]) },
            challenge { _ in },
        ]
        #expect(Set(variants.map { Hex.encode($0) }).count == variants.count)
        var other = Transcript(label: "sens2")
        #expect(other.challengeBytes("c", count: 32) != challenge { _ in })
    }

    @Test("two successive challenges under the same label differ, and a long one is not two short ones")
    func successiveChallenges() {
        var t = Transcript(label: "succ")
        let first = t.challengeBytes("c", count: 32)
        let second = t.challengeBytes("c", count: 32)
        #expect(first != second)
        var u = Transcript(label: "succ")
        #expect(Array(u.challengeBytes("c", count: 64).prefix(32)) != first)
    }
}

@Suite("Merlin transcript RNG")
struct TranscriptRNGTests {
    static func rngOutput(label: StaticString = "proto", message: [UInt8] = [1, 2, 3], witness: [UInt8],
                          randomness: [UInt8], count: Int = 64) -> [UInt8] {
        var t = Transcript(label: label)
        t.appendMessage("m", message)
        var builder = t.buildRNG()
        builder.rekeyWithWitnessBytes("witness", witness)
        var rng = builder.finalize(randomBytes: randomness)
        return rng.fillBytes(count)
    }

    @Test("the RNG is a deterministic function of transcript, witness and external randomness")
    func deterministic() {
        let w = [UInt8](repeating: 7, count: 32)
        let r = [UInt8](repeating: 1, count: 32)
        let base = Self.rngOutput(witness: w, randomness: r)
        #expect(base == Self.rngOutput(witness: w, randomness: r))
        var otherW = w
        otherW[31] ^= 1
        var otherR = r
        otherR[0] ^= 0x80
        #expect(base != Self.rngOutput(witness: otherW, randomness: r))
        #expect(base != Self.rngOutput(witness: w, randomness: otherR))
        #expect(base != Self.rngOutput(message: [1, 2, 4], witness: w, randomness: r))
        #expect(base != Self.rngOutput(label: "other", witness: w, randomness: r))
    }

    @Test("building an RNG leaves the transcript unchanged")
    func transcriptUnchanged() {
        var a = Transcript(label: "unchanged")
        var b = a
        var builder = a.buildRNG()
        builder.rekeyWithWitnessBytes("w", [1, 2, 3])
        var rng = builder.finalize(randomBytes: [UInt8](repeating: 3, count: 32))
        _ = rng.fillBytes(32)
        #expect(a.challengeBytes("c", count: 32) == b.challengeBytes("c", count: 32))
    }

    @Test("each fill is framed by its length: two 32-byte requests differ from one 64-byte request")
    func fillFraming() {
        var t = Transcript(label: "frame")
        var b1 = t.buildRNG()
        b1.rekeyWithWitnessBytes("w", [5])
        var r1 = b1.finalize(randomBytes: [UInt8](repeating: 0, count: 32))
        var b2 = t.buildRNG()
        b2.rekeyWithWitnessBytes("w", [5])
        var r2 = b2.finalize(randomBytes: [UInt8](repeating: 0, count: 32))
        let whole = r1.fillBytes(64)
        let halves = r2.fillBytes(32) + r2.fillBytes(32)
        #expect(whole != halves)
        #expect(t.challengeBytes("c", count: 64) != whole)
    }

    @Test("finalize(using:) draws its 32 bytes from the generator, little-endian words in order")
    func finalizeUsingGenerator() {
        var seeded = SeededRNG(seed: 0x524e_4700_0001)
        print("seed \(seeded.seed)")
        var copy = seeded
        let words = (0..<4).map { _ in copy.next() }
        let bytes = words.flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * $0)) } }
        let t = Transcript(label: "gen")
        var b1 = t.buildRNG()
        b1.rekeyWithWitnessBytes("w", [1])
        var r1 = b1.finalize(using: &seeded)
        var b2 = t.buildRNG()
        b2.rekeyWithWitnessBytes("w", [1])
        var r2 = b2.finalize(randomBytes: bytes)
        #expect(r1.fillBytes(48) == r2.fillBytes(48))
    }
}
