public import Ristretto255
public import ZKPayCore

/// One event of an address's stream, derived from the log.
public struct LedgerEvent: Sendable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// The address (as sender) spent notes in a transfer.
        case sent
        /// A transfer created notes owned by the address.
        case received
        /// A mint created notes owned by the address.
        case minted
    }

    /// The record (and receipt) sequence.
    public let sequence: UInt64
    /// Sent, received or minted.
    public let kind: Kind
    /// The transfer or mint id.
    public let objectID: [UInt8]
    /// The notes involved: spent inputs for `sent`, the address's new notes otherwise.
    public let notes: [NoteID]
    /// Settlement time (milliseconds since 1970).
    public let time: UInt64
}

extension Ledger {
    /// The events of the owner `spendKey` (an address's P) at sequences ≥ `from`, in log
    /// order (a transfer paying oneself gives `sent` then `received`). A client that
    /// reconnects asks from one past the last sequence it saw and misses nothing.
    /// - Throws: a storage error reading the log.
    public func events(for spendKey: RistrettoPoint, from: UInt64 = 1, limit: Int = .max)
        throws(LedgerError) -> [LedgerEvent]
    {
        var out: [LedgerEvent] = []
        guard limit > 0 else { return out }
        let target = spendKey.encoding
        try log.forEachRecord(from: max(from, 1)) { (record: LogRecord) throws(LedgerError) in
            guard out.count < limit else { return }
            let (object, receipt) = try Self.decodeRecord(record)
            switch object {
            case let .transfer(t):
                if t.senderKey.bytes == target {
                    out.append(LedgerEvent(sequence: record.sequence, kind: .sent, objectID: receipt.id,
                                           notes: t.inputs, time: receipt.time))
                }
                let mine = zip(t.outputIDs, t.outputs).filter { $0.1.owner.encoding == target }.map(\.0)
                if !mine.isEmpty {
                    out.append(LedgerEvent(sequence: record.sequence, kind: .received, objectID: receipt.id,
                                           notes: mine, time: receipt.time))
                }
            case let .mint(m):
                let mine = m.createdNotes.filter { $0.owner.encoding == target }.map(\.id)
                if !mine.isEmpty {
                    out.append(LedgerEvent(sequence: record.sequence, kind: .minted, objectID: receipt.id,
                                           notes: mine, time: receipt.time))
                }
            }
        }
        return Array(out.prefix(limit))
    }
}
