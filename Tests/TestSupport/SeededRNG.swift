import Foundation

/// Deterministic xoshiro256** generator for reproducible property tests.
/// Tests print the seed so a failure can be replayed with `ZKPAY_TEST_SEED`.
public struct SeededRNG: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// The seed this generator started from.
    public let seed: UInt64

    /// A generator seeded from `ZKPAY_TEST_SEED` if set, else from `seed`.
    public init(seed: UInt64 = 0x5eed_2b7a_11ce_0001) {
        let env = ProcessInfo.processInfo.environment["ZKPAY_TEST_SEED"].flatMap { UInt64($0) }
        self.seed = env ?? seed
        var x = self.seed
        func splitmix() -> UInt64 {
            x &+= 0x9e37_79b9_7f4a_7c15
            var z = x
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// `count` pseudo-random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }
}

/// Property-test iteration count, scaled by `ZKPAY_TEST_ITERATIONS` (a multiplier, default 1).
public func testIterations(_ base: Int) -> Int {
    let scale = ProcessInfo.processInfo.environment["ZKPAY_TEST_ITERATIONS"].flatMap { Double($0) } ?? 1
    return max(1, Int(Double(base) * scale))
}
