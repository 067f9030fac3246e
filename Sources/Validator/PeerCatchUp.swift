import Foundation
import HTTP1
import Ledger
import ZKPayCore

/// Why a peer's log could not bring this validator forward. Each case names the peer's
/// data, never this validator's: the next peer is tried.
enum PeerCatchUpError: Error, CustomStringConvertible {
    /// The peer did not answer `GET /v1/log` with a page.
    case unreachable(String)
    /// The page or a record in it is not what a log page holds.
    case malformed(String)
    /// A batch's receipts do not carry a quorum of valid signatures of this chain, even with
    /// every peer's signature merged in.
    case uncertified(sequence: UInt64, reason: String)
    /// Replaying the batch did not reproduce its certified receipts.
    case replayDiffers(sequence: UInt64, reason: String)
    /// This validator could not apply the batch (a full disk, stopping): tried again later.
    case local(LedgerError)

    var description: String {
        switch self {
        case let .unreachable(r): "its log could not be read (\(r))"
        case let .malformed(r): "its log page is malformed (\(r))"
        case let .uncertified(s, r): "the batch at sequence \(s) is not certified for this chain: \(r)"
        case let .replayDiffers(s, r): "replaying the batch at sequence \(s) does not give its certified receipts: \(r)"
        case let .local(e): "this validator could not apply it: \(e)"
        }
    }
}

/// Catch-up past the log's compacted tail (docs/PROTOCOL.md §7.9): the batches etcd no
/// longer holds come from a peer's `GET /v1/log?after=SEQ` (records: receipt ‖ object).
/// Records are grouped into batches by their receipts' batch fields, as the audit does; a
/// batch is applied only when
/// - every receipt of it leads to the same batch root (so each entry is covered by the one
///   signed message),
/// - that message carries a quorum of valid signatures of this chain's validators, after
///   merging each peer's own signature (`GET /v1/certificates/{sequence}`), and
/// - replaying it through `Ledger.applyReplicated` (every proof re-verified) ends at the
///   certified chain hash, with the receipts' time and kind; afterwards this ledger's own
///   receipt of the batch must give the same root.
/// A peer that serves anything else is skipped for the next one; nothing of its batch is
/// kept. Memory: one page (at most 4 MiB of records) at a time.
extension Replication {
    /// Records asked for per page (a whole batch of up to 512 items always fits).
    static let peerPageRecords = 1000

    /// Applies the history after this ledger's sequence through `target` from the peers'
    /// logs. Returns true once the ledger reached `target`; false (and says why in the log)
    /// when no peer could bring it there.
    func catchUpFromPeers(through target: UInt64) -> Bool {
        let start = sequence()
        log("replication: sequences \(start + 1)...\(target) are no longer in etcd (compacted); fetching them from a peer's log")
        var reasons: [String] = []
        for url in peerURLs() {
            guard let (host, port) = Certifier.hostPort(url) else { continue }
            let client = HTTPClient(host: host, port: port, timeout: 30, maxResponseBytes: Router.maxLogPageBytes + (1 << 20))
            defer { client.close() }
            var batches = 0
            func report(finished: Bool) {
                // A page may bring whole batches past the target: the total grows to what was applied.
                let now = sequence()
                let done = now >= start ? now - start : 0
                progress(CatchUpProgress(source: url, applied: Int(clamping: done),
                                         total: Int(clamping: max(done, target >= start ? target - start : 0)),
                                         unit: "sequences", sequence: now, finished: finished))
            }
            do throws(PeerCatchUpError) {
                while sequence() < target, !isStopping {
                    batches += try applyPage(from: client, url: url)
                    report(finished: false)
                }
            } catch {
                if batches > 0 { report(finished: true) }
                reasons.append("\(url): \(error)")
                if case .local = error { break }
                if isHalted { return false }
                continue
            }
            if sequence() >= target {
                report(finished: true)
                log("replication: caught up from \(url) to sequence \(sequence()) (\(batches) batches, each certified by a quorum)")
                return true
            }
        }
        log("replication: cannot fetch sequences \(sequence() + 1)...\(target) from any peer"
            + (reasons.isEmpty ? " (no peer is known)" : ": " + reasons.joined(separator: "; ")) + "; retrying")
        return false
    }

    /// One page of a peer's log after this ledger's sequence: applies its whole batches.
    /// - Returns: the number of batches applied (at least 1).
    private func applyPage(from client: HTTPClient, url: String) throws(PeerCatchUpError) -> Int {
        var after = sequence()
        var records = try fetch(client, after: after)
        // This ledger holds the first part of a batch (a crash cut its local append): ask
        // again from the batch's start, so that the whole batch is at hand.
        if let first = records.first, first.receipt.batchFirst <= after {
            after = first.receipt.batchFirst - 1
            records = try fetch(client, after: after)
        }
        var applied = 0
        var index = 0
        while index < records.count {
            let head = records[index].receipt
            let size = head.batchSize
            guard head.sequence == head.batchFirst, index + size <= records.count else { break }  // cut by the page's end
            let batch = records[index..<(index + size)]
            index += size
            try applyCertified(batch, url: url)
            applied += 1
        }
        guard applied > 0 else {
            throw .malformed(records.isEmpty ? "no record after sequence \(after)" : "no whole batch after sequence \(after)")
        }
        return applied
    }

