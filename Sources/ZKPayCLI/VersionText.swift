import Ledger
import ZKPayCore

/// `zkpay --version` / `zkpay version [--json]`: this build's version and the versions of
/// what it speaks and writes, so two builds can be compared before they share a ledger.
enum VersionText {
    /// The version of the zkpay command line and libraries.
    static let zkpay = "0.1.0"

    static func text(json: Bool) -> String {
        let readable = DataFormatVersions.readableLogs.map(String.init).joined(separator: ", ")
        if json {
            var o = JSONObjectText()
            o.string("zkpay", zkpay)
            o.string("protocol", StatusBody.protocolVersion)
            o.number("transfer_version", UInt64(Transfer.version))
            o.number("mint_version", UInt64(Mint.version))
            o.number("receipt_version", UInt64(Receipt.currentVersion))
            o.number("log_format", UInt64(DataFormatVersions.log))
            o.raw("log_formats_read", "[" + readable + "]")
            o.number("snapshot_format", UInt64(DataFormatVersions.snapshot))
            o.number("genesis_format", UInt64(DataFormatVersions.genesis))
            return o.text
        }
        return """
            zkpay \(zkpay)
            protocol:   \(StatusBody.protocolVersion) (transfer v\(Transfer.version), mint v\(Mint.version), \
            receipt v\(Receipt.currentVersion))
            log format: \(DataFormatVersions.log) (reads \(readable)); snapshot format \(DataFormatVersions.snapshot), \
            genesis format \(DataFormatVersions.genesis)
            """
    }
}
