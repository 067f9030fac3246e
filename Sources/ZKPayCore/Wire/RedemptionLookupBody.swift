/// `GET /v1/redemptions/{id}`: `{"redemption_id", "sequence", "redemption": redemption JSON,
/// "receipt"}`, the redemption form of `TransferLookupBody` (a wallet resolves a lost reply and
/// checks its change notes against it).
public struct RedemptionLookupBody: Sendable, Equatable {
    public var redemption: Redemption
    public var receipt: Receipt

    public init(redemption: Redemption, receipt: Receipt) {
        self.redemption = redemption
        self.receipt = receipt
    }

    public var json: JSONValue {
        .object([JSONMember("redemption_id", .apiHex(receipt.id)), JSONMember("sequence", .apiNumber(receipt.sequence)),
                 JSONMember("redemption", redemption.json), JSONMember("receipt", receipt.json)])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let redemption = try Redemption(json: try o.value("redemption"))
        let receipt = try Receipt(json: try o.value("receipt"))
        guard receipt.kind == .redemption, redemption.id.bytes == receipt.id,
              try o.hex("redemption_id", length: 32) == receipt.id
        else {
            throw .invalidJSON(field: "redemption_id", reason: "the redemption, its id and its receipt disagree")
        }
        guard try o.apiNumber("sequence") == receipt.sequence else {
            throw .invalidJSON(field: "sequence", reason: "does not match the receipt")
        }
        try o.finish()
        self.init(redemption: redemption, receipt: receipt)
    }
}
