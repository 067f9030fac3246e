import Foundation

/// Exit codes of the `zkpay` binary (sysexits-style).
public enum ExitCode {
    public static let success: Int32 = 0
    public static let failure: Int32 = 1
    public static let usage: Int32 = 64
    /// `watch --timeout`: the time ran out before the payments it waited for arrived
    /// (the code of timeout(1), so scripts read both alike).
    public static let timedOut: Int32 = 124
}

/// A user-facing CLI error. `usage` errors exit 64 with a hint, `timedOut` exits 124,
/// others exit 1. Under `--json` the error is printed as
/// `{"error": {"code": CODE, "message": MESSAGE}}` on stderr.
public enum CLIError: Error, CustomStringConvertible {
    case usage(String)
    /// A failure; `code` names its kind for `--json` (`validator_unreachable`, ...).
    case failure(String, code: String = "failed")
    /// A wait that ran out of time.
    case timedOut(String)

    public var description: String {
        switch self {
        case let .usage(message), let .failure(message, _), let .timedOut(message): message
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage: ExitCode.usage
        case .failure: ExitCode.failure
        case .timedOut: ExitCode.timedOut
        }
    }

    /// The machine-readable kind of the error.
    var code: String {
        switch self {
        case .usage: "usage"
        case let .failure(_, code): code
        case .timedOut: "timeout"
        }
    }
}

/// Where a command writes. Tests capture both streams.
public final class Console: @unchecked Sendable {
    // @unchecked Sendable: one command runs on one thread at a time; the buffers are
    // only touched by that command.
    public private(set) var out = ""
    public private(set) var err = ""
    private let capture: Bool

    /// `capture: true` keeps output in memory (tests); otherwise it goes to stdout/stderr.
    public init(capture: Bool = false) { self.capture = capture }

    /// Whether output is kept in memory (then it is never a terminal: no colors, no progress).
    public var isCapturing: Bool { capture }

    public func print(_ line: String) {
        if capture { out += line + "\n" } else { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }

    public func printError(_ line: String) {
        if capture { err += line + "\n" } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}

/// One `zkpay` subcommand. The user commands live in this module; the `zkpay` executable
/// adds the tool commands (ZKPayTools) through `ZKPayCLI.run(_:console:tools:)`, so this
/// module does not depend on the tools.
public struct Command: Sendable {
    public let name: String
    public let summary: String
    public let usage: String
    /// Not listed by `zkpay help` (build tooling), but runnable and documented by `--help`.
    public let hidden: Bool
    public let run: @Sendable ([String], Console) throws -> Int32

    public init(name: String, summary: String, usage: String, hidden: Bool = false,
                run: @escaping @Sendable ([String], Console) throws -> Int32) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.hidden = hidden
        self.run = run
    }
}

/// The `zkpay` command line as a library, so tests can run it in-process.
public enum ZKPayCLI {
    static var commands: [Command] {
        [
            Command(name: "validator", summary: "create a ledger data directory (init) or serve it over HTTP (run)",
                    usage: ValidatorCommand.usage, run: ValidatorCommand.run),
            Command(name: "cluster", summary: "create the data directories of a cluster of validators sharing one genesis (init)",
                    usage: ClusterCommand.usage, run: ClusterCommand.run),
            Command(name: "audit", summary: "re-verify a ledger from genesis: proofs, ids, receipts, supply (a data directory or a running validator)",
                    usage: AuditCommand.usage, run: AuditCommand.run),
            Command(name: "auditor", summary: "make an auditor key (create) or list a ledger's transfers with their amounts as its auditor (scan)",
                    usage: AuditorCommand.usage, run: AuditorCommand.run),
            Command(name: "authority", summary: "show the ledger's authority statements, or draft, sign and submit a change of its auditor keys",
                    usage: AuthorityCommand.usage, run: AuthorityCommand.run),
            Command(name: "receipt", summary: "verify a settlement receipt offline",
                    usage: ReceiptCommand.usage, run: ReceiptCommand.run),
            Command(name: "wallet", summary: "create, list, back up (export-seed) and restore (import) wallets",
                    usage: WalletCommand.usage, run: WalletCommand.run),
            Command(name: "address", summary: "print the wallet's address (no passphrase needed)",
                    usage: AddressCommand.usage, run: AddressCommand.run),
            Command(name: "balance", summary: "the wallet's balance: its notes on the ledger, opened with the view key",
                    usage: BalanceCommand.usage, run: BalanceCommand.run),
            Command(name: "send", summary: "pay an address or contact (confidential amount), print the receipt",
                    usage: SendCommand.usage, run: SendCommand.run),
            Command(name: "redeem", summary: "pay an amount out of the ledger to a bank reference (the issuer pays it out)",
                    usage: RedeemCommand.usage, run: RedeemCommand.run),
            Command(name: "watch", summary: "live notifications of payments received and sent (resumes where it left off)",
                    usage: WatchCommand.usage, run: WatchCommand.run),
            Command(name: "history", summary: "the wallet's payments as it recorded them",
                    usage: HistoryCommand.usage, run: HistoryCommand.run),
            Command(name: "contacts", summary: "name addresses: contacts add NAME ADDRESS, contacts list",
                    usage: ContactsCommand.usage, run: ContactsCommand.run),
            Command(name: "pin", summary: "pin a validator's receipt key from its genesis file or fingerprint, or show the pin",
                    usage: PinCommand.usage, run: PinCommand.run),
            Command(name: "mint", summary: "create new money (the ledger's issuer wallet only)",
                    usage: MintCommand.usage, run: MintCommand.run),
            Command(name: "demo", summary: "the end-to-end story in-process: keys, mint, confidential transfer, receipt, audit",
                    usage: DemoCommand.usage, run: DemoCommand.run),
        ]
    }

