internal import Glibc

/// `Storage` on a real directory through POSIX calls: `openat`, `pwrite`, `pread`, `fsync`,
/// `ftruncate`, `renameat`, and `fsync` of the directory descriptor. Interrupted calls
/// (EINTR) are retried; ENOSPC and EDQUOT become `LedgerError.diskFull`.
///
/// `writeAndSync` (the log's group commit) writes with direct I/O where the file system
/// allows it: a second descriptor of the file opened with O_DIRECT, whole 4 KiB blocks from
/// aligned memory, then `fdatasync`. The bytes go from the process to the device without a
/// copy into the page cache and without the kernel's writeback of dirty pages, so a batch
/// spends less CPU time in the kernel and waits less. The block holding the write's first byte is
/// rewritten whole: its earlier bytes (kept from the previous direct write, or read back) are
/// written again unchanged (a sector either keeps its old bytes or takes the new ones, and
/// for those bytes they are the same), and the last block
/// is completed with zeros, so the file can end in up to 4 KiB - 1 zero bytes after the
/// last record (the `Storage` contract allows it). File systems without O_DIRECT (tmpfs on
/// older kernels) and `directIO: false` (`StorageOptions.directIO`) get `write` + `sync`.
///
/// After a direct write, a background thread (`ZeroFiller`) keeps `zeroAhead` bytes past
/// its end zero-filled and synced, so that the next group commits overwrite blocks that are
/// already written instead of extending the file (no block allocation, no journal commit in
/// their `fdatasync`). The file then ends in up to `zeroAhead` + 1 MiB zero bytes after the
/// last record, which the `Storage` contract also allows.
///
/// Not safe for concurrent use from several threads (the log has a single writer); file
/// descriptors are owned by the caller through `StorageFile`, the direct-I/O descriptors
/// and the aligned staging memory by the storage.
public final class POSIXStorage: Storage {
    /// The directory path.
    public let location: String
    private let directoryDescriptor: Int32
    /// Block size and memory alignment of direct writes: a multiple of the logical block
    /// sizes devices use (512 and 4096 bytes).
    static let directBlockBytes = 4096
    /// Whether `writeAndSync` tries direct I/O (cleared when the file system refuses it).
    private var directIO: Bool
    /// The O_DIRECT descriptor of each file written by `writeAndSync`, by its own descriptor.
    private var directDescriptors: [Int32: Int32] = [:]
    /// Aligned staging memory for direct writes (grown as needed).
    private var staging: UnsafeMutableRawPointer?
    private var stagingBytes = 0
    /// The last block a direct write wrote, per file (by its descriptor): the next write
    /// completes it without reading it back from the device. Dropped by any other change
    /// to the file through this storage.
    private var lastBlocks: [Int32: (offset: UInt64, bytes: [UInt8])] = [:]
    /// Bytes kept zero-filled ahead of the end of the last direct write of a file (0: none).
    public let zeroAhead: Int
    /// The background thread that fills them (started with the first direct write).
    private var filler: ZeroFiller?

    /// The default `zeroAhead`: 8 MiB (about 17 batches of 256 transfers).
    public static let defaultZeroAhead = 8 << 20

    /// Opens `directory` as `init(directory:create:directIO:zeroAhead:)` does, with the
    /// I/O choices of `options`.
    public convenience init(directory: String, create: Bool = true, options: StorageOptions) throws(LedgerError) {
        try self.init(directory: directory, create: create, directIO: options.directIO, zeroAhead: options.zeroAheadBytes)
    }

