extension WriteAheadLog {
    /// The durable record with `sequence`, read directly at its byte offset (the offsets and
    /// the frame format of a log file are indexed on the first lookup in it: one scan, 8
    /// bytes per record).
    /// - Returns: nil if no durable record has that sequence.
    /// - Throws: `missingRecords` if its file was removed by `compact()`; `corruptRecord` if the
    ///   record no longer checks; storage errors.
    public func record(at sequence: UInt64) throws(LedgerError) -> LogRecord? {
        guard sequence >= 1, sequence <= lastSequence else { return nil }
        guard let index = segments.lastIndex(where: { $0.firstSequence <= sequence }) else {
            throw LedgerError.missingRecords(expectedFirst: sequence, found: segments.first?.firstSequence)
        }
        let segment = segments[index]
        let isCurrent = index == segments.count - 1
        let file = isCurrent ? current : try storage.open(segment.name, create: false)
        defer { if !isCurrent { storage.close(file) } }
        let path = Self.path(storage, segment.name)
        var scanner = try SegmentScanner(storage: storage, file: file, path: path, limit: isCurrent ? durableEnd : nil,
                                         format: recordIndex[segment.name]?.format, crc: options.crc32c)
        if recordIndex[segment.name] == nil {
            try scanner.checkHeader(firstSequence: segment.firstSequence)
            var offsets: [UInt64] = []
            var offset = UInt64(LogFormat.headerBytes)
            scan: while true {
                switch try scanner.frame(at: offset) {
                case .end: break scan
                case let .valid(_, next):
                    offsets.append(offset)
                    offset = next
                case let .damaged(reason):
                    throw LedgerError.corruptRecord(path: path, offset: offset,
                                                    sequence: segment.firstSequence + UInt64(offsets.count),
                                                    reason: reason + " in a durable record")
                }
            }
            guard let format = scanner.format else { preconditionFailure("checkHeader read the format") }
            recordIndex[segment.name] = RecordIndex(format: format, offsets: offsets)
        }
        let position = Int(sequence - segment.firstSequence)
        guard let offsets = recordIndex[segment.name]?.offsets, position < offsets.count else { return nil }
        // Read exactly the frame (it ends where the next one starts, or at the durable end),
        // not a scan's megabyte: a lookup costs its record's bytes.
        let frameEnd = position + 1 < offsets.count ? offsets[position + 1] : scanner.size
        if frameEnd > offsets[position] { scanner.readAhead = Int(clamping: frameEnd - offsets[position]) }
        switch try scanner.frame(at: offsets[position]) {
        case let .valid(record, _) where record.sequence == sequence:
            return record
        case let .valid(record, _):
            throw LedgerError.sequenceGap(path: path, offset: offsets[position], expected: sequence, found: record.sequence)
        case let .damaged(reason):
            throw LedgerError.corruptRecord(path: path, offset: offsets[position], sequence: sequence, reason: reason)
        case .end:
            return nil
        }
    }
}
