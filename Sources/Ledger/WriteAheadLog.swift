/// One log record: its sequence number (1, 2, 3, … without gaps) and its opaque payload.
public struct LogRecord: Sendable, Equatable {
    /// Position of the record in the log, starting at 1.
    public let sequence: UInt64
    /// The bytes the ledger state machine logged.
    public let payload: [UInt8]

    /// A record with `sequence` and `payload`.
    public init(sequence: UInt64, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }
}

/// A record's payload given as two parts that the log writes back to back (the ledger's
/// receipt and object), so that framing copies them once instead of joining them first.
public struct LogPayload: Sendable {
    /// The first part.
    public let head: [UInt8]
    /// The second part (may be empty).
    public let body: [UInt8]
    /// The payload length.
    public var count: Int { head.count + body.count }

    /// The payload `head ‖ body`.
    public init(head: [UInt8], body: [UInt8] = []) {
        self.head = head
        self.body = body
    }
}

/// Limits of a write-ahead log.
public struct LogOptions: Sendable, Equatable {
    /// A batch that starts when the current file is at least this long first moves to a new file,
    /// so that files covered by a snapshot can be removed.
    public var rotateAfterBytes: UInt64
    /// The largest payload `append(batch:)` accepts (at most 16 MiB, the format's limit).
    public var maxRecordBytes: Int
    /// The code that computes and checks the frames' CRC-32C (one the CPU runs; the
    /// executable chooses it).
    public var crc32c: CRC32CImplementation

    /// Options with files of about 64 MiB and records up to 1 MiB by default, and the
    /// CRC-32C code `crc32c` (by default the software one, which every CPU runs).
    public init(rotateAfterBytes: UInt64 = 64 << 20, maxRecordBytes: Int = 1 << 20,
                crc32c: CRC32CImplementation = .software) {
        self.rotateAfterBytes = rotateAfterBytes
        self.maxRecordBytes = min(maxRecordBytes, LogFormat.maxPayloadBytes)
        self.crc32c = crc32c
    }
}

/// An append-only log of framed, checksummed records with group commit: `append(batch:)`
/// writes a whole batch with one write and one fsync, and returns only once the batch is
/// durable. Returning is the acknowledgement; a thrown error means the batch is not in the
/// log (the file is cut back to its last durable end), and the log still accepts the next
/// batch unless the cut itself failed (then it throws `logUnusable` until reopened).
///
/// The log is a sequence of files `wal-<first sequence>.log`, each a header and frames
/// (byte layouts in docs/notes/ledger-storage.md). Open one with
/// `WriteAheadLog.open(storage:options:restore:replay:)` (Recovery.swift), which also
/// replays it. One writer: the type is not `Sendable`; the owner (an actor) serialises calls.
public final class WriteAheadLog {
    struct Segment: Equatable {
        let firstSequence: UInt64
        let name: String
    }

    let storage: any Storage
    /// The limits this log was opened with.
    public let options: LogOptions
    /// Log files in sequence order; the last one is `current`.
    private(set) var segments: [Segment]
    private(set) var current: StorageFile
    /// The frame format of `current` (its header's version: a file keeps the format it was
    /// created with; files this build creates have `FrameFormat.current`).
    private(set) var format: FrameFormat
    /// Byte length of `current` up to the end of the last durable record.
    private(set) var durableEnd: UInt64
    /// The sequence of the last durable record (0 if the log is empty).
    public private(set) var lastSequence: UInt64
    /// The sequence the latest durable snapshot covers (0 if there is none).
    public internal(set) var snapshotSequence: UInt64
    /// Set when a failed batch could not be cut away: further writes would not be clean.
    private var failure: LedgerError?
    /// The frame format and record offsets of each log file that `record(at:)` has indexed,
    /// by file name (built on first lookup in a file; appends extend the current file's list).
    var recordIndex: [String: RecordIndex] = [:]

    /// What `record(at:)` knows of a log file after scanning it once.
    struct RecordIndex {
        /// The file's frame format (from its header).
        let format: FrameFormat
        /// The byte offset of each record, in sequence order.
        var offsets: [UInt64]
    }

    init(storage: any Storage, options: LogOptions, segments: [Segment], current: StorageFile, format: FrameFormat,
         durableEnd: UInt64, lastSequence: UInt64, snapshotSequence: UInt64) {
        self.storage = storage
        self.options = options
        self.segments = segments
        self.current = current
        self.format = format
        self.durableEnd = durableEnd
        self.lastSequence = lastSequence
        self.snapshotSequence = snapshotSequence
    }

    deinit { storage.close(current) }

    /// The sequence the next appended record gets.
    public var nextSequence: UInt64 { lastSequence + 1 }

    /// Whether the log still accepts writes (false after a failure it could not clean up).
    public var isWritable: Bool { failure == nil }

    /// The names of the log files, oldest first.
    public var fileNames: [String] { segments.map(\.name) }

    /// Appends `payloads` as consecutive records with one write and one fsync (group commit).
    /// - Returns: the sequences given to the records, once they are durable.
    /// - Throws: `recordTooLarge` before writing anything; `diskFull`, `io` if the write or the
    ///   fsync failed (none of the batch is in the log, the next batch starts clean);
    ///   `logUnusable` if this or an earlier failure could not be cleaned up: the log then
    ///   refuses writes, and whether the failed batch's records survive is decided by
    ///   recovery on the next open (report them as "outcome unknown", not "rejected").
    @discardableResult
    public func append(batch payloads: [[UInt8]]) throws(LedgerError) -> Range<UInt64> {
        try append(payloads: payloads.map { LogPayload(head: $0) })
    }

