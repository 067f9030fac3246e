import Etcd
import Foundation
import Glibc
import HTTP1
import Synchronization
import Testing
import TestSupport

@Suite("etcd client against real etcd members", .serialized,
       .enabled(if: EtcdCluster.isInstalled, "etcd is not installed: `make deps` installs etcd-server"))
struct EtcdClientTests {
    @Test("put, get, prefix range, delete; the fenced append: key N only if absent and the leadership key is held under my lease")
    func fencedAppend() throws {
        let cluster = try EtcdCluster(members: 1)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)

        let rev = try etcd.put(bytes("plain"), bytes("v1"))
        let kv = try #require(try etcd.get(bytes("plain")))
        #expect(kv.value == bytes("v1") && kv.createRevision == rev && kv.modRevision == rev && kv.version == 1)
        #expect(try etcd.get(bytes("missing")) == nil)

        let leader = bytes("zkpay/leader")
        func logKey(_ n: Int) -> [UInt8] { bytes("zkpay/log/\(String(n, radix: 10).leftPadded(to: 8))") }
        func acquire(_ lease: Lease, _ name: String) throws -> Bool {
            try etcd.txn([.absent(leader)], success: [.put(key: leader, value: bytes(name), lease: lease.id)]).succeeded
        }
        func append(_ n: Int, _ value: String, under lease: Lease) throws -> TxnResult {
            try etcd.txn([.absent(logKey(n)), .held(leader, lease: lease.id)],
                         success: [.put(key: logKey(n), value: bytes(value))], failure: [.range(key: logKey(n))])
        }

        let a = try etcd.grantLease(ttl: 30)
        let b = try etcd.grantLease(ttl: 30)
        #expect(a.id != b.id && a.ttl >= 30)
        #expect(try acquire(a, "A"))
        #expect(try !acquire(b, "B"), "the leadership key is taken")

        let first = try append(1, "batch 1 by A", under: a)
        #expect(first.succeeded)
        guard case let .put(revision) = first.responses.first else { Issue.record("no put response"); return }
        #expect(revision == first.header.revision)
        // The same key again: refused, and the failure branch shows what is there.
        let again = try append(1, "batch 1 again", under: a)
        #expect(!again.succeeded)
        guard case let .range(existing) = again.responses.first else { Issue.record("no range response"); return }
        #expect(existing.kvs.map(\.value) == [bytes("batch 1 by A")])
        #expect(throws: EtcdError.txnFailed("append 1")) { try again.requireSuccess("append 1") }
        // B does not hold the leadership key: its append is fenced off.
        #expect(try !append(2, "batch 2 by B", under: b).succeeded)

        // A's lease ends: the leadership key goes with it, A is fenced off, B takes over.
        #expect(try etcd.revokeLease(a.id))
        #expect(try etcd.get(leader) == nil)
        #expect(try !append(2, "batch 2 by A", under: a).succeeded)
        #expect(try acquire(b, "B"))
        #expect(try append(2, "batch 2 by B", under: b).succeeded)

        let log = try etcd.range(bytes("zkpay/log/"), end: KeyRange.prefixEnd(bytes("zkpay/log/")))
        #expect(log.kvs.map(\.value) == [bytes("batch 1 by A"), bytes("batch 2 by B")])
        #expect(log.count == 2 && !log.more)
        let limited = try etcd.range(bytes("zkpay/log/"), end: KeyRange.prefixEnd(bytes("zkpay/log/")), limit: 1)
        #expect(limited.kvs.count == 1 && limited.count == 2 && limited.more)

