/// An in-memory `Storage` that models the gap between written and durable bytes, for tests
/// that crash the ledger at every byte.
///
/// Model:
/// - Each file (inode) has its current bytes (what reads see) and its durable bytes (as of
///   its last successful `sync`). Writes and truncations since that sync are kept, in the
///   order they happened across all files, as the pending operations.
/// - The directory has current and durable name → inode maps; `syncDirectory` makes the
///   current one durable.
/// - `restart(keepingUnsyncedBytes: k)` is a power loss: the directory reverts to its durable
///   map and every file to its durable bytes, then the pending operations are replayed in
///   order until `k` written bytes have been kept (the last kept write may be cut inside:
///   a torn write). `k = 0` keeps nothing that was not synced.
/// - Faults: `crashAfterBytes` cuts the write that reaches it and crashes the storage (every
///   later call throws `LedgerError.crashed` until `restart`); `capacity` makes writes beyond
///   the total file size fail with `diskFull` after writing what fits; `failingSyncs` makes
///   the next syncs fail with EIO (nothing becomes durable); `crashAtNextSync` crashes instead.
///
/// Single-threaded, for tests and fuzzing.
public final class SimulatedStorage: Storage {
    private enum Pending {
        case write(inode: Int, offset: Int, bytes: [UInt8])
        case truncate(inode: Int, size: Int)

        var inode: Int {
            switch self {
            case let .write(inode, _, _), let .truncate(inode, _): inode
            }
        }
    }

    private final class Inode {
        var current: [UInt8] = []
        var durable: [UInt8] = []
    }

    public let location = "simulated:"
    private var inodes: [Int: Inode] = [:]
    private var directory: [String: Int] = [:]
    private var durableDirectory: [String: Int] = [:]
    private var pending: [Pending] = []
    private var handles: [Int32: Int] = [:]
    private var nextInode = 1
    private var nextHandle: Int32 = 3

    /// Total bytes accepted by `write` since the storage was created (crashes do not reset it).
    public private(set) var bytesWritten = 0
    /// When set, the write that would take `bytesWritten` past this value is cut there and the storage crashes.
    public var crashAfterBytes: Int?
    /// When set, the sum of all file sizes may not exceed this many bytes: writes fail with `diskFull`.
    public var capacity: Int?
    /// The next this many `sync` calls fail with EIO and make nothing durable.
    public var failingSyncs = 0
    /// The next `sync` or `syncDirectory` crashes the storage before anything becomes durable.
    public var crashAtNextSync = false
    /// Whether the storage has crashed and waits for `restart`.
    public private(set) var isCrashed = false
    /// Number of successful `sync` calls (the log promises one per batch).
    public private(set) var syncCount = 0

    /// An empty storage.
    public init() {}

    /// Bytes written since their file's last sync, in the order written: the range of
    /// `keepingUnsyncedBytes` values that give distinct crash outcomes is `0...unsyncedBytes`.
    public var unsyncedBytes: Int {
        pending.reduce(0) { sum, op in
            if case let .write(_, _, bytes) = op { return sum + bytes.count }
            return sum
        }
    }

    /// The sum of the current sizes of all files, linked or still open.
    public var usedBytes: Int {
        let live = Set(directory.values).union(handles.values)
        return live.reduce(0) { $0 + (inodes[$1]?.current.count ?? 0) }
    }

    /// Simulates a power loss now (if not already crashed) and a reboot: see the type's model.
    /// Open handles become invalid; fault settings are cleared.
    public func restart(keepingUnsyncedBytes keep: Int = 0) {
        for inode in inodes.values { inode.current = inode.durable }
        var budget = keep
        for op in pending {
            switch op {
            case let .write(id, offset, bytes):
                guard budget > 0, let inode = inodes[id] else { break }
                let kept = Array(bytes.prefix(budget))
                budget -= kept.count
                Self.apply(kept, at: offset, to: &inode.current)
            case let .truncate(id, size):
                guard budget > 0, let inode = inodes[id] else { break }
                Self.resize(&inode.current, to: size)
            }
        }
        for inode in inodes.values { inode.durable = inode.current }
        pending = []
        directory = durableDirectory
        handles = [:]
        let live = Set(directory.values)
        inodes = inodes.filter { live.contains($0.key) }
        isCrashed = false
        crashAfterBytes = nil
        crashAtNextSync = false
        failingSyncs = 0
        capacity = nil
    }

    /// The current bytes of `name` (what a read sees), or nil if there is no such file.
    public func contents(of name: String) -> [UInt8]? {
        directory[name].flatMap { inodes[$0]?.current }
    }

