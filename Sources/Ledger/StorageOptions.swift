/// The I/O choices of a ledger's storage and log, made by the executable (from flags or its
/// environment) and passed down; the library reads no environment variables.
public struct StorageOptions: Sendable, Equatable {
    /// Write the log with O_DIRECT where the file system supports it (false: buffered
    /// `write` + `sync`, for file systems that accept O_DIRECT but misbehave with it).
    public var directIO: Bool
    /// Bytes kept zero-filled ahead of the log's end after direct writes (0: none).
    public var zeroAheadBytes: Int
    /// The CRC-32C code of the log's frame checksums (one the CPU runs).
    public var crc32c: CRC32CImplementation

    /// - Parameters:
    ///   - directIO: default true.
    ///   - zeroAheadBytes: default `POSIXStorage.defaultZeroAhead` (8 MiB); negative counts as 0.
    ///   - crc32c: default the software CRC, which every CPU runs; the executable passes the
    ///     fastest one the CPU has.
    public init(directIO: Bool = true, zeroAheadBytes: Int = POSIXStorage.defaultZeroAhead,
                crc32c: CRC32CImplementation = .software) {
        self.directIO = directIO
        self.zeroAheadBytes = max(0, zeroAheadBytes)
        self.crc32c = crc32c
    }

    /// Log options with these options' CRC-32C code and `base`'s limits.
    public func logOptions(_ base: LogOptions = LogOptions()) -> LogOptions {
        var options = base
        options.crc32c = crc32c
        return options
    }
}
