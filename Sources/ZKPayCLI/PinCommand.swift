import Foundation
import Wallet
import ZKPayAPI
import ZKPayCore

/// The note printed whenever a wallet command pins a validator's ledger on first use: the
/// chain id, so that the user can compare it with the one `zkpay validator init` printed
/// (docs/notes/security.md: trust on first use over plain HTTP).
func trustOnFirstUseNote(chain: ChainID, validator: String) -> String {
    "note: pinned the ledger of \(validator) on first use (trust on first use); its chain id is "
        + "\(chain.hex). Compare it with the one the ledger's operator published, "
        + "or pin out of band with `zkpay pin --validator URL --genesis FILE` or `--chain-id HEX`"
}

/// `zkpay pin`: pins the ledger a validator serves (its genesis, named by its chain id) out
/// of band, or shows what is pinned (docs/notes/security.md: a first use over plain HTTP can
/// be a man in the middle).
///
/// - `--genesis FILE|DATADIR`: the genesis file `zkpay validator init` or `cluster init`
///   wrote (copied from the operator); the validator, when it answers, must serve the same.
/// - `--chain-id HEX`: the genesis the validator serves, pinned only if its hash is the chain
///   id given (published by the operator).
/// - neither: prints the chain id pinned for the URL.
///
/// A pin is never replaced: a different ledger is an error and nothing is written.
enum PinCommand {
    static let usage = "zkpay pin [--validator URL] [--genesis FILE|DATADIR | --chain-id HEX] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--genesis", "--chain-id"], console: console)
        let url = try ctx.parsedValidatorURL()
        let validator = url.description
        let genesisPath = ctx.arguments.options["--genesis"]
        let chainText = ctx.arguments.options["--chain-id"]
        if genesisPath != nil, chainText != nil {
            throw CLIError.usage("give one of --genesis FILE|DATADIR and --chain-id HEX")
        }
        var expected: ChainID?
        if let chainText {
            let cleaned = chainText.lowercased().filter { !" :-".contains($0) }
            guard let bytes = ProtocolHex.decode(cleaned), bytes.count == 32 else {
                throw CLIError.usage("--chain-id needs the 64 hex digits `zkpay validator init` printed as 'chain id'")
            }
            expected = ChainID(uncheckedBytes: bytes)
        }
        let home = try ctx.home()
        let pinned = try wrap { try home.pinnedChain(for: validator) }

        guard genesisPath != nil || expected != nil else {
            guard let pinned else {
                if ctx.json {
                    var o = JSONObjectText()
                    o.string("validator", validator)
                    o.bool("pinned", false)
                    console.print(o.text)
                } else {
                    console.print("no ledger is pinned for \(validator) in \(home.path); pin one with "
                        + "`zkpay pin --validator \(validator) --genesis FILE` or `--chain-id HEX` (otherwise the "
                        + "first wallet command pins what the validator serves: trust on first use)")
                }
                return ExitCode.success
            }
            report(console, ctx.json, validator: validator, chain: pinned, how: "pinned", source: nil)
            return ExitCode.success
        }

        let client = ValidatorClient(url: url, timeout: 10)
        defer { client.close() }
        let genesis: Genesis
        let source: String
        if let genesisPath {
            genesis = try readGenesis(genesisPath)
            source = "the genesis file \(genesisPath)"
            // The validator need not be up to pin from the genesis; when it answers, it must
            // serve this ledger (else it is another ledger, or someone is in between).
            if let served = try? client.status().chainID, served != genesis.chainID.bytes {
                throw CLIError.failure(
                    "the validator at \(validator) serves the ledger with chain id \(ProtocolHex.encode(served)), but "
                        + "\(genesisPath) is the genesis of chain id \(genesis.chainID.hex); it is another ledger or "
                        + "someone is in between. Nothing was pinned", code: "chain_mismatch")
            }
        } else {
            let bytes: [UInt8]
            do { bytes = try client.genesisBytes() } catch {
                if case let .unreachable(_, reason) = error {
                    throw CLIError.failure(WalletOperationError.validatorDown(url: validator, reason: reason).description,
                                           code: "validator_unreachable")
                }
                throw CLIError.failure("\(error)", code: errorCode(error))
            }
            guard let served = try? Genesis(bytes: bytes), let expected, served.chainID == expected else {
                throw CLIError.failure(
                    "the validator at \(validator) serves a genesis whose hash is not the chain id \(expected?.hex ?? "") "
                        + "you gave; it is another ledger or someone is in between. Nothing was pinned; check the chain "
                        + "id with the ledger's operator", code: "chain_mismatch")
            }
            genesis = served
            source = "the validator, whose genesis has the chain id you gave"
        }
        let fresh = try wrap { try home.pin(chain: genesis.chainID, for: validator) }
        try wrap { try home.save(genesis: genesis) }
        report(console, ctx.json, validator: validator, chain: genesis.chainID, how: fresh ? "pinned now" : "already pinned",
               source: source)
        return ExitCode.success
    }

    /// The genesis at `path`: the file, or `genesis.zkpg` inside a data directory.
    static func readGenesis(_ path: String) throws -> Genesis {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CLIError.failure("no genesis file at \(path); give the \(Genesis.fileName) that "
                + "`zkpay validator init` wrote, or its data directory", code: "io")
        }
        let file = isDirectory.boolValue ? (path as NSString).appendingPathComponent(Genesis.fileName) : path
        let bytes = try readFile(file)
        do { return try Genesis(bytes: bytes) } catch {
            throw CLIError.failure("\(file) is \(error); give the \(Genesis.fileName) that `zkpay validator init` wrote",
                                   code: "bad_genesis")
        }
    }

    static func report(_ console: Console, _ json: Bool, validator: String, chain: ChainID, how: String, source: String?) {
        if json {
            var o = JSONObjectText()
            o.string("validator", validator)
            o.bool("pinned", true)
            o.string("status", how.replacingOccurrences(of: " ", with: "_"))
            o.string("chain_id", chain.hex)
            console.print(o.text)
        } else {
            console.print("\(validator): ledger \(how)" + (source.map { " from \($0)" } ?? ""))
            console.print("chain id: \(chain.hex)")
        }
    }
}
