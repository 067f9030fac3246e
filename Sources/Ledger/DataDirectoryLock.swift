internal import Glibc

/// An exclusive claim on a data directory for the life of one process: `flock` on the file
/// `LOCK` inside it, which holds the owner's process id as text. Two processes that both
/// wrote one ledger would each acknowledge batches at the same sequence, and only one of
/// them could survive; every command that writes a data directory takes this lock first and
/// keeps the value alive until it exits. The kernel drops the lock when the process ends,
/// however it ends, so a crash never leaves the directory claimed.
public final class DataDirectoryLock: Sendable {
    /// The name of the lock file inside the data directory.
    public static let fileName = "LOCK"
    /// The directory this lock claims.
    public let directory: String
    private let descriptor: Int32

    /// Claims `directory` (which must exist) for this process.
    /// - Throws: `LedgerError.directoryInUse` when another process holds it (with that
    ///   process's id when its lock file names one); `.io` when the lock file cannot be opened.
    public init(directory: String) throws(LedgerError) {
        self.directory = directory
        let path = directory + "/" + Self.fileName
        var fd: Int32
        repeat { fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw POSIXStorage.error("open lock file", path, errno) }
        var status: Int32
        repeat { status = flock(fd, LOCK_EX | LOCK_NB) } while status != 0 && errno == EINTR
        guard status == 0 else {
            let code = errno
            let holder = Self.readProcessID(fd)
            _ = Glibc.close(fd)
            if code == EWOULDBLOCK { throw LedgerError.directoryInUse(path: directory, processID: holder) }
            throw POSIXStorage.error("lock", path, code)
        }
        // Record the holder for the message a second process prints. The lock, not this
        // text, is what excludes: a stale id left by a dead process is simply overwritten.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit { _ = Glibc.close(descriptor) }

    /// The process id written in the lock file, if it holds one.
    private static func readProcessID(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        let digits = buffer[..<n].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
