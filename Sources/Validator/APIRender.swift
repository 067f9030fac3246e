import HTTP1
import Ledger
import ZKPayCore

/// The response bodies, rendered with the shared encoders of `ZKPayCore` (`Wire/`) so that
/// the validator and its clients cannot drift (docs/notes/http-api.md).
enum APIRender {
    /// The 200 body of a settled transfer or mint.
    static func finalized(_ r: Receipt, fresh: Bool) -> JSONValue { FinalizedBody(isNew: fresh, receipt: r).json }

    /// One item of a batch response.
    static func batchItem(_ result: ItemResult) -> BatchItem {
        switch result {
        case let .settled(r, fresh): .finalized(FinalizedBody(isNew: fresh, receipt: r))
        case let .failed(f): .rejected(f.body)
        }
    }

    /// The `data` of an event.
    static func event(_ e: LedgerEvent) -> JSONValue {
        let kind: EventBody.Kind = switch e.kind {
        case .sent: .sent
        case .received: .received
        case .minted: .minted
        case .burned: .burned
        }
        let burn = e.burn.map { (amount: $0.amount, reference: $0.reference) }
        return switch e.kind {
        case .sent:
            EventBody(sequence: e.sequence, kind: kind, id: e.objectID, time: e.time, sender: e.sender, fee: e.fee,
                      spent: e.notes, outputs: e.outputs, burn: burn).json
        case .burned:
            EventBody(sequence: e.sequence, kind: kind, id: e.objectID, time: e.time, sender: e.sender, fee: e.fee,
                      burn: burn).json
        case .received, .minted:
            EventBody(sequence: e.sequence, kind: kind, id: e.objectID, time: e.time, sender: e.sender, fee: e.fee,
                      notes: e.outputs, burn: burn).json
        }
    }
}

/// A JSON response with the content type of docs/notes/http-api.md.
func jsonResponse(_ status: Status, _ body: JSONValue) -> Response {
    Response(status: status, headers: Headers([Header("Content-Type", "application/json; charset=utf-8")]),
             body: Array(body.render().utf8))
}
