import Foundation
import Ledger
import Ristretto255
import TestSupport
import Testing
@testable import ZKPayCLI

/// The executable's one place for backend and I/O choices: flags over environment, checked
/// against the CPU's features (given here as values, so every CPU is covered on any machine).
@Suite("Backend and I/O options from flags and environment")
struct RuntimeOptionsTests {
    func parse(_ flags: [String: String] = [:], _ environment: [String: String] = [:],
               features: CPUFeatures) throws -> RuntimeOptions {
        try RuntimeOptions.parse(flags: flags, environment: environment, features: features)
    }

    @Test("defaults: the fastest backend and CRC-32C code of the CPU, direct I/O, 8 MiB zero-ahead")
    func defaults() throws {
        let none = try parse(features: [])
        #expect(none.backend == .portable && none.storage == StorageOptions(crc32c: .software))
        #if arch(x86_64)
        let ifma = try parse(features: CPUFeatures.ifmaSet)
        #expect(ifma.backend == .ifma && ifma.storage.crc32c == .hardware)
        #expect(ifma.storage.directIO && ifma.storage.zeroAheadBytes == 8 << 20)
        #expect(try parse(features: CPUFeatures.avx2Set).backend == .avx2)
        #endif
    }

    @Test("ZKPAY_SIMD=off picks portable; --backend wins over it; unknown names are usage errors")
    func backendChoice() throws {
        #expect(try parse([:], ["ZKPAY_SIMD": "off"], features: CPUFeatures.ifmaSet).backend == .portable)
        #expect(try parse(["--backend": "portable"], [:], features: CPUFeatures.ifmaSet).backend == .portable)
        #if arch(x86_64)
        #expect(try parse(["--backend": "ifma"], ["ZKPAY_SIMD": "off"], features: CPUFeatures.ifmaSet).backend == .ifma)
        #expect(try parse(["--backend": "avx2"], [:], features: CPUFeatures.ifmaSet).backend == .avx2)
        #expect(try parse(["--backend": "avx2"], [:], features: CPUFeatures.avx2Set).backend == .avx2)
        #endif
        #expect(throws: CLIError.self) { try parse(["--backend": "avx2"], [:], features: [.avx, .sse42]) }
        #if arch(x86_64)
        #expect(throws: CLIError.self) { try parse(["--backend": "ifma"], [:], features: CPUFeatures.avx2Set) }
        #endif
        for bad in ["avx512", "IFMA", ""] {
            do {
                _ = try parse(["--backend": bad], features: CPUFeatures.ifmaSet)
                Issue.record("--backend \(bad) accepted")
            } catch let error as CLIError {
                guard case .usage = error else { Issue.record("--backend \(bad): \(error)"); continue }
            }
        }
        #expect(throws: CLIError.self) { try parse([:], ["ZKPAY_SIMD": "maybe"], features: []) }
    }

    @Test("a backend or CRC code the CPU cannot run is a failure naming what it lacks, never a fallback")
    func unsupportedChoices() throws {
        do {
            _ = try parse(["--backend": "ifma"], features: CPUFeatures.avx2Set)
            Issue.record("ifma accepted without IFMA")
        } catch let error as CLIError {
            guard case let .failure(message, _) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("cannot run the ifma backend") && message.contains("portable"))
        }
        do {
            _ = try parse(["--crc32c": "hardware"], features: [])
            Issue.record("hardware CRC accepted without SSE4.2")
        } catch let error as CLIError {
            guard case .failure = error else { Issue.record("\(error)"); return }
        }
    }

    @Test("storage choices from the environment, flags first; bad values are usage errors")
    func storageChoices() throws {
        let env = ["ZKPAY_CRC32C": "software", "ZKPAY_DIRECT_IO": "off", "ZKPAY_ZERO_AHEAD": "off"]
        let fromEnv = try parse([:], env, features: CPUFeatures.ifmaSet)
        #expect(fromEnv.storage == StorageOptions(directIO: false, zeroAheadBytes: 0, crc32c: .software))
        #expect(fromEnv.logOptions.crc32c == .software)
        let flags = ["--direct-io": "on", "--zero-ahead": "4096"]
        let both = try parse(flags, env, features: CPUFeatures.ifmaSet)
        #expect(both.storage == StorageOptions(directIO: true, zeroAheadBytes: 4096, crc32c: .software))
        for (flag, value) in [("--crc32c", "fast"), ("--direct-io", "yes"), ("--zero-ahead", "-1"), ("--zero-ahead", "2GiB")] {
            #expect(throws: CLIError.self, "\(flag) \(value)") { try parse([flag: value], features: CPUFeatures.ifmaSet) }
        }
    }

    @Test("zkpay validator run --backend ifma on a CPU without AVX-512 IFMA exits 1 with the reason",
          .enabled(if: !TestBackends.runs(.ifma), "this CPU runs ifma: the refusal cannot be seen here (see unsupportedChoices)"))
    func ifmaRefusedHere() {
        let console = Console(capture: true)
        let data = FileManager.default.temporaryDirectory.path
        #expect(ZKPayCLI.run(["validator", "run", "--data", data, "--backend", "ifma"], console: console) == 1)
        #expect(console.err.contains("cannot run the ifma backend"))
    }
}
