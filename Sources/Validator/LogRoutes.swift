import HTTP1
import Ledger
import ZKPayCore

/// `GET /v1/log` and `GET /v1/genesis`: what an auditor needs to re-verify the ledger from
/// its genesis without trusting this validator (`zkpay audit --validator URL`).
extension Router {
    /// Records one log page holds by default, and at most.
    static let defaultLogPageRecords = 1000
    static let maxLogPageRecords = 10_000
    /// Payload bytes one page holds at most (a page always holds at least one record).
    static let maxLogPageBytes = 4 << 20

    /// `GET /v1/log?after=SEQ&limit=N`: the canonical log records after SEQ (default 0), at
    /// most N (1...10000, default 1000) and about 4 MiB, as a `LogPage`. Read on the sequencer
    /// thread between batches, like every ledger read.
    func logPage(_ query: [String: String], _ responder: Responder) {
        var after: UInt64 = 0
        if let text = query["after"] {
            guard let v = UInt64(text) else {
                return answer(responder, APIFailure.badRequest("after must be a sequence number (0 for the whole log)").response)
            }
            after = v
        }
        var limit = Self.defaultLogPageRecords
        if let text = query["limit"] {
            guard let v = Int(text), (1...Self.maxLogPageRecords).contains(v) else {
                return answer(responder, APIFailure.badRequest("limit must be a number of records in 1...\(Self.maxLogPageRecords)").response)
            }
            limit = v
        }
        onSequencer(responder) { [after, limit] ledger in
            let page: LogPage
            do throws(LedgerError) { page = try ledger.logPage(after: after, limit: limit, maxBytes: Self.maxLogPageBytes) } catch {
                return answer(responder, APIFailure.storage(error).response)
            }
            responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", LogPage.mediaType)]),
                                       body: page.bytes))
        }
    }

    /// `GET /v1/genesis`: the genesis file's bytes.
    func genesis(_ responder: Responder) {
        responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", "application/octet-stream")]),
                                   body: sequencer.genesis.bytes))
    }
}