    static func helpText(tools: [Command]) -> String {
        func row(_ c: Command) -> String { "  " + c.name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.summary }
        var lines = ["zkpay: confidential payments on ristretto255", "", "usage: zkpay COMMAND [OPTIONS]", "", "commands:"]
        lines += commands.map(row)
        lines.append("  version   the zkpay, protocol and data format versions (also `zkpay --version`)")
        lines.append("  help      show this help, or `zkpay help COMMAND`")
        let listed = tools.filter { !$0.hidden }
        if !listed.isEmpty { lines += ["", "tools:"] + listed.map(row) }
        lines.append("")
        lines.append("Run `zkpay COMMAND --help` for a command's options.")
        lines.append("")
        lines.append("example: zkpay wallet create alice")
        return lines.joined(separator: "\n")
    }

    /// A command's help: usage, summary, and one example as the last line.
    static func commandHelp(_ c: Command) -> String {
        "usage: " + c.usage + "\n\n" + c.summary + (HelpExamples.details[c.name].map { "\n\n" + $0 } ?? "")
            + "\n\nexample: " + (HelpExamples.byCommand[c.name] ?? "zkpay \(c.name)")
    }

    /// Runs `zkpay` with `arguments` (without the program name) and returns the exit code.
    /// `tools` are further subcommands (the `zkpay` executable passes ZKPayTools' commands).
    public static func run(_ arguments: [String], console: Console = Console(), tools: [Command] = []) -> Int32 {
        let all = commands + tools
        guard let first = arguments.first else {
            console.print(helpText(tools: tools))
            return ExitCode.success
        }
        if first == "--version" || first == "version" {
            if arguments.contains("--help") || arguments.contains("-h") {
                console.print("usage: zkpay version [--json] | zkpay --version\n\n"
                    + "the zkpay version, the protocol version and the log, snapshot and genesis format versions"
                    + "\n\nexample: zkpay --version")
            } else {
                console.print(VersionText.text(json: arguments.contains("--json")))
            }
            return ExitCode.success
        }
        if first == "help" || first == "--help" || first == "-h" {
            if arguments.count > 1, let c = all.first(where: { $0.name == arguments[1] }) {
                console.print(commandHelp(c))
            } else {
                console.print(helpText(tools: tools))
            }
            return ExitCode.success
        }
        let rest = Array(arguments.dropFirst())
        let json = rest.contains("--json")
        guard let command = all.first(where: { $0.name == first }) else {
            report(CLIError.usage("unknown command '\(first)'; run `zkpay help` for the list"), json: json, console)
            return ExitCode.usage
        }
        if rest.contains("--help") || rest.contains("-h") {
            console.print(commandHelp(command))
            return ExitCode.success
        }
        do {
            return try command.run(rest, console)
        } catch let error as CLIError {
            report(error, json: json, console)
            if case .usage = error, !json { console.printError("usage: \(usageHint(command, subcommand: rest.first))") }
            return error.exitCode
        } catch {
            report(CLIError.failure("\(error)", code: errorCode(error)), json: json, console)
            return ExitCode.failure
        }
    }

    /// The usage of `command`, narrowed to the line of `subcommand` where its usage has one
    /// line per subcommand ("zkpay validator join …").
    static func usageHint(_ command: Command, subcommand: String?) -> String {
        let lines = command.usage.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.count > 1, let subcommand,
              let line = lines.first(where: { $0.hasPrefix("zkpay \(command.name) \(subcommand) ") || $0.hasPrefix("\(command.name) \(subcommand) ") })
        else { return command.usage }
        return line.hasPrefix("zkpay ") ? line : "zkpay " + line
    }

    /// Prints an error on stderr: `error: MESSAGE`, or under `--json` one JSON object.
    static func report(_ error: CLIError, json: Bool, _ console: Console) {
        if json {
            var inner = JSONObjectText()
            inner.string("code", error.code)
            inner.string("message", error.description)
            var outer = JSONObjectText()
            outer.raw("error", inner.text)
            console.printError(outer.text)
        } else {
            console.printError("error: \(error)")
        }
    }
}
