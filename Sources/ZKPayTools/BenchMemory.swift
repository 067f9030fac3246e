import Foundation
import Ledger
import ZKPayCore
import Ristretto255
import ZKPayCLI

/// `zkpay bench memory [--notes N] [--json]`: the validator's resident memory per unspent
/// note. Builds the ledger state of N unspent notes (by the settlement path: notes,
/// positions, owner index; N/10 owners) in this process and divides the growth of the
/// resident set by N. Synthetic note contents (random bytes of the real sizes) stand in
/// for a million proofs; the state does not look inside them.
enum BenchMemory {
    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let args = try LedgerArguments(arguments, valued: ["--notes"], flags: ["--json"])
        guard args.positionals.isEmpty else { throw CLIError.usage("unexpected argument \(args.positionals[0])") }
        var notes = 1_000_000
        if let n = args.options["--notes"] {
            guard let v = Int(n), v >= 1_000, v <= 50_000_000 else { throw CLIError.usage("--notes needs 1000...50000000") }
            notes = v
        }
        var rng = SplitMix(seed: 0x2e57_1a7e)
        let before = residentBytes()
        var state = LedgerState(issuer: .basepoint, minimumFee: 1, chainID: ChainID(uncheckedBytes: [UInt8](repeating: 0, count: 32)))
        state.insertSyntheticNotes(count: notes, owners: max(1, notes / 10)) { rng.bytes32() }
        let after = residentBytes()
        let perNote = Double(after - before) / Double(notes)
        precondition(state.unspent.count == notes, "every synthetic note is unspent")
        if args.flags.contains("--json") {
            console.print("{\"notes\": \(notes), \"resident_bytes\": \(after - before), "
                + "\"bytes_per_note\": \(String(format: "%.1f", perNote))}")
        } else {
            console.print("ledger state with \(notes) unspent notes (\(notes / 10) owners): "
                + "\(String(format: "%.1f", Double(after - before) / 1_048_576)) MiB resident, "
                + "\(String(format: "%.1f", perNote)) bytes per unspent note")
        }
        withExtendedLifetime(state) {}
        return ExitCode.success
    }

    /// The resident set size of this process (/proc/self/statm), in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Benchmark data only (not a cryptographic generator).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        mutating func bytes32() -> [UInt8] {
            var out: [UInt8] = []
            out.reserveCapacity(32)
            for _ in 0..<4 {
                let w = next()
                for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(k)))) }
            }
            return out
        }
    }
}
