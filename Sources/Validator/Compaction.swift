import Etcd
import Foundation
import Synchronization

/// What the leader's last compaction of the replicated log found and did.
struct CompactionFigures: Sendable, Equatable {
    /// One etcd member's database: the file's size and the part of it in use.
    struct Member: Sendable, Equatable {
        var endpoint: String
        var dbSize: Int64
        var dbSizeInUse: Int64
    }

    /// Compactions that deleted batches.
    var runs: UInt64 = 0
    /// Log keys deleted in all.
    var deletedBatches: UInt64 = 0
    /// Defragmentations run.
    var defragmentations: UInt64 = 0
    /// The sequence a quorum of validators holds in a snapshot (the last compaction's bound).
    var snapshottedByQuorum: UInt64 = 0
    /// The first sequence of the oldest batch etcd still holds.
    var firstLogSequence: UInt64 = 0
    /// The members' databases as of the last compaction (after any defragmentation).
    var members: [Member] = []
}

/// One etcd member as the validator last saw it (polled on the maintenance thread, shown
/// by the stats stream and the page).
struct EtcdMemberFigures: Sendable, Equatable {
    /// The endpoint the validator was configured with.
    var endpoint: String
    /// Whether the member answered its status request.
    var up: Bool
    /// Whether the member names itself the Raft leader.
    var leader: Bool
    var raftIndex: UInt64
    var dbSize: Int64
    /// The first problem the member reports (alarms, "no leader"), or the request's error.
    var problem: String?
}

/// The log's compaction (docs/PROTOCOL.md §7.9, "Compaction").
///
/// Every validator publishes `P applied/NAME` = the last sequence its durable snapshot
/// covers, when that changes (at most once a second; a snapshot comes every
/// `snapshotRecords` records). Every `compactionSeconds`, the leader reads those keys and
/// takes S, the q-th highest (q = the quorum of the validators in office): q validators can restart from their
/// snapshot without any batch up to S. It deletes the log keys of the batches that end at
/// or before S, always keeping the last key at or before S + 1 (so etcd holds at least one
/// batch, and a batch is never cut), compacts etcd's revision history to the delete's
/// revision, and defragments a member whose database file is more than twice its in-use
/// size with at least `defragmentFreeBytes` to reclaim (one member at a time, each pauses
/// while it rewrites its file). A validator behind S fetches the deleted history from a
/// peer (PeerCatchUp.swift).
///
/// Runs on its own thread with its own etcd client, so a slow etcd request here never delays
/// the lease's keep-alives.
extension Replication {
    /// Free bytes a member's database must have before it is defragmented.
    static let defragmentFreeBytes: Int64 = 1 << 20

    /// The thread's loop: publish the snapshot sequence; compact while leading.
    func maintain() {
        let client: EtcdClient
        do { client = try EtcdClient(options.etcd) } catch {
            log("compaction: cannot reach etcd: \(error)")
            return
        }
        let own = appliedPrefix + Array(options.name.utf8)
        var published: UInt64?
        var lastPublish: UInt64 = 0
        var lastCompaction = monotonicNanos()
        var lastMembers: UInt64 = 0
        var failing = false
        var publishFailing = false
        while !isStopping {
            Thread.sleep(forTimeInterval: 0.1)
            let now = monotonicNanos()
            if now - lastMembers >= Self.memberPollNanos {
                lastMembers = now
                pollMembers(client)
            }
            let snapshot = summary().snapshotSequence
            if snapshot != published, now - lastPublish >= 1_000_000_000 {
                lastPublish = now
                do {
                    try client.put(own, Array(String(snapshot).utf8))
                    published = snapshot
                    publishFailing = false
                } catch {
                    if !publishFailing { log("compaction: cannot publish the snapshot sequence: \(error); retrying") }
                    publishFailing = true
                }
            }
            guard isLeader, Double(now - lastCompaction) >= options.compactionSeconds * 1e9 else { continue }
            lastCompaction = now
            do {
                try compactLog(client)
                failing = false
            } catch {
                if !failing { log("compaction: \(error); trying again in \(options.compactionSeconds) s") }
                failing = true
            }
        }
    }

    /// Nanoseconds between polls of the etcd members' status.
    static let memberPollNanos: UInt64 = 2_000_000_000

    /// Each configured member's status, one request each (a member that does not answer is
    /// shown down with the reason).
    func pollMembers(_ client: EtcdClient) {
        var seen: [EtcdMemberFigures] = []
        for (index, endpoint) in options.etcd.endpoints.enumerated() {
            do {
                let s = try client.status(member: index)
                seen.append(EtcdMemberFigures(endpoint: endpoint.description, up: true,
                                              leader: s.leader != 0 && s.leader == s.header.memberID, raftIndex: s.raftIndex,
                                              dbSize: s.dbSize, problem: s.errors.first))
            } catch {
                seen.append(EtcdMemberFigures(endpoint: endpoint.description, up: false, leader: false, raftIndex: 0,
                                              dbSize: 0, problem: "\(error)"))
            }
        }
        etcdMembers.withLock { $0 = seen }
    }

