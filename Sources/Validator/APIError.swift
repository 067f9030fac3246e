public import HTTP1
import Ledger
import ZKPayCore

/// A request the validator refuses: the HTTP status, the stable `code`, a message saying
/// what to do, and optional extra members of the `error` object (a double spend names the
/// note and the transfer that spent it). docs/notes/http-api.md has the status table.
public struct APIFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Status
    /// The machine-readable code.
    public let code: String
    /// What failed and what to do.
    public let message: String
    /// Extra members of the `error` object, as (name, hex or decimal string).
    public let extra: [(String, String)]

    /// A failure with its parts.
    public init(_ status: Status, _ code: String, _ message: String, extra: [(String, String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra
    }

    public static func == (a: APIFailure, b: APIFailure) -> Bool {
        a.status == b.status && a.code == b.code && a.message == b.message
            && a.extra.map(\.0) == b.extra.map(\.0) && a.extra.map(\.1) == b.extra.map(\.1)
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    /// The shared error body (`{"error": {"code", "message", ...extras}}`).
    var body: APIErrorBody {
        APIErrorBody(status: status.code, code: code, message: message,
                     extras: extra.map { JSONMember($0.0, .string($0.1)) })
    }

    /// The HTTP response (with `Retry-After: 1` for 503).
    var response: Response {
        var r = jsonResponse(status, body.json)
        if status.code == 503 { r.headers.append("Retry-After", "1") }
        return r
    }

    // MARK: Mappings from domain errors

    /// A decoding or verification failure of the protocol (400 for encodings, 422 otherwise).
    static func protocolError(_ e: ProtocolError, object: String = "transfer") -> APIFailure {
        if case .invalidAddress = e { return APIFailure(.badRequest, e.code, "\(e)") }
        if e.isEncodingError { return APIFailure(.badRequest, e.code, "the \(object) is malformed: \(e)") }
        return APIFailure(.unprocessableContent, e.code, "the \(object) does not verify: \(e)")
    }

    /// A ledger rule.
    static func rejection(_ r: LedgerRejection, object: String = "transfer") -> APIFailure {
        switch r {
        case let .invalid(e): return protocolError(e, object: object)
        case let .doubleSpend(_, note, spentBy):
            return APIFailure(.conflict, r.code, "\(r); the note is gone, build a new \(object) from unspent notes",
                              extra: [("note", note.hex), ("spent_by", spentBy.hex)])
        case let .duplicateOutput(_, note):
            return APIFailure(.conflict, r.code, "\(r); use fresh outputs", extra: [("note", note.hex)])
        case .authorityChanged:
            return APIFailure(.conflict, r.code, "\(r)")
        case .unknownInput, .feeTooLow, .inputMismatch, .supplyOverflow, .feeOverflow, .burnOverflow, .otherLedger,
             .authority, .authorityNotAhead:
            return APIFailure(.unprocessableContent, r.code, "\(r)")
        }
    }

    /// An authority statement whose validator set is not the one validator running on its own.
    static let standaloneValidatorSet = APIFailure(
        .unprocessableContent, "standalone_validator_set",
        "this validator runs on its own and signs every receipt alone, so a statement's validator set must be this "
            + "validator's key alone; to change the validators, run the ledger as a cluster (zkpay cluster init)")

    /// A storage failure while committing a batch: nothing of it settled.
    static func storage(_ e: LedgerError) -> APIFailure {
        if case let .notReplicated(reason, unknown) = e {
            return unknown
                ? APIFailure(.serviceUnavailable, "replication_unknown",
                             "the cluster's log did not answer whether it took the batch (\(reason)); the outcome is unknown: "
                                 + "look the transfer up by its id, or resubmit it (resubmission is idempotent)")
                : APIFailure(.serviceUnavailable, "not_replicated",
                             "the cluster's log did not take the batch (\(reason)); nothing was settled. Retry: the cluster "
                                 + "is electing a leader or this validator stepped down")
        }
        if e.isDiskFull {
            return APIFailure(Status(507, "Insufficient Storage"), "storage_full",
                              "the validator's disk is full; nothing was settled. Retry later: \(e)")
        }
        if case .logUnusable = e {
            return APIFailure(.internalServerError, "storage_error",
                              "the validator's log failed and could not be cleaned up; the outcome is unknown until "
                                  + "it restarts. Resubmit the same transfer later (resubmission is idempotent): \(e)")
        }
        return APIFailure(.internalServerError, "storage_error",
                          "the validator could not make the batch durable; nothing was settled. Retry: \(e)")
    }

    static let queueFull = APIFailure(.serviceUnavailable, "queue_full",
                                      "the validator's queue is full; retry after the Retry-After delay")
    static let shuttingDown = APIFailure(.serviceUnavailable, "shutting_down",
                                         "the validator is shutting down; retry against a running instance")
    static func badRequest(_ message: String) -> APIFailure { APIFailure(.badRequest, "bad_request", message) }
    static func notFound(_ message: String) -> APIFailure { APIFailure(.notFound, "not_found", message) }
    /// A settled object whose receipt a quorum of validators has not signed yet.
    static func certificatePending(_ r: Receipt) -> APIFailure {
        APIFailure(.serviceUnavailable, "certificate_pending",
                   "settled at sequence \(r.sequence), but a quorum of the cluster's validators has not confirmed "
                       + "it yet; look it up by its id shortly (GET /v1/transfers/{id} or /v1/mints/{id})",
                   extra: [("id", ProtocolHex.encode(r.id)), ("sequence", String(r.sequence))])
    }
}
