internal import CSodium

/// Hash functions from libsodium: SHA-512 and BLAKE2b (keyed, personalised).
public enum Hash {
    /// SHA-512 of `data`.
    /// The internal copy of the input is wiped afterwards: callers hash secrets with it
    /// (schnorrkel key expansion hashes the mini secret key).
    public static func sha512(_ data: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureInitialized()
        var input = Array(data)
        defer { secureZero(&input) }
        var out = [UInt8](repeating: 0, count: 64)
        let status = out.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in
                crypto_hash_sha512(o.bindMemory(to: UInt8.self).baseAddress!,
                                   i.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count))
            }
        }
        precondition(status == 0, "crypto_hash_sha512 cannot fail")
        return out
    }

    /// SHA-256 of `data` (public data only: the status page's Content-Security-Policy
    /// hashes of its inline script and style).
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureInitialized()
        let input = Array(data)
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in
                crypto_hash_sha256(o.bindMemory(to: UInt8.self).baseAddress!,
                                   i.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count))
            }
        }
        precondition(status == 0, "crypto_hash_sha256 cannot fail")
        return out
    }

    /// BLAKE2b with an output of `outputLength` bytes (16...64), optional key (up to 64 bytes).
    public static func blake2b(_ data: some Collection<UInt8>, outputLength: Int = 32, key: [UInt8] = []) -> [UInt8] {
        Sodium.ensureInitialized()
        precondition((16...64).contains(outputLength) && key.count <= 64, "BLAKE2b parameters out of range")
        let input = Array(data)
        var out = [UInt8](repeating: 0, count: outputLength)
        let status = out.withUnsafeMutableBytes { o in
            input.withUnsafeBytes { i in
                key.withUnsafeBytes { k in
                    crypto_generichash(o.bindMemory(to: UInt8.self).baseAddress!, outputLength,
                                       i.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count),
                                       key.isEmpty ? nil : k.bindMemory(to: UInt8.self).baseAddress, key.count)
                }
            }
        }
        precondition(status == 0, "crypto_generichash with valid parameters cannot fail")
        return out
    }

    /// BLAKE2b of `input` keyed by `key` (empty: unkeyed), written to `output`, whose count
    /// (16...64) is the output length: the allocation-free form for hot loops (log checksums,
    /// chain and Merkle hashes), where the caller owns every buffer.
    /// - Precondition: `output.count` in 16...64, `key.count` at most 64.
    public static func blake2b(_ input: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer,
                               into output: UnsafeMutableRawBufferPointer)
    {
        Sodium.ensureInitialized()
        precondition((16...64).contains(output.count) && key.count <= 64, "BLAKE2b parameters out of range")
        let status = crypto_generichash(output.bindMemory(to: UInt8.self).baseAddress!, output.count,
                                        input.bindMemory(to: UInt8.self).baseAddress, UInt64(input.count),
                                        key.isEmpty ? nil : key.bindMemory(to: UInt8.self).baseAddress, key.count)
        precondition(status == 0, "crypto_generichash with valid parameters cannot fail")
    }
}
