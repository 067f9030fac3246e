import Foundation
import HTTP1
import Testing
import TestSupport
import ZKPayCore

extension ClusterTests {
    /// The first sequences of the batches the log holds in etcd (a keys-only range read
    /// through the gateway), oldest first; nil when etcd does not answer.
    static func etcdLogSequences(_ endpoint: String, chainID: String) -> [UInt64]? {
        let prefix = Array("/zkpay/\(chainID)/log/".utf8)
        var end = prefix
        end[end.count - 1] += 1
        guard let port = UInt16(endpoint.split(separator: ":").last ?? "") else { return nil }
        let body = "{\"key\": \"\(Data(prefix).base64EncodedString())\", \"range_end\": \"\(Data(end).base64EncodedString())\", \"keys_only\": true}"
        var headers = Headers()
        headers.append("Content-Type", "application/json")
        guard let r = try? HTTPClient(port: port, timeout: 5).request("POST", "/v3/kv/range", headers: headers, body: Array(body.utf8)),
              r.status == 200, let o = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
        else { return nil }
        let kvs = o["kvs"] as? [[String: Any]] ?? []
        return kvs.compactMap { kv in
            guard let text = kv["key"] as? String, let key = Data(base64Encoded: text) else { return nil }
            return UInt64(String(decoding: key.suffix(20), as: UTF8.self))
        }
    }

    /// `zkpay mint` of one unit to alice until it gets a receipt (each mint is one batch).
    static func mint(_ zkpay: ZKPay, via url: String) -> Bool {
        for _ in 0..<40 {
            if let r = try? zkpay.run(["mint", "--wallet", "issuer", "--to", "alice", "--amount", "1"],
                                      environment: ["ZKPAY_VALIDATOR": url]), r.code == 0 { return true }
            usleep(250_000)
        }
        return false
    }

    @Test("compaction: the leader deletes the log's batches a quorum holds in a snapshot and compacts etcd; a 4th validator started afterwards, and a follower restarted after missing hundreds of batches, catch up from a peer's log checked against the certificates and hold the same ledger (sequence, chain hash and state digest)")
    func compactionAndCatchUp() throws {
        // The genesis names 4 validators (q = 3); 3 run at first.
        let cluster = try TestCluster("cluster-compact", etcdMembers: 1, validators: 4, started: 3, wallets: ["alice", "issuer"],
                                      validatorArguments: ["--compaction-seconds", "0.3", "--snapshot-records", "3"])
        defer { cluster.shutdown() }
        let (etcd, zkpay) = (cluster.etcd, cluster.zkpay)
        let first3 = cluster.validators
        #expect(cluster.initOutput.contains("quorum:             3 of 4"), "\(cluster.initOutput)")
        #expect(eventually(60) { Self.leaders(first3).count == 1 && first3.allSatisfy { $0.status()?["role"] != nil } },
                "\(first3.map(\.logs))")
        let leader = try #require(Self.leaders(first3).first)
        let chainID = try #require(leader.status()?["chain_id"] as? String)

