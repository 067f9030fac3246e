import Foundation
import Glibc
import HTTP1
import Ledger
import Testing
import TestSupport
import ZKPayCore

/// One `zkpay validator run --cluster` process on a fixed loopback port.
final class ClusterValidator {
    let data: String
    let url: String
    let process: Process
    let out: URL
    let err: URL

    /// A validator process; `terminal`: its output goes to a pseudo-terminal (progress shown).
    init(zkpay: ZKPay, data: String, port: UInt16, etcd: [String], arguments: [String] = [], terminal: Bool = false) throws {
        self.data = data
        url = "http://127.0.0.1:\(port)"
        let args = ["validator", "run", "--data", data, "--listen", "127.0.0.1:\(port)",
                    "--cluster", etcd.joined(separator: ","), "--lease-seconds", "2", "--workers", "1"] + arguments
        let started = terminal ? try zkpay.startInTerminal(args) : try zkpay.start(args)
        process = started.process
        out = started.out
        err = started.err
    }

    /// `GET /v1/status` as JSON (nil while it does not answer).
    func status() -> [String: Any]? {
        guard let port = UInt16(url.split(separator: ":").last ?? ""),
              let r = try? HTTPClient(port: port, timeout: 5).request("GET", "/v1/status"), r.status == 200
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
    }

    func get(_ path: String) -> Int? { fetch(path)?.status }

    /// `GET path` (nil while it does not answer).
    func fetch(_ path: String) -> ClientResponse? {
        guard let port = UInt16(url.split(separator: ":").last ?? "") else { return nil }
        return try? HTTPClient(port: port, timeout: 10).request("GET", path)
    }

