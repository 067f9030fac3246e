public import Ristretto255

/// Builds a canonical zkpay encoding: little-endian integers, fixed-size points and
/// scalars, counts as single bytes, variable-length fields with a u16 length prefix
/// (docs/PROTOCOL.md §3).
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Appends one byte.
    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    /// Appends a little-endian u16.
    public mutating func u16(_ value: UInt16) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a little-endian u32.
    public mutating func u32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a little-endian u64.
    public mutating func u64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends raw bytes (a fixed-size field: the reader knows the length).
    public mutating func raw(_ data: some Sequence<UInt8>) { bytes.append(contentsOf: data) }

    /// Appends raw bytes with one copy. (The generic form is not specialised across modules:
    /// from another module it appends element by element.)
    public mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    /// Appends raw bytes from a slice with one copy (see `raw(_: [UInt8])`).
    public mutating func raw(_ data: ArraySlice<UInt8>) { bytes.append(contentsOf: data) }

    /// Appends the bytes of a buffer with one copy (see `raw(_: [UInt8])`).
    public mutating func raw(_ data: UnsafeRawBufferPointer) { bytes.append(contentsOf: data) }

    /// Appends a u16 length and then the bytes.
    /// - Precondition: at most 65535 bytes (callers encode only objects they built).
    public mutating func lengthPrefixed(_ data: [UInt8]) {
        precondition(data.count <= Int(UInt16.max), "length-prefixed field longer than 65535 bytes")
        u16(UInt16(data.count))
        bytes.append(contentsOf: data)
    }

    /// Appends a 32-byte ristretto255 encoding.
    public mutating func point(_ point: RistrettoPoint) { bytes.append(contentsOf: point.encoding) }

    /// Appends a 32-byte canonical scalar.
    public mutating func scalar(_ scalar: Scalar) { bytes.append(contentsOf: scalar.bytes) }
}
