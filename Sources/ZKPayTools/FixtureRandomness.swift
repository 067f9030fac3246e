import Sodium

/// Deterministic randomness for regenerating Fixtures/transfers.json — never for real use.
///
/// Output block i is BLAKE2b-512 keyed with "zkpay/fixture-rng/v1" of (seed ‖ LE64(i)).
/// Anyone who knows the seed predicts every nonce, blinding and ephemeral key, so this
/// generator is `package`-visible only: the `zkpay` tool's hidden fixture generator and
/// the tests reach it; wallet and validator code paths take `SecureRandomness`.
package struct FixtureRandomness: RandomNumberGenerator, Sendable {
    private let seed: [UInt8]
    private var counter: UInt64 = 0
    private var buffer: [UInt64] = []

    /// A generator whose whole output is fixed by `seed`.
    package init(seed: [UInt8]) { self.seed = seed }

    package mutating func next() -> UInt64 {
        if buffer.isEmpty {
            var input = seed
            for i in 0..<8 { input.append(UInt8(truncatingIfNeeded: counter >> (8 * UInt64(i)))) }
            counter += 1
            let block = Hash.blake2b(input, outputLength: 64, key: Array("zkpay/fixture-rng/v1".utf8))
            for w in 0..<8 {
                var word: UInt64 = 0
                for i in 0..<8 { word |= UInt64(block[8 * w + i]) << UInt64(8 * i) }
                buffer.append(word)
            }
            buffer.reverse()  // popLast below then yields words in block order
        }
        return buffer.removeLast()
    }
}
