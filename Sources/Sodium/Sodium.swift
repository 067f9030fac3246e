internal import CSodium

/// The one entry point to libsodium. Every Swift wrapper calls `Sodium.ensureInitialized()`
/// (cheap after the first call) before touching the C library.
public enum Sodium {
    /// `sodium_init` runs exactly once, thread-safely, through a `static let`.
    private static let initStatus: Int32 = sodium_init()

    /// Initializes libsodium on first use.
    /// - Warning: A negative `sodium_init` result means no usable CSPRNG; that is fatal.
    public static func ensureInitialized() {
        precondition(initStatus >= 0, "sodium_init failed: libsodium cannot provide secure randomness")
    }

    /// The libsodium version string, for diagnostics.
    public static var version: String {
        ensureInitialized()
        return String(cString: sodium_version_string())
    }
}
