import Ristretto255
import ZKPayCore

/// The snapshot payload of a `LedgerState` and its `SettledReceipts` (integers little-endian):
///
///     version u8 = 6 ‖ sequence u64 ‖ chain hash (32) ‖ minted u64 ‖ fee pool u64
///     ‖ Σ mint blindings (32) ‖ burned u64 ‖ Σ burn blindings (32) ‖ unspent count u64
///     ‖ (note id 32 ‖ output 217 ‖ created sequence u64 ‖ output index u16)*
///     ‖ spent count u64 ‖ (note id 32 ‖ transfer id 32)* ‖ excess count u64 ‖ (E 32)*
///     ‖ statement count u64 ‖ (length u32 ‖ authority statement)*
///     ‖ receipt count u64 ‖ (receipt)*
///
/// Entries are sorted by id so that equal states give equal bytes; statements are in chain
/// order, each checked against the chain again on loading; receipts are in sequence order
/// (1, 2, …), each self-delimiting (`Receipt.decodePrefix`). Version 5 is version 6 without
/// the statements (a ledger whose genesis authority never changed), version 4 version 5
/// without the two burn fields (a ledger that never burned); both are still read. Snapshots
/// of earlier versions held receipts of ledgers whose genesis this build no longer reads.
extension LedgerState {
    static let snapshotVersion: UInt8 = 6

    /// The snapshot payload of this state with `receipts` (one per settled sequence).
    func snapshotBytes(receipts: SettledReceipts) -> [UInt8] {
        var w = ByteWriter()
        w.u8(Self.snapshotVersion)
        w.u64(sequence)
        w.raw(chainHash)
        w.u64(minted)
        w.u64(feePool)
        w.scalar(mintBlindingSum)
        w.u64(burned)
        w.scalar(burnBlindingSum)
        w.u64(UInt64(unspent.count))
        unspent.forEachSortedByID { id, o, position in
            w.raw(id.bytes)
            w.raw(o)
            let p = position ?? NotePosition(sequence: 0, index: 0)
            w.u64(p.sequence)
            w.u16(p.index)
        }
        w.u64(UInt64(spentBy.count))
        for (n, t) in spentBy.sorted(by: { $0.key < $1.key }) {
            w.raw(n.bytes)
            w.raw(t.bytes)
        }
        w.u64(UInt64(excesses.count / 32))
        w.raw(excesses)
        w.u64(UInt64(authorities.statements.count))
        for statement in authorities.statements {
            let bytes = statement.bytes
            w.u32(UInt32(bytes.count))
            w.raw(bytes)
        }
        let rs = receipts.all
        w.u64(UInt64(rs.count))
        for r in rs { w.raw(r.bytes) }
        return w.bytes
    }

    /// Restores a state of the ledger `genesis` describes from a snapshot payload; its
    /// receipts are appended to `receipts` (empty on entry).
    /// - Throws: `corruptSnapshot` naming what is wrong.
    init(genesis: Genesis, snapshot bytes: [UInt8], receipts: inout SettledReceipts, backend: Backend = .portable)
        throws(LedgerError)
    {
        self.init(genesis: genesis, backend: backend)
        try restore(snapshot: bytes, receipts: &receipts)
    }

    /// Restores a state from a snapshot payload under an authority without a validator set
    /// (`init(issuer:minimumFee:chainID:auditors:backend:)`); its receipts are appended to
    /// `receipts` (empty on entry).
    /// - Throws: `corruptSnapshot` naming what is wrong.
    init(issuer: RistrettoPoint, minimumFee: UInt64, chainID: ChainID, auditors: [AuditorKey] = [], snapshot bytes: [UInt8],
         receipts: inout SettledReceipts, backend: Backend = .portable) throws(LedgerError)
    {
        self.init(issuer: issuer, minimumFee: minimumFee, chainID: chainID, auditors: auditors, backend: backend)
        try restore(snapshot: bytes, receipts: &receipts)
    }

