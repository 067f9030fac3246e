#if arch(x86_64)
internal import CIntrinsics
#endif

// The one CPU-feature detector of zkpay. It runs CPUID and XGETBV (CIntrinsics,
// `zk_cpu_features`) from this module, which is compiled for the baseline CPU: the kernel
// modules are compiled for the instruction sets they use, so their code may not run before
// the check. A feature whose register state the operating system does not save (the AVX
// and AVX-512 state in XCR0) counts as absent.

/// The instruction-set features of a CPU that zkpay's code paths depend on.
public struct CPUFeatures: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse42 = CPUFeatures(rawValue: 1 << 0)
    public static let popcnt = CPUFeatures(rawValue: 1 << 1)
    public static let avx = CPUFeatures(rawValue: 1 << 2)
    public static let avx2 = CPUFeatures(rawValue: 1 << 3)
    public static let fma = CPUFeatures(rawValue: 1 << 4)
    public static let f16c = CPUFeatures(rawValue: 1 << 5)
    public static let movbe = CPUFeatures(rawValue: 1 << 6)
    public static let bmi1 = CPUFeatures(rawValue: 1 << 7)
    public static let bmi2 = CPUFeatures(rawValue: 1 << 8)
    public static let adx = CPUFeatures(rawValue: 1 << 9)
    public static let avx512f = CPUFeatures(rawValue: 1 << 10)
    public static let avx512cd = CPUFeatures(rawValue: 1 << 11)
    public static let avx512bw = CPUFeatures(rawValue: 1 << 12)
    public static let avx512dq = CPUFeatures(rawValue: 1 << 13)
    public static let avx512vl = CPUFeatures(rawValue: 1 << 14)
    public static let avx512ifma = CPUFeatures(rawValue: 1 << 15)
    public static let avx512vbmi = CPUFeatures(rawValue: 1 << 16)
    public static let sha = CPUFeatures(rawValue: 1 << 17)
    public static let lzcnt = CPUFeatures(rawValue: 1 << 18)

    /// Everything `-target-cpu cannonlake` lets the compiler use in module
    /// Ristretto255SIMD: skylake-avx512's features plus the 52-bit multiply-add (IFMA),
    /// VBMI and SHA (a superset of `avx2Set`).
    public static let ifmaSet: CPUFeatures = [
        .avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl, .avx512ifma, .avx512vbmi, .sha,
        .avx, .avx2, .bmi1, .bmi2, .fma, .f16c, .movbe, .lzcnt, .popcnt, .adx, .sse42,
    ]

    /// What module Ristretto255AVX2 is compiled for (`-march=x86-64-v3`: 256-bit
    /// integer vectors, fused multiply-add, BMI1/2, F16C, MOVBE, LZCNT, on the SSE4.2 and
    /// POPCNT baseline), plus the ADX carry instructions. Every CPU with AVX2 also has the
    /// remaining x86-64-v2 basics (CMPXCHG16B, LAHF in 64-bit mode), which are not tested.
    public static let avx2Set: CPUFeatures = [
        .avx, .avx2, .bmi1, .bmi2, .adx, .fma, .f16c, .movbe, .lzcnt, .popcnt, .sse42,
    ]

    /// The features of the CPU this process runs on (CPUID and XCR0; none off x86-64).
    /// Cheap, but meant to be read once, at start-up, by whoever chooses a `Backend`.
    public static func detect() -> CPUFeatures {
        #if arch(x86_64)
        CPUFeatures(rawValue: zk_cpu_features())
        #else
        []
        #endif
    }

    static let names: [(CPUFeatures, String)] = [
        (.sse42, "sse4.2"), (.popcnt, "popcnt"), (.avx, "avx"), (.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"),
        (.movbe, "movbe"), (.bmi1, "bmi1"), (.bmi2, "bmi2"), (.adx, "adx"), (.avx512f, "avx512f"),
        (.avx512cd, "avx512cd"), (.avx512bw, "avx512bw"), (.avx512dq, "avx512dq"), (.avx512vl, "avx512vl"),
        (.avx512ifma, "avx512ifma"), (.avx512vbmi, "avx512vbmi"), (.sha, "sha"), (.lzcnt, "abm"),
    ]

    /// The feature names (as Linux spells most of them in /proc/cpuinfo), in a fixed order.
    public var featureNames: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    public var description: String { featureNames.isEmpty ? "none" : featureNames.joined(separator: " ") }
}