        for _ in 0..<12 { #expect(Self.mint(zkpay, via: leader.url), "\(leader.logs)") }
        #expect(eventually(30) { Self.converged(first3)?.sequence == 12 }, "\(first3.map { $0.status() ?? [:] })")
        // Every validator snapshotted at 12; the leader deletes the batches through 11 and keeps the last.
        #expect(eventually(60) { Self.etcdLogSequences(etcd.endpoints[0], chainID: chainID) == [12] },
                "\(Self.etcdLogSequences(etcd.endpoints[0], chainID: chainID) ?? []) \(leader.logs)")
        // The leader logs the pass after the deletion and etcd's compaction: it may come a moment later.
        #expect(eventually(30) { leader.logs.contains("compaction: 3 validators hold sequence 12 in a snapshot") },
                "\(leader.logs)")
        // The members' database figures are published once the pass that logged the deletion
        // has asked every member for its status.
        var metrics = ""
        #expect(eventually(30) {
            metrics = String(decoding: leader.fetch("/metrics")?.body ?? [], as: UTF8.self)
            return metrics.contains("zkpay_etcd_db_bytes{member=") && metrics.contains("zkpay_etcd_db_in_use_bytes{member=")
        }, "\(metrics)")

        // The 4th validator starts with an empty ledger: batches 1...11 are gone from etcd. It
        // runs on a terminal, so it shows a status line while it catches up from a peer.
        let fourth = try cluster.startValidator(3, terminal: true)
        let four = first3 + [fourth]
        #expect(eventually(60) { Self.converged(four)?.sequence == 12 }, "\(four.map { $0.status() ?? [:] }) \(fourth.logs)")
        // Its log lines are written as the catch-up ends, which may be just after the state converged.
        #expect(eventually(10) { fourth.logs.contains("no longer in etcd") && fourth.logs.contains("caught up from") },
                "\(fourth.logs)")
        #expect(eventually(10) {
            fourth.logs.contains("\rcatching up from http://127.0.0.1:") && fourth.logs.contains("\rcaught up from http://127.0.0.1:")
        }, "\(fourth.logs)")
        #expect(fourth.logs.contains(" sequences (100%), at sequence 1"), "\(fourth.logs)")

        // A follower stops and misses hundreds of batches (the load generator's payments, one
        // transfer per batch), which the others snapshot and compaction deletes; it restarts.
        let follower = try #require(first3.first { $0 !== leader })
        follower.stop()
        let running = four.filter { $0 !== follower }
        let exported = try zkpay.expect(["wallet", "export-seed", "--wallet", "issuer"], 0).out
        let seed = try #require(exported.split(separator: "\n").first { $0.hasPrefix("seed (hex):") }?
            .split(separator: " ").last.map(String.init))
        let load = try zkpay.expect(["loadgen", "--validator", leader.url, "--issuer-seed", seed, "--transfers", "240",
                                     "--concurrency", "1", "--wallets", "4", "--json"], 0).out
        #expect(try jsonObject(load)["finalized"] as? Int == 240, "\(load)")
        let target = try #require(leader.status()?["sequence"] as? Int)
        #expect(target >= 12 + 240, "\(target)")
        #expect(eventually(30) { Self.converged(running)?.sequence == target }, "\(running.map { $0.status() ?? [:] })")
        #expect(eventually(60) { (Self.etcdLogSequences(etcd.endpoints[0], chainID: chainID)?.first ?? 0) > 200 },
                "\(Self.etcdLogSequences(etcd.endpoints[0], chainID: chainID) ?? []) \(leader.logs)")
        let index = try #require(first3.firstIndex { $0 === follower })
        let restarted = try cluster.startValidator(index)
        let all = running + [restarted]
        #expect(eventually(90) { Self.converged(all)?.sequence == target }, "\(all.map { $0.status() ?? [:] }) \(restarted.logs)")
        #expect(eventually(10) { restarted.logs.contains("caught up from") }, "\(restarted.logs)")
        // Its output is a file, not a terminal: log lines only, no status line.
        #expect(!restarted.logs.contains("\r") && !restarted.logs.contains("catching up from"), "\(restarted.logs)")

        // The caught-up validators' logs are whole: the full audit from genesis passes on each.
        for v in [fourth, restarted] {
            let audit = try zkpay.expect(["audit", "--validator", v.url, "--json"], 0).out
            #expect(try jsonObject(audit)["records"] as? Int == target, "\(audit)")
            // The state the audit rebuilt from the log is the one the validator reports.
            let digest = try jsonObject(audit)["state_digest"] as? String
            #expect(digest != nil && digest == v.status()?["state_digest"] as? String, "\(audit)")
        }
    }
}

extension ClusterTests {
    @Test("catch-up past the compacted tail applies nothing of a peer's page whose replay does not give its certified receipts (real signatures, a tampered object), and the validator behind the gap never leads; with honest peers back it catches up")
    func tamperedPeerLogRefused() throws {
        try refusedCatchUp("cluster-tamper", reason: "does not give its certified receipts") { page, own in
            var entries = page.entries
            var payload = entries[0].payload
            payload[payload.count - 1] ^= 1
            entries[0] = LogPage.Entry(sequence: entries[0].sequence, payload: payload)
            return (LogPage(end: page.end, entries: entries).bytes, own)
        }
    }

