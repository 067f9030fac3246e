import Foundation

/// libFuzzer's driver (linked in by -sanitize=fuzzer): parses the flags in argv, then calls
/// `callback` with each input until a limit is reached or an input fails.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// One fuzz target: a function that feeds its input to decoders and stops the process
/// (through a trap, which libFuzzer reports with the input) only when a rule is broken.
struct FuzzTarget: Sendable {
    /// The environment variable naming the target (set by `main` from the first argument).
    static let environmentKey = "ZKPAY_FUZZ_TARGET"

    let name: String
    let summary: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "http", summary: "HTTP/1.1 request parser, fed in pieces; query and media-type parsing",
                   run: NetworkTargets.http),
        FuzzTarget(name: "json", summary: "JSON parser, render round trip, every JSON object and API body decoder",
                   run: NetworkTargets.json),
        FuzzTarget(name: "batch", summary: "batch framing: binary and JSON batch bodies, binary batch results",
                   run: NetworkTargets.batch),
        FuzzTarget(name: "bech32m", summary: "bech32/bech32m strings, zkpay addresses, segwit addresses",
                   run: NetworkTargets.bech32m),
        FuzzTarget(name: "transfer", summary: "transfer binary codec, the replay parser, JSON round trip",
                   run: ObjectTargets.transfer),
        FuzzTarget(name: "mint", summary: "mint binary codec and JSON round trip", run: ObjectTargets.mint),
        FuzzTarget(name: "redemption", summary: "redemption binary codec (with its inner transfer), ledger facts, JSON round trip",
                   run: ObjectTargets.redemption),
        FuzzTarget(name: "authority", summary: "authority statement codec, a chain step, a ledger's refusal",
                   run: ObjectTargets.authority),
        FuzzTarget(name: "note", summary: "note, output and memo codecs; memo plaintext after decryption",
                   run: ObjectTargets.note),
        FuzzTarget(name: "receipt", summary: "receipt codec (both versions), prefix decoding, JSON round trip",
                   run: ObjectTargets.receipt),
        FuzzTarget(name: "wal", summary: "write-ahead log file: recovery, record decoding, replay, lookups, events, full audit",
                   run: StorageTargets.wal),
        FuzzTarget(name: "snapshot", summary: "snapshot file, ledger state codec, genesis file, log page",
                   run: StorageTargets.snapshot),
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// The target this process runs (main checked that the environment names one).
let selectedTarget: FuzzTarget = {
    guard let name = ProcessInfo.processInfo.environment[FuzzTarget.environmentKey], let t = FuzzTarget.named(name) else {
        fatalError("\(FuzzTarget.environmentKey) names no fuzz target")
    }
    return t
}()

/// Stops the process when a property the decoders promise does not hold (libFuzzer saves
/// the input as a crash reproducer).
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
