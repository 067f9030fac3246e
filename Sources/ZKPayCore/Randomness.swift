import Sodium

/// The randomness of real use: libsodium's CSPRNG (`randombytes_buf`).
///
/// Every public zkpay API that needs randomness uses this generator. The only other
/// generator, `FixtureRandomness`, is package-internal and exists to regenerate the
/// published fixtures byte for byte (see FixtureRandomness.swift).
public struct SecureRandomness: RandomNumberGenerator, Sendable {
    /// A handle on the process-wide CSPRNG (it holds no state of its own).
    public init() {}

    /// 64 random bits from libsodium.
    public mutating func next() -> UInt64 { SecureRandom.uint64() }
}

extension RandomNumberGenerator {
    /// `count` bytes from the generator (little-endian words).
    mutating func bytes(_ count: Int) -> [UInt8] {
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
