public import Ristretto255
public import ZKPayCore

/// One event of an address's stream, derived from a log record (replay) or from a batch
/// just settled (live): both go through `LedgerEvent.events(of:)`, so they cannot differ.
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
    /// The owner spend key encoding (P, 32 bytes) whose stream this event belongs to.
    public let owner: [UInt8]
    /// The transfer or mint id.
    public let objectID: [UInt8]
    /// The notes involved: spent inputs for `sent`, the address's new notes otherwise.
    public let notes: [NoteID]
    /// Settlement time (milliseconds since 1970).
    public let time: UInt64
    /// The sender's P encoding (empty for mints).
    public let sender: [UInt8]
    /// The transfer's fee (0 for mints).
    public let fee: UInt64
    /// `received`/`minted`: the address's new notes in full (so a wallet can open the memos
    /// at once); `sent`: every output of the transfer (so the sender finds its change).
    public let outputs: [Note]

    /// Every event of one settled record (receipt of either version ‖ canonical transfer or mint bytes), for
    /// every address it concerns, in stream order (a transfer paying its own sender gives
    /// `sent` then `received`).
    /// - Throws: `replayRejected` if the payload is not a ledger record.
    public static func events(of record: LogRecord) throws(LedgerError) -> [LedgerEvent] {
        let (object, receipt) = try Ledger.decodeRecord(record)
        var out: [LedgerEvent] = []
        switch object {
        case let .transfer(t):
            let sender = Array(t.sender)
            var notes: [Note] = []
            for (n, o) in zip(t.outputIDs, t.outputs) {
                guard let note = try? Note(bytes: [Note.objectType, Note.version] + n.bytes + o) else {
                    throw .replayRejected(sequence: record.sequence, reason: "output note \(n) does not decode")
                }
                notes.append(note)
            }
            out.append(LedgerEvent(sequence: record.sequence, kind: .sent, owner: sender, objectID: receipt.id,
                                   notes: t.inputs, time: receipt.time, sender: sender, fee: t.fee, outputs: notes))
            var owners: [[UInt8]] = []
            for o in t.outputs where !owners.contains(where: { $0.elementsEqual(o.prefix(32)) }) {
                owners.append(Array(o.prefix(32)))
            }
            for owner in owners {
                let mine = notes.filter { $0.owner.encoding == owner }
                out.append(LedgerEvent(sequence: record.sequence, kind: .received, owner: owner, objectID: receipt.id,
                                       notes: mine.map(\.id), time: receipt.time, sender: sender, fee: t.fee,
                                       outputs: mine))
            }
        case let .mint(m):
            let notes = m.createdNotes
            var owners: [[UInt8]] = []
            for n in notes where !owners.contains(n.owner.encoding) { owners.append(n.owner.encoding) }
            for owner in owners {
                let mine = notes.filter { $0.owner.encoding == owner }
                out.append(LedgerEvent(sequence: record.sequence, kind: .minted, owner: owner, objectID: receipt.id,
                                       notes: mine.map(\.id), time: receipt.time, sender: [], fee: 0, outputs: mine))
            }
        }
        return out
    }
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
            // Cheap owner test first: the 32-byte key occurs in the payload or the record is skipped.
            guard Self.mentions(record.payload, target) else { return }
            out.append(contentsOf: try LedgerEvent.events(of: record).filter { $0.owner == target })
        }
        return Array(out.prefix(limit))
    }

    /// The events of the owner `spendKey` in the records with sequences in `range` (clamped
    /// to the durable log), in order. Each record is read directly by sequence, so a reader can
    /// take a long history in slices without rescanning it.
    /// - Throws: a storage error reading the log.
    public func events(for spendKey: RistrettoPoint, records range: ClosedRange<UInt64>) throws(LedgerError)
        -> [LedgerEvent]
    {
        let target = spendKey.encoding
        let lower = max(range.lowerBound, 1), upper = min(range.upperBound, log.lastSequence)
        guard lower <= upper else { return [] }
        var out: [LedgerEvent] = []
        for sequence in lower...upper {
            guard let record = try log.record(at: sequence) else { break }
            guard Self.mentions(record.payload, target) else { continue }
            out.append(contentsOf: try LedgerEvent.events(of: record).filter { $0.owner == target })
        }
        return out
    }

    /// True if `key` occurs anywhere in `payload` (a superset test: every record with an
    /// event for the key contains it as the sender or an output owner).
    static func mentions(_ payload: [UInt8], _ key: [UInt8]) -> Bool {
        guard key.count == 32, payload.count >= 32, let first = key.first else { return false }
        var i = 0
        let end = payload.count - 32
        while i <= end {
            if payload[i] == first, payload[i..<(i + 32)].elementsEqual(key) { return true }
            i += 1
        }
        return false
    }

    /// The settled transfer or mint with id `id`: its receipt and canonical bytes, read from
    /// the log record at the receipt's sequence.
    /// - Returns: nil if the ledger never settled it.
    /// - Throws: a storage error reading the log.
    public func settledObject(id: [UInt8]) throws(LedgerError) -> (receipt: Receipt, bytes: [UInt8])? {
        guard let receipt = state.receipt(for: id) else { return nil }
        let n = receipt.bytes.count
        guard let record = try log.record(at: receipt.sequence), record.payload.count > n,
              record.payload[0..<n].elementsEqual(receipt.bytes)
        else {
            throw .replayRejected(sequence: receipt.sequence, reason: "the log record does not hold the receipt the state has")
        }
        return (receipt, Array(record.payload[n...]))
    }

    /// The log record with `sequence` (nil past the end).
    public func record(at sequence: UInt64) throws(LedgerError) -> LogRecord? { try log.record(at: sequence) }
}