        // A transaction mixing put, range and delete in one revision.
        let mixed = try etcd.txn([.holds(bytes("plain"), value: bytes("v1"))],
                                 success: [.put(key: bytes("other"), value: bytes("o")), .range(key: bytes("plain")),
                                           .delete(key: bytes("plain"))])
        #expect(mixed.succeeded && mixed.responses.count == 3)
        if case let .delete(d) = mixed.responses[2] { #expect(d.deleted == 1) } else { Issue.record("no delete response") }
        #expect(try etcd.get(bytes("plain")) == nil)

        let deleted = try etcd.delete(bytes("zkpay/"), end: KeyRange.prefixEnd(bytes("zkpay/")), prevKV: true)
        #expect(deleted.deleted == 3 && deleted.prevKVs.count == 3)

        // A refusal the policy does not retry, with etcd's own message.
        #expect {
            try etcd.range(bytes("x"), revision: 1_000_000)
        } throws: { error in
            guard case let .rejected(_, code, message) = error as? EtcdError else { return false }
            return code == 11 && message.contains("future revision")
        }
        #expect(KeyRange.prefixEnd([0x61, 0xff]) == [0x62] && KeyRange.prefixEnd([0xff]) == [0])
    }

    @Test("leases: keep-alive renews, revoke deletes the keys under it, and a key under an expired lease disappears")
    func leases() throws {
        let cluster = try EtcdCluster(members: 1)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)

        let kept = try etcd.grantLease(ttl: 5)
        try etcd.put(bytes("kept"), bytes("1"), lease: kept.id)
        for _ in 0..<3 { #expect(try etcd.keepAlive(kept.id) == 5) }
        #expect(try (etcd.leaseTimeToLive(kept.id) ?? 0) > 0)
        #expect(try etcd.get(bytes("kept"))?.lease == kept.id)
        #expect(try etcd.revokeLease(kept.id))
        #expect(try etcd.get(bytes("kept")) == nil)
        #expect(throws: EtcdError.leaseNotFound(kept.id)) { try etcd.keepAlive(kept.id) }
        #expect(try etcd.leaseTimeToLive(kept.id) == nil)
        #expect(try !etcd.revokeLease(kept.id))
        #expect(throws: EtcdError.leaseNotFound(kept.id)) { try etcd.put(bytes("late"), bytes("1"), lease: kept.id) }

        // Expiry: no keep-alive; the deletion arrives as a watch event.
        let short = try etcd.grantLease(ttl: 2)
        let rev = try etcd.put(bytes("ephemeral"), bytes("1"), lease: short.id)
        let watch = try etcd.watch(bytes("ephemeral"), from: rev + 1)
        let seen = try events(watch, count: 1)
        #expect(seen.map(\.kind) == [.delete] && seen.first?.kv.key == bytes("ephemeral"))
        #expect(try etcd.get(bytes("ephemeral")) == nil)
        #expect(throws: EtcdError.leaseNotFound(short.id)) { try etcd.keepAlive(short.id) }
    }

    @Test("a watch from a revision gets every event in order (history, then live writes from another thread) and stops on cancel")
    func watchInOrder() throws {
        let cluster = try EtcdCluster(members: 1)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)
        let prefix = bytes("w/")
        var revisions: [Int64] = []
        for i in 0..<5 { revisions.append(try etcd.put(prefix + bytes("k\(i % 2)"), bytes("v\(i)"))) }

        let watch = try etcd.watch(prefix, end: KeyRange.prefixEnd(prefix), from: revisions[0], prevKV: true)
        let history = try events(watch, count: 5)
        #expect(history.map(\.kv.value) == (0..<5).map { bytes("v\($0)") })
        #expect(history.map(\.kv.modRevision) == revisions)
        #expect(history[2].prevKV?.value == bytes("v0"))
        #expect(watch.nextRevision == revisions[4] + 1)

        // Live writes from another thread (with its own client).
        let config = etcd.config
        let writer = Thread {
            guard let other = try? EtcdClient(config) else { return }
            for i in 5..<25 { _ = try? other.put(prefix + bytes("k\(i)"), bytes("v\(i)")) }
            _ = try? other.delete(prefix + bytes("k0"))
        }
        writer.start()
        let live = try events(watch, count: 21)
        #expect(live.prefix(20).map(\.kv.value) == (5..<25).map { bytes("v\($0)") })
        #expect(live.last?.kind == .delete && live.last?.kv.key == prefix + bytes("k0"))
        let mods = live.map(\.kv.modRevision)
        #expect(zip(mods, mods.dropFirst()).allSatisfy { $0 < $1 } && mods.first.map { $0 > revisions[4] } == true)

        // A watch from now sees only later writes.
        let fromNow = try etcd.watch(bytes("now"))
        try etcd.put(bytes("now"), bytes("after"))
        #expect(try events(fromNow, count: 1).map(\.kv.value) == [bytes("after")])

        // Cancel from another thread while next() blocks on a quiet key.
        let cancel = watch.cancellation
        let waiting = Atomic<Bool>(false)
        Thread.detachNewThread {
            while !waiting.load(ordering: .acquiring) { usleep(1000) }
            usleep(50_000)
            cancel.cancel()
        }
        waiting.store(true, ordering: .releasing)
        #expect(throws: EtcdError.cancelled) { try watch.next() }
        #expect(throws: EtcdError.cancelled) { try watch.next() }
    }

    @Test("values over 2 KiB and over 1 MiB come back whole through chunked replies and watch events")
    func largeValues() throws {
        let cluster = try EtcdCluster(members: 1)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)
        let small = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let large = (0..<(1 << 20) + 100_000).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
        let watch = try etcd.watch(bytes("big/"), end: KeyRange.prefixEnd(bytes("big/")))
        try etcd.put(bytes("big/small"), small)
        try etcd.put(bytes("big/large"), large)
        #expect(try etcd.get(bytes("big/small"))?.value == small)
        #expect(try etcd.get(bytes("big/large"))?.value == large)
        #expect(try events(watch, count: 2).map(\.kv.value) == [small, large])

        // The gateway chunks these replies; the keep-alive connection survives them.
        let port = try #require(cluster.members.first?.clientPort)
        let http = HTTPClient(port: port)
        let request = Array("{\"key\":\"\(Data("big/small".utf8).base64EncodedString())\"}".utf8)
        let r1 = try http.request("POST", "/v3/kv/range", body: request)
        let r2 = try http.request("POST", "/v3/kv/range", body: request)
        #expect(r1.headers["Transfer-Encoding"] == "chunked" && r1.body == r2.body && r1.status == 200)
        #expect(http.connectionsOpened == 1)
    }

    @Test("after compaction a read or watch from a compacted revision is a typed error; status reports sizes; defragment works")
    func compaction() throws {
        let cluster = try EtcdCluster(members: 1)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)
        var revisions: [Int64] = []
        for i in 0..<5 { revisions.append(try etcd.put(bytes("c"), bytes("v\(i)"))) }
        try etcd.compact(revision: revisions[3])

        #expect(throws: EtcdError.compacted(requested: revisions[1], compactRevision: nil)) {
            try etcd.range(bytes("c"), revision: revisions[1])
        }
        // The member confirms the watch, then cancels it for the compacted start.
        let compacted = try etcd.watch(bytes("c"), from: revisions[1])
        #expect(throws: EtcdError.compacted(requested: revisions[1], compactRevision: revisions[3])) { try compacted.next() }
        #expect(throws: EtcdError.compacted(requested: revisions[2], compactRevision: nil)) {
            try etcd.compact(revision: revisions[2])
        }
        let kept = try etcd.watch(bytes("c"), from: revisions[3])
        #expect(try events(kept, count: 2).map(\.kv.value) == [bytes("v3"), bytes("v4")])
        #expect(try etcd.range(bytes("c"), revision: revisions[3]).kvs.first?.value == bytes("v3"))

        let before = try etcd.status(member: 0)
        #expect(before.dbSize > 0 && before.dbSizeInUse > 0 && before.dbSizeInUse <= before.dbSize)
        #expect(before.leader == before.header.memberID && before.errors.isEmpty && before.version.hasPrefix("3."))
        try etcd.defragment(member: 0)
        let after = try etcd.status(member: 0)
        #expect(after.dbSize > 0 && after.dbSize <= before.dbSize)
    }

    @Test("three members, one stopped: the client with every endpoint goes on reading, writing and watching without a gap")
    func failover() throws {
        let cluster = try EtcdCluster(members: 3)
        defer { cluster.shutdown() }
        let etcd = try client(cluster)
        #expect(etcd.preferredMember == 0)
        try etcd.put(bytes("f/0"), bytes("before"))
        let watch = try etcd.watch(bytes("f/"), end: KeyRange.prefixEnd(bytes("f/")), from: 1)
        #expect(watch.member == 0)
        #expect(try events(watch, count: 1).map(\.kv.value) == [bytes("before")])

        cluster.stop(0, signal: SIGKILL)
        // Writes, transactions and reads move on to another member. If the stopped member
        // led, a write during the election may end without a definite answer: as the
        // error says, read back what it wrote, and write again only if it is not there.
        func write(_ key: String, _ value: String) throws {
            for _ in 0..<20 {
                do {
                    let result = try etcd.txn([.absent(bytes(key))], success: [.put(key: bytes(key), value: bytes(value))])
                    #expect(result.succeeded)
                    return
                } catch {
                    switch error {
                    case .outcomeUnknown, .noLeader, .timedOut:
                        if let kv = try? etcd.get(bytes(key)), kv.value == bytes(value) { return }
                    default: throw error
                    }
                }
            }
            Issue.record("no write of \(key) went through")
        }
        try write("f/1", "after 1")
        #expect(etcd.preferredMember != 0)
        try write("f/2", "after 2")
        #expect(try etcd.get(bytes("f/1"))?.value == bytes("after 1"))
        // A fresh client that starts with the stopped member fails over too.
        let fresh = try client(cluster)
        #expect(try fresh.get(bytes("f/2"))?.value == bytes("after 2"))
        #expect(throws: EtcdError.self) { try fresh.status(member: 0) }
        // The watch reopens on another member from where it was: no gap, no repeat.
        #expect(try events(watch, count: 2).map(\.kv.value) == [bytes("after 1"), bytes("after 2")])
        #expect(watch.member != 0)
    }

    @Test("two of three members stopped: writes fail with noLeader (reads with serializable still work); service returns with quorum")
    func quorumLost() throws {
        let cluster = try EtcdCluster(members: 3)
        defer { cluster.shutdown() }
        let etcd = try client(cluster, requestTimeout: 3)
        try etcd.put(bytes("q"), bytes("1"))
        cluster.stop(1)
        cluster.stop(2)
        // Until the survivor notices its leader is gone a write may time out (its outcome
        // then unknown); after that every write is refused at once as leaderless.
        var lastError: EtcdError?
        for _ in 0..<40 {
            do { try etcd.put(bytes("q"), bytes("2")) } catch {
                lastError = error
                if case .noLeader = error { break }
            }
        }
        guard case let .noLeader(reasons) = lastError else {
            Issue.record("expected noLeader, got \(String(describing: lastError))")
            return
        }
        #expect(reasons.count == 3 && reasons.contains { $0.contains("no leader") })
        #expect("\(lastError!)".contains("majority"))
        #expect(try etcd.get(bytes("q"), serializable: true)?.value == bytes("1"))

        try cluster.restart(1)
        #expect(cluster.waitHealthy(0) && cluster.waitHealthy(1))
        try etcd.put(bytes("q"), bytes("3"))
        #expect(try etcd.get(bytes("q"))?.value == bytes("3"))
    }

    @Test("endpoint parsing refuses what it cannot reach")
    func endpoints() throws {
        #expect(try EtcdEndpoint(parsing: "http://127.0.0.1:2379/") == EtcdEndpoint(host: "127.0.0.1", port: 2379))
        #expect(try EtcdEndpoint.list("http://127.0.0.1:1,http://10.0.0.2:2").count == 2)
        for bad in ["127.0.0.1:2379", "https://127.0.0.1:2379", "http://localhost:2379", "http://127.0.0.1", "http://127.0.0.1:0",
                    "http://127.0.0.1:99999", "http://1.2.3:4", ""] {
            #expect(throws: EtcdError.self, "\(bad)") { try EtcdEndpoint.list(bad) }
        }
        #expect(throws: EtcdError.invalidEndpoint("(no endpoints)")) { try EtcdClient(EtcdConfig(endpoints: [])) }
        // Nobody listens: unreachable, naming the endpoint.
        let port = try SocketCall.listen(host: "127.0.0.1", port: 0, backlog: 1)
        let free = try SocketCall.localPort(port)
        SocketCall.close(port)
        let etcd = try EtcdClient(EtcdConfig(endpoints: [EtcdEndpoint(host: "127.0.0.1", port: free)]))
        #expect {
            try etcd.put(bytes("x"), bytes("y"))
        } throws: { error in
            guard case let .unreachable(reasons) = error as? EtcdError else { return false }
            return reasons.count == 1 && reasons[0].contains("127.0.0.1:\(free)")
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
