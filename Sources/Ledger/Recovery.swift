/// What recovery found and repaired.
public struct RecoveryReport: Sendable, Equatable {
    /// The sequence the loaded snapshot covers (0 if there was none).
    public var snapshotSequence: UInt64 = 0
    /// Records passed to the replay callback (those after the snapshot).
    public var replayedRecords: UInt64 = 0
    /// The last durable sequence after recovery.
    public var lastSequence: UInt64 = 0
    /// Bytes of a torn tail cut from the last log file (an unacknowledged, partly written
    /// batch); zero bytes alone after the last record are not counted (a direct write leaves
    /// them, see `Storage.writeAndSync`, and a torn write of nothing but zeros cannot be told
    /// from them).
    public var truncatedBytes: UInt64 = 0
    /// Files removed: a log file whose creation was interrupted, a stale snapshot temporary file.
    public var removedFiles: [String] = []
}

extension WriteAheadLog {
    /// Opens the log in `storage` and rebuilds the state: loads the snapshot (if any) into
    /// `restore`, then passes every later record, in order, to `replay`. An empty storage
    /// becomes an empty log.
    ///
    /// Recovery rules (docs/notes/ledger-storage.md):
    /// - zero bytes from the end of the last file's last record to the end of the file are
    ///   the completion of a block by `Storage.writeAndSync`: the log ends there; they are cut
    ///   like a torn tail but not counted in `truncatedBytes`;
    /// - a damaged frame in the last file with no valid frame after it is a torn write of an
    ///   unacknowledged batch: the file is cut there (durably);
    /// - a damaged frame followed by a valid one, or any damage in an older (sealed) file, is
    ///   corruption of acknowledged records: recovery refuses with the offset and sequence;
    /// - sequences must be contiguous within and across files, and reach the snapshot.
    /// - Throws: `LedgerError` describing the damage or the storage failure, or whatever the
    ///   callbacks threw.
    public static func open(
        storage: any Storage, options: LogOptions = LogOptions(),
        restore: (Snapshot) throws(LedgerError) -> Void = { _ in },
        replay: (LogRecord) throws(LedgerError) -> Void
    ) throws(LedgerError) -> (log: WriteAheadLog, report: RecoveryReport) {
        var report = RecoveryReport()
        let names = try storage.list()
        var removedAny = false
        if names.contains(LogFormat.snapshotTempName) {
            try storage.remove(LogFormat.snapshotTempName)
            report.removedFiles.append(LogFormat.snapshotTempName)
            removedAny = true
        }
        let snapshot = try SnapshotFile.load(from: storage, names: names)
        let covered = snapshot?.sequence ?? 0
        if let snapshot {
            try restore(snapshot)
            report.snapshotSequence = covered
        }

        var segments: [Segment] = []
        for name in names {
            guard let first = LogFormat.firstSequence(ofLogFile: name) else { continue }
            guard first >= 1 else {
                throw LedgerError.badHeader(path: path(storage, name), reason: "sequence numbers start at 1")
            }
            segments.append(Segment(firstSequence: first, name: name))
        }
        segments.sort { $0.firstSequence < $1.firstSequence }

        // A last file whose header never became whole is an interrupted rotation or creation.
        if let last = segments.last, try isTornCreation(storage, last) {
            try storage.remove(last.name)
            report.removedFiles.append(last.name)
            removedAny = true
            segments.removeLast()
        }
        if removedAny { try storage.syncDirectory() }

        guard !segments.isEmpty else {
            if snapshot != nil { throw LedgerError.missingRecords(expectedFirst: covered + 1, found: nil) }
            let file = try createSegment(storage, firstSequence: 1)
            let log = WriteAheadLog(
                storage: storage, options: options,
                segments: [Segment(firstSequence: 1, name: LogFormat.logFileName(firstSequence: 1))],
                current: file, format: .current, durableEnd: UInt64(LogFormat.headerBytes), lastSequence: 0,
                snapshotSequence: 0)
            return (log, report)
        }

        // Files entirely before the snapshot are not read: the snapshot replaces them.
        guard let start = segments.lastIndex(where: { $0.firstSequence <= covered + 1 }) else {
            throw LedgerError.missingRecords(expectedFirst: covered + 1, found: segments[0].firstSequence)
        }
        var expected = segments[start].firstSequence
        var current: StorageFile?
        var format = FrameFormat.current
        var end: UInt64 = 0
        for index in start..<segments.count {
            let segment = segments[index]
            if segment.firstSequence > expected {
                throw LedgerError.missingRecords(expectedFirst: expected, found: segment.firstSequence)
            }
            if segment.firstSequence < expected {
                throw LedgerError.sequenceGap(path: path(storage, segment.name), offset: 0, expected: expected,
                                              found: segment.firstSequence)
            }
            let isLast = index == segments.count - 1
            let file = try storage.open(segment.name, create: false)
            do throws(LedgerError) {
                var scanner = try SegmentScanner(storage: storage, file: file, path: path(storage, segment.name),
                                                 crc: options.crc32c)
                try scanner.checkHeader(firstSequence: segment.firstSequence)
                let outcome = try scanner.scan(from: expected, isLast: isLast) { record throws(LedgerError) in
                    if record.sequence > covered {
                        try replay(record)
                        report.replayedRecords += 1
                    }
                }
                expected = outcome.nextSequence
                end = outcome.end
                format = scanner.format ?? format
                if outcome.end < scanner.size {
                    try storage.truncate(file, to: outcome.end)
                    try storage.sync(file)
                    // Zeros after the last record are where a block-completing write stopped
                    // (`Storage.writeAndSync`): cut like a torn tail, but not reported as one.
                    if !outcome.zeroTail { report.truncatedBytes = scanner.size - outcome.end }
                }
            } catch {
                storage.close(file)
                throw error
            }
            if isLast { current = file } else { storage.close(file) }
        }
        let lastSequence = expected - 1
        guard let current else { preconditionFailure("the loop opens the last segment") }
        guard lastSequence >= covered else {
            storage.close(current)
            throw LedgerError.logBehindSnapshot(logEnd: lastSequence, snapshot: covered)
        }
        report.lastSequence = lastSequence
        let log = WriteAheadLog(storage: storage, options: options, segments: segments, current: current,
                                format: format, durableEnd: end, lastSequence: lastSequence, snapshotSequence: covered)
        return (log, report)
    }

