import Foundation
import Wallet
import ZKPayAPI
import ZKPayCore

/// The note printed whenever a wallet command pins a validator's receipt key on first use:
/// the fingerprint, so that the user can compare it with the one `zkpay validator init`
/// printed (docs/notes/security.md: trust on first use over plain HTTP).
func trustOnFirstUseNote(key: [UInt8], validator: String) -> String {
    "note: pinned the receipt key of \(validator) on first use (trust on first use); its fingerprint is "
        + "\(ReceiptKeyFingerprint(publicKey: key)). Compare it with the one the validator's operator published, "
        + "or pin out of band with `zkpay pin --validator URL --genesis FILE` or `--fingerprint HEX`"
}

/// `zkpay pin`: pins a validator's receipt key out of band, or shows what is pinned
/// (docs/notes/security.md: a first use over plain HTTP can be a man in the middle).
///
/// - `--genesis FILE|DATADIR`: the key in the genesis file `zkpay validator init` wrote
///   (copied from the operator); the validator, when it answers, must serve the same key.
/// - `--fingerprint HEX`: the key the validator serves, pinned only if its fingerprint is
///   the one given (published by the operator).
/// - neither: prints the key and fingerprint pinned for the URL.
///
/// A key pinned before is never replaced: a different one is an error and nothing is written.
enum PinCommand {
    static let usage = "zkpay pin [--validator URL] [--genesis FILE|DATADIR | --fingerprint HEX] [--json]"

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--genesis", "--fingerprint"], console: console)
        let url = try ctx.parsedValidatorURL()
        let validator = url.description
        let genesisPath = ctx.arguments.options["--genesis"]
        let fingerprintText = ctx.arguments.options["--fingerprint"]
        if genesisPath != nil, fingerprintText != nil {
            throw CLIError.usage("give one of --genesis FILE|DATADIR and --fingerprint HEX")
        }
        var expected: ReceiptKeyFingerprint?
        if let fingerprintText {
            guard let f = ReceiptKeyFingerprint(parsing: fingerprintText) else {
                throw CLIError.usage("--fingerprint needs the 64 hex digits `zkpay validator init` printed as "
                    + "'key fingerprint'")
            }
            expected = f
        }
        let home = try ctx.home()
        let pinned = try wrap { try home.pinnedKey(for: validator) }

        guard genesisPath != nil || expected != nil else {
            guard let pinned else {
                if ctx.json {
                    var o = JSONObjectText()
                    o.string("validator", validator)
                    o.bool("pinned", false)
                    console.print(o.text)
                } else {
                    console.print("no receipt key is pinned for \(validator) in \(home.path); pin one with "
                        + "`zkpay pin --validator \(validator) --genesis FILE` or `--fingerprint HEX` (otherwise the "
                        + "first wallet command pins what the validator serves: trust on first use)")
                }
                return ExitCode.success
            }
            report(console, ctx.json, validator: validator, key: pinned, how: "pinned", source: nil)
            return ExitCode.success
        }

        let client = ValidatorClient(url: url, timeout: 10)
        defer { client.close() }
        let key: [UInt8]
        let source: String
        if let genesisPath {
            let genesis = try readGenesis(genesisPath)
            key = genesis.receiptPublicKey
            source = "the genesis file \(genesisPath)"
            // The validator need not be up to pin from the genesis; when it answers, it must
            // serve the genesis key (else this is another ledger, or someone in between).
            if let served = try? client.status().receiptPublicKey, served != key {
                throw CLIError.failure(
                    "the validator at \(validator) serves a receipt key of fingerprint "
                        + "\(ReceiptKeyFingerprint(publicKey: served)), but \(genesisPath) holds the key of fingerprint "
                        + "\(ReceiptKeyFingerprint(publicKey: key)); it is another ledger or someone is in between. "
                        + "Nothing was pinned", code: "fingerprint_mismatch")
            }
        } else {
            let status: StatusBody
            do { status = try client.status() } catch {
                if case let .unreachable(_, reason) = error {
                    throw CLIError.failure(WalletOperationError.validatorDown(url: validator, reason: reason).description,
                                           code: "validator_unreachable")
                }
                throw CLIError.failure("\(error)", code: errorCode(error))
            }
            let served = ReceiptKeyFingerprint(publicKey: status.receiptPublicKey)
            guard let expected, served == expected else {
                throw CLIError.failure(
                    "the validator at \(validator) serves a receipt key of fingerprint \(served), not the "
                        + "\(expected?.hex ?? "") you gave; it is another ledger or someone is in between. Nothing was "
                        + "pinned; check the fingerprint with the validator's operator", code: "fingerprint_mismatch")
            }
            key = status.receiptPublicKey
            source = "the validator, whose key has the fingerprint you gave"
        }
        let fresh = try wrap { try home.pin(key: key, for: validator) }
        report(console, ctx.json, validator: validator, key: key, how: fresh ? "pinned now" : "already pinned",
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

    static func report(_ console: Console, _ json: Bool, validator: String, key: [UInt8], how: String, source: String?) {
        let fingerprint = ReceiptKeyFingerprint(publicKey: key)
        if json {
            var o = JSONObjectText()
            o.string("validator", validator)
            o.bool("pinned", true)
            o.string("status", how.replacingOccurrences(of: " ", with: "_"))
            o.string("receipt_public_key", ProtocolHex.encode(key))
            o.string("fingerprint", fingerprint.hex)
            console.print(o.text)
        } else {
            console.print("\(validator): receipt key \(how)" + (source.map { " from \($0)" } ?? ""))
            console.print("receipt public key: \(ProtocolHex.encode(key))")
            console.print("key fingerprint:    \(fingerprint)")
        }
    }
}