    /// One compaction round (the leader's).
    func compactLog(_ client: EtcdClient) throws(EtcdError) {
        let applied = try client.range(appliedPrefix, end: KeyRange.prefixEnd(appliedPrefix))
        let held = applied.kvs.compactMap { UInt64(String(decoding: $0.value, as: UTF8.self)) }.sorted(by: >)
        // The quorum of the validators in office now (a statement may have changed the set).
        let quorum = summary().authorities.current.quorum
        guard held.count >= quorum, held[quorum - 1] > 0 else { return }
        let safe = held[quorum - 1]
        // The keys of batches starting at or before S + 1, oldest first (keys only, bounded):
        // every one but the last is followed by a batch starting at or before S + 1, so it
        // ends at or before S.
        let keys = try client.range(logPrefix, end: logKey(safe + 2), limit: 10_000, keysOnly: true)
        var figures = compaction.withLock { $0 }
        figures.snapshottedByQuorum = safe
        var deletedNow = false
        if let last = keys.kvs.last, keys.kvs.count >= 2 {
            let deleted = try client.delete(logPrefix, end: last.key)
            try client.compact(revision: deleted.header.revision, physical: true)
            figures.runs += 1
            figures.deletedBatches += UInt64(deleted.deleted)
            figures.firstLogSequence = logKeySequence(last.key) ?? 0
            deletedNow = true
            log("compaction: \(quorum) validators hold sequence \(safe) in a snapshot; deleted \(deleted.deleted) batches "
                + "of the log (it now starts at sequence \(figures.firstLogSequence)); etcd history compacted to revision "
                + "\(deleted.header.revision)")
        } else if let first = keys.kvs.first {
            figures.firstLogSequence = logKeySequence(first.key) ?? 0
        }
        var members: [CompactionFigures.Member] = []
        for (index, endpoint) in options.etcd.endpoints.enumerated() {
            guard var status = try? client.status(member: index) else { continue }
            if status.dbSize > 2 * status.dbSizeInUse, status.dbSize - status.dbSizeInUse >= Self.defragmentFreeBytes {
                let before = status.dbSize
                do {
                    try client.defragment(member: index)
                    figures.defragmentations += 1
                    if let after = try? client.status(member: index) { status = after }
                    log("compaction: defragmented etcd member \(endpoint): database \(before) -> \(status.dbSize) bytes "
                        + "(\(status.dbSizeInUse) in use)")
                } catch {
                    log("compaction: defragmenting etcd member \(endpoint) failed: \(error)")
                }
            }
            members.append(.init(endpoint: endpoint.description, dbSize: status.dbSize, dbSizeInUse: status.dbSizeInUse))
        }
        figures.members = members
        if deletedNow {
            log("compaction: etcd databases " + members.map { "\($0.endpoint) \($0.dbSize) bytes (\($0.dbSizeInUse) in use)" }
                .joined(separator: ", "))
        }
        compaction.withLock { $0 = figures }
    }

    /// The compaction figures in the Prometheus text format (the leader's; zeros elsewhere).
    var compactionMetrics: String {
        let f = compaction.withLock { $0 }
        var out = ""
        out += "# HELP zkpay_log_compactions_total Compactions of the replicated log that deleted batches.\n"
        out += "# TYPE zkpay_log_compactions_total counter\nzkpay_log_compactions_total \(f.runs)\n"
        out += "# HELP zkpay_log_compacted_batches_total Batches deleted from etcd.\n"
        out += "# TYPE zkpay_log_compacted_batches_total counter\nzkpay_log_compacted_batches_total \(f.deletedBatches)\n"
        out += "# HELP zkpay_log_first_sequence The first sequence of the oldest batch etcd holds.\n"
        out += "# TYPE zkpay_log_first_sequence gauge\nzkpay_log_first_sequence \(f.firstLogSequence)\n"
        out += "# HELP zkpay_log_snapshotted_by_quorum The sequence a quorum of validators holds in a snapshot.\n"
        out += "# TYPE zkpay_log_snapshotted_by_quorum gauge\nzkpay_log_snapshotted_by_quorum \(f.snapshottedByQuorum)\n"
        out += "# HELP zkpay_etcd_defragmentations_total Defragmentations of etcd members.\n"
        out += "# TYPE zkpay_etcd_defragmentations_total counter\nzkpay_etcd_defragmentations_total \(f.defragmentations)\n"
        out += "# HELP zkpay_etcd_db_bytes An etcd member's database file size.\n# TYPE zkpay_etcd_db_bytes gauge\n"
        for m in f.members { out += "zkpay_etcd_db_bytes{member=\"\(m.endpoint)\"} \(m.dbSize)\n" }
        out += "# HELP zkpay_etcd_db_in_use_bytes The part of an etcd member's database in use.\n"
        out += "# TYPE zkpay_etcd_db_in_use_bytes gauge\n"
        for m in f.members { out += "zkpay_etcd_db_in_use_bytes{member=\"\(m.endpoint)\"} \(m.dbSizeInUse)\n" }
        return out
    }
}
