internal import Glibc

/// `Storage` on a real directory through POSIX calls: `openat`, `pwrite`, `pread`, `fsync`,
/// `ftruncate`, `renameat`, and `fsync` of the directory descriptor. Interrupted calls
/// (EINTR) are retried; ENOSPC and EDQUOT become `LedgerError.diskFull`.
///
/// Not safe for concurrent use from several threads (the log has a single writer); it holds
/// only immutable state itself, file descriptors are owned by the caller through `StorageFile`.
public final class POSIXStorage: Storage {
    /// The directory path.
    public let location: String
    private let directoryDescriptor: Int32

    /// Opens `directory`, creating it (mode 0700, then syncing its parent) if `create` and it does
    /// not exist; its parent must exist.
    /// - Throws: `LedgerError.io` or `.missingFile` if the directory cannot be opened.
    public init(directory: String, create: Bool = true) throws(LedgerError) {
        location = directory
        if create {
            if mkdir(directory, 0o700) == 0 {
                // The new directory's own entry is durable only once its parent is synced.
                try Self.syncParent(of: directory)
            } else if errno != EEXIST {
                throw Self.error("create directory", directory, errno)
            }
        }
        var fd: Int32
        repeat { fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Self.error("open directory", directory, errno) }
        directoryDescriptor = fd
    }

    deinit { _ = Glibc.close(directoryDescriptor) }

    private static func syncParent(of directory: String) throws(LedgerError) {
        var parent = String(directory.reversed().drop(while: { $0 == "/" }).drop(while: { $0 != "/" }).reversed())
        if parent.isEmpty { parent = directory.hasPrefix("/") ? "/" : "." }
        var fd: Int32
        repeat { fd = Glibc.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw error("open directory", parent, errno) }
        defer { _ = Glibc.close(fd) }
        var status: Int32
        repeat { status = fsync(fd) } while status != 0 && errno == EINTR
        guard status == 0 else { throw error("fsync directory", parent, errno) }
    }

    private func path(_ name: String) -> String { location + "/" + name }

    static func error(_ operation: String, _ path: String, _ code: Int32) -> LedgerError {
        switch code {
        case ENOSPC, EDQUOT: .diskFull(path: path)
        case ENOENT: .missingFile(path: path)
        default: .io(operation: operation, path: path, code: code)
        }
    }

    public func open(_ name: String, create: Bool) throws(LedgerError) -> StorageFile {
        try Self.validate(name)
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        var fd: Int32
        repeat { fd = openat(directoryDescriptor, name, flags, 0o600) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw Self.error("open", path(name), errno) }
        return StorageFile(name: name, handle: fd)
    }

    public func close(_ file: StorageFile) {
        // close(2) after EINTR leaves the descriptor closed on Linux; retrying could close another file.
        _ = Glibc.close(file.handle)
    }

    public func size(of file: StorageFile) throws(LedgerError) -> UInt64 {
        var info = stat()
        guard fstat(file.handle, &info) == 0 else { throw Self.error("stat", path(file.name), errno) }
        return UInt64(info.st_size)
    }

    public func read(_ file: StorageFile, at offset: UInt64, count: Int) throws(LedgerError) -> [UInt8] {
        precondition(count >= 0)
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: Int32 = 0
        out.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(file.handle, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break  // end of file
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        if failure != 0 { throw Self.error("read", path(file.name), failure) }
        if done < count { out.removeSubrange(done...) }
        return out
    }

    public func write(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError) {
        var done = 0
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                let n = pwrite(file.handle, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                if n >= 0 {
                    done += n  // a short write is continued; the next call reports why it stopped
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
        }
        if failure != 0 { throw Self.error("write", path(file.name), failure) }
    }

    public func sync(_ file: StorageFile) throws(LedgerError) {
        var status: Int32
        repeat { status = fsync(file.handle) } while status != 0 && errno == EINTR
        guard status == 0 else { throw Self.error("fsync", path(file.name), errno) }
    }

    public func truncate(_ file: StorageFile, to size: UInt64) throws(LedgerError) {
        var status: Int32
        repeat { status = ftruncate(file.handle, off_t(size)) } while status != 0 && errno == EINTR
        guard status == 0 else { throw Self.error("truncate", path(file.name), errno) }
    }

    public func rename(_ from: String, to: String) throws(LedgerError) {
        try Self.validate(from)
        try Self.validate(to)
        guard renameat(directoryDescriptor, from, directoryDescriptor, to) == 0 else {
            throw Self.error("rename to \(to):", path(from), errno)
        }
    }

    public func syncDirectory() throws(LedgerError) {
        var status: Int32
        repeat { status = fsync(directoryDescriptor) } while status != 0 && errno == EINTR
        guard status == 0 else { throw Self.error("fsync directory", location, errno) }
    }

    public func remove(_ name: String) throws(LedgerError) {
        try Self.validate(name)
        if unlinkat(directoryDescriptor, name, 0) != 0, errno != ENOENT {
            throw Self.error("remove", path(name), errno)
        }
    }

    public func list() throws(LedgerError) -> [String] {
        guard let dir = opendir(location) else { throw Self.error("list directory", location, errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw Self.error("list directory", location, errno) }
                break
            }
            let type = entry.pointee.d_type
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            // DT_UNKNOWN: some file systems do not fill d_type; keep the name and let open decide.
            if name != "." && name != ".." && (type == UInt8(DT_REG) || type == UInt8(DT_UNKNOWN)) {
                names.append(name)
            }
        }
        return names
    }
}
