import Foundation
import Ristretto255
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

/// `zkpay authority`: the ledger's chain of authority statements (docs/PROTOCOL.md §7.12),
/// and the steps of a change of the auditor keys: draft the next statement, have a quorum of
/// the validators in office sign it (each from its data directory) and the issuer (from its
/// wallet), then submit it. The statement travels between the steps as a file of its
/// canonical bytes, so each signer can run `show --file` on it before signing.
enum AuthorityCommand {
    static let usage = """
        zkpay authority show [--file FILE] [--validator URL] [--json]
               authority draft --effective SEQ [--auditor zkpaud1…]... [--no-auditors] [--add-validator NAME:KEY]... [--remove-validator NAME]... --out FILE [--validator URL]
               authority sign FILE (--data DIR | --issuer [--wallet NAME]) [--validator URL]
               authority submit FILE [--validator URL] [--json]
        """

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        guard let sub = arguments.first else { throw CLIError.usage("expected a subcommand: show, draft, sign or submit") }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "show": return try show(rest, console)
        case "draft": return try draft(rest, console)
        case "sign": return try sign(rest, console)
        case "submit": return try submit(rest, console)
        default: throw CLIError.usage("unknown subcommand '\(sub)'; expected show, draft, sign or submit")
        }
    }

    /// The validator's genesis and its chain of statements, checked from that genesis.
    static func fetchChain(_ ctx: WalletContext) throws -> (ValidatorClient, Genesis, AuthorityChain, sequence: UInt64) {
        let client = ValidatorClient(url: try parseValidatorURL(try ctx.reachableValidatorURL()))
        let genesis = try AuditCommand.servedGenesis(client)
        let body: AuthorityBody
        do { body = try client.authority() } catch { throw AuditCommand.clientFailure(error, client) }
        do {
            return (client, genesis, try AuthorityChain(genesis: genesis, statements: body.statements), body.sequence)
        } catch {
            throw CLIError.failure("\(client.url) serves authority statements that do not continue its genesis's chain: \(error)",
                                   code: "invalid_authority_statement")
        }
    }

    static func readStatement(_ path: String) throws -> AuthorityStatement {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError.failure("cannot read the statement file \(path)", code: "not_found")
        }
        do { return try AuthorityStatement(bytes: Array(data)) } catch {
            throw CLIError.failure("\(path) is not an authority statement: \(error)", code: error.code)
        }
    }

    static func writeStatement(_ statement: AuthorityStatement, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(statement.bytes)) else {
            throw CLIError.failure("cannot write the statement file \(path)")
        }
    }

    static func describe(_ a: Authority) -> [String] {
        ["authority \(a.number) from sequence \(a.effective): \(a.validators.count) validators (quorum \(a.quorum)), "
            + "\(a.auditors.count) auditors"]
            + a.validators.map { "  validator \($0.name)  \(ProtocolHex.encode($0.publicKey))" }
            + a.auditors.map { "  auditor   \($0.encoded)" }
    }

    static func json(_ a: Authority) -> String {
        var o = JSONObjectText()
        o.number("number", UInt64(a.number))
        o.number("effective", a.effective)
        o.number("quorum", UInt64(a.quorum))
        o.raw("validators", "[" + a.validators.map { v in
            var e = JSONObjectText()
            e.string("name", v.name)
            e.string("public_key", ProtocolHex.encode(v.publicKey))
            return e.text
        }.joined(separator: ",") + "]")
        o.raw("auditors", "[" + a.auditors.map { "\"\($0.encoded)\"" }.joined(separator: ",") + "]")
        return o.text
    }

    /// `show`: the chain of authorities, or with `--file` a statement: what it states and
    /// who signed it so far, checked against the ledger's chain.
    static func show(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--file"], console: console)
        let (client, _, chain, sequence) = try fetchChain(ctx)
        defer { client.close() }
        if let path = ctx.arguments.options["--file"] {
            let s = try readStatement(path)
            var trial = chain
            let verdict: String
            do { try trial.append(s); verdict = "continues the ledger's chain (complete)" } catch {
                verdict = "does not continue the ledger's chain yet: \(error)"
            }
            let office = chain.current
            let names = s.signers.map { $0.index < office.validators.count ? office.validators[$0.index].name : "#\($0.index)" }
            if ctx.json {
                var o = JSONObjectText()
                o.number("number", UInt64(s.number))
                o.string("id", ProtocolHex.encode(s.id))
                o.number("effective", s.effective)
                o.raw("auditors", "[" + s.auditors.map { "\"\($0.encoded)\"" }.joined(separator: ",") + "]")
                o.raw("signed_by", "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]")
                o.raw("issuer_signed", s.issuerSignature == nil ? "false" : "true")
                o.string("verdict", verdict)
                console.print(o.text)
            } else {
                console.print("statement \(s.number) (id \(ProtocolHex.encode(s.id))), effective from sequence \(s.effective)")
                for a in s.auditors { console.print("  auditor   \(a.encoded)") }
                console.print("signed by: " + (names.isEmpty ? "no validator" : names.joined(separator: ", "))
                    + (s.issuerSignature == nil ? "; not by the issuer" : "; the issuer"))
                console.print("it \(verdict)")
            }
            return ExitCode.success
        }
        if ctx.json {
            console.print("{\"sequence\":\(sequence),\"authorities\":[" + chain.authorities.map(json).joined(separator: ",") + "]}")
        } else {
            for a in chain.authorities { for line in describe(a) { console.print(line) } }
            console.print("ledger at sequence \(sequence); \(chain.statements.count) statements since the genesis")
        }
        return ExitCode.success
    }

    /// `draft`: the next statement of the chain, unsigned: the validator set in office with
    /// the `--remove-validator`s taken out and the `--add-validator`s added at the end (a
    /// joining validator's key from `zkpay validator join`), and the given auditors.
    static func draft(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--effective", "--out"], flags: ["--no-auditors"],
                                    repeatable: ["--auditor", "--add-validator", "--remove-validator"], console: console)
        let out = try ctx.required("--out", "FILE")
        guard let effective = UInt64(try ctx.required("--effective", "SEQ")) else {
            throw CLIError.usage("--effective needs a ledger sequence number")
        }
        let texts = ctx.arguments.repeated["--auditor"] ?? []
        guard !texts.isEmpty || ctx.arguments.flags.contains("--no-auditors") else {
            throw CLIError.usage("name the auditors in office from the effective sequence with --auditor (repeatable), "
                + "or give --no-auditors")
        }
        let auditors = try ValidatorCommand.auditorOptions(texts)
        let (client, _, chain, sequence) = try fetchChain(ctx)
        client.close()
        guard effective > sequence &+ 1 else {
            throw CLIError.usage("--effective \(effective) is not ahead of the ledger (at sequence \(sequence)); "
                + "name a sequence the ledger has not reached, leaving time to collect the signatures")
        }
        let office = chain.current
        let validators = try validatorSet(office.validators, adding: ctx.arguments.repeated["--add-validator"] ?? [],
                                          removing: ctx.arguments.repeated["--remove-validator"] ?? [])
        let statement: AuthorityStatement
        do {
            statement = try AuthorityStatement(chain: chain.chainID, number: office.number &+ 1, previous: office.id,
                                               effective: effective, validators: validators, auditors: auditors)
        } catch { throw CLIError.failure("cannot draft the statement: \(error)", code: error.code) }
        try writeStatement(statement, to: out)
        if validators != office.validators {
            console.print("validators from sequence \(effective): \(validators.map(\.name).joined(separator: ", ")) "
                + "(quorum \(Genesis.quorum(validatorCount: validators.count)))")
        }
        console.print("drafted statement \(statement.number) to \(out): \(auditors.count) auditors from sequence \(effective); "
            + "it needs \(office.quorum) of the \(office.validators.count) validators"
            + (auditors == office.auditors ? "" : " and the issuer") + " to sign it (zkpay authority sign)")
        return ExitCode.success
    }

    /// The validator set `office` with the validators named by `removing` taken out and
    /// `adding` ("NAME:KEY", the key as 64 hex digits) appended.
    static func validatorSet(_ office: [GenesisValidator], adding: [String], removing: [String]) throws -> [GenesisValidator] {
        var set = office
        for name in removing {
            guard let i = set.firstIndex(where: { $0.name == name }) else {
                throw CLIError.usage("--remove-validator \(name): no validator of that name is in office "
                    + "(\(office.map(\.name).joined(separator: ", ")))")
            }
            set.remove(at: i)
        }
        for text in adding {
            guard let colon = text.lastIndex(of: ":"), let key = ProtocolHex.decode(String(text[text.index(after: colon)...])),
                  key.count == 32
            else {
                throw CLIError.usage("--add-validator NAME:KEY, the key as 64 hex digits (`zkpay validator join` prints it)")
            }
            let name = String(text[..<colon])
            guard !set.contains(where: { $0.name == name || $0.publicKey == key }) else {
                throw CLIError.usage("--add-validator \(name): a validator of that name or key is already in the set")
            }
            do { set.append(try GenesisValidator(name: name, publicKey: key)) } catch {
                throw CLIError.usage("--add-validator \(text): \(error)")
            }
        }
        guard !set.isEmpty else { throw CLIError.usage("the statement would leave no validator in office") }
        return set
    }

    /// `sign`: adds one signature to the statement file: a validator's, with the key of its
    /// data directory (its index in the set in office), or the issuer's, with its wallet.
    static func sign(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, valued: ["--data"], flags: ["--issuer"], console: console, positionals: 1...1,
                                    positionalHint: "name the statement file: zkpay authority sign FILE")
        let path = ctx.arguments.positionals[0]
        let statement = try readStatement(path)
        let (client, genesis, chain, _) = try fetchChain(ctx)
        client.close()
        let office = chain.current
        guard statement.chainID == chain.chainID, statement.number == office.number &+ 1, statement.previous == office.id else {
            throw CLIError.failure("the statement is not the next one of the ledger's chain (statement \(statement.number), "
                + "the ledger has \(office.number)); draft it again", code: "invalid_authority_statement")
        }
        let signed: AuthorityStatement
        switch (ctx.arguments.options["--data"], ctx.arguments.flags.contains("--issuer")) {
        case let (dir?, false):
            let pair = try validatorKey(dir)
            guard let index = office.validators.firstIndex(where: { $0.publicKey == pair.publicKey }) else {
                throw CLIError.failure("the key of \(dir) is not a validator of the set in office", code: "not_a_validator")
            }
            signed = statement.signed(asValidator: UInt8(index), key: pair)
            console.print("signed as validator \(office.validators[index].name)")
        case (nil, true):
            let home = try ctx.home()
            let name = try ctx.walletName(in: home)
            let (_, keys) = try ctx.unlock(home, name)
            guard keys.address.spendKey == genesis.issuer.spendKey else {
                throw CLIError.failure("wallet '\(name)' is not the ledger's issuer", code: "not_the_issuer")
            }
            signed = statement.signed(asIssuer: keys.spend)
            console.print("signed as the issuer")
        default:
            throw CLIError.usage("give either --data DIR (a validator's data directory) or --issuer")
        }
        try writeStatement(signed, to: path)
        return ExitCode.success
    }

    /// The receipt key of a validator's data directory.
    static func validatorKey(_ dir: String) throws -> Ed25519KeyPair {
        guard var seed = FileManager.default.contents(atPath: dir + "/" + Genesis.keyFileName).map(Array.init) else {
            throw CLIError.failure("\(dir) holds no validator key (\(Genesis.keyFileName))", code: "not_found")
        }
        defer { secureZero(&seed) }
        do { return try Ed25519KeyPair(seed: SecretBytes(copying: seed)) } catch {
            throw CLIError.failure("the validator key of \(dir) is damaged: \(error)")
        }
    }

    /// `submit`: settles the statement; its receipt is checked against the ledger's authority.
    static func submit(_ arguments: [String], _ console: Console) throws -> Int32 {
        let ctx = try WalletContext(arguments, console: console, positionals: 1...1,
                                    positionalHint: "name the statement file: zkpay authority submit FILE")
        let statement = try readStatement(ctx.arguments.positionals[0])
        let (client, _, chain, _) = try fetchChain(ctx)
        defer { client.close() }
        let settled: FinalizedBody
        do { settled = try client.submit(authority: statement) } catch { throw AuditCommand.clientFailure(error, client) }
        if let e = settled.receipt.certificateError(authorities: chain) {
            throw CLIError.failure("the validator's receipt for the statement is not certified: \(e)", code: "uncertified_receipt")
        }
        if ctx.json {
            var o = JSONObjectText()
            o.string("authority_id", ProtocolHex.encode(statement.id))
            o.number("sequence", settled.receipt.sequence)
            o.number("effective", statement.effective)
            console.print(o.text)
        } else {
            console.print("statement \(statement.number) settled at sequence \(settled.receipt.sequence); its auditors are "
                + "in office from sequence \(statement.effective)")
        }
        return ExitCode.success
    }
}
