public import ZKPayCLI

/// The tool subcommands of the `zkpay` binary: known-answer vectors (`verify`), benchmarks
/// (`bench`), the load generator (`loadgen`) and fixture generation (`generate-fixtures`,
/// hidden). They are kept apart from the user commands (ZKPayCLI) so that no product
/// module carries benchmark code, fixtures or fixed-seed randomness; the `zkpay`
/// executable passes them to `ZKPayCLI.run(_:console:tools:)`.
public enum ZKPayTools {
    public static var commands: [Command] {
        [
            Command(name: "verify", summary: "check known-answer vector files",
                    usage: "zkpay verify FILE...", run: VerifyCommand.run),
            Command(name: "bench", summary: "run the benchmarks (libsodium baselines in the same run)",
                    usage: "zkpay bench [--json] [--filter NAME[,NAME...]] [--samples N] [--clock wall|thread]  |  zkpay bench memory [--notes N] [--json]  |  zkpay bench disk [--dir DIR] [--seconds S] [--bytes B] [--files F] [--rate R] [--json]", run: BenchCommand.run),
            Command(name: "loadgen", summary: LoadgenCommand.summary, usage: LoadgenCommand.usage, run: LoadgenCommand.run),
            Command(name: "generate-fixtures", summary: "regenerate deterministic fixture files (make vectors)",
                    usage: "zkpay generate-fixtures transfers [--output FILE]", hidden: true, run: GenerateFixturesCommand.run),
        ]
    }

    /// `zkpay` with the tools: what the executable runs (and what tests of the tools call).
    public static func run(_ arguments: [String], console: Console = Console()) -> Int32 {
        ZKPayCLI.run(arguments, console: console, tools: commands)
    }
}
