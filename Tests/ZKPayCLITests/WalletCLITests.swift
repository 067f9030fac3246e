import Foundation
import HTTP1
import Synchronization
import Testing
import ZKPayCore

/// Runs the real `zkpay` binary (built next to the test bundle in .build/release) as a
/// child process with its own environment.
struct ZKPay {
    static let binary: String = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("zkpay").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            let release = dir.appendingPathComponent(".build/release/zkpay").path
            if FileManager.default.isExecutableFile(atPath: release) { return release }
            dir = dir.deletingLastPathComponent()
        }
        return ".build/release/zkpay"
    }()

    struct Result {
        let code: Int32
        let out: String
        let err: String
    }

    /// The environment: a private home, fast test KDF, a passphrase.
    var environment: [String: String]

    init(home: String, validator: String? = nil, passphrase: String = "correct horse") {
        var env = ProcessInfo.processInfo.environment
        env["ZKPAY_HOME"] = home
        env["ZKPAY_KDF"] = "test"
        env["ZKPAY_PASSPHRASE"] = passphrase
        env["ZKPAY_VALIDATOR"] = validator
        env.removeValue(forKey: "ZKPAY_PROGRESS")
        environment = env
    }

    /// Starts `zkpay args` with stdout and stderr going to files.
    func start(_ args: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws
        -> (process: Process, out: URL, err: URL)
    {
        try launch(Self.binary, args, stdin: stdin, environment: extra)
    }

    /// `start` with the command's standard output and error on a pseudo-terminal (util-linux
    /// `script`), as a person at a terminal sees them: both land in `out`, carriage returns
    /// included. Stopping the returned process (SIGTERM) stops the command.
    func startInTerminal(_ args: [String]) throws -> (process: Process, out: URL, err: URL) {
        let quoted = ([Self.binary] + args).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return try launch("/usr/bin/script", ["-qfec", quoted.joined(separator: " "), "/dev/null"], stdin: nil,
                          environment: ["TERM": "dumb"])
    }

    private func launch(_ executable: String, _ args: [String], stdin: String?, environment extra: [String: String]) throws
        -> (process: Process, out: URL, err: URL)
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.environment = environment.merging(extra) { $1 }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-out-\(UUID().uuidString)")
        let out = base.appendingPathExtension("out")
        let err = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        return (p, out, err)
    }

    static func collect(_ started: (process: Process, out: URL, err: URL)) -> Result {
        started.process.waitUntilExit()
        let out = (try? String(contentsOf: started.out, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: started.err, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: started.out)
        try? FileManager.default.removeItem(at: started.err)
        return Result(code: started.process.terminationStatus, out: out, err: err)
    }

    /// Runs `zkpay args` to completion.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        Self.collect(try start(args, stdin: stdin, environment: extra))
    }

    /// Runs and expects `code`, reporting the output otherwise.
    @discardableResult
    func expect(_ args: [String], _ code: Int32, stdin: String? = nil, environment extra: [String: String] = [:],
                sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let r = try run(args, stdin: stdin, environment: extra)
        #expect(r.code == code, "zkpay \(args.joined(separator: " ")) -> \(r.code)\nout: \(r.out)\nerr: \(r.err)",
                sourceLocation: sourceLocation)
        return r
    }
}

/// A validator on loopback for one test: a fresh data directory whose issuer is the
/// home's `issuer` wallet, served by `zkpay validator run` on a free port.
final class LoopbackValidator {
    let data: String
    let url: String
    let process: Process
    let log: URL
    let errorLog: URL

    /// - Parameter initArguments: more `validator init` options (currency, decimals, …).
    init(zkpay: ZKPay, issuer: String, data: String, initArguments: [String] = []) throws {
        self.data = data
        try zkpay.expect(["validator", "init", "--data", data, "--issuer", issuer, "--min-fee-units", "1000"] + initArguments, 0)
        let started = try zkpay.start(["validator", "run", "--data", data, "--listen", "127.0.0.1:0"])
        process = started.process
        log = started.out
        errorLog = started.err
        var found: String?
        for _ in 0..<1200 where found == nil {  // up to 60 s on a loaded machine
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                found = String(text[range])
            } else if !process.isRunning {
                break
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let found else {
            process.terminate()
            let err = (try? String(contentsOf: started.err, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: started.out)
            try? FileManager.default.removeItem(at: started.err)
            throw ValidatorDidNotStart(log: err)
        }
        url = found
    }

    struct ValidatorDidNotStart: Error { let log: String }

    /// SIGTERM and wait (graceful shutdown).
    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: log)
        try? FileManager.default.removeItem(at: errorLog)
    }

