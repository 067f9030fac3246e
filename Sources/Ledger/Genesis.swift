import ZKPayCore

/// A data directory that cannot be opened.
public enum GenesisError: Error, Equatable, Sendable, CustomStringConvertible {
    /// There is no genesis file.
    case missing
    /// The genesis file does not start with the genesis magic.
    case notGenesis
    /// Written by another format version.
    case unsupportedVersion(found: UInt32)
    /// Damaged (checksum, length or field).
    case damaged(String)
    /// The receipt key file is missing, damaged or does not match the genesis key.
    case badReceiptKey(String)
    /// The directory already holds a ledger.
    case alreadyInitialized
    /// Storage failed.
    case storage(LedgerError)

    public var description: String {
        switch self {
        case .missing:
            "the data directory has no \(Genesis.fileName); create one with `zkpay validator init`"
        case .notGenesis:
            "\(Genesis.fileName) is not a zkpay genesis file; check the --data path"
        case let .unsupportedVersion(found):
            "the data directory was made by format version \(found); this build reads version "
                + "\(Genesis.formatVersion). Run the zkpay version that created it"
        case let .damaged(reason):
            "\(Genesis.fileName) is damaged (\(reason)); restore it from a backup"
        case let .badReceiptKey(reason):
            "the receipt key \(Genesis.keyFileName) is unusable (\(reason)); restore it from a backup"
        case .alreadyInitialized:
            "the data directory already holds a ledger (\(Genesis.fileName) exists); choose an empty directory"
        case let .storage(e): e.description
        }
    }
}
