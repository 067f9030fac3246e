import Ledger
import ZKPayCore

/// The JSON bodies of docs/notes/http-api.md.
enum APIRender {
    static func hex(_ bytes: some Sequence<UInt8>) -> JSONValue { .string(ProtocolHex.encode(bytes)) }
    static func int(_ v: UInt64) -> JSONValue { .int(Int(clamping: v)) }

    /// The receipt JSON (`zkpay receipt verify` reads it).
    static func receipt(_ r: Receipt) -> JSONValue {
        .object([
            JSONMember("version", .int(Int(Receipt.version))),
            JSONMember("kind", .string(r.kind == .transfer ? "transfer" : "mint")),
            JSONMember("sequence", int(r.sequence)),
            JSONMember("id", hex(r.id)),
            JSONMember("time", int(r.time)),
            JSONMember("chain_hash", hex(r.chainHash)),
            JSONMember("signature", hex(r.signature)),
            JSONMember("bytes", hex(r.bytes)),
        ])
    }

    /// The 200 body of a settled transfer or mint.
    static func finalized(_ r: Receipt, fresh: Bool) -> JSONValue {
        .object([
            JSONMember("status", .string(fresh ? "finalized" : "already_finalized")),
            JSONMember(r.kind == .transfer ? "transfer_id" : "mint_id", hex(r.id)),
            JSONMember("sequence", int(r.sequence)),
            JSONMember("receipt", receipt(r)),
        ])
    }

    /// One item of a batch response.
    static func batchItem(_ result: ItemResult) -> JSONValue {
        switch result {
        case let .settled(r, fresh): finalized(r, fresh: fresh)
        case let .failed(f):
            .object([JSONMember("status", .string("rejected")), JSONMember("http_status", .int(f.status.code)),
                     JSONMember("error", .object(f.errorMembers))])
        }
    }

    /// The `data` of an event.
    static func event(_ e: LedgerEvent) -> JSONValue {
        var members = [
            JSONMember("sequence", int(e.sequence)),
            JSONMember("kind", .string(e.kind.rawValue)),
            JSONMember("id", hex(e.objectID)),
            JSONMember("time", int(e.time)),
            JSONMember("sender", hex(e.sender)),
            JSONMember("fee", .string(String(e.fee))),
        ]
        switch e.kind {
        case .sent:
            members.append(JSONMember("notes", .array(e.notes.map { .object([JSONMember("id", hex($0.bytes))]) })))
            members.append(JSONMember("outputs", .array(e.outputs.map(\.json))))
        case .received, .minted:
            members.append(JSONMember("notes", .array(e.outputs.map(\.json))))
        }
        return .object(members)
    }
}