    /// As `append(batch:)`, with each payload in two parts (see `LogPayload`).
    @discardableResult
    public func append(payloads: [LogPayload]) throws(LedgerError) -> Range<UInt64> {
        if let failure { throw LedgerError.logUnusable(reason: failure.description) }
        let first = lastSequence + 1
        guard !payloads.isEmpty else { return first..<first }
        var total = 0
        for payload in payloads {
            guard payload.count <= options.maxRecordBytes else {
                throw LedgerError.recordTooLarge(bytes: payload.count, limit: options.maxRecordBytes)
            }
        }
        if durableEnd >= options.rotateAfterBytes { try rotate() }
        let format = format
        let crc = options.crc32c
        for payload in payloads { total += format.frameBytes(payload: payload.count) }
        do throws(LedgerError) {
            // The frames are built where the storage writes them from (no intermediate copy).
            try storage.writeAndSync(current, at: durableEnd, count: total) { out in
                var at = 0
                for (i, payload) in payloads.enumerated() {
                    at += format.writeFrame(sequence: first + UInt64(i), payload: payload.head, payload.body,
                                            into: UnsafeMutableRawBufferPointer(rebasing: out[at...]), crc: crc)
                }
                precondition(at == total, "the frames fill the write")
            }
        } catch {
            if let cleanupFailure = cutBack(after: error) {
                throw LedgerError.logUnusable(
                    reason: "a batch failed (\(error)) and cutting it back failed (\(cleanupFailure)); the outcome "
                        + "of records \(first)...\(first + UInt64(payloads.count) - 1) is unknown until recovery")
            }
            throw error
        }
        if let name = segments.last?.name, var index = recordIndex[name] {
            recordIndex[name] = nil  // keep the array uniquely referenced while appending
            var at = durableEnd
            for payload in payloads {
                index.offsets.append(at)
                at += UInt64(format.frameBytes(payload: payload.count))
            }
            recordIndex[name] = index
        }
        durableEnd += UInt64(total)
        lastSequence += UInt64(payloads.count)
        return first..<(lastSequence + 1)
    }

    /// Removes whatever a failed batch left after the durable end, durably, so that the next
    /// batch starts at a frame boundary. If that fails, the log stops accepting writes:
    /// recovery on the next open cuts the torn tail instead.
    /// - Returns: the error that prevented the cleanup, if any.
    private func cutBack(after error: LedgerError) -> LedgerError? {
        if error == .crashed {
            failure = error
            return nil  // the crash is the answer: the outcome is decided by recovery
        }
        do throws(LedgerError) {
            try storage.truncate(current, to: durableEnd)
            try storage.sync(current)
            return nil
        } catch {
            failure = error
            return error
        }
    }

    /// Starts a new log file for the records from `nextSequence` on (no-op if the current file
    /// holds no record yet). Appends do this by themselves past `options.rotateAfterBytes`.
    public func rotate() throws(LedgerError) {
        if let failure { throw LedgerError.logUnusable(reason: failure.description) }
        let first = nextSequence
        guard segments.last?.firstSequence != first else { return }
        // The file being sealed may end in zeros after its last record (`writeAndSync` may
        // complete a block with them, or fill ahead of its writes in the background): cut
        // them, durably, so that a sealed file ends with its last record. Always, not only
        // when the size says so: a background fill may be extending the file while it is
        // read (truncating stops it). A failure here leaves the log as it was (the current
        // file stays last).
        try storage.truncate(current, to: durableEnd)
        try storage.sync(current)
        let name = LogFormat.logFileName(firstSequence: first)
        let file: StorageFile
        do throws(LedgerError) {
            file = try Self.createSegment(storage, firstSequence: first)
        } catch {
            // A half-made newer file would hide the records appended to the current file from
            // recovery (it would look like the log's end): remove it or stop writing.
            if error != .crashed {
                do throws(LedgerError) {
                    try storage.remove(name)
                    try storage.syncDirectory()
                } catch {
                    failure = error
                }
            } else {
                failure = error
            }
            throw error
        }
        storage.close(current)
        current = file
        format = .current
        durableEnd = UInt64(LogFormat.headerBytes)
        segments.append(Segment(firstSequence: first, name: name))
    }

    /// Creates a log file holding only its header, durably (file and directory entry).
    static func createSegment(_ storage: any Storage, firstSequence: UInt64) throws(LedgerError) -> StorageFile {
        let file = try storage.open(LogFormat.logFileName(firstSequence: firstSequence), create: true)
        do throws(LedgerError) {
            try storage.truncate(file, to: 0)
            try storage.write(file, at: 0, LogFormat.logHeader(firstSequence: firstSequence))
            try storage.sync(file)
            try storage.syncDirectory()
        } catch {
            storage.close(file)
            throw error
        }
        return file
    }

    /// Removes the log files whose records the latest snapshot covers entirely (moving to a
    /// new file first if the snapshot covers the whole current file).
    /// - Returns: the names of the removed files.
    @discardableResult
    public func compact() throws(LedgerError) -> [String] {
        guard snapshotSequence > 0 else { return [] }
        if snapshotSequence == lastSequence, let last = segments.last, last.firstSequence <= lastSequence {
            try rotate()
        }
        var removed: [String] = []
        // A file is covered when the next file starts at or before the first record the snapshot lacks.
        while segments.count >= 2, segments[1].firstSequence <= snapshotSequence + 1 {
            try storage.remove(segments[0].name)
            removed.append(segments[0].name)
            segments.removeFirst()
        }
        if !removed.isEmpty { try storage.syncDirectory() }
        return removed
    }
}
