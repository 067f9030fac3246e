@testable import Ledger
import Ristretto255
import ZKPayCore

/// Targets for what a validator or an auditor reads from its data directory.
enum StorageTargets {
    /// Fixtures/golden/ledger-v2/genesis.zkpg: the ledger whose log and snapshot are in the
    /// seed corpus, so that replaying them reaches the state's checks.
    static let genesisBytes: [UInt8] = ProtocolHex.decode(
        "7a6b70617967656e02000000de1b9e4db857bb29da0b3776c576dd8db10b826b42948efea538b478e9bfaf2c72838a7c8fda"
            + "c92967125c004cc8549aff82bf4701e0a2993de1774c02fb5a6001000000000000005858580601027631fd1724385aa0c75b"
            + "64fb78cd602fa1d991fdebf76b13c58ed702eac835e9f6180051c9a83307b64ce74f7e9b673414f03ede83b9e079a8a35bda"
            + "ee28533cb727d0") ?? []
    /// Its validator key's seed (Fixtures/golden/ledger-v2/receipt.key).
    static let receiptKeySeed = [UInt8](repeating: 9, count: 32)
    static let genesis: Genesis = {
        do { return try Genesis(bytes: genesisBytes) } catch { fatalError("the golden genesis decodes: \(error)") }
    }()
    /// Input: a control byte, then the log file `wal-…1.log`:
    /// - bit 0 clear: the file's bytes as they are;
    /// - bit 0 set: records framed by the target with valid checksums, so that mutations reach
    ///   the record decoders behind them: each `length u16 ‖ payload` (bit 2 set:
    ///   `length u16 ‖ sequence step u8 ‖ payload`, else sequences 1, 2, …); bytes left
    ///   when a length runs past the input follow as they are (a torn tail). Bit 1 picks the
    ///   frame format: clear CRC-32C (version 2), set BLAKE2b (version 1). Bit 3 set: the
    ///   records' first sequence (in the file's name and header) is a u64 before them, else 1.
    static func wal(_ data: [UInt8]) {
        guard let control = data.first else { return }
        var first: UInt64 = 1
        var rest = data[1...]
        if control & 9 == 9 {
            guard rest.count >= 8 else { return }
            first = rest.prefix(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
            rest = rest.dropFirst(8)
            guard first >= 1 else { return }
        }
        let logName = LogFormat.logFileName(firstSequence: first)
        let file = control & 1 == 0 ? Array(rest) : framedLog(rest, first: first, control: control)

        // The log alone: recovery, record decoding and lookups, without the state's checks.
        let bare = SimulatedStorage()
        bare.setContents(of: logName, to: file)
        var payloads: [[UInt8]] = []
        let opened = try? WriteAheadLog.open(storage: bare) { (record: LogRecord) throws(LedgerError) in
            payloads.append(record.payload)
            _ = try? Ledger.decodeRecord(record)
            _ = try? LedgerEvent.events(of: record)
        }
        if let (log, report) = opened {
            require(report.lastSequence == log.lastSequence && log.lastSequence &- first &+ 1 == UInt64(payloads.count),
                    "recovery replayed \(payloads.count) records from \(first) but reports \(report.lastSequence)")
            for (i, payload) in payloads.enumerated() {
                let found = try? log.record(at: first + UInt64(i))
                require(found?.payload == payload, "the record looked up at sequence \(first + UInt64(i)) is not the one replayed")
            }
            if log.lastSequence < UInt64.max {
                require((try? log.record(at: log.lastSequence + 1)) == .some(nil), "a record past the log's end was found")
            }
            var seen = 0
            try? log.forEachRecord(from: first) { (record: LogRecord) throws(LedgerError) in
                require(seen < payloads.count && record.payload == payloads[seen], "reading the log again gives other records")
                seen += 1
            }
        }

        // The ledger: genesis, receipt key and this log, replayed into the state.
        let storage = SimulatedStorage()
        storage.setContents(of: Genesis.fileName, to: genesisBytes)
        storage.setContents(of: Genesis.keyFileName, to: receiptKeySeed)
        storage.setContents(of: logName, to: file)
        guard let ledger = try? Ledger(storage: storage) else { return }
        let owner = ledger.genesis.issuer.spendKey
        _ = try? ledger.events(for: owner)
        _ = try? ledger.events(for: owner, records: 1...max(1, ledger.state.sequence))
        let audit = ledger.auditVartime()
        // The full audit of the same records, as an auditor that downloaded them would run it:
        // it may refuse what replay accepted (replay does not re-verify), never the reverse
        // of a state that fails the equation, and never trap.
        var auditor = LogAuditor(genesis: ledger.genesis, backend: .portable)
        var refused = false
        var sequence: UInt64 = 1
        while !refused, let record = try? ledger.record(at: sequence) {
            do { try auditor.add(record) } catch { refused = true }
            sequence += 1
        }
        if !refused, let report = try? auditor.finish() {
            require(audit.ok && report.chainHash == ledger.state.chainHash,
                    "the full audit passed a log whose replay ends elsewhere or fails the equation")
        }
        // The same records as a log page: it decodes back to itself.
        if let page = try? ledger.logPage(after: 0, limit: 1000, maxBytes: 1 << 22) {
            require((try? LogPage(bytes: page.bytes)) == page, "a log page does not decode back to itself")
        }
    }

    /// A log file of format version 1 or 2 holding the records `rest` describes (see `wal`).
    static func framedLog(_ rest: ArraySlice<UInt8>, first: UInt64, control: UInt8) -> [UInt8] {
        let format: FrameFormat = control & 2 == 0 ? .crc32c : .blake2b
        var out = LogFormat.logHeader(firstSequence: first, version: format.version)
        var r = rest
        var sequence = first &- 1
        while r.count >= 2 {
            var next = r.dropFirst(2)
            let length = Int(r[r.startIndex]) | Int(r[r.startIndex + 1]) << 8
            var step: UInt64 = 1
            if control & 4 != 0 {
                guard let s = next.first else { break }
                step = UInt64(s)
                next = next.dropFirst()
            }
            guard next.count >= length else { break }
            sequence &+= step
            LogFormat.appendFrame(sequence: sequence, payload: Array(next.prefix(length)), format: format, to: &out)
            r = next.dropFirst(length)
        }
        return out + r
    }

    /// Input: a selector byte, then (0) a snapshot file, (1) a ledger state (a snapshot's
    /// payload), (2) a genesis file, (3) a log page (`GET /v1/log`).
    static func snapshot(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let body = Array(data[1...])
        switch selector % 4 {
        case 0:
            guard let s = try? SnapshotFile.decode(body, path: "fuzz") else { return }
            require(SnapshotFile.encode(s) == body, "a snapshot file does not encode back to its bytes")
            state(s.payload)
        case 1:
            state(body)
        case 2:
            guard let g = try? Genesis(bytes: body) else { return }
            require(g.bytes == body, "a genesis file does not encode back to its bytes")
        default:
            guard let page = try? LogPage(bytes: body) else { return }
            require(page.bytes == body, "a log page does not encode back to its bytes")
        }
    }

    /// Restores a state from `payload`; what it writes back must restore to the same state.
    static func state(_ payload: [UInt8]) {
        let issuer = genesis.issuer.spendKey
        var receipts = SettledReceipts()
        guard let s = try? LedgerState(issuer: issuer, minimumFee: genesis.minimumFee, chainID: genesis.chainID, snapshot: payload, receipts: &receipts)
        else { return }
        let bytes = s.snapshotBytes(receipts: receipts)
        let again: LedgerState
        var againReceipts = SettledReceipts()
        do {
            again = try LedgerState(issuer: issuer, minimumFee: genesis.minimumFee, chainID: genesis.chainID, snapshot: bytes, receipts: &againReceipts)
        } catch {
            require(false, "the snapshot of a restored state does not restore: \(error)")
            return
        }
        require(again.snapshotBytes(receipts: againReceipts) == bytes, "a state's snapshot restores to another state")
        _ = s.auditVartime()
    }
}
