import Sodium

/// The randomness of real use: libsodium's CSPRNG (`randombytes_buf`).
///
/// Every public zkpay API that needs randomness uses this generator. Seeded generators
/// (the fixture generator's, in ZKPayTools; the tests') reach the package-level
/// entry points that take a generator, to produce reproducible bytes.
public struct SecureRandomness: RandomNumberGenerator, Sendable {
    /// A handle on the process-wide CSPRNG (it holds no state of its own).
    public init() {}

    /// 64 random bits from libsodium.
    public mutating func next() -> UInt64 { SecureRandom.uint64() }
}

extension RandomNumberGenerator {
    /// `count` bytes from the generator (little-endian words).
    package mutating func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(count + 7)
        while out.count < count {
            let word = next()
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: word >> (8 * UInt64(i)))) }
        }
        out.removeLast(out.count - count)
        return out
    }
}
