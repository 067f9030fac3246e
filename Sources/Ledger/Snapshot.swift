/// A snapshot: the ledger state machine's opaque state after applying records 1…`sequence`.
public struct Snapshot: Sendable, Equatable {
    /// The last log sequence the state includes (recovery replays from `sequence + 1`).
    public let sequence: UInt64
    /// The state machine's serialised state.
    public let payload: [UInt8]

    /// A snapshot of `payload` covering records 1…`sequence`.
    public init(sequence: UInt64, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }
}

/// The snapshot file: written to a temporary name, fsynced, renamed over the previous snapshot,
/// then the directory is fsynced, so that at every instant the durable `snapshot.zkps` is
/// either the old or the new snapshot, whole.
enum SnapshotFile {
    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var out = LogFormat.snapshotMagic
        out.reserveCapacity(LogFormat.snapshotHeaderBytes + snapshot.payload.count + LogFormat.checksumBytes)
        LogFormat.appendLE(LogFormat.snapshotVersion, to: &out)
        LogFormat.appendLE(UInt32(0), to: &out)
        LogFormat.appendLE(snapshot.sequence, to: &out)
        LogFormat.appendLE(UInt64(snapshot.payload.count), to: &out)
        out += snapshot.payload
        out += LogFormat.checksum(out)
        return out
    }

    static func decode(_ bytes: [UInt8], path: String) throws(LedgerError) -> Snapshot {
        let fixed = LogFormat.snapshotHeaderBytes + LogFormat.checksumBytes
        guard bytes.count >= fixed else {
            throw LedgerError.corruptSnapshot(path: path, reason: "\(bytes.count) bytes, shorter than the \(fixed)-byte minimum")
        }
        guard bytes.prefix(8).elementsEqual(LogFormat.snapshotMagic) else {
            throw LedgerError.corruptSnapshot(path: path, reason: "wrong magic")
        }
        let version = LogFormat.readLE(UInt32.self, bytes, at: 8)
        guard version == LogFormat.snapshotVersion else {
            throw LedgerError.unsupportedVersion(path: path, found: version, supported: LogFormat.snapshotVersion)
        }
        let length = LogFormat.readLE(UInt64.self, bytes, at: 24)
        guard length == UInt64(bytes.count - fixed) else {
            throw LedgerError.corruptSnapshot(
                path: path, reason: "payload length field says \(length) bytes but the file holds \(bytes.count - fixed)")
        }
        let body = bytes.count - LogFormat.checksumBytes
        guard LogFormat.checksum(bytes[..<body]).elementsEqual(bytes[body...]) else {
            throw LedgerError.corruptSnapshot(path: path, reason: "checksum mismatch")
        }
        guard LogFormat.readLE(UInt32.self, bytes, at: 12) == 0 else {
            throw LedgerError.corruptSnapshot(path: path, reason: "reserved field is not zero")
        }
        return Snapshot(sequence: LogFormat.readLE(UInt64.self, bytes, at: 16),
                        payload: Array(bytes[LogFormat.snapshotHeaderBytes..<body]))
    }

    /// Durably replaces the snapshot; on failure the previous snapshot is still the durable one.
    static func write(_ snapshot: Snapshot, to storage: any Storage) throws(LedgerError) {
        let file = try storage.open(LogFormat.snapshotTempName, create: true)
        do throws(LedgerError) {
            defer { storage.close(file) }
            try storage.truncate(file, to: 0)
            try storage.write(file, at: 0, encode(snapshot))
            try storage.sync(file)
        } catch {
            // Best effort: recovery removes a leftover temporary file anyway.
            try? storage.remove(LogFormat.snapshotTempName)
            throw error
        }
        try storage.rename(LogFormat.snapshotTempName, to: LogFormat.snapshotName)
        try storage.syncDirectory()
    }

    /// The snapshot in `storage`, or nil if there is none.
    static func load(from storage: any Storage, names: [String]) throws(LedgerError) -> Snapshot? {
        guard names.contains(LogFormat.snapshotName) else { return nil }
        let file = try storage.open(LogFormat.snapshotName, create: false)
        defer { storage.close(file) }
        let size = try storage.size(of: file)
        guard size <= UInt64(Int.max) else {
            throw LedgerError.corruptSnapshot(path: LogFormat.snapshotName, reason: "\(size) bytes is too large")
        }
        let bytes = try storage.read(file, at: 0, count: Int(size))
        return try decode(bytes, path: storage.location + "/" + LogFormat.snapshotName)
    }
}

extension WriteAheadLog {
    /// Durably stores `payload` as the state after records 1…`sequence` (temp file, fsync,
    /// rename, fsync of the directory). Call `compact()` afterwards to drop covered log files.
    /// - Throws: `snapshotAhead` if `sequence` is beyond the durable log, `snapshotBehind` if it is
    ///   older than the current snapshot; storage errors (the previous snapshot then stays in force).
    public func writeSnapshot(_ payload: [UInt8], through sequence: UInt64) throws(LedgerError) {
        guard sequence <= lastSequence else {
            throw LedgerError.snapshotAhead(requested: sequence, durable: lastSequence)
        }
        guard sequence >= snapshotSequence else {
            throw LedgerError.snapshotBehind(requested: sequence, current: snapshotSequence)
        }
        try SnapshotFile.write(Snapshot(sequence: sequence, payload: payload), to: storage)
        snapshotSequence = sequence
    }
}