    /// Opens `directory`, creating it (mode 0700, then syncing its parent) if `create` and it does
    /// not exist; its parent must exist.
    /// - Throws: `LedgerError.io` or `.missingFile` if the directory cannot be opened.
    /// - Parameters:
    ///   - directIO: false to make `writeAndSync` a buffered `write` + `sync`.
    ///   - zeroAhead: bytes to keep zero-filled past the end of direct writes (0: none).
    public init(directory: String, create: Bool = true, directIO: Bool = true,
                zeroAhead: Int = POSIXStorage.defaultZeroAhead) throws(LedgerError)
    {
        location = directory
        self.zeroAhead = max(0, zeroAhead)
        self.directIO = directIO && Self.oDirect != nil
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

    deinit {
        closeDirectDescriptors()
        free(staging)
        _ = Glibc.close(directoryDescriptor)
    }

    /// The O_DIRECT flag (Swift's Glibc module does not export it: its value depends on the
    /// architecture); nil where it is not known, and direct I/O is then not used.
    static var oDirect: Int32? {
        #if os(Linux) && (arch(x86_64) || arch(i386))
        0o40000
        #elseif os(Linux) && (arch(arm64) || arch(arm))
        0o200000
        #else
        nil
        #endif
    }

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
        filler?.stop(file.handle)
        // close(2) after EINTR leaves the descriptor closed on Linux; retrying could close another file.
        if let direct = directDescriptors.removeValue(forKey: file.handle) { _ = Glibc.close(direct) }
        lastBlocks[file.handle] = nil
        _ = Glibc.close(file.handle)
    }

    public func size(of file: StorageFile) throws(LedgerError) -> UInt64 {
        var info = stat()
        guard fstat(file.handle, &info) == 0 else { throw Self.error("stat", path(file.name), errno) }
        return UInt64(info.st_size)
    }

    public func read(_ file: StorageFile, at offset: UInt64, count: Int) throws(LedgerError) -> [UInt8] {
        precondition(count >= 0)
        var failure: Int32 = 0
        // Uninitialized storage: the array is exactly the bytes read, with no zero fill
        // before the read (recovery reads the whole log through here).
        let out = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count, let base = buffer.baseAddress {
                let n = pread(file.handle, base + done, count - done, off_t(offset) + off_t(done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    break  // end of file
                } else if errno != EINTR {
                    failure = errno
                    break
                }
            }
            initialized = done
        }
        if failure != 0 { throw Self.error("read", path(file.name), failure) }
        return out
    }