    static func path(_ storage: any Storage, _ name: String) -> String { storage.location + "/" + name }

    /// True if `segment` is no longer than a header and does not hold a valid one: its creation
    /// (header write, fsync, directory fsync) was interrupted before any record could be appended.
    private static func isTornCreation(_ storage: any Storage, _ segment: Segment) throws(LedgerError) -> Bool {
        let file = try storage.open(segment.name, create: false)
        defer { storage.close(file) }
        let size = try storage.size(of: file)
        guard size <= UInt64(LogFormat.headerBytes) else { return false }
        let bytes = try storage.read(file, at: 0, count: LogFormat.headerBytes)
        return FrameFormat.readable.allSatisfy { bytes != LogFormat.logHeader(firstSequence: segment.firstSequence, version: $0.version) }
    }
}

extension WriteAheadLog {
    /// Reads the durable records from `sequence` on, in order, from the log files (for readers
    /// that resume from a sequence, such as event streams). Works while writes are refused.
    /// - Throws: `missingRecords` if `sequence` is in a file already removed by `compact()`;
    ///   `corruptRecord` if a durable record no longer checks; storage errors.
    public func forEachRecord(from sequence: UInt64, _ body: (LogRecord) throws(LedgerError) -> Void) throws(LedgerError) {
        let from = max(sequence, 1)
        guard from <= lastSequence else { return }
        guard let start = segments.lastIndex(where: { $0.firstSequence <= from }) else {
            throw LedgerError.missingRecords(expectedFirst: from, found: segments.first?.firstSequence)
        }
        for index in start..<segments.count {
            let segment = segments[index]
            let isCurrent = index == segments.count - 1
            let file = isCurrent ? current : try storage.open(segment.name, create: false)
            defer { if !isCurrent { storage.close(file) } }
            var scanner = try SegmentScanner(storage: storage, file: file, path: Self.path(storage, segment.name),
                                             limit: isCurrent ? durableEnd : nil, crc: options.crc32c)
            try scanner.checkHeader(firstSequence: segment.firstSequence)
            _ = try scanner.scan(from: segment.firstSequence, isLast: false) { record throws(LedgerError) in
                if record.sequence >= from { try body(record) }
            }
        }
    }
}

