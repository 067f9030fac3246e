internal import CSodium

/// Heap-owned secret bytes, wiped with `sodium_memzero` when released.
///
/// Stack copies of secrets cannot be wiped, so long-lived secrets live here and are
/// read only inside `withUnsafeBytes`.
public final class SecretBytes: @unchecked Sendable {
    // @unchecked Sendable: the buffer is written only during `init` and never again
    // (reads only afterwards), so sharing across threads cannot race.
    private let buffer: UnsafeMutableRawBufferPointer

    /// Allocates `count` zeroed bytes and lets `fill` write them.
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        Sodium.ensureInitialized()
        buffer = .allocate(byteCount: max(count, 1), alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        do {
            try fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
        } catch {
            sodium_memzero(buffer.baseAddress, buffer.count)
            buffer.deallocate()
            throw error
        }
        self.count = count
    }

    /// Copies `bytes` into a new secret buffer. The caller should wipe its own copy.
    public convenience init(copying bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        self.init(count: array.count) { dst in dst.copyBytes(from: array) }
    }

    /// Fresh random secret bytes from libsodium's CSPRNG.
    public convenience init(randomCount count: Int) {
        self.init(count: count) { dst in SecureRandom.fill(dst) }
    }

    /// Number of secret bytes.
    public let count: Int

    deinit {
        sodium_memzero(buffer.baseAddress, buffer.count)
        buffer.deallocate()
    }

    /// Reads the secret bytes; the pointer is valid only inside `body`.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// Constant-time comparison (libsodium `sodium_memcmp`); lengths are public.
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return withUnsafeBytes { a in other.withUnsafeBytes { b in sodium_memcmp(a.baseAddress, b.baseAddress, count) == 0 } }
    }
}

extension SecretBytes: CustomStringConvertible {
    /// Never prints the bytes.
    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
}

/// Overwrites `bytes` with zeros in a way the optimizer cannot remove.
public func secureZero(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
}

/// Overwrites the elements of `values` (plain values such as scalars or recoded digits that
/// held secrets) with zero bytes in a way the optimizer cannot remove. Wipes the array's own
/// storage: call it where no other copy of the array shares that storage.
public func secureZero<T: BitwiseCopyable>(_ values: inout [T]) {
    values.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
}

/// Overwrites one plain value that held a secret with zero bytes (the optimizer cannot remove it).
public func secureZero<T: BitwiseCopyable>(value: inout T) {
    withUnsafeMutableBytes(of: &value) { sodium_memzero($0.baseAddress, $0.count) }
}