    /// The records of `GET /v1/log?after=AFTER`, each split into its receipt and object.
    private func fetch(_ client: HTTPClient, after: UInt64) throws(PeerCatchUpError)
        -> [(receipt: Receipt, object: [UInt8])]
    {
        let response: ClientResponse
        do { response = try client.request("GET", "/v1/log?after=\(after)&limit=\(Self.peerPageRecords)") } catch {
            throw .unreachable("\(error)")
        }
        guard response.status == 200 else { throw .unreachable("HTTP status \(response.status)") }
        let page: LogPage
        do { page = try LogPage(bytes: response.body) } catch { throw .malformed("\(error)") }
        var out: [(receipt: Receipt, object: [UInt8])] = []
        out.reserveCapacity(page.entries.count)
        for (i, entry) in page.entries.enumerated() {
            guard entry.sequence == after + UInt64(i) + 1 else {
                throw .malformed("record \(entry.sequence) where \(after + UInt64(i) + 1) was expected")
            }
            let receipt: Receipt
            let length: Int
            do { (receipt, length) = try Receipt.decodePrefix(of: entry.payload) } catch {
                throw .malformed("record \(entry.sequence): \(error)")
            }
            guard receipt.sequence == entry.sequence, length < entry.payload.count else {
                throw .malformed("record \(entry.sequence) does not hold its receipt followed by a transfer or mint")
            }
            out.append((receipt, Array(entry.payload[length...])))
        }
        return out
    }

    /// Checks one batch of a peer's log against its certificate and applies it.
    private func applyCertified(_ records: ArraySlice<(receipt: Receipt, object: [UInt8])>, url: String)
        throws(PeerCatchUpError)
    {
        guard let head = records.first?.receipt, let last = records.last?.receipt else { return }
        let first = head.batchFirst
        guard let message = head.signedMessage(chain: genesis.chainID), let key = Certifier.BatchKey(head) else {
            throw .uncertified(sequence: first, reason: "its receipt's inclusion path leads to no batch root")
        }
        for (receipt, _) in records {
            guard receipt.batchFirst == first, receipt.batchSize == head.batchSize, receipt.time == head.time,
                  receipt.kind == head.kind, receipt.signedMessage(chain: genesis.chainID) == message
            else { throw .uncertified(sequence: receipt.sequence, reason: "its receipt belongs to another batch than \(first)") }
        }
        // The authority in office at the batch: this ledger has applied every statement
        // before it (a statement settles at a sequence before its effective one).
        let chain = summary().authorities
        let office = chain.authority(at: first)
        let certified = mergePeerSignatures(last, key: key, office: office)
        if let e = certified.certificateError(authorities: chain) {
            throw .uncertified(sequence: first, reason: e.description)
        }
        let kind: ReplicatedBatch.Kind = switch head.kind {
        case .transfer: .transfers
        case .mint: .mints
        case .redemption: .redemptions
        case .authority: .authorities
        }
        let batch = ReplicatedBatch(firstSequence: first, time: head.time, kind: kind,
                                    previousChainHash: summary().chainHash, chainHash: last.chainHash,
                                    items: records.map(\.object))
        switch apply(batch) {
        case .success:
            break
        case let .failure(e):
            if case .replicaRejected = e { throw .replayDiffers(sequence: first, reason: "\(e)") }
            throw .local(e)
        }
        // The chain hash covers the ids; time and kind came from the receipts. This ledger's
        // own receipt must give the certified root (its entries are the certified ones) and
        // state digest (its state after the batch is the signers').
        guard let own = heldReceipt(last.sequence), let ownKey = Certifier.BatchKey(own), ownKey == key else {
            halt("the replay of batch \(first) from \(url)'s log matched the certified chain hash but not its receipts' root or state digest")
            throw .replayDiffers(sequence: first, reason: "this ledger's receipt gives another batch root or state digest")
        }
    }

    /// `receipt` with every peer's own valid signature of its batch added (each peer asked
    /// once, until the quorum is reached).
    private func mergePeerSignatures(_ receipt: Receipt, key: Certifier.BatchKey, office: Authority) -> Receipt {
        var merged = receipt
        for url in peerURLs() {
            if merged.signers.count >= office.quorum { break }
            guard let (host, port) = Certifier.hostPort(url) else { continue }
            let client = HTTPClient(host: host, port: port, timeout: 2, maxResponseBytes: 4096)
            defer { client.close() }
            guard let r = try? client.request("GET", "/v1/certificates/\(receipt.batchFirst)"), r.status == 200,
                  let signature = BatchSignature(bytes: r.body), signature.key == key, signature.verifies(chain: genesis.chainID, office: office),
                  !merged.signers.contains(where: { $0.index == signature.signer.index })
            else { continue }
            merged = merged.adding([signature.signer])
        }
        return merged
    }
}
