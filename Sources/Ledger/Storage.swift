/// An open file of a `Storage`. Only the storage that returned it can use it.
public struct StorageFile: Hashable, Sendable {
    /// The file's name inside the storage directory.
    public let name: String
    /// The storage's own handle (a file descriptor for `POSIXStorage`).
    package let handle: Int32

    package init(name: String, handle: Int32) {
        self.name = name
        self.handle = handle
    }
}

/// The file-system seam under the write-ahead log and the snapshots: one flat directory of
/// named files, and the few operations whose durability the log reasons about.
///
/// Durability contract (what the log relies on, and what `SimulatedStorage` enforces):
/// - bytes written to a file are durable only after `sync(_:)` of that file returned;
/// - a created, renamed or removed name is durable only after `syncDirectory()` returned;
/// - after a crash, a file holds its durable bytes plus possibly a prefix of the bytes
///   written after its last sync.
/// Every operation reports failure as a `LedgerError` naming the file.
public protocol Storage: AnyObject {
    /// Where the files live, for messages.
    var location: String { get }
    /// Opens `name` for reading and writing; creates it (empty) if `create` and it does not exist.
    func open(_ name: String, create: Bool) throws(LedgerError) -> StorageFile
    /// Releases `file`. Closing cannot fail in a way the log could act on, so it does not throw.
    func close(_ file: StorageFile)
    /// The current size of `file` in bytes.
    func size(of file: StorageFile) throws(LedgerError) -> UInt64
    /// Up to `count` bytes of `file` starting at `offset` (fewer only at the end of the file).
    func read(_ file: StorageFile, at offset: UInt64, count: Int) throws(LedgerError) -> [UInt8]
    /// Writes all of `bytes` at `offset` (extending the file if needed), or throws.
    func write(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError)
    /// Makes every byte written to `file` so far durable (fsync).
    func sync(_ file: StorageFile) throws(LedgerError)
    /// Writes all of `bytes` at `offset` and makes every byte of `file` so far durable: a
    /// `write` and a `sync` (the log's group commit), which a storage may do in one go. An
    /// implementation may rewrite bytes of the file before `offset` with the values they
    /// already have, and may leave zero bytes after the end of `bytes` (the file then ends
    /// in zeros; readers that know where the written bytes end, as the log does, never see
    /// them, and recovery treats them as the end of the records).
    func writeAndSync(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError)
    /// `writeAndSync(_:at:_:)` of the `count` bytes `fill` writes into the buffer it is given
    /// (`count` bytes long; `fill` sets every one), so that a storage with its own write
    /// buffer gets them without a copy.
    func writeAndSync(_ file: StorageFile, at offset: UInt64, count: Int,
                      fill: (UnsafeMutableRawBufferPointer) -> Void) throws(LedgerError)
    /// Cuts (or extends with zeros) `file` to `size` bytes.
    func truncate(_ file: StorageFile, to size: UInt64) throws(LedgerError)
    /// Atomically replaces `to` with `from` (rename(2)).
    func rename(_ from: String, to: String) throws(LedgerError)
    /// Makes creations, renames and removals in the directory durable (fsync of the directory).
    func syncDirectory() throws(LedgerError)
    /// Removes `name`; removing a name that does not exist is not an error.
    func remove(_ name: String) throws(LedgerError)
    /// The names of the regular files in the directory, in no particular order.
    func list() throws(LedgerError) -> [String]
}

extension Storage {
    /// `write` then `sync`.
    public func writeAndSync(_ file: StorageFile, at offset: UInt64, _ bytes: [UInt8]) throws(LedgerError) {
        try write(file, at: offset, bytes)
        try sync(file)
    }

    /// The bytes `fill` writes into a new array, then `writeAndSync(_:at:_:)`.
    public func writeAndSync(_ file: StorageFile, at offset: UInt64, count: Int,
                             fill: (UnsafeMutableRawBufferPointer) -> Void) throws(LedgerError) {
        try writeAndSync(file, at: offset, Self.bytes(count: count, fill: fill))
    }

    /// A new array of the `count` bytes `fill` writes.
    static func bytes(count: Int, fill: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Rejects names that would leave the storage directory.
    static func validate(_ name: String) throws(LedgerError) {
        if name.isEmpty || name == "." || name == ".." || name.utf8.contains(UInt8(ascii: "/"))
            || name.utf8.contains(0)
        {
            throw LedgerError.invalidName(name)
        }
    }
}