/// Reads one log file frame by frame through a window of the file.
struct SegmentScanner {
    let storage: any Storage
    let file: StorageFile
    let path: String
    let size: UInt64
    /// The frame format of the file: from its header (`checkHeader`) or known before
    /// (`init`); reading a frame without it is a programming error.
    private(set) var format: FrameFormat?
    /// The CRC-32C code of the frame checks.
    let crc: CRC32CImplementation
    private var windowStart: UInt64 = 0
    private var window: [UInt8] = []
    /// Bytes read at once when the window moves: large for a scan, one frame for a lookup.
    var readAhead = SegmentScanner.chunkBytes
    static let chunkBytes = 1 << 20

    /// A scanner of `file` up to `limit` bytes (the durable end), or up to its size, whose
    /// frame format is `format` if known (else `checkHeader` reads it).
    init(storage: any Storage, file: StorageFile, path: String, limit: UInt64? = nil,
         format: FrameFormat? = nil, crc: CRC32CImplementation) throws(LedgerError) {
        self.crc = crc
        self.storage = storage
        self.file = file
        self.path = path
        self.format = format
        let size = try storage.size(of: file)
        self.size = min(size, limit ?? size)
    }

    /// Makes bytes `offset..<offset+count` available in `window`; the caller checked they are inside the file.
    private mutating func load(_ offset: UInt64, _ count: Int) throws(LedgerError) -> Int {
        if offset >= windowStart, offset + UInt64(count) <= windowStart + UInt64(window.count) {
            return Int(offset - windowStart)
        }
        window = try storage.read(file, at: offset, count: max(count, readAhead))
        windowStart = offset
        guard window.count >= count else {
            throw LedgerError.io(operation: "read (file shrank during recovery)", path: path, code: 5)
        }
        return 0
    }

    mutating func checkHeader(firstSequence: UInt64) throws(LedgerError) {
        guard size >= UInt64(LogFormat.headerBytes) else {
            throw LedgerError.badHeader(path: path, reason: "\(size) bytes, shorter than the header")
        }
        let at = try load(0, LogFormat.headerBytes)
        let header = Array(window[at..<(at + LogFormat.headerBytes)])
        guard header.prefix(8).elementsEqual(LogFormat.logMagic) else {
            throw LedgerError.badHeader(path: path, reason: "wrong magic")
        }
        let version = LogFormat.readLE(UInt32.self, header, at: 8)
        guard let format = FrameFormat(version: version) else {
            throw LedgerError.unsupportedVersion(path: path, found: version, supported: FrameFormat.current.version)
        }
        guard header == LogFormat.logHeader(firstSequence: LogFormat.readLE(UInt64.self, header, at: 16), version: version) else {
            throw LedgerError.badHeader(path: path, reason: "header checksum mismatch")
        }
        let stated = LogFormat.readLE(UInt64.self, header, at: 16)
        guard stated == firstSequence else {
            throw LedgerError.badHeader(
                path: path, reason: "header says the first sequence is \(stated) but the file name says \(firstSequence)")
        }
        self.format = format
    }

    enum Frame {
        case valid(LogRecord, next: UInt64)
        case damaged(String)
        case end
    }

    /// The frame at `offset`.
    mutating func frame(at offset: UInt64) throws(LedgerError) -> Frame {
        guard let format else { preconditionFailure("the file's header is read before its frames") }
        if offset == size { return .end }
        let remaining = size - offset
        guard remaining >= UInt64(format.overhead) else {
            return .damaged("incomplete frame of \(remaining) bytes")
        }
        var at = try load(offset, LogFormat.frameHeaderBytes)
        let length = Int(LogFormat.readLE(UInt32.self, window, at: at))
        guard length <= LogFormat.maxPayloadBytes else {
            return .damaged("length field \(length) exceeds the \(LogFormat.maxPayloadBytes)-byte limit")
        }
        let frameBytes = format.frameBytes(payload: length)
        guard UInt64(frameBytes) <= remaining else {
            return .damaged("frame of \(frameBytes) bytes extends \(UInt64(frameBytes) - remaining) bytes past the end of the file")
        }
        at = try load(offset, frameBytes)
        let body = at + LogFormat.frameHeaderBytes + length
        guard format.checks(frame: window[at..<(at + frameBytes)], payload: length, crc: crc) else {
            return .damaged("checksum mismatch")
        }
        let sequence = LogFormat.readLE(UInt64.self, window, at: at + 4)
        let record = LogRecord(sequence: sequence, payload: Array(window[(at + LogFormat.frameHeaderBytes)..<body]))
        return .valid(record, next: offset + UInt64(frameBytes))
    }

