internal import Glibc

/// Everything that can go wrong in the ledger's durability layer. Cases carry the file,
/// byte offset and sequence involved; `description` says what failed and what to do.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call on `path` failed with `code` (an errno value).
    case io(operation: String, path: String, code: Int32)
    /// The file system has no space left (ENOSPC or EDQUOT) while writing `path`.
    case diskFull(path: String)
    /// A file the ledger needs does not exist.
    case missingFile(path: String)
    /// A file name contains '/' or is empty, '.' or '..'; storage names are plain names in one directory.
    case invalidName(String)
    /// The simulated storage crashed; only `SimulatedStorage.restart` brings it back (tests only).
    case crashed
    /// A log file does not start with the log magic, or its header checksum is wrong.
    case badHeader(path: String, reason: String)
    /// A log or snapshot file was written by a format version this build does not read
    /// (`supported`: the newest it reads; it reads every earlier one too).
    case unsupportedVersion(path: String, found: UInt32, supported: UInt32)
    /// A damaged record followed by valid data: acknowledged records would be lost by truncating.
    case corruptRecord(path: String, offset: UInt64, sequence: UInt64, reason: String)
    /// A record with a valid checksum carries a sequence other than the next one.
    case sequenceGap(path: String, offset: UInt64, expected: UInt64, found: UInt64)
    /// The log files do not cover the sequences after the snapshot (a file is missing).
    case missingRecords(expectedFirst: UInt64, found: UInt64?)
    /// The snapshot file is damaged.
    case corruptSnapshot(path: String, reason: String)
    /// A snapshot was requested through a sequence the log has not made durable.
    case snapshotAhead(requested: UInt64, durable: UInt64)
    /// A snapshot was requested through a sequence older than the snapshot already written.
    case snapshotBehind(requested: UInt64, current: UInt64)
    /// The log ends before the sequence the snapshot covers: acknowledged records are missing.
    case logBehindSnapshot(logEnd: UInt64, snapshot: UInt64)
    /// A payload exceeds the per-record limit.
    case recordTooLarge(bytes: Int, limit: Int)
    /// An earlier failure could not be cleaned up; the log refuses writes until it is reopened.
    case logUnusable(reason: String)
    /// The replay callback rejected a record during recovery.
    case replayRejected(sequence: UInt64, reason: String)
    /// Another process holds the data directory's lock (`processID` when its lock file names it).
    case directoryInUse(path: String, processID: Int32?)
    /// The batch was not committed to the replicated log (this validator no longer leads, or
    /// the consensus engine did not answer); `outcomeUnknown` when the append may still have
    /// committed. Nothing of the batch was settled here.
    case notReplicated(reason: String, outcomeUnknown: Bool)
    /// A batch of the replicated log that this validator refuses to apply (it would reject an
    /// item, or the batch does not continue its chain): the leader that wrote it is faulty.
    case replicaRejected(sequence: UInt64, reason: String)

    public var description: String {
        switch self {
        case let .io(operation, path, code):
            "\(operation) \(path) failed: \(Self.systemMessage(code)) (errno \(code)); \(Self.advice(code))"
        case let .diskFull(path):
            "no space left on the device while writing \(path); the batch was not committed. "
                + "Free disk space (or move the data directory to a larger volume) and resubmit"
        case let .missingFile(path):
            "\(path) does not exist; check the data directory path"
        case let .invalidName(name):
            "'\(name)' is not a valid storage file name; names are plain file names without '/'"
        case .crashed:
            "the simulated storage has crashed; call restart() and reopen the log (test storage only)"
        case let .badHeader(path, reason):
            "\(path) is not a valid zkpay log file (\(reason)); check that the data directory belongs "
                + "to this ledger, or restore the file from a backup"
        case let .unsupportedVersion(path, found, supported):
            "\(path) has format version \(found) but this build reads versions up to \(supported); "
                + "run the zkpay version that wrote it"
        case let .corruptRecord(path, offset, sequence, reason):
            "\(path) is corrupt at byte offset \(offset) (record with sequence \(sequence): \(reason)) and "
                + "valid records follow it; refusing to truncate acknowledged records. Restore the file "
                + "from a backup or a replica"
        case let .sequenceGap(path, offset, expected, found):
            "\(path) at byte offset \(offset) holds sequence \(found) where \(expected) was expected; "
                + "the log was modified or mixed with another ledger's log. Restore it from a backup"
        case let .missingRecords(expectedFirst, found):
            if let found {
                "the log resumes at sequence \(found) but sequence \(expectedFirst) is the next one needed; "
                    + "a log file is missing from the data directory. Restore it from a backup"
            } else {
                "no log file holds sequence \(expectedFirst) or later although a snapshot exists; "
                    + "the log files are missing from the data directory. Restore them from a backup"
            }
        case let .corruptSnapshot(path, reason):
            "the snapshot \(path) is damaged (\(reason)); restore it from a backup"
        case let .directoryInUse(path, processID):
            "the data directory \(path) is already served by "
                + (processID.map { "process \($0)" } ?? "another process")
                + "; stop that process first (only one process may write a ledger)"
        case let .snapshotAhead(requested, durable):
            "cannot write a snapshot through sequence \(requested): only \(durable) records are durable"
        case let .snapshotBehind(requested, current):
            "cannot write a snapshot through sequence \(requested): a snapshot through \(current) already exists "
                + "and the log before it may be compacted; snapshot the current state instead"
        case let .logBehindSnapshot(logEnd, snapshot):
            "the log ends at sequence \(logEnd) but the snapshot covers \(snapshot); log files are missing "
                + "or were cut. Restore the data directory from a backup"
        case let .recordTooLarge(bytes, limit):
            "a record of \(bytes) bytes exceeds the limit of \(limit) bytes; split it"
        case let .logUnusable(reason):
            "the log refuses writes after a failure it could not clean up (\(reason)); "
                + "restart the ledger so that recovery repairs the log"
        case let .replayRejected(sequence, reason):
            "replaying record \(sequence) failed: \(reason)"
        case let .notReplicated(reason, unknown):
            "the batch was not committed to the replicated log (\(reason))"
                + (unknown ? "; it may still have committed: resolve the transfer by its id" : "; nothing was settled")
        case let .replicaRejected(sequence, reason):
            "the replicated batch at sequence \(sequence) is refused: \(reason); the leader that wrote it is faulty"
        }
    }

    /// True for the errors that mean "the device is full": the caller may retry after freeing space.
    public var isDiskFull: Bool {
        if case .diskFull = self { return true }
        return false
    }

    static func systemMessage(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "unknown error" }
        return String(cString: text)
    }

    static func advice(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: "check that the data directory and its files are writable by this user"
        case EROFS: "the file system is mounted read-only; remount it read-write"
        case EIO: "the device reported an I/O error; check the disk and the kernel log before restarting"
        case ENOENT: "the file or directory does not exist; check the data directory path"
        case EMFILE, ENFILE: "too many open files; raise the file descriptor limit (ulimit -n)"
        case ENOTDIR: "a path component is not a directory; check the data directory path"
        default: "check the data directory and the disk"
        }
    }
}