    var logs: String {
        ((try? String(contentsOf: out, encoding: .utf8)) ?? "") + ((try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    func kill() {
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
}

/// Polls `condition` every 50 ms for up to `seconds` (a bound for a loaded machine, not a
/// timing assertion).
func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

/// The start of every cluster test: etcd members, a wallet home with `wallets`, `zkpay
/// cluster init` and one `validator run --cluster` per validator, each on its own port.
/// `shutdown` (deferred by the tests, and in `deinit`) stops and removes all of it.
final class TestCluster {
    let etcd: EtcdCluster
    let home: String
    let dir: String
    let zkpay: ZKPay
    /// What `zkpay cluster init` printed.
    let initOutput: String
    private(set) var validators: [ClusterValidator] = []
    /// Each validator's port (`zkpay cluster init` made `count` of them; `started` run).
    let ports: [UInt16]
    /// The arguments every validator runs with, after the common ones.
    let validatorArguments: [String]

    /// `started`: how many of the `count` validators of the genesis to start (the first ones);
    /// `startValidator` starts another later.
    init(_ tag: String, etcdMembers: Int, validators count: Int, started: Int? = nil, wallets: [String],
         initArguments: [String] = [], validatorArguments: [String] = []) throws {
        etcd = try EtcdCluster(members: etcdMembers)
        home = temporaryPath("\(tag)-home")
        dir = temporaryPath(tag)
        zkpay = ZKPay(home: home)
        for name in wallets { try zkpay.expect(["wallet", "create", name], 0) }
        initOutput = try zkpay.expect(["cluster", "init", "--dir", dir, "--validators", String(count), "--issuer", "issuer"]
            + initArguments, 0).out
        ports = try EtcdCluster.freePorts(count)
        self.validatorArguments = validatorArguments
        validators = try (0..<(started ?? count)).map {
            try ClusterValidator(zkpay: zkpay, data: "\(dir)/v\($0 + 1)", port: ports[$0], etcd: etcd.endpoints,
                                 arguments: validatorArguments)
        }
    }

    /// Starts (or restarts) validator `index` (0-based) of the genesis on its data directory and port.
    @discardableResult
    func startValidator(_ index: Int, terminal: Bool = false) throws -> ClusterValidator {
        let v = try ClusterValidator(zkpay: zkpay, data: "\(dir)/v\(index + 1)", port: ports[index], etcd: etcd.endpoints,
                                     arguments: validatorArguments, terminal: terminal)
        validators.append(v)
        return v
    }

    func shutdown() {
        validators.forEach { $0.stop() }
        etcd.shutdown()
        try? FileManager.default.removeItem(atPath: home)
        try? FileManager.default.removeItem(atPath: dir)
    }

    deinit { shutdown() }
}

@Suite("A cluster of validators on etcd", .serialized,
       .enabled(if: EtcdCluster.isInstalled, "etcd is not installed (make deps installs etcd-server)"))
struct ClusterTests {
    /// The validators that answer and lead.
    static func leaders(_ vs: [ClusterValidator]) -> [ClusterValidator] {
        vs.filter { $0.process.isRunning && ($0.status()?["role"] as? String) == "leader" }
    }

    /// The sequence and chain hash every running validator reports, if they all report the
    /// same ones and the same state digest (their states after that history are equal).
    static func converged(_ vs: [ClusterValidator]) -> (sequence: Int, chain: String)? {
        let states = vs.filter(\.process.isRunning).map { $0.status() }
        guard let first = states.first, let s = first?["sequence"] as? Int, let c = first?["chain_hash"] as? String,
              let d = first?["state_digest"] as? String, d.count == 64,
              states.allSatisfy({
                  ($0?["sequence"] as? Int) == s && ($0?["chain_hash"] as? String) == c && ($0?["state_digest"] as? String) == d
              })
        else { return nil }
        return (s, c)
    }

    /// `zkpay mint` until it gets a receipt: a follower that has just seen the election may
    /// not know the leader yet (503 `no_leader`), which a client retries.
    static func mint(_ zkpay: ZKPay, via url: String, amount: String) -> Bool {
        for _ in 0..<40 {
            if let r = try? zkpay.run(["mint", "--wallet", "issuer", "--to", "alice", "--amount", amount],
                                      environment: ["ZKPAY_VALIDATOR": url]), r.code == 0 {
                return true
            }
            usleep(250_000)
        }
        return false
    }

    /// `zkpay send` until it gets a receipt (an election in progress answers 503; the
    /// wallet resolves a lost reply by transfer id).
    static func pay(_ zkpay: ZKPay, via url: String, amount: String) -> String? {
        for _ in 0..<40 {
            if let r = try? zkpay.run(["send", "--wallet", "alice", "--to", "bob", "--amount", amount, "--json"],
                                      environment: ["ZKPAY_VALIDATOR": url]),
               r.code == 0, let o = try? jsonObject(r.out), let id = o["transfer_id"] as? String
            {
                return id
            }
            usleep(250_000)
        }
        return nil
    }

    @Test("3 validators on 3 etcd members: writes sent to a follower settle through the leader; every validator holds the same ledger; after SIGKILL of the leader a follower takes over and no receipt is lost")
    func failover() throws {
        let cluster = try TestCluster("cluster", etcdMembers: 3, validators: 3, wallets: ["alice", "bob", "issuer"],
                                      initArguments: ["--min-fee-units", "1000"])
        defer { cluster.shutdown() }
        let (etcd, zkpay, vs) = (cluster.etcd, cluster.zkpay, cluster.validators)
        #expect(cluster.initOutput.contains("initialized a cluster of 3 validators"))

        #expect(eventually(60) { Self.leaders(vs).count == 1 && vs.allSatisfy { $0.status()?["role"] != nil } },
                "no single leader: \(vs.map { $0.status() ?? [:] }) \(vs.map(\.logs))")
        let leader = try #require(Self.leaders(vs).first)
        let followers = vs.filter { $0 !== leader }
        // A write sent to a follower is redirected (307) to the leader, and the wallet follows.
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "100"], 0,
                         environment: ["ZKPAY_VALIDATOR": followers[0].url])
        #expect(eventually(30) { Self.converged(vs)?.sequence == 1 }, "\(vs.map { $0.status() ?? [:] })")
        var paid: [String] = []
        for (i, v) in vs.enumerated() {
            #expect(eventually(30) { Self.converged(vs) != nil })
            if let id = Self.pay(zkpay, via: v.url, amount: "1.\(i)") { paid.append(id) }
        }
        #expect(paid.count == 3)
        let before = try #require(eventually(30) { Self.converged(vs)?.sequence == 4 } ? Self.converged(vs) : nil)
        // The live figures (and the page drawn from them) name the role and the leader.
        let followerPort = try #require(UInt16(followers[0].url.split(separator: ":").last ?? ""))
        let stream = try HTTPClient(port: followerPort, timeout: 10).openEventStream("/v1/stats/stream")
        let figures = try #require(try stream.nextEvent()).data
        #expect(figures.contains("\"cluster\":{\"role\":\"follower\",\"leader\":\"\(leader.url)\","), "\(figures)")
        // Each validator and the last sequence it signed: all three signed the settled batches.
        let panel = try #require(try jsonObject(figures)["cluster"] as? [String: Any])
        let signed = try #require(panel["validators"] as? [[String: Any]])
        #expect(signed.map { $0["name"] as? String } == ["v1", "v2", "v3"], "\(figures)")
        #expect(signed.allSatisfy { ($0["signed"] as? Int ?? 0) >= 1 }, "\(figures)")
        // The etcd members as the validator polls them (every 2 s): all three up, one Raft leader.
        var members: [[String: Any]] = panel["etcd"] as? [[String: Any]] ?? []
        for _ in 0..<5 where members.count < 3 {
            let next = try #require(try stream.nextEvent()).data
            members = (try jsonObject(next)["cluster"] as? [String: Any])?["etcd"] as? [[String: Any]] ?? []
        }
        #expect(members.count == 3 && members.allSatisfy { $0["up"] as? Bool == true }, "\(members)")
        #expect(members.filter { $0["leader"] as? Bool == true }.count == 1, "\(members)")
        #expect(Set(members.compactMap { $0["endpoint"] as? String }) == Set(etcd.endpoints), "\(members)")

        // Bob's event stream on the leader: the client reads two of his three payments, then
        // the leader dies under it.
        let bob = try zkpay.expect(["address", "--wallet", "bob"], 0).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let leaderPort = try #require(UInt16(leader.url.split(separator: ":").last ?? ""))
        let bobsStream = try HTTPClient(port: leaderPort, timeout: 10).openEventStream("/v1/events?address=\(bob)&after=0")
        let firstTwo = try (0..<2).map { _ in try #require(try bobsStream.nextEvent()) }
        #expect(firstTwo.map(\.id) == ["2", "3"] && firstTwo.allSatisfy { $0.event == "received" }, "\(firstTwo)")

        // SIGKILL the leader: a follower takes over after its lease expires, with every receipt.
        leader.kill()
        #expect(eventually(60) { Self.leaders(followers).count == 1 }, "no new leader: \(followers.map(\.logs))")
        #expect(followers.allSatisfy { ($0.status()?["sequence"] as? Int) ?? 0 >= before.sequence })
        // The wallet is given every validator, the dead one first: it uses the first that answers.
        let everyone = ([leader] + followers).map(\.url).joined(separator: ",")
        for _ in followers {
            if let id = Self.pay(zkpay, via: everyone, amount: "2") { paid.append(id) }
            #expect(eventually(30) { Self.converged(followers) != nil })
        }
        #expect(paid.count == 5)
        let after = try #require(eventually(30) { Self.converged(followers) != nil } ? Self.converged(followers) : nil)
        #expect(after.sequence == 6, "\(followers.map { $0.status() ?? [:] })")
        // The stream resumes on a survivor that is not the new leader, from the last id the
        // client saw (Last-Event-ID): the payment it missed, then the two made after the
        // failover, in order, each once.
        let survivor = try #require(followers.first { ($0.status()?["role"] as? String) == "follower" })
        let survivorPort = try #require(UInt16(survivor.url.split(separator: ":").last ?? ""))
        var resumeHeaders = Headers()
        resumeHeaders.append("Last-Event-ID", firstTwo[1].id ?? "")
        let resumed = try HTTPClient(port: survivorPort, timeout: 10)
            .openEventStream("/v1/events?address=\(bob)", headers: resumeHeaders)
        let rest = try (0..<3).map { _ in try #require(try resumed.nextEvent()) }
        #expect(rest.map(\.id) == ["4", "5", "6"], "\(rest)")
        let restIDs = try rest.map { try jsonObject($0.data)["id"] as? String }
        #expect(restIDs == Array(paid[2...4]).map(Optional.some), "\(rest)")
        // A burn settles through the new leader and replicates: every survivor re-verifies it.
        try zkpay.expect(["redeem", "--wallet", "alice", "--amount", "1", "--reference", "PAYOUT-1", "--validator", everyone], 0)
        #expect(eventually(30) { Self.converged(followers)?.sequence == 7 }, "\(followers.map { $0.status() ?? [:] })")
        let genesisFile = cluster.dir + "/v1/genesis.zkpg"
        #expect(cluster.initOutput.contains("quorum:             2 of 3 signatures per receipt"), "\(cluster.initOutput)")
        for v in followers {
            for id in paid { #expect(v.get("/v1/transfers/\(id)") == 200, "\(id) missing on \(v.url)") }
            // Every validator serves each receipt with a certificate: at least 2 of the 3
            // validators' signatures, checked offline against the genesis's validator set.
            for id in paid {
                let body = try #require(v.fetch("/v1/transfers/\(id)")?.body)
                let file = cluster.dir + "/receipt-\(id.prefix(8)).json"
                #expect(FileManager.default.createFile(atPath: file, contents: Data(body)))
                let verified = try zkpay.expect(["receipt", "verify", file, "--genesis", genesisFile, "--json"], 0).out
                let signers = try jsonObject(verified)["signers"] as? String ?? ""
                #expect(signers.split(separator: ",").count >= 2, "\(verified)")
            }
            // The full audit of each survivor's log: every proof, id and receipt re-verified.
            let audit = try zkpay.expect(["audit", "--validator", v.url, "--json"], 0).out
            #expect(try jsonObject(audit)["records"] as? Int == 7, "\(audit)")
            #expect(try jsonObject(audit)["burned_units"] as? Int == 1_000_000, "\(audit)")
        }

        // The killed validator restarts on its data directory, catches up as a follower from
        // the log (the burn included), and holds the same ledger as the others.
        let port = try #require(UInt16(leader.url.split(separator: ":").last ?? ""))
        let restarted = try ClusterValidator(zkpay: zkpay, data: leader.data, port: port, etcd: etcd.endpoints)
        defer { restarted.stop() }
        let all = followers + [restarted]
        #expect(eventually(60) { Self.converged(all)?.sequence == 7 && (restarted.status()?["role"] as? String) == "follower" },
                "\(all.map { $0.status() ?? [:] }) \(restarted.logs)")
    }

    /// Writes `value` at `key` through the etcd gateway (as a faulty leader with write access could).
    static func etcdPut(_ endpoint: String, key: [UInt8], value: [UInt8]) throws -> Int {
        let port = try #require(UInt16(endpoint.split(separator: ":").last ?? ""))
        let body = "{\"key\": \"\(Data(key).base64EncodedString())\", \"value\": \"\(Data(value).base64EncodedString())\"}"
        var headers = Headers()
        headers.append("Content-Type", "application/json")
        return try HTTPClient(port: port, timeout: 5).request("POST", "/v3/kv/put", headers: headers, body: Array(body.utf8)).status
    }

    @Test("a batch in the log that validators would reject (a mint by another issuer) is applied by none: every validator stops following, says why, and refuses writes")
    func faultyBatchRefused() throws {
        let cluster = try TestCluster("cluster-faulty", etcdMembers: 1, validators: 2, wallets: ["alice", "issuer"])
        defer { cluster.shutdown() }
        let (etcd, zkpay, vs, dir) = (cluster.etcd, cluster.zkpay, cluster.validators, cluster.dir)
        #expect(eventually(60) { Self.leaders(vs).count == 1 && vs.allSatisfy { $0.status()?["role"] != nil } })
        #expect(Self.mint(zkpay, via: vs[0].url, amount: "5"))
        let state = try #require(eventually(30) { Self.converged(vs)?.sequence == 1 } ? Self.converged(vs) : nil)

        // The next batch of the log, continuing the chain, holding a mint by a rogue issuer.
        let rogue = WalletKeys.generate().keys
        let alice = try Address(parsing: try #require(try jsonObject(try zkpay.expect(["address", "--wallet", "alice", "--json"], 0).out)["address"] as? String))
        let genesis = try Genesis(bytes: [UInt8](Data(contentsOf: URL(fileURLWithPath: "\(dir)/v1/genesis.zkpg"))))
        let mint = try Mint.create(chain: genesis.chainID, serial: 1, payments: [Payment(to: alice, amount: 7)], issuer: rogue.spend)
        let chain = try #require(ProtocolHex.decode(state.chain))
        let batch = ReplicatedBatch(firstSequence: 2, time: 1, kind: .mints, previousChainHash: chain,
                                    chainHash: [UInt8](repeating: 0, count: 32), items: [mint.bytes])
        let key = Array("/zkpay/\(genesis.chainID.hex)/log/00000000000000000002".utf8)
        let follower = try #require(vs.first { ($0.status()?["role"] as? String) == "follower" })
        #expect(try Self.etcdPut(etcd.endpoints[0], key: key, value: batch.bytes) == 200)

        // The follower refuses at once; the leader's next append meets the key, steps down,
        // reads the batch and refuses it too. Nobody applies it.
        #expect(eventually(30) { (follower.status()?["role"] as? String) == "halted" }, "\(follower.logs)")
        #expect(follower.logs.contains("stopped following") && follower.logs.contains("other than the ledger's issuer key"), "\(follower.logs)")
        let refused = try zkpay.run(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1"],
                                    environment: ["ZKPAY_VALIDATOR": follower.url])
        #expect(refused.code != 0 && (refused.err.contains("replica_halted") || refused.err.contains("stopped following")), "\(refused.err)")
        for v in vs { #expect((v.status()?["sequence"] as? Int) == 1, "\(v.logs)") }
        // Nobody signed the refused batch: no validator has a signature for sequence 2.
        for v in vs { #expect(v.get("/v1/certificates/2") == 404, "\(v.url)") }
        #expect(vs.allSatisfy { $0.get("/v1/certificates/1") == 200 })
    }

    @Test("the leader cut off from every etcd member (TCP proxies the test controls) stops leading once its lease is gone; a follower takes over; nothing the old leader tried commits, and it rejoins as a follower with the same ledger")
    func partitionedLeader() throws {
        let cluster = try TestCluster("cluster-partition", etcdMembers: 3, validators: 3, started: 0,
                                      wallets: ["alice", "bob", "carol", "issuer"], initArguments: ["--min-fee-units", "1000"])
        defer { cluster.shutdown() }
        let zkpay = cluster.zkpay
        // v1 reaches etcd only through the proxies, and starts alone, so it leads.
        // A proxy binds an ephemeral port, which the kernel may hand out again from the ports
        // the cluster reserved for its validators (not yet listening): such a proxy is kept
        // aside until the next one gets another port, so v2 and v3 can listen on theirs.
        func proxy(to target: UInt16) throws -> TCPProxy {
            var aside: [TCPProxy] = []
            defer { aside.forEach { $0.shutdown() } }
            while true {
                let p = try TCPProxy(target: target)
                if !cluster.ports.contains(p.port) { return p }
                aside.append(p)
            }
        }
        let proxies = try cluster.etcd.members.map { try proxy(to: $0.clientPort) }
        defer { proxies.forEach { $0.shutdown() } }
        let v1 = try ClusterValidator(zkpay: zkpay, data: "\(cluster.dir)/v1", port: cluster.ports[0], etcd: proxies.map(\.url))
        defer { v1.stop() }
        #expect(eventually(60) { (v1.status()?["role"] as? String) == "leader" }, "\(v1.logs)")
        let followers = [try cluster.startValidator(1), try cluster.startValidator(2)]
        let all = [v1] + followers
        #expect(eventually(60) { followers.allSatisfy { ($0.status()?["role"] as? String) == "follower" } })
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "10"], 0, environment: ["ZKPAY_VALIDATOR": v1.url])
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "carol", "--amount", "10"], 0, environment: ["ZKPAY_VALIDATOR": v1.url])
        #expect(eventually(30) { Self.converged(all)?.sequence == 2 }, "\(all.map { $0.status() ?? [:] })")

        // The partition: v1's connections to etcd are cut and new ones refused; etcd itself,
        // and v2 and v3, are untouched.
        proxies.forEach { $0.cut() }
        // Carol pays through v1 alone: no receipt, whatever phase of losing its lease it is in.
        let stale = try zkpay.run(["send", "--wallet", "carol", "--to", "bob", "--amount", "1"],
                                  environment: ["ZKPAY_VALIDATOR": v1.url])
        #expect(stale.code != 0, "\(stale.out) \(stale.err)")
        #expect(eventually(60) { Self.leaders(followers).count == 1 }, "no new leader: \(followers.map(\.logs))")
        #expect(eventually(30) { (v1.status()?["role"] as? String) != "leader" }, "\(v1.status() ?? [:])")
        // Writes go on through the new leader.
        let paid = Self.pay(zkpay, via: followers.map(\.url).joined(separator: ","), amount: "2")
        #expect(paid != nil)
        #expect(eventually(30) { Self.converged(followers)?.sequence == 3 }, "\(followers.map { $0.status() ?? [:] })")

        // Healed, v1 follows the log it missed; carol's transfer never committed (the ledger
        // holds the two mints and alice's payment, on all three).
        proxies.forEach { $0.heal() }
        #expect(eventually(60) { Self.converged(all)?.sequence == 3 && (v1.status()?["role"] as? String) == "follower" },
                "\(all.map { $0.status() ?? [:] }) \(v1.logs)")
        if let paid { for v in all { #expect(v.get("/v1/transfers/\(paid)") == 200) } }
        let carol = try zkpay.expect(["balance", "--wallet", "carol", "--json"], 0,
                                     environment: ["ZKPAY_VALIDATOR": followers[0].url]).out
        #expect(try jsonObject(carol)["units"] as? Int == 10_000_000, "\(carol)")
        #expect(Self.converged(all)?.sequence == 3)
    }

    @Test("etcd loses its quorum: writes get 503 with a reason, reads keep working, and writes resume when the quorum returns")
    func quorumLoss() throws {
        let cluster = try TestCluster("cluster-quorum", etcdMembers: 3, validators: 2, wallets: ["alice", "issuer"])
        defer { cluster.shutdown() }
        let (etcd, zkpay, vs) = (cluster.etcd, cluster.zkpay, cluster.validators)
        #expect(eventually(60) { Self.leaders(vs).count == 1 })
        let leader = try #require(Self.leaders(vs).first)
        try zkpay.expect(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "5"], 0, environment: ["ZKPAY_VALIDATOR": leader.url])

        #expect(eventually(30) { Self.converged(vs)?.sequence == 1 })
        etcd.stop(1)
        etcd.stop(2)
        var refusal = ""
        #expect(eventually(60) {
            let r = try? zkpay.run(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1"],
                                   environment: ["ZKPAY_VALIDATOR": leader.url])
            refusal = r?.err ?? ""
            return r.map { $0.code != 0 } ?? false
        })
        #expect(["not_replicated", "no_leader", "replication_unknown", "cluster"].contains { refusal.contains($0) }, "\(refusal)")
        // Reads are served from each validator's own ledger.
        for v in vs { #expect((v.status()?["sequence"] as? Int) == 1) }
        #expect(try zkpay.run(["balance", "--wallet", "alice"], environment: ["ZKPAY_VALIDATOR": leader.url]).code == 0)

        try etcd.restart(1)
        try etcd.restart(2)
        #expect(eventually(90) {
            vs.contains { v in
                (try? zkpay.run(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "2"],
                                environment: ["ZKPAY_VALIDATOR": v.url]))?.code == 0
            }
        }, "\(vs.map(\.logs))")
        #expect(eventually(30) { Self.converged(vs).map { $0.sequence >= 2 } ?? false })
    }

    @Test("an authority statement signed by both validators and the issuer, submitted to a follower, is replicated and certified; from its effective sequence every validator requires the new auditor, and the auditor reads what settled there")
    func authorityStatement() throws {
        let cluster = try TestCluster("cluster-authority", etcdMembers: 1, validators: 2, wallets: ["alice", "bob", "issuer"])
        defer { cluster.shutdown() }
        let (zkpay, vs, dir) = (cluster.zkpay, cluster.validators, cluster.dir)
        // The auditor keeps its key in a home of its own.
        let auditorHome = temporaryPath("cluster-authority-auditor")
        defer { try? FileManager.default.removeItem(atPath: auditorHome) }
        var auditor = ZKPay(home: auditorHome)
        let key = try #require(try jsonObject(try auditor.expect(["auditor", "create", "beta", "--json"], 0).out)["auditor"] as? String)
        #expect(eventually(60) { Self.leaders(vs).count == 1 && vs.allSatisfy { $0.status()?["role"] != nil } })
        let follower = try #require(vs.first { ($0.status()?["role"] as? String) == "follower" })
        #expect(Self.mint(zkpay, via: follower.url, amount: "100"))
        #expect(eventually(30) { Self.converged(vs)?.sequence == 1 })

        // Statement 1 settles at 2; beta is in office from 4. The quorum of two is both.
        let file = "\(dir)/beta.zkpa"
        let env = ["ZKPAY_VALIDATOR": follower.url]
        try zkpay.expect(["authority", "draft", "--effective", "4", "--auditor", key, "--out", file], 0, environment: env)
        try zkpay.expect(["authority", "sign", file, "--data", "\(dir)/v1"], 0, environment: env)
        let one = try zkpay.expect(["authority", "show", "--file", file], 0, environment: env).out
        #expect(one.contains("signed by: v1;") && one.contains("the set in office needs 2"), "\(one)")
        try zkpay.expect(["authority", "sign", file, "--data", "\(dir)/v2"], 0, environment: env)
        try zkpay.expect(["authority", "sign", file, "--issuer", "--wallet", "issuer"], 0, environment: env)
        let settled = try zkpay.expect(["authority", "submit", file], 0, environment: env).out
        #expect(settled.contains("settled at sequence 2"), "\(settled)")
        #expect(eventually(30) { Self.converged(vs)?.sequence == 2 })
        for v in vs {
            let body = try #require(v.fetch("/v1/authority")?.body)
            let json = try jsonObject(String(decoding: body, as: UTF8.self))
            #expect((json["statements"] as? [String])?.count == 1, "\(v.url): \(json)")
        }

        // Sequence 3 has no auditor; from 4 every output discloses to beta.
        #expect(Self.pay(zkpay, via: follower.url, amount: "10") != nil)
        #expect(Self.pay(zkpay, via: follower.url, amount: "20") != nil)
        #expect(eventually(30) { Self.converged(vs)?.sequence == 4 })
        auditor.environment["ZKPAY_VALIDATOR"] = follower.url
        let scanned = try jsonObject(try auditor.expect(["auditor", "scan", "--auditor", "beta", "--json"], 0).out)
        let items = try #require(scanned["items"] as? [[String: Any]], "\(scanned)")
        #expect(items.map { $0["kind"] as? String } == ["mint", "authority", "transfer", "transfer"], "\(items)")
        func amounts(_ item: [String: Any]) -> [String] {
            ((item["outputs"] as? [[String: Any]]) ?? []).compactMap { $0["amount"] as? String }
        }
        #expect(items.count == 4 && amounts(items[2]).isEmpty && Set(amounts(items[3])) == ["20000000", "69999998"], "\(items)")
        try zkpay.expect(["audit"], 0, environment: ["ZKPAY_VALIDATOR": vs.first { $0 !== follower }?.url ?? follower.url])
    }

    @Test("a validator joins with a key outside the genesis: it follows without signing, a statement of the set in office adds it, it signs from the effective sequence, and it signs the next statement that removes the first validator, after which receipts are certified by the new set alone")
    func validatorJoinsAndLeaves() throws {
        let cluster = try TestCluster("cluster-join", etcdMembers: 1, validators: 2, wallets: ["alice", "bob", "issuer"])
        defer { cluster.shutdown() }
        let (zkpay, vs, dir) = (cluster.zkpay, cluster.validators, cluster.dir)
        #expect(eventually(60) { Self.leaders(vs).count == 1 && vs.allSatisfy { $0.status()?["role"] != nil } })
        let follower = try #require(vs.first { ($0.status()?["role"] as? String) == "follower" })
        let env = ["ZKPAY_VALIDATOR": follower.url]
        #expect(Self.mint(zkpay, via: follower.url, amount: "100"))

        // v3's directory: the cluster's genesis and a key of its own, in no authority yet.
        let joined = try zkpay.expect(["validator", "join", "--data", "\(dir)/v3", "--genesis", "\(dir)/v1/\(Genesis.fileName)"], 0).out
        let keyLine = try #require(joined.split(separator: "\n").first { $0.hasPrefix("validator key:") }, "\(joined)")
        let key = String(keyLine.split(separator: " ").last ?? "")
        #expect(key.count == 64, "\(joined)")
        let v3 = try ClusterValidator(zkpay: zkpay, data: "\(dir)/v3", port: try EtcdCluster.freePorts(1)[0],
                                      etcd: cluster.etcd.endpoints, arguments: cluster.validatorArguments)
        defer { v3.stop() }
        let all = vs + [v3]
        #expect(eventually(60) { Self.converged(all)?.sequence == 1 }, "\(v3.logs)")
        // It follows without signing: it holds no signature of sequence 1.
        #expect(v3.get("/v1/certificates/1") == 404)

        // Statement 1 at 2: from 4 the set is v1, v2, v3 (quorum 2); the quorum of two signs it.
        let add = "\(dir)/add.zkpa"
        try zkpay.expect(["authority", "draft", "--effective", "4", "--add-validator", "v3:\(key)", "--no-auditors", "--out", add],
                         0, environment: env)
        try zkpay.expect(["authority", "sign", add, "--data", "\(dir)/v3"], 1, environment: env)
        for v in ["v1", "v2"] { try zkpay.expect(["authority", "sign", add, "--data", "\(dir)/\(v)"], 0, environment: env) }
        #expect(try zkpay.expect(["authority", "submit", add], 0, environment: env).out.contains("settled at sequence 2"))
        #expect(Self.pay(zkpay, via: follower.url, amount: "1") != nil)
        #expect(Self.pay(zkpay, via: follower.url, amount: "2") != nil)
        #expect(eventually(30) { Self.converged(all)?.sequence == 4 }, "\(v3.logs)")
        // v3 signs from 4, as validator 2 of the new set.
        #expect(v3.get("/v1/certificates/3") == 404 && v3.get("/v1/certificates/4") == 200)

        // Statement 2 at 5: from 7 the set is v2, v3 (quorum 2: both); v3 signs it as a member.
        let remove = "\(dir)/remove.zkpa"
        try zkpay.expect(["authority", "draft", "--effective", "7", "--remove-validator", "v1", "--no-auditors", "--out", remove],
                         0, environment: env)
        for v in ["v3", "v2"] { try zkpay.expect(["authority", "sign", remove, "--data", "\(dir)/\(v)"], 0, environment: env) }
        #expect(try zkpay.expect(["authority", "submit", remove], 0, environment: env).out.contains("settled at sequence 5"))
        #expect(Self.pay(zkpay, via: follower.url, amount: "3") != nil)
        // At 7 the wallet accepts the receipt only as certified by v2 and v3 under their new
        // indices (under the genesis's, index 0 is v1).
        let last = try #require(Self.pay(zkpay, via: follower.url, amount: "4"))
        #expect(eventually(30) { Self.converged(all)?.sequence == 7 }, "\(v3.logs)")
        let v1 = try #require(vs.first { $0.data.hasSuffix("/v1") })
        #expect(v1.get("/v1/certificates/6") == 200 && v1.get("/v1/certificates/7") == 404)
        let receipt = "\(dir)/last.json"
        try zkpay.expect(["receipt", "get", last, "--wallet", "alice", "--out", receipt], 0, environment: env)
        let verified = try zkpay.expect(["receipt", "verify", receipt, "--validator", follower.url], 0).out
        #expect(verified.contains("certified by v2, v3 (quorum 2 of 2, authority 2)"), "\(verified)")
        let offline = try zkpay.expect(["receipt", "verify", receipt, "--data", "\(dir)/v1"], 1)
        #expect(offline.err.contains("--validator URL"), "\(offline.err)")
        // The full audit of a log of a validator in office throughout.
        try zkpay.expect(["audit"], 0, environment: ["ZKPAY_VALIDATOR": vs.first { $0.data.hasSuffix("/v2") }?.url ?? follower.url])
    }

}
