import Foundation
import ZKPayCLI
import ZKPayCore

/// `zkpay generate-fixtures transfers [--output FILE]` (hidden; `make vectors` runs it).
///
/// Writes Fixtures/transfers.json from its fixed seed with the package-internal fixture
/// randomness: the same code always writes the same bytes. Not for real use: every
/// secret in the file is predictable.
enum GenerateFixturesCommand {
    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        var output: String? = nil
        var kinds: [String] = []
        var i = 0
        while i < arguments.count {
            if arguments[i] == "--output" {
                guard i + 1 < arguments.count else { throw CLIError.usage("--output needs a file name") }
                output = arguments[i + 1]
                i += 1
            } else if arguments[i].hasPrefix("-") {
                throw CLIError.usage("unknown option \(arguments[i])")
            } else {
                kinds.append(arguments[i])
            }
            i += 1
        }
        guard kinds == ["transfers"] else { throw CLIError.usage("the only fixture set is `transfers`") }
        let text: String
        let progress = Progress(console: console, json: false)
        do {
            text = try TransferFixtures.file { progress.update("generating transfer fixtures: \($0) cases") }
                .render(pretty: true) + "\n"
        } catch {
            throw CLIError.failure("fixture generation failed: \(error)")
        }
        progress.finish("generated the transfer fixtures")
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: Data(text.utf8)) else {
                throw CLIError.failure("cannot write \(output)")
            }
            console.printError("wrote \(output)")
        } else {
            console.print(String(text.dropLast()))
        }
        return ExitCode.success
    }
}
