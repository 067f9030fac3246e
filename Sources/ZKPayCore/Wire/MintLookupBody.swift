/// `GET /v1/mints/{id}`: `{"mint_id", "sequence", "mint": mint JSON, "receipt"}`, the
/// mint form of `TransferLookupBody` (a wallet checks a minted note against it).
public struct MintLookupBody: Sendable, Equatable {
    public var mint: Mint
    public var receipt: Receipt

    public init(mint: Mint, receipt: Receipt) {
        self.mint = mint
        self.receipt = receipt
    }

    public var json: JSONValue {
        .object([JSONMember("mint_id", .apiHex(receipt.id)), JSONMember("sequence", .apiNumber(receipt.sequence)),
                 JSONMember("mint", mint.json), JSONMember("receipt", receipt.json)])
    }

    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let mint = try Mint(json: try o.value("mint"))
        let receipt = try Receipt(json: try o.value("receipt"))
        guard receipt.kind == .mint, mint.id.bytes == receipt.id, try o.hex("mint_id", length: 32) == receipt.id else {
            throw .invalidJSON(field: "mint_id", reason: "the mint, its id and its receipt disagree")
        }
        self.init(mint: mint, receipt: receipt)
    }
}
