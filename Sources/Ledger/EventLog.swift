public import Ristretto255
public import ZKPayCore

extension LedgerEvent {
    /// Every event of one settled record (receipt of either version ‖ canonical transfer or
    /// mint bytes), for every address it concerns, in stream order.
    /// `issuer`: the ledger's issuer P encoding, whose stream gets a redemption's `burned`.
    /// - Throws: `replayRejected` if the payload is not a ledger record.
    public static func events(of record: LogRecord, issuer: [UInt8] = []) throws(LedgerError) -> [LedgerEvent] {
        let (object, receipt) = try Ledger.decodeRecord(record)
        switch object {
        case let .transfer(f): return try events(of: f, sequence: record.sequence, time: receipt.time)
        case let .mint(m): return mintEvents(sequence: record.sequence, id: receipt.id, time: receipt.time, notes: m.createdNotes)
        case let .redemption(r): return try events(of: r, sequence: record.sequence, time: receipt.time, issuer: issuer)
        case .authority: return []
        }
    }

    /// The events of the transfer `f` settled at `sequence` (`transferEvents` over its notes).
    /// - Throws: `replayRejected` if an output does not decode as a note.
    static func events(of f: TransferFacts, sequence: UInt64, time: UInt64) throws(LedgerError) -> [LedgerEvent] {
        var notes: [Note] = []
        notes.reserveCapacity(f.outputCount)
        for (n, o) in zip(f.outputIDs, f.outputs) {
            guard let note = try? Note(bytes: [Note.objectType, Note.version] + n.bytes + o) else {
                throw .replayRejected(sequence: sequence, reason: "output note \(n) does not decode")
            }
            notes.append(note)
        }
        return transferEvents(sequence: sequence, id: f.id.bytes, time: time, sender: Array(f.sender), inputs: f.inputs,
                              fee: f.fee, outputs: notes)
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
        let issuerKey = genesis.issuer.spendKey.encoding, isIssuer = target == issuerKey
        try log.forEachRecord(from: max(from, 1)) { (record: LogRecord) throws(LedgerError) in
            guard out.count < limit else { return }
            // Cheap owner test first: the 32-byte key occurs in the payload or the record is skipped.
            guard Self.mentions(record.payload, target) || isIssuer && Self.isRedemption(record.payload) else { return }
            out.append(contentsOf: try LedgerEvent.events(of: record, issuer: issuerKey).filter { $0.owner == target })
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
        let issuerKey = genesis.issuer.spendKey.encoding, isIssuer = target == issuerKey
        let lower = max(range.lowerBound, 1), upper = min(range.upperBound, log.lastSequence)
        guard lower <= upper else { return [] }
        var out: [LedgerEvent] = []
        for sequence in lower...upper {
            guard let record = try log.record(at: sequence) else { break }
            guard Self.mentions(record.payload, target) || isIssuer && Self.isRedemption(record.payload) else { continue }
            out.append(contentsOf: try LedgerEvent.events(of: record, issuer: issuerKey).filter { $0.owner == target })
        }
        return out
    }

    /// True if the record payload's receipt (0x52 ‖ version ‖ LE64 sequence ‖ kind) names a
    /// redemption: the issuer's stream gets its `burned` event without the issuer key in it.
    static func isRedemption(_ payload: [UInt8]) -> Bool {
        payload.count > 10 && payload[10] == Receipt.Kind.redemption.rawValue
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
        guard let receipt = receipt(for: id) else { return nil }
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

    /// The durable records after `after`, in order: at most `limit` of them, and no more
    /// payload bytes than `maxBytes` (but always at least one record if any follows, so a
    /// reader paging through the log always advances).
    /// - Throws: a storage error reading the log.
    public func logPage(after: UInt64, limit: Int, maxBytes: Int) throws(LedgerError) -> LogPage {
        let end = log.lastSequence
        var entries: [LogPage.Entry] = []
        var bytes = 0
        var next = after
        while next < end, entries.count < limit {
            next += 1
            guard let record = try log.record(at: next) else { break }
            guard entries.isEmpty || bytes + record.payload.count <= maxBytes else { break }
            bytes += record.payload.count
            entries.append(LogPage.Entry(sequence: record.sequence, payload: record.payload))
        }
        return LogPage(end: end, entries: entries)
    }

    /// The genesis file's bytes (what `GET /v1/genesis` serves; an auditor replays from it).
    public var genesisBytes: [UInt8] { genesis.bytes }
}
