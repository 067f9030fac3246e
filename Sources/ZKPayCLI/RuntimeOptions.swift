import Foundation
package import Ledger
package import Ristretto255

/// The machine-level choices of a zkpay process, made once at start-up from flags and the
/// environment (the only place zkpay reads these variables) and passed to what the command
/// builds: the arithmetic backend and the ledger storage's I/O options.
///
/// | variable           | flag                      | meaning                                               |
/// |--------------------|---------------------------|-------------------------------------------------------|
/// | `ZKPAY_SIMD=off`   | `--backend portable`      | no vector kernels                                     |
/// | `ZKPAY_CRC32C`     | `--crc32c hardware|software` | the log checksum's code                            |
/// | `ZKPAY_DIRECT_IO`  | `--direct-io on|off`      | O_DIRECT log writes                                   |
/// | `ZKPAY_ZERO_AHEAD` | `--zero-ahead BYTES|off`  | bytes kept zero-filled past the log's end             |
/// A flag wins over its variable.
package struct RuntimeOptions: Sendable, Equatable {
    /// The arithmetic backend (checked: this CPU runs it).
    package var backend: Backend
    /// The storage and log I/O choices.
    package var storage: StorageOptions

    /// The flags `parse` reads, each followed by a value.
    package static let flagNames: Set<String> = ["--backend", "--crc32c", "--direct-io", "--zero-ahead"]

    /// The choices for a CPU with `features`, from `flags` (flag name → value) over
    /// `environment`: the fastest backend and CRC-32C code the CPU runs unless told otherwise.
    /// - Throws: `CLIError.usage` for a value that names nothing; `CLIError.failure` for a
    ///   backend or CRC-32C code this CPU cannot run (never a silent fallback).
    package static func parse(flags: [String: String], environment: [String: String],
                      features: CPUFeatures = .detect()) throws -> RuntimeOptions {
        var backend = Backend.fastest(on: features)
        if let name = flags["--backend"] {
            do { backend = try Backend.named(name, on: features) } catch {
                switch error {
                case .unknown: throw CLIError.usage("--backend: \(error)")
                case .unsupported: throw CLIError.failure("--backend \(name): \(error)")
                }
            }
        } else if let simd = environment["ZKPAY_SIMD"] {
            guard simd == "off" || simd == "on" else { throw CLIError.usage("ZKPAY_SIMD must be on or off, not '\(simd)'") }
            if simd == "off" { backend = .portable }
        }

        /// The flag's value if given, else the variable's, with where it came from.
        func setting(_ flag: String, _ variable: String) -> (source: String, text: String)? {
            if let text = flags[flag] { return (flag, text) }
            return environment[variable].map { (variable, $0) }
        }
        var storage = StorageOptions(crc32c: .fastest(on: features))
        if case let (source, text)? = setting("--crc32c", "ZKPAY_CRC32C") {
            guard let crc = CRC32CImplementation(rawValue: text) else {
                throw CLIError.usage("\(source) must be hardware or software, not '\(text)'")
            }
            guard crc.isSupported(by: features) else {
                throw CLIError.failure("\(source) \(text): this CPU has no SSE4.2 crc32 instruction; use software")
            }
            storage.crc32c = crc
        }
        if case let (source, text)? = setting("--direct-io", "ZKPAY_DIRECT_IO") {
            guard text == "on" || text == "off" else { throw CLIError.usage("\(source) must be on or off, not '\(text)'") }
            storage.directIO = text == "on"
        }
        if case let (source, text)? = setting("--zero-ahead", "ZKPAY_ZERO_AHEAD") {
            if text == "off" {
                storage.zeroAheadBytes = 0
            } else {
                guard let bytes = Int(text), bytes >= 0, bytes <= 1 << 30 else {
                    throw CLIError.usage("\(source) must be off or a number of bytes up to 1 GiB, not '\(text)'")
                }
                storage.zeroAheadBytes = bytes
            }
        }
        return RuntimeOptions(backend: backend, storage: storage)
    }

    /// The choices from the process environment alone (commands without these flags).
    package static func fromEnvironment() throws -> RuntimeOptions {
        try parse(flags: [:], environment: ProcessInfo.processInfo.environment)
    }

    /// The choices from the parsed arguments' flags over the process environment.
    static func from(_ args: LedgerArguments) throws -> RuntimeOptions {
        try parse(flags: args.options.filter { flagNames.contains($0.key) }, environment: ProcessInfo.processInfo.environment)
    }

    /// Opens the storage in `directory` with these I/O options.
    package func openStorage(_ directory: String, create: Bool) throws(LedgerError) -> POSIXStorage {
        try POSIXStorage(directory: directory, create: create, options: storage)
    }

    /// Log options with these options' CRC-32C code.
    package var logOptions: LogOptions { storage.logOptions() }
}