    /// Fills this empty state from a snapshot payload.
    private mutating func restore(snapshot bytes: [UInt8], receipts: inout SettledReceipts) throws(LedgerError) {
        var r = ByteReader(bytes)
        func bad(_ reason: String) -> LedgerError { .corruptSnapshot(path: "snapshot", reason: reason) }
        do {
            let version = try r.u8("version")
            guard (4...Self.snapshotVersion).contains(version) else {
                throw bad("state version \(version); this build reads version \(Self.snapshotVersion)")
            }
            sequence = try r.u64("sequence")
            chainHash = try r.raw(32, "chain hash")
            minted = try r.u64("minted")
            feePool = try r.u64("fee pool")
            mintBlindingSum = try r.scalar("mint blindings")
            if version >= 5 {
                burned = try r.u64("burned")
                burnBlindingSum = try r.scalar("burn blindings")
            }
            func count(_ size: Int, _ field: String) throws -> Int {
                let n = try r.u64(field)
                guard n <= UInt64(r.remaining / size) else { throw bad("\(field) exceeds the payload") }
                return Int(n)
            }
            let entry = 32 + Output.encodedLength + 10
            for _ in 0..<(try count(entry, "unspent count")) {
                let id = NoteID(uncheckedBytes: try r.raw(32, "note id"))
                let output = try r.raw(Output.encodedLength, "note")
                let position = NotePosition(sequence: try r.u64("created sequence"), index: try r.u16("output index"))
                guard !unspent.contains(id) else { throw bad("note \(id) is listed twice") }
                insertUnspent(id, output, at: position)
            }
            for _ in 0..<(try count(64, "spent count")) {
                let n = NoteID(uncheckedBytes: try r.raw(32, "note id"))
                spentBy[n] = TransferID(uncheckedBytes: try r.raw(32, "transfer id"))
            }
            let ne = try count(32, "excess count")
            for _ in 0..<ne { appendExcess(try r.raw(32, "excess")) }
            if version >= 6 {
                for k in stride(from: 1, through: try count(4, "statement count"), by: 1) {
                    let length = Int(try r.u32("statement \(k) length"))
                    let statement: AuthorityStatement
                    do { statement = try AuthorityStatement(bytes: try r.raw(length, "statement \(k)")) } catch {
                        throw bad("statement \(k): \(error)")
                    }
                    do throws(AuthorityError) { try authorities.append(statement) } catch {
                        throw bad("statement \(k) does not continue the ledger's chain: \(error)")
                    }
                }
            }
            let receiptsListed = try count(Receipt.minimumLength, "receipt count")
            for k in stride(from: 1, through: receiptsListed, by: 1) {
                // Each receipt says its own length (path and signer counts); decoding checks it.
                let length = min(Receipt.encodedLength(atStartOf: r.unread) ?? r.remaining, r.remaining)
                do {
                    let receipt = try Receipt(bytes: try r.raw(length, "receipt \(k)"))
                    try receipts.restore(receipt)
                    guard let id = Key32(receipt.idSlice) else { throw bad("receipt \(k) has no 32-byte id") }
                    restoreSettled(id: id, sequence: receipt.sequence)
                } catch let e as LedgerError {
                    throw e
                } catch {
                    throw bad("receipt \(k): \(error)")
                }
            }
            guard UInt64(receiptsListed) == sequence else {
                throw bad("\(receiptsListed) receipts for \(sequence) settled objects")
            }
            // Each statement was settled: a receipt of kind authority names its id.
            for (k, statement) in authorities.statements.enumerated() {
                guard let id = Key32(statement.id), let s = settledSequences[id], receipts.receipt(at: s)?.kind == .authority
                else { throw bad("statement \(k + 1) was never settled: no authority receipt names its id") }
            }
            try r.finish()
        } catch let e as LedgerError {
            throw e
        } catch {
            throw bad("\(error)")
        }
        guard !feePool.addingReportingOverflow(burned).overflow, minted >= feePool + burned else {
            throw bad("fee pool and burns exceed the minted supply")
        }
        // A snapshot taken after a batch holds that batch's receipts, which name the state
        // digest the batch left: the restored state must have it.
        if let last = receipts.all.last, last.sequence == sequence,
           last.sequence == last.batchFirst &+ UInt64(last.batchSize) &- 1, last.stateDigest != stateDigest {
            throw bad("the restored state's digest differs from the one its last receipt names")
        }
    }
}
