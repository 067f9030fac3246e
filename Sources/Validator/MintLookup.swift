import HTTP1
import Ledger
import ZKPayCore

extension Router {
    /// `GET /v1/mints/{id}`: the settled mint and its receipt (a wallet checks a minted
    /// note against them before crediting it), 404 when the ledger never settled it.
    func mintLookup(_ idText: String, _ responder: Responder) {
        guard idText.count == 64, idText.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let id = ProtocolHex.decode(idText)
        else {
            return answer(responder, APIFailure.badRequest("a mint id is 64 lowercase hex digits").response)
        }
        onSequencer(responder) { ledger in
            let found: (receipt: Receipt, bytes: [UInt8])?
            do throws(LedgerError) { found = try ledger.settledObject(id: id) } catch {
                return answer(responder, APIFailure.storage(error).response)
            }
            guard let found, found.receipt.kind == .mint, let m = try? Mint(bytes: found.bytes) else {
                return answer(responder, APIFailure.notFound("the ledger has not finalized mint \(idText)").response)
            }
            self.respondCertified(found.receipt, responder) { MintLookupBody(mint: m, receipt: $0).json }
        }
    }
}

extension Router {
    /// `GET /v1/redemptions/{id}`: the settled redemption and its receipt (a wallet resolves a
    /// lost reply and checks its change against them), 404 when the ledger never settled it.
    func redemptionLookup(_ idText: String, _ responder: Responder) {
        guard idText.count == 64, idText.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let id = ProtocolHex.decode(idText)
        else {
            return answer(responder, APIFailure.badRequest("a redemption id is 64 lowercase hex digits").response)
        }
        onSequencer(responder) { ledger in
            let found: (receipt: Receipt, bytes: [UInt8])?
            do throws(LedgerError) { found = try ledger.settledObject(id: id) } catch {
                return answer(responder, APIFailure.storage(error).response)
            }
            guard let found, found.receipt.kind == .redemption, let r = try? Redemption(bytes: found.bytes) else {
                return answer(responder, APIFailure.notFound("the ledger has not finalized redemption \(idText)").response)
            }
            self.respondCertified(found.receipt, responder) { RedemptionLookupBody(redemption: r, receipt: $0).json }
        }
    }
}
