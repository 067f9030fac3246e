import Foundation

/// The text of a C errno value.
func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// Small POSIX file helpers: private modes, durable atomic replacement, advisory locks.
///
/// Every state file of a wallet home is written whole through `writeAtomically`: a
/// temporary file in the same directory (mode 0600), fsync, rename over the old file,
/// fsync of the directory. A crash leaves the old or the new file, never a mix.
enum Files {
    /// Creates `path` (and missing parents) with `mode`, or checks it is a directory.
    static func ensureDirectory(_ path: String, mode: mode_t = 0o700) throws(WalletError) {
        var st = stat()
        if stat(path, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else { throw .io(path: path, operation: "use as a directory", errno: ENOTDIR) }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path, stat(parent, &st) != 0 { try ensureDirectory(parent, mode: mode) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw .io(path: path, operation: "create directory", errno: errno) }
        // mkdir applies the umask; set the mode we mean.
        guard chmod(path, mode) == 0 else { throw .io(path: path, operation: "set the mode of", errno: errno) }
    }

    /// Whether a file exists at `path`.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// The whole file, or nil if it does not exist.
    static func read(_ path: String) throws(WalletError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io(path: path, operation: "open", errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "read", errno: errno)
            }
            if n == 0 { break }
            out += chunk[0..<n]
            guard out.count <= 64 << 20 else { throw .stateCorrupt(path: path, reason: "larger than 64 MiB") }
        }
        return out
    }

    /// Writes `bytes` to `path` atomically and durably with `mode`.
    /// - Parameter exclusive: fail with `EEXIST` instead of replacing an existing file
    ///   (the final step is `link`, which never overwrites).
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600,
                                exclusive: Bool = false) throws(WalletError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io(path: temporary, operation: "create", errno: errno) }
        var failure: WalletError?
        var written = 0
        while written < bytes.count, failure == nil {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 {
                if errno != EINTR { failure = .io(path: temporary, operation: "write", errno: errno) }
            } else {
                written += n
            }
        }
        if failure == nil, fchmod(fd, mode) != 0 { failure = .io(path: temporary, operation: "set the mode of", errno: errno) }
        if failure == nil, fsync(fd) != 0 { failure = .io(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        if failure == nil {
            if exclusive {
                if link(temporary, path) != 0 { failure = .io(path: path, operation: "create", errno: errno) }
                unlink(temporary)
            } else if rename(temporary, path) != 0 {
                failure = .io(path: path, operation: "replace", errno: errno)
            }
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        syncDirectory(directory)
    }

    /// fsyncs a directory so that a rename or link in it is durable. Best effort: some
    /// file systems refuse to fsync directories, and the data itself is already synced.
    static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Runs `body` holding an exclusive `flock` on `path` (created 0600), so that two
    /// zkpay processes never interleave read-modify-write cycles of the same state.
    static func withLock<R>(_ path: String, _ body: () throws -> R) throws -> R {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WalletError.io(path: path, operation: "open the lock file", errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw WalletError.io(path: path, operation: "lock", errno: errno) }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }

    /// The permission bits of `path`.
    static func mode(_ path: String) -> mode_t? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return st.st_mode & 0o7777
    }
}
