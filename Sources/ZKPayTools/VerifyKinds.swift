/// The registry of vector kinds `zkpay verify` implements; one line per kind, the
/// checker in `VerifyCommand+<Kind>.swift`.
extension VerifyCommand {
    static func kindCheckers() -> [String: ([String: Any]) throws -> [CaseResult]] {
        var table: [String: ([String: Any]) throws -> [CaseResult]] = [:]
        table["bech32m"] = checkBech32m
        table["dalek-bulletproofs"] = checkDalekBulletproofs
        table["merlin"] = checkMerlin
        table["ristretto255"] = checkRistretto255
        table["sr25519"] = checkSr25519
        table["zkpay-transfer"] = checkTransfers
        return table  // kinds are added here as their modules land
    }
}
