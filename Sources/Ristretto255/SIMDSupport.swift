#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Whether this machine runs the vector kernels of module Ristretto255SIMD. On x86-64
// that module is compiled for AVX-512 with IFMA (Package.swift: -target-cpu cannonlake), so
// its code may use any instruction of that CPU model; this module is compiled for the
// baseline and decides, once, whether calling it is safe. Everything else falls back to
// the scalar code, which stays the reference the vector code is tested against.

/// Run-time choice between the scalar and the AVX-512 code paths.
package enum SIMDSupport {
    /// The CPU flags (Linux /proc/cpuinfo names) that `-target-cpu cannonlake` lets the
    /// compiler use in arithmetic code: skylake-avx512's, plus the 52-bit multiply-add the
    /// field arithmetic is written with (avx512ifma), VBMI and SHA.
    package static let requiredFlags = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl", "avx512ifma",
                                        "avx512vbmi", "sha_ni", "avx2", "bmi1", "bmi2", "fma", "f16c", "movbe",
                                        "popcnt", "adx"]

    /// True when the vector kernels may run: an x86-64 CPU with every flag of
    /// `requiredFlags`, and `ZKPAY_SIMD` not set to `off` (for A/B measurements and for
    /// running the scalar path in production if ever needed). Read once per process.
    package static let available: Bool = {
        #if arch(x86_64) && os(Linux)
        if let setting = getenv("ZKPAY_SIMD"), String(cString: setting) == "off" { return false }
        guard let flags = cpuFlags() else { return false }
        return requiredFlags.allSatisfy { flags.contains(Substring($0)) }
        #else
        return false
        #endif
    }()

    /// The flags of the first processor in /proc/cpuinfo, or nil if it cannot be read.
    static func cpuFlags() -> Set<Substring>? {
        #if os(Linux)
        let fd = open("/proc/cpuinfo", O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // The first processor's block comes first; 64 KiB holds it on any machine.
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got <= 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " "))
        #else
        return nil
        #endif
    }
}