    /// Replaces the current and durable bytes of `name` (to model corruption at rest); creates it if needed.
    public func setContents(of name: String, to bytes: [UInt8]) {
        let id = directory[name] ?? {
            let id = nextInode
            nextInode += 1
            inodes[id] = Inode()
            directory[name] = id
            durableDirectory[name] = id
            return id
        }()
        pending.removeAll { $0.inode == id }
        inodes[id]?.current = bytes
        inodes[id]?.durable = bytes
    }

    private static func apply(_ bytes: [UInt8], at offset: Int, to data: inout [UInt8]) {
        if data.count < offset + bytes.count { data += [UInt8](repeating: 0, count: offset + bytes.count - data.count) }
        data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
    }

    private static func resize(_ data: inout [UInt8], to size: Int) {
        if data.count > size { data.removeSubrange(size...) } else { data += [UInt8](repeating: 0, count: size - data.count) }
    }

    private func checkAlive() throws(LedgerError) {
        if isCrashed { throw LedgerError.crashed }
    }

    private func inode(_ file: StorageFile) throws(LedgerError) -> (Int, Inode) {
        try checkAlive()
        guard let id = handles[file.handle], let inode = inodes[id] else {
            throw LedgerError.io(operation: "use closed file", path: file.name, code: 9)  // EBADF
        }
        return (id, inode)
    }

    public func open(_ name: String, create: Bool) throws(LedgerError) -> StorageFile {
        try checkAlive()
        try Self.validate(name)
        let id: Int
        if let existing = directory[name] {
            id = existing
        } else {
            guard create else { throw LedgerError.missingFile(path: name) }
            id = nextInode
            nextInode += 1
            inodes[id] = Inode()
            directory[name] = id
        }
        let handle = nextHandle
        nextHandle += 1
        handles[handle] = id
        return StorageFile(name: name, handle: handle)
    }

    public func close(_ file: StorageFile) {
        handles[file.handle] = nil
    }

    public func size(of file: StorageFile) throws(LedgerError) -> UInt64 {
        UInt64(try inode(file).1.current.count)
    }

    public func read(_ file: StorageFile, at offset: UInt64, count: Int) throws(LedgerError) -> [UInt8] {
        let data = try inode(file).1.current
        guard offset < UInt64(data.count) else { return [] }
        let start = Int(offset)
        return Array(data[start..<min(data.count, start + count)])
    }

    public func write(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError) {
        let (id, inode) = try inode(file)
        let start = Int(offset)
        var accepted = bytes.count
        var failure: LedgerError?
        if let limit = crashAfterBytes, bytesWritten + accepted > limit {
            accepted = max(0, limit - bytesWritten)
            failure = .crashed
        }
        if failure == nil, let capacity {
            let growth = max(0, start + accepted - inode.current.count)
            let free = max(0, capacity - usedBytes)
            if growth > free {
                accepted = max(0, min(accepted, inode.current.count + free - start))
                failure = .diskFull(path: file.name)
            }
        }
        if accepted > 0 {
            let kept = Array(bytes.prefix(accepted))
            Self.apply(kept, at: start, to: &inode.current)
            pending.append(.write(inode: id, offset: start, bytes: kept))
            bytesWritten += accepted
        }
        if let failure {
            if failure == .crashed { isCrashed = true }
            throw failure
        }
    }

    public func sync(_ file: StorageFile) throws(LedgerError) {
        let (id, inode) = try inode(file)
        if crashAtNextSync {
            isCrashed = true
            throw LedgerError.crashed
        }
        if failingSyncs > 0 {
            failingSyncs -= 1
            throw LedgerError.io(operation: "fsync", path: file.name, code: 5)  // EIO
        }
        inode.durable = inode.current
        pending.removeAll { $0.inode == id }
        syncCount += 1
    }

    public func truncate(_ file: StorageFile, to size: UInt64) throws(LedgerError) {
        let (id, inode) = try inode(file)
        Self.resize(&inode.current, to: Int(size))
        pending.append(.truncate(inode: id, size: Int(size)))
    }

    public func rename(_ from: String, to: String) throws(LedgerError) {
        try checkAlive()
        try Self.validate(from)
        try Self.validate(to)
        guard let id = directory[from] else { throw LedgerError.missingFile(path: from) }
        directory[from] = nil
        directory[to] = id
    }

    public func syncDirectory() throws(LedgerError) {
        try checkAlive()
        if crashAtNextSync {
            isCrashed = true
            throw LedgerError.crashed
        }
        durableDirectory = directory
    }

    public func remove(_ name: String) throws(LedgerError) {
        try checkAlive()
        try Self.validate(name)
        directory[name] = nil
    }

    public func list() throws(LedgerError) -> [String] {
        try checkAlive()
        return Array(directory.keys)
    }
}
