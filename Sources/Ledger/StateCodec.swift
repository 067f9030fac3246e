import Ristretto255
import ZKPayCore

/// The snapshot payload of a `LedgerState` (integers little-endian):
///
///     version u8 = 1 ‖ sequence u64 ‖ chain hash (32) ‖ minted u64 ‖ fee pool u64
///     ‖ Σ mint blindings (32) ‖ unspent count u64 ‖ (note id 32 ‖ output 217)*
///     ‖ spent count u64 ‖ (note id 32 ‖ transfer id 32)* ‖ excess count u64 ‖ (E 32)*
///     ‖ receipt count u64 ‖ (receipt 147)*
///
/// Entries are sorted by id so that equal states give equal bytes.
extension LedgerState {
    static let snapshotVersion: UInt8 = 1

    /// The snapshot payload.
    var snapshotBytes: [UInt8] {
        var w = ByteWriter()
        w.u8(Self.snapshotVersion)
        w.u64(sequence)
        w.raw(chainHash)
        w.u64(minted)
        w.u64(feePool)
        w.scalar(mintBlindingSum)
        w.u64(UInt64(unspent.count))
        for (id, o) in unspent.sorted(by: { $0.key < $1.key }) {
            w.raw(id.bytes)
            o.encode(to: &w)
        }
        w.u64(UInt64(spentBy.count))
        for (n, t) in spentBy.sorted(by: { $0.key < $1.key }) {
            w.raw(n.bytes)
            w.raw(t.bytes)
        }
        w.u64(UInt64(excesses.count))
        for e in excesses { w.point(e) }
        let rs = allReceipts.sorted { $0.sequence < $1.sequence }
        w.u64(UInt64(rs.count))
        for r in rs { w.raw(r.bytes) }
        return w.bytes
    }

    /// Restores a state from a snapshot payload.
    /// - Throws: `corruptSnapshot` naming what is wrong.
    init(issuer: RistrettoPoint, minimumFee: UInt64, snapshot bytes: [UInt8]) throws(LedgerError) {
        self.init(issuer: issuer, minimumFee: minimumFee, initialChainHash: [])
        var r = ByteReader(bytes)
        func bad(_ reason: String) -> LedgerError { .corruptSnapshot(path: "snapshot", reason: reason) }
        do {
            guard try r.u8("version") == Self.snapshotVersion else { throw bad("unknown state version") }
            sequence = try r.u64("sequence")
            chainHash = try r.raw(32, "chain hash")
            minted = try r.u64("minted")
            feePool = try r.u64("fee pool")
            mintBlindingSum = try r.scalar("mint blindings")
            func count(_ size: Int, _ field: String) throws -> Int {
                let n = try r.u64(field)
                guard n <= UInt64(r.remaining / size) else { throw bad("\(field) exceeds the payload") }
                return Int(n)
            }
            for _ in 0..<(try count(32 + Output.encodedLength, "unspent count")) {
                let id = NoteID(uncheckedBytes: try r.raw(32, "note id"))
                unspent[id] = try Output(reading: &r, field: "note")
            }
            for _ in 0..<(try count(64, "spent count")) {
                let n = NoteID(uncheckedBytes: try r.raw(32, "note id"))
                spentBy[n] = TransferID(uncheckedBytes: try r.raw(32, "transfer id"))
            }
            let ne = try count(32, "excess count")
            excesses.reserveCapacity(ne)
            for _ in 0..<ne { excesses.append(try r.point("excess")) }
            for _ in 0..<(try count(Receipt.encodedLength, "receipt count")) {
                restoreReceipt(try Receipt(bytes: try r.raw(Receipt.encodedLength, "receipt")))
            }
            try r.finish()
        } catch let e as LedgerError {
            throw e
        } catch {
            throw bad("\(error)")
        }
        guard minted >= feePool else { throw bad("fee pool exceeds minted supply") }
    }
}