    @Test("catch-up past the compacted tail applies nothing of an honest page whose batches lack a quorum of signatures (peers serve 2 of the 3 a certificate needs); with honest peers back it catches up")
    func uncertifiedPeerLogRefused() throws {
        try refusedCatchUp("cluster-noquorum", reason: "it carries 2 validator signatures; the quorum is 3") { page, own in
            // The page as the first validator's log holds it (its own signature on every
            // receipt); of the others only the second validator's signatures are served.
            (page.bytes, own.filter { $0.key == 1 })
        }
    }

    /// Four validators (q = 3) of which three run; six mints are settled, snapshotted and
    /// compacted out of etcd; the three stop and peers at their URLs serve `serve`'s page and
    /// signatures (from the real page and each validator's real signatures). A fourth
    /// validator started then must refuse every peer's page, saying `reason`, stay at sequence
    /// 0 and never lead; once the honest validators return it catches up from them.
    func refusedCatchUp(_ name: String, reason: String,
                        serve: (LogPage, [Int: [UInt64: [UInt8]]]) throws -> ([UInt8], [Int: [UInt64: [UInt8]]])) throws {
        let cluster = try TestCluster(name, etcdMembers: 1, validators: 4, started: 3, wallets: ["alice", "issuer"],
                                      validatorArguments: ["--compaction-seconds", "0.3", "--snapshot-records", "3"])
        defer { cluster.shutdown() }
        let (etcd, zkpay) = (cluster.etcd, cluster.zkpay)
        let first3 = cluster.validators
        #expect(eventually(60) { Self.leaders(first3).count == 1 })
        let leader = try #require(Self.leaders(first3).first)
        let chainID = try #require(leader.status()?["chain_id"] as? String)
        for _ in 0..<6 { #expect(Self.mint(zkpay, via: leader.url)) }
        #expect(eventually(30) { Self.converged(first3)?.sequence == 6 })
        #expect(eventually(60) { Self.etcdLogSequences(etcd.endpoints[0], chainID: chainID) == [6] })

        // Each validator's real signatures, and the first validator's real log page.
        var own: [Int: [UInt64: [UInt8]]] = [:]
        for (i, v) in first3.enumerated() {
            for s in UInt64(1)...6 { if let r = v.fetch("/v1/certificates/\(s)"), r.status == 200 { own[i, default: [:]][s] = r.body } }
        }
        let page = try LogPage(bytes: try #require(first3[0].fetch("/v1/log?after=0&limit=1000")?.body))
        let (served, signatures) = try serve(page, own)
        for v in first3 { v.stop() }
        // Peers at the validators' URLs (the membership keys name them).
        let fakes = try (0..<3).map { i in
            let held = signatures[i] ?? [:]
            return try Server(host: "127.0.0.1", port: cluster.ports[i]) { request, responder in
                let path = String(request.path)
                if path == "/v1/log" {
                    responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", LogPage.mediaType)]), body: served))
                } else if path.hasPrefix("/v1/certificates/"), let s = UInt64(path.dropFirst("/v1/certificates/".count)),
                          let body = held[s] {
                    responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", "application/octet-stream")]), body: body))
                } else {
                    responder.respond(Response(status: Status(404, "Not Found"), headers: Headers(), body: []))
                }
            }
        }
        let fourth = try cluster.startValidator(3)
        #expect(eventually(60) { fourth.logs.components(separatedBy: "cannot fetch sequences").count >= 3 }, "\(fourth.logs)")
        #expect(fourth.logs.contains(reason), "\(fourth.logs)")
        #expect((fourth.status()?["sequence"] as? Int) == 0 && (fourth.status()?["role"] as? String) == "follower",
                "\(fourth.status() ?? [:])")
        for f in fakes { f.shutdown(gracePeriod: 1) }

        // The honest validators return: the 4th catches up from them.
        let back = try (0..<3).map { try cluster.startValidator($0) }
        #expect(eventually(60) { Self.converged(back + [fourth])?.sequence == 6 }, "\((back + [fourth]).map { $0.status() ?? [:] }) \(fourth.logs)")
    }
}
