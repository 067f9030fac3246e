public import Ristretto255

/// The arithmetic backends of this machine, as values: tests run the code of each one the
/// CPU runs in the same process and compare it with the portable reference.
public enum TestBackends {
    /// What this CPU has (CPUID and XCR0).
    public static let features = CPUFeatures.detect()
    /// Every backend this CPU runs, fastest first (`portable` always among them).
    public static let supported = Backend.supported(on: features)
    /// The fastest backend this CPU runs: what the executable chooses by default.
    public static let fastest = Backend.fastest(on: features)
    /// Whether this CPU runs `backend` (for `.enabled(if:)`).
    public static func runs(_ backend: Backend) -> Bool { backend.isSupported(by: features) }
}