    public func write(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError) {
        filler?.stop(file.handle)
        lastBlocks[file.handle] = nil
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

    /// Direct I/O where the file system allows it (see the type's documentation), else `write` + `sync`.
    public func writeAndSync(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError) {
        try writeAndSync(file, at: offset, count: bytes.count) { out in
            bytes.withUnsafeBytes { if let b = $0.baseAddress { out.baseAddress!.copyMemory(from: b, byteCount: bytes.count) } }
        }
    }

    /// As `writeAndSync(_:at:_:)`; with direct I/O, `fill` writes into the aligned staging memory.
    public func writeAndSync(_ file: StorageFile, at offset: UInt64, count: Int,
                             fill: (UnsafeMutableRawBufferPointer) -> Void) throws(LedgerError) {
        guard count > 0, let direct = try directDescriptor(file) else {
            try write(file, at: offset, Self.bytes(count: count, fill: fill))
            try sync(file)
            return
        }
        let block = UInt64(Self.directBlockBytes)
        let start = offset / block * block
        let head = Int(offset - start)
        let end = head + count
        let total = (end + Self.directBlockBytes - 1) / Self.directBlockBytes * Self.directBlockBytes
        let buffer = try stagingBuffer(total)
        // Nothing else writes below the write's end from here on (the filler's chunk in
        // flight, if it reaches that far, ends first).
        _ = filler?.claim(file.handle, through: start + UInt64(total))
        // The block's bytes before `offset`, to be written again unchanged: from the last
        // direct write when it ended in this block, else read back.
        var got = 0
        if head > 0, let last = lastBlocks[file.handle], last.offset == start {
            last.bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: head) }
            got = head
        }
        lastBlocks[file.handle] = nil
        while got < head {
            let n = pread(file.handle, buffer + got, head - got, off_t(start) + off_t(got))
            if n > 0 {
                got += n
            } else if n == 0 {
                throw LedgerError.io(operation: "read before a direct write (the file is shorter than the write's offset)",
                                     path: path(file.name), code: EINVAL)
            } else if errno != EINTR {
                throw Self.error("read", path(file.name), errno)
            }
        }
        fill(UnsafeMutableRawBufferPointer(start: buffer + head, count: count))
        (buffer + end).initializeMemory(as: UInt8.self, repeating: 0, count: total - end)
        var done = 0
        while done < total {
            let n = pwrite(direct, buffer + done, total - done, off_t(start) + off_t(done))
            if n > 0, n % Self.directBlockBytes == 0 {
                done += n
            } else if n > 0 {
                // A short write that is not whole blocks cannot be continued with O_DIRECT.
                throw LedgerError.io(operation: "direct write (short write of \(n) bytes)", path: path(file.name), code: EIO)
            } else if n < 0, errno == EINVAL, done == 0 {
                // The file system opened the file for direct I/O but refuses this write
                // (alignment rules stricter than 4 KiB): buffered writes from now on.
                directIO = false
                closeDirectDescriptors()
                try write(file, at: offset, Array(UnsafeRawBufferPointer(start: buffer + head, count: count)))
                try sync(file)
                return
            } else if n == 0 || errno != EINTR {
                throw Self.error("write", path(file.name), n == 0 ? EIO : errno)
            }
        }
        var status: Int32
        repeat { status = fdatasync(direct) } while status != 0 && errno == EINTR
        guard status == 0 else { throw Self.error("fdatasync", path(file.name), errno) }
        let lastStart = total - Self.directBlockBytes
        lastBlocks[file.handle] = (start + UInt64(lastStart),
                                   Array(UnsafeRawBufferPointer(start: buffer + lastStart, count: Self.directBlockBytes)))
        fillAhead(file, descriptor: direct, end: start + UInt64(total))
    }

    /// Closes every direct-I/O descriptor, once the filler has finished any chunk it is
    /// writing through one.
    private func closeDirectDescriptors() {
        for (file, fd) in directDescriptors {
            filler?.stop(file)
            _ = Glibc.close(fd)
        }
        directDescriptors = [:]
    }

    /// Has the filler keep `zeroAhead` bytes past `end` (the end of a direct write of
    /// `file`) zero-filled, topping up once less than half of them is left.
    private func fillAhead(_ file: StorageFile, descriptor: Int32, end: UInt64) {
        guard zeroAhead > 0 else { return }
        let filler = filler ?? ZeroFiller()
        self.filler = filler
        let ahead = UInt64(zeroAhead)
        if let zeroed = filler.zeroedEnd(file.handle), zeroed >= end + ahead / 2 { return }
        filler.fill(file.handle, descriptor: descriptor, from: end, to: end + ahead)
    }

    /// The end of the zero-filled region of `file` past its last direct write (nil if none
    /// is being kept), for tests and diagnostics.
    func zeroFilledEnd(_ file: StorageFile) -> UInt64? { filler?.zeroedEnd(file.handle) }

    /// Waits until the background zero-filling has caught up with every file (tests, and
    /// benchmarks that measure a group commit in the steady state, where it has).
    public func waitForZeroFill() { filler?.waitUntilIdle() }

    /// Why the filler last stopped filling a file, if it did (diagnostics).
    var zeroFillFailure: LedgerError? { filler?.lastFailure }

    /// The O_DIRECT descriptor of `file`, opened on first use; nil when direct I/O is off or
    /// the file system refuses it (then it stays off for this storage).
    private func directDescriptor(_ file: StorageFile) throws(LedgerError) -> Int32? {
        guard directIO, let flag = Self.oDirect else { return nil }
        if let fd = directDescriptors[file.handle] { return fd }
        var fd: Int32
        repeat { fd = openat(directoryDescriptor, file.name, O_WRONLY | O_CLOEXEC | flag) } while fd < 0 && errno == EINTR
        if fd < 0 {
            if errno == EINVAL || errno == EOPNOTSUPP {
                directIO = false
                return nil
            }
            throw Self.error("open for direct I/O", path(file.name), errno)
        }
        directDescriptors[file.handle] = fd
        return fd
    }

    /// At least `count` bytes of block-aligned staging memory.
    private func stagingBuffer(_ count: Int) throws(LedgerError) -> UnsafeMutableRawPointer {
        if let staging, stagingBytes >= count { return staging }
        free(staging)
        staging = nil
        stagingBytes = 0
        let size = max(count, 1 << 20)
        var memory: UnsafeMutableRawPointer?
        let status = posix_memalign(&memory, Self.directBlockBytes, size)
        guard status == 0, let memory else { throw LedgerError.io(operation: "allocate a direct-I/O buffer", path: location, code: status) }
        staging = memory
        stagingBytes = size
        return memory
    }

    public func truncate(_ file: StorageFile, to size: UInt64) throws(LedgerError) {
        filler?.stop(file.handle)
        lastBlocks[file.handle] = nil
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