    deinit { stop() }
}

func temporaryPath(_ tag: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-\(tag)-\(UUID().uuidString)").path
}

/// A port with nothing listening on it (bound, then closed).
func closedPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return UInt16(bigEndian: addr.sin_port)
}

func jsonObject(_ text: String) throws -> [String: Any] {
    let line = text.split(separator: "\n").last.map(String.init) ?? ""
    return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(text)")
}

/// A loopback proxy in front of the validator that loses `POST /v1/transfers` replies on
/// purpose (the HTTP server answers a dropped request with 500 no_response).
final class LossyProxy: Sendable {
    enum Mode: Sendable {
        /// Forward the request (the ledger settles it), then lose the reply.
        case loseReply
        /// Lose the request: the ledger never sees it.
        case loseRequest
        /// Lose every submission and every lookup by id.
        case loseEverything
    }

    final class Budget: Sendable {
        let remaining: Mutex<Int>
        init(_ n: Int) { remaining = Mutex(n) }
        func take() -> Bool { remaining.withLock { n in if n > 0 { n -= 1; return true }; return false } }
    }

    let server: Server
    var url: String { "http://127.0.0.1:\(server.port)" }

    init(target: String, mode: Mode, losses: Int) throws {
        let port = UInt16(target.split(separator: ":").last ?? "") ?? 0
        let budget = Budget(losses)
        server = try Server(port: 0) { request, responder in
            Thread {
                // Event streams pass (a wallet verifies new notes against the events' ids).
                if request.method == "GET", request.target.hasPrefix("/v1/events") {
                    AttackerProxy.relayEvents(request, responder, port: port, victimKey: nil, attack: .honest)
                    return
                }
                let submission = request.method == "POST" && request.path == "/v1/transfers"
                let lookup = request.method == "GET" && request.path.hasPrefix("/v1/transfers/")
                if mode == .loseEverything, submission || lookup { return }
                let lose = submission && mode != .loseEverything && budget.take()
                if lose, mode == .loseRequest { return }
                let client = HTTPClient(port: port, timeout: 30)
                defer { client.close() }
                var headers = Headers()
                if let type = request.headers["Content-Type"] { headers.append("Content-Type", type) }
                guard let r = try? client.request(request.method, request.target, headers: headers, body: request.body),
                      !lose else { return }
                var out = Headers()
                if let type = r.headers["Content-Type"] { out.append("Content-Type", type) }
                _ = responder.respond(Response(status: Status(r.status, r.reason), headers: out, body: r.body))
            }.start()
        }
    }

    deinit { server.shutdown(gracePeriod: 1) }
}

@Suite("zkpay wallet commands against a real validator")
struct WalletCLITests {
    /// alice, bob and issuer in a new home; a validator whose issuer is `issuer`.
    static func world(_ tag: String, initArguments: [String] = []) throws
        -> (zkpay: ZKPay, home: String, validator: LoopbackValidator, addresses: [String: String])
    {
        let home = temporaryPath("\(tag)-home")
        var zkpay = ZKPay(home: home)
        var addresses: [String: String] = [:]
        for name in ["alice", "bob", "issuer"] {
            let r = try zkpay.expect(["wallet", "create", name, "--json"], 0)
            addresses[name] = try jsonObject(r.out)["address"] as? String
        }
        let validator = try LoopbackValidator(zkpay: zkpay, issuer: try #require(addresses["issuer"]),
                                              data: temporaryPath("\(tag)-data"), initArguments: initArguments)
        zkpay.environment["ZKPAY_VALIDATOR"] = validator.url
        return (zkpay, home, validator, addresses)
    }