    struct Outcome {
        /// Byte offset after the last valid record.
        let end: UInt64
        /// The sequence after the last valid record.
        let nextSequence: UInt64
        /// True if the bytes from `end` to the end of the (last) file are all zero.
        var zeroTail = false
    }

    /// Reads every frame after the header, passing records to `visit`, expecting `firstSequence` first.
    mutating func scan(from firstSequence: UInt64, isLast: Bool,
                       visit: (LogRecord) throws(LedgerError) -> Void) throws(LedgerError) -> Outcome {
        var offset = UInt64(LogFormat.headerBytes)
        var expected = firstSequence
        while true {
            switch try frame(at: offset) {
            case .end:
                return Outcome(end: offset, nextSequence: expected)
            case let .valid(record, next):
                guard record.sequence == expected else {
                    throw LedgerError.sequenceGap(path: path, offset: offset, expected: expected, found: record.sequence)
                }
                // No ledger reaches the last sequence number; a log that claims it is crafted.
                guard expected < UInt64.max else {
                    throw LedgerError.corruptRecord(path: path, offset: offset, sequence: expected,
                                                    reason: "the record claims the largest sequence number")
                }
                try visit(record)
                expected += 1
                offset = next
            case let .damaged(reason):
                guard isLast else {
                    throw LedgerError.corruptRecord(path: path, offset: offset, sequence: expected,
                                                    reason: reason + " in a sealed log file")
                }
                if try isZero(from: offset) {
                    return Outcome(end: offset, nextSequence: expected, zeroTail: true)
                }
                if let later = try validFrame(after: offset, expected: expected) {
                    throw LedgerError.corruptRecord(
                        path: path, offset: offset, sequence: expected,
                        reason: reason + "; a valid record with sequence \(later.sequence) follows at offset \(later.offset)")
                }
                return Outcome(end: offset, nextSequence: expected)
            }
        }
    }

    /// True if every byte of the file from `offset` to its end is zero.
    private mutating func isZero(from offset: UInt64) throws(LedgerError) -> Bool {
        var at = offset
        while at < size {
            let count = Int(min(size - at, UInt64(Self.chunkBytes)))
            let i = try load(at, count)
            if window[i..<(i + count)].contains(where: { $0 != 0 }) { return false }
            at += UInt64(count)
        }
        return true
    }

    /// The first position after `damaged` where a whole, valid frame with a plausible sequence
    /// (at least `expected`, and no more than one per minimal frame in the remaining bytes) starts.
    private mutating func validFrame(after damaged: UInt64, expected: UInt64) throws(LedgerError)
        -> (offset: UInt64, sequence: UInt64)?
    {
        guard let format else { preconditionFailure("the file's header is read before its frames") }
        let tailStart = damaged + 1
        guard size > tailStart else { return nil }
        let tail = try storage.read(file, at: tailStart, count: Int(size - tailStart))
        let maxSkip = UInt64(tail.count / format.overhead) + 1
        var p = 0
        while p + format.overhead <= tail.count {
            defer { p += 1 }
            let length = Int(LogFormat.readLE(UInt32.self, tail, at: p))
            guard length <= LogFormat.maxPayloadBytes, p + format.frameBytes(payload: length) <= tail.count else { continue }
            let sequence = LogFormat.readLE(UInt64.self, tail, at: p + 4)
            guard sequence >= expected, sequence - expected <= maxSkip else { continue }
            if format.checks(frame: tail[p..<(p + format.frameBytes(payload: length))], payload: length, crc: crc) {
                return (tailStart + UInt64(p), sequence)
            }
        }
        return nil
    }
}