    @Test("the demo's story: mint to alice, alice pays bob with a memo while bob watches, balances, receipt, audit")
    func story() throws {
        let (zkpay, home, validator, addresses) = try Self.world("story")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        let alice = try #require(addresses["alice"])

        // Wallets are listed with their addresses; `address` needs no passphrase.
        let list = try zkpay.expect(["wallet", "list"], 0).out
        #expect(list.contains("alice") && list.contains(alice))
        #expect(try zkpay.expect(["address", "--wallet", "alice"], 0, environment: ["ZKPAY_PASSPHRASE": "wrong"]).out
            == alice + "\n")

        let minted = try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1000", "--memo", "welcome",
                                       "--json"], 0)
        let mintJSON = try jsonObject(minted.out)
        #expect(mintJSON["mint_id"] is String)
        // Not the issuer: refused with the reason.
        let notIssuer = try zkpay.expect(["mint", "--wallet", "alice", "--to", "bob", "--amount", "5"], 1)
        #expect(notIssuer.err.contains("not the ledger's issuer"))

        let watch = try zkpay.start(["watch", "--wallet", "bob", "--count", "1", "--timeout", "60"])
        let sent = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "250", "--memo", "rent", "--json"], 0)
        let sendJSON = try jsonObject(sent.out)
        #expect((sendJSON["transfer_id"] as? String)?.count == 64)
        #expect(sendJSON["sequence"] as? Int == 2)
        #expect(sendJSON["latency_ms"] is Int)
        let receipt = try #require(sendJSON["receipt"] as? [String: Any])
        #expect(receipt["kind"] as? String == "transfer")

        let watched = ZKPay.collect(watch)
        #expect(watched.code == 0, "watch: \(watched.out) \(watched.err)")
        #expect(watched.out.contains("received 250.00 from alice (memo: rent)"), "watch printed: \(watched.out)")

        let aliceBalance = try jsonObject(try zkpay.expect(["balance", "--wallet", "alice", "--json"], 0).out)
        #expect(aliceBalance["units"] as? Int == 749_999_000)
        #expect(aliceBalance["amount"] as? String == "749.999000")
        #expect(aliceBalance["notes"] as? Int == 1)
        let bobBalance = try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)
        #expect(bobBalance["units"] as? Int == 250_000_000)
        #expect(try zkpay.expect(["balance", "--wallet", "bob"], 0).out.contains("bob: 250.00 (1 note"))

        // The receipt verifies offline under the key pinned on first use; a changed one does not.
        let receiptFile = temporaryPath("receipt") + ".json"
        defer { try? FileManager.default.removeItem(atPath: receiptFile) }
        let receiptText = String(decoding: try JSONSerialization.data(withJSONObject: receipt), as: UTF8.self)
        try receiptText.write(toFile: receiptFile, atomically: true, encoding: .utf8)
        #expect(try zkpay.expect(["receipt", "verify", receiptFile], 0).out.contains("ok: receipt 2 for transfer"))
        try zkpay.expect(["receipt", "verify", receiptFile, "--data", validator.data], 0)
        var tampered = receipt
        let bytes = try #require(receipt["bytes"] as? String)
        let flipped = bytes.prefix(20) + (bytes.dropFirst(20).first == "0" ? "1" : "0") + bytes.dropFirst(21)
        tampered["bytes"] = String(flipped)
        try String(decoding: try JSONSerialization.data(withJSONObject: tampered), as: UTF8.self)
            .write(toFile: receiptFile, atomically: true, encoding: .utf8)
        try zkpay.expect(["receipt", "verify", receiptFile], 1)

        let audit = try jsonObject(try zkpay.expect(["audit", "--validator", validator.url, "--json"], 0).out)
        #expect(audit["ok"] as? Bool == true)
        #expect(audit["supply"] as? String == "999.999000")
        #expect(audit["supply_units"] as? Int == 999_999_000)
        // The full audit ran on the downloaded log: one mint and one transfer re-verified.
        #expect(audit["transfers"] as? Int == 1 && audit["mints"] as? Int == 1 && audit["records"] as? Int == 2, "\(audit)")
        // Against the genesis file obtained out of band: the same ledger passes, another one is refused.
        let genesisFile = validator.data + "/genesis.zkpg"
        try zkpay.expect(["audit", "--validator", validator.url, "--genesis", genesisFile], 0)
        let otherData = temporaryPath("story-other")
        defer { try? FileManager.default.removeItem(atPath: otherData) }
        try zkpay.expect(["validator", "init", "--data", otherData, "--issuer", "alice"], 0)
        let mismatch = try zkpay.expect(["audit", "--validator", validator.url, "--genesis", otherData + "/genesis.zkpg", "--json"], 1)
        #expect(mismatch.err.contains("genesis_mismatch") || mismatch.out.contains("genesis_mismatch"), "\(mismatch)")

        // History on both sides; watch resumes after the event it already showed.
        let aliceHistory = try zkpay.expect(["history", "--wallet", "alice"], 0).out
        let bobPrefix = try #require(addresses["bob"]).prefix(14)
        #expect(aliceHistory.contains("sent     250.00 to bob (\(bobPrefix)…) (memo: rent), fee 0.001"), "\(aliceHistory)")
        let bobHistory = try zkpay.expect(["history", "--wallet", "bob"], 0).out
        #expect(bobHistory.contains("received 250.00 from alice (memo: rent)"), "\(bobHistory)")
        let again = try zkpay.expect(["watch", "--wallet", "bob", "--timeout", "1", "--json"], 124)
        #expect(again.out.isEmpty, "resumed watch printed \(again.out)")

        // A dry run writes the transfer in the JSON form POST /v1/transfers accepts, and reserves nothing.
        let dry = temporaryPath("dry") + ".json"
        defer { try? FileManager.default.removeItem(atPath: dry) }
        try zkpay.expect(["send", "--wallet", "bob", "--to", alice, "--amount", "1.5", "--dry-run", "--out", dry], 0)
        let transferJSON = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dry))) as? [String: Any])
        #expect(transferJSON["inputs"] != nil && transferJSON["outputs"] != nil)
        let history = try jsonObject(try zkpay.expect(["history", "--wallet", "bob", "--json"], 0).out)
        #expect(history["reserved"] as? Int == 0)

        // Contacts name addresses for send.
        try zkpay.expect(["contacts", "add", "landlord", try #require(addresses["bob"])], 0)
        let contacts = try jsonObject(try zkpay.expect(["contacts", "list", "--json"], 0).out)
        #expect((contacts["contacts"] as? [[String: Any]])?.first?["name"] as? String == "landlord")
        try zkpay.expect(["send", "--wallet", "alice", "--to", "landlord", "--amount", "0.5"], 0)
        #expect(try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)["units"] as? Int == 250_500_000)

        // The validator's receipt key was pinned on first use: a different one is refused.
        let pins = home + "/validators.json"
        let pinned = try String(contentsOfFile: pins, encoding: .utf8)
        let key = try #require(try JSONSerialization.jsonObject(with: Data(pinned.utf8)) as? [String: String])[validator.url]
        try pinned.replacingOccurrences(of: try #require(key), with: String(repeating: "ab", count: 32))
            .write(toFile: pins, atomically: true, encoding: .utf8)
        let impostor = try zkpay.expect(["balance", "--wallet", "alice"], 1)
        #expect(impostor.err.contains("pinned") && impostor.err.contains(pins), "\(impostor.err)")
        try pinned.write(toFile: pins, atomically: true, encoding: .utf8)

        // Export and re-import the seed into another home: the same address.
        let seed = try jsonObject(try zkpay.expect(["wallet", "export-seed", "--wallet", "alice", "--json"], 0).out)
        let otherHome = temporaryPath("import-home")
        defer { try? FileManager.default.removeItem(atPath: otherHome) }
        let other = ZKPay(home: otherHome)
        for form in ["seed_hex", "seed_bech32m"] {
            let name = form == "seed_hex" ? "fromhex" : "frombech"
            let imported = try other.expect(["wallet", "import", name, "--json"], 0, stdin: (seed[form] as? String ?? "") + "\n")
            #expect(try jsonObject(imported.out)["address"] as? String == alice)
        }
    }

    @Test("insufficient funds names the spendable balance; nothing stays reserved")
    func insufficientFunds() throws {
        let (zkpay, home, validator, addresses) = try Self.world("funds")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        let empty = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "5"], 1)
        #expect(empty.err.contains("insufficient funds: the spendable balance is 0.00"), "\(empty.err)")
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0)
        let short = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "10"], 1)
        #expect(short.err.contains("the spendable balance is 10.00, this transfer needs 10.001"), "\(short.err)")
        #expect(short.err.split(separator: "\n").filter { $0.hasPrefix("error:") }.count == 1)
        let history = try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)
        #expect(history["reserved"] as? Int == 0)
        // A fee below the ledger's minimum is refused before anything is built.
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "1", "--fee", "0.0001"], 64)
        // A note owned by alice's spend key whose memo is sealed to another view key is
        // skipped and reported, never counted or spent.
        let aliceAddress = try Address(parsing: try #require(addresses["alice"]))
        let bobAddress = try Address(parsing: try #require(addresses["bob"]))
        let crossed = try Address(spend: aliceAddress.spendKey, view: bobAddress.viewKey)
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", crossed.encoded, "--amount", "7"], 0)
        let skipped = try zkpay.expect(["balance", "--wallet", "alice", "--json"], 0)
        #expect(skipped.err.contains("skipped 1 note(s) owned by this wallet whose memo does not open"), "\(skipped.err)")
        let counted = try jsonObject(skipped.out)
        #expect(counted["units"] as? Int == 10_000_000)
        #expect(counted["unreadable_notes"] as? Int == 1)

        // Two sends in a row spend the change of the first.
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "4"], 0)
        try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "5"], 0)
        let bob = try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)
        #expect(bob["units"] as? Int == 9_000_000)
    }

    @Test("validator down: one clear message, exit 1, nothing reserved")
    func validatorDown() throws {
        let home = temporaryPath("down-home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let url = "http://127.0.0.1:\(closedPort())"
        let zkpay = ZKPay(home: home, validator: url)
        try zkpay.expect(["wallet", "create", "alice"], 0)
        let bob = try zkpay.expect(["wallet", "create", "bob", "--json"], 0)
        let bobAddress = try #require(try jsonObject(bob.out)["address"] as? String)
        for args in [["send", "--wallet", "alice", "--to", bobAddress, "--amount", "1"], ["balance", "--wallet", "alice"],
                     ["watch", "--wallet", "alice", "--timeout", "1"], ["mint", "--wallet", "alice", "--to", "bob", "--amount", "1"],
                     ["audit", "--validator", url]] {
            let r = try zkpay.expect(args, 1)
            #expect(r.err.hasPrefix("error: cannot reach the validator at \(url) (connect failed: ") && r.err.contains("refused")
                && r.err.hasSuffix("is `zkpay validator run` running there? Name another one with --validator URL or ZKPAY_VALIDATOR\n")
                && r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
        let history = try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)
        #expect(history["reserved"] as? Int == 0)
    }

    @Test("a wrong passphrase is a clear error and changes nothing")
    func wrongPassphrase() throws {
        let home = temporaryPath("pass-home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let zkpay = ZKPay(home: home)
        try zkpay.expect(["wallet", "create", "alice"], 0)
        let keystore = home + "/wallets/alice.wallet"
        let before = try Data(contentsOf: URL(fileURLWithPath: keystore))
        let attributes = try FileManager.default.attributesOfItem(atPath: keystore)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: home)[.posixPermissions] as? Int == 0o700)
        for args in [["wallet", "export-seed"], ["balance", "--validator", "http://127.0.0.1:\(closedPort())"]] {
            let r = try zkpay.expect(args, 1, environment: ["ZKPAY_PASSPHRASE": "wrong"])
            #expect(r.err == "error: wrong passphrase for wallet 'alice' (or its keystore file was modified); nothing was changed\n",
                    "\(r.err)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: keystore)) == before)
        // No passphrase and no terminal: told how to give one.
        var noPass = zkpay
        noPass.environment.removeValue(forKey: "ZKPAY_PASSPHRASE")
        let r = try noPass.run(["wallet", "export-seed"])
        #expect(r.code == 1)
        #expect(r.err.contains("ZKPAY_PASSPHRASE"))
        try zkpay.expect(["wallet", "create", "alice"], 1)
    }

    @Test("a lost reply is resolved by asking for the transfer by id; a lost request is resubmitted; an unknown outcome stays reserved until the ledger says")
    func lostReplies() throws {
        let (zkpay, home, validator, _) = try Self.world("lost")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0)
        func reserved() throws -> Int? {
            try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)["reserved"] as? Int
        }
        func bobUnits() throws -> Int? {
            try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)["units"] as? Int
        }

        // The ledger settles the transfer but the reply is lost: found by id.
        let loseReply = try LossyProxy(target: validator.url, mode: .loseReply, losses: 1)
        let found = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "3", "--validator", loseReply.url], 0)
        #expect(found.err.contains("the ledger has the transfer (looked up by id)"), "\(found.err)")
        #expect(try reserved() == 0)
        #expect(try bobUnits() == 3_000_000)

        // The request is lost before the ledger: not found by id, so the same bytes go again.
        let loseRequest = try LossyProxy(target: validator.url, mode: .loseRequest, losses: 1)
        let again = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "2", "--validator", loseRequest.url], 0)
        #expect(again.err.contains("submitted again"), "\(again.err)")
        #expect(try reserved() == 0)
        #expect(try bobUnits() == 5_000_000)

        // Nothing gets through: the send fails naming the transfer, and its notes stay reserved.
        let loseAll = try LossyProxy(target: validator.url, mode: .loseEverything, losses: 0)
        let unconfirmed = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "1", "--validator", loseAll.url], 1)
        #expect(unconfirmed.err.contains("did not confirm transfer"), "\(unconfirmed.err)")
        #expect(try reserved() == 1)
        let during = try zkpay.expect(["balance", "--wallet", "alice", "--json"], 0)
        #expect(during.err.contains("still unconfirmed"), "\(during.err)")
        let balance = try jsonObject(during.out)
        #expect(balance["reserved_units"] as? Int == 4_998_000)
        #expect(balance["spendable_units"] as? Int == 0)
        // A second send cannot take the reserved note.
        let blocked = try zkpay.expect(["send", "--wallet", "alice", "--to", "bob", "--amount", "1"], 1)
        #expect(blocked.err.contains("spendable balance is 0.00") && blocked.err.contains("reserved"), "\(blocked.err)")

        // Once the reservation is older than any submission can be in flight and the ledger
        // does not know the transfer, the next command frees the notes.
        let statePath = home + "/state/alice/state.json"
        var state = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statePath))) as? [String: Any])
        var reservations = try #require(state["reservations"] as? [[String: Any]])
        reservations[0]["createdMs"] = 0
        state["reservations"] = reservations
        try JSONSerialization.data(withJSONObject: state).write(to: URL(fileURLWithPath: statePath))
        let after = try zkpay.expect(["balance", "--wallet", "alice", "--json"], 0)
        #expect(after.err.contains("never reached the ledger"), "\(after.err)")
        #expect(try jsonObject(after.out)["spendable_units"] as? Int == 4_998_000)
        #expect(try reserved() == 0)
    }

    @Test("sends running at once from one wallet never submit the same note twice")
    func concurrentSends() throws {
        let (zkpay, home, validator, _) = try Self.world("concurrent")
        defer {
            validator.stop()
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: validator.data)
        }
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0)
        let started = try (0..<4).map { _ in try zkpay.start(["send", "--wallet", "alice", "--to", "bob", "--amount", "1"]) }
        let results = started.map(ZKPay.collect)
        let succeeded = results.filter { $0.code == 0 }.count
        print("concurrentSends: \(succeeded) of 4 sends succeeded; the others: \(results.filter { $0.code != 0 }.map { $0.err.prefix(80) })")
        #expect(succeeded >= 1)
        for r in results where r.code != 0 {
            // Losers learn that the note is taken before anything reaches the validator.
            #expect(r.code == 1)
            #expect(!r.err.contains("double_spend"), "\(r.err)")
            #expect(r.err.contains("concurrent send") || r.err.contains("reserved") || r.err.contains("insufficient"), "\(r.err)")
        }
        let history = try jsonObject(try zkpay.expect(["history", "--wallet", "alice", "--json"], 0).out)
        #expect(history["reserved"] as? Int == 0)
        let bob = try jsonObject(try zkpay.expect(["balance", "--wallet", "bob", "--json"], 0).out)
        #expect(bob["units"] as? Int == succeeded * 1_000_000)
    }

    @Test("every usage error exits 64 with the error and a one-line usage hint")
    func usageErrors() throws {
        let home = temporaryPath("usage-home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let zkpay = ZKPay(home: home, validator: "http://127.0.0.1:\(closedPort())")
        let created = try zkpay.expect(["wallet", "create", "alice", "--json"], 0)
        let alice = try #require(try jsonObject(created.out)["address"] as? String)
        let malformed = String(alice.dropLast()) + (alice.last == "q" ? "p" : "q")
        let cases: [[String]] = [
            ["frobnicate"], ["wallet"], ["wallet", "frob"], ["wallet", "create"], ["wallet", "create", "Bad/Name"],
            ["wallet", "create", "a", "b"], ["wallet", "import"], ["wallet", "list", "--bogus"],
            ["address", "extra"], ["balance", "--validator", "ftp://x"], ["balance", "--wallet"],
            ["send"], ["send", "--to", alice], ["send", "--amount", "1"], ["send", "--to", alice, "--amount", "-1"],
            ["send", "--to", alice, "--amount", "1.1234567"], ["send", "--to", alice, "--amount", "abc"],
            ["send", "--to", alice, "--amount", "0"], ["send", "--to", alice, "--amount", "99999999999999999999"],
            ["send", "--to", malformed, "--amount", "1"], ["send", "--to", "zkp1qqqq", "--amount", "1"],
            ["send", "--to", "nobody", "--amount", "1"], ["send", "--to", alice, "--amount", "1", "--dry-run"],
            ["send", "--to", alice, "--amount", "1", "--memo", String(repeating: "m", count: 65)],
            ["send", "--to", alice, "--amount", "1", "--fee", "x"],
            ["watch", "--count", "0"], ["watch", "--timeout", "soon"], ["history", "extra"],
            ["contacts"], ["contacts", "add", "carol"], ["contacts", "add", "carol", malformed], ["contacts", "add", "Bad Name", alice],
            ["contacts", "remove", "x"], ["mint", "--amount", "1"], ["mint", "--to", alice, "--amount", "1.0000001"],
            ["audit", "--data", "x", "--validator", "http://127.0.0.1:1"], ["receipt", "verify"],
            ["contacts", "list", "--wallet", "alice"], ["validator", "init", "--data", "x", "--issuer", alice, "--min-fee", "5"],
            ["balance", "--validator", "http://::1:7878"], ["receipt", "get", "xyz"],
            ["receipt", "check", "f"], ["receipt", "verify", "f", "--ledger-key", "zz"],
        ]
        for args in cases {
            let r = try zkpay.expect(args, 64)
            let lines = r.err.split(separator: "\n")
            #expect(lines.first?.hasPrefix("error: ") == true, "\(args): \(r.err)")
            #expect(lines.count <= 3, "\(args): \(r.err)")
            #expect(!r.err.contains("Fatal error") && !r.err.contains("Stack dump"), "\(args): \(r.err)")
        }
        // Help works for the wallet commands.
        for command in ["wallet", "send", "watch", "balance", "mint", "contacts", "history", "address"] {
            #expect(try zkpay.expect([command, "--help"], 0).out.hasPrefix("usage: zkpay \(command)"))
        }
        // Every command's help ends with one example.
        let helpLines = try zkpay.expect(["help"], 0).out.split(separator: "\n", omittingEmptySubsequences: false)
        func section(_ title: String) -> [String] {
            helpLines.drop { $0 != title }.dropFirst().prefix { !$0.isEmpty }
                .compactMap { $0.split(separator: " ").first.map(String.init) }
        }
        let commands = section("commands:") + section("tools:")
        #expect(commands.count >= 17)
        for command in commands {
            let help = try zkpay.expect(command == "help" ? ["help"] : [command, "--help"], 0).out
            let last = help.split(separator: "\n").last.map(String.init) ?? ""
            #expect(last.hasPrefix("example: zkpay ") || last.hasPrefix("example: ZKPAY_"), "\(command): \(help)")
        }
    }
}
