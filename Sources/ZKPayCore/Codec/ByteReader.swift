public import Ristretto255

/// Reads a canonical zkpay encoding and rejects anything non-canonical, naming the field.
///
/// Field names are autoclosures so that the decoder builds no strings on the success path.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    /// Offset of the next unread byte.
    public private(set) var offset: Int
    /// Points already decoded from this reader's bytes (by `Transfer`'s batch decoding),
    /// by offset; `point` uses an entry only if the bytes there are its encoding.
    var predecoded: [Int: (encoding: ArraySlice<UInt8>, point: RistrettoPoint)] = [:]

    /// A reader positioned at the first byte of `data`.
    public init(_ data: some Collection<UInt8>) {
        bytes = Array(data)
        offset = 0
    }

    /// The bytes read since offset `start`.
    public func bytes(from start: Int) -> ArraySlice<UInt8> { bytes[start..<offset] }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Returns the next `count` bytes.
    /// - Throws: `truncated` naming `field`.
    public mutating func raw(_ count: Int, _ field: @autoclosure () -> String) throws(ProtocolError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw .truncated(field: field(), needed: count, remaining: remaining)
        }
        let out = Array(bytes[offset..<(offset + count)])
        offset += count
        return out
    }

    /// Moves past the next `count` bytes without copying them (fields a caller reads later
    /// from the encoding it holds).
    /// - Throws: `truncated` naming `field`.
    public mutating func skip(_ count: Int, _ field: @autoclosure () -> String) throws(ProtocolError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(field: field(), needed: count, remaining: remaining)
        }
        offset += count
    }

    /// The bytes not yet read, sharing the reader's storage.
    public var unread: ArraySlice<UInt8> { bytes[offset...] }

    /// Reads one byte.
    public mutating func u8(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated(field: field(), needed: 1, remaining: remaining) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads a little-endian u16.
    public mutating func u16(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt16 {
        UInt16(truncatingIfNeeded: try little(2, field()))
    }

    /// Reads a little-endian u32.
    public mutating func u32(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt32 {
        UInt32(truncatingIfNeeded: try little(4, field()))
    }

    /// Reads a little-endian u64.
    public mutating func u64(_ field: @autoclosure () -> String) throws(ProtocolError) -> UInt64 {
        try little(8, field())
    }

    private mutating func little(_ width: Int, _ field: @autoclosure () -> String) throws(ProtocolError) -> UInt64 {
        guard remaining >= width else { throw .truncated(field: field(), needed: width, remaining: remaining) }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        offset += width
        return value
    }

    /// Reads a one-byte count and checks it against `allowed` before anything is allocated.
    /// - Throws: `truncated`, or `countOutOfRange` naming `field`.
    public mutating func count(_ field: @autoclosure () -> String, allowed: ClosedRange<Int>) throws(ProtocolError) -> Int {
        let n = Int(try u8(field()))
        guard allowed.contains(n) else {
            throw .countOutOfRange(field: field(), count: n, allowed: "\(allowed.lowerBound)...\(allowed.upperBound)")
        }
        return n
    }

    /// Reads a one-byte count that must be one of `allowed` (e.g. powers of two).
    public mutating func count(_ field: @autoclosure () -> String, oneOf allowed: [Int]) throws(ProtocolError) -> Int {
        let n = Int(try u8(field()))
        guard allowed.contains(n) else {
            throw .countOutOfRange(field: field(), count: n, allowed: allowed.map(String.init).joined(separator: ", "))
        }
        return n
    }

    /// Reads a u16 length and that many bytes; the length must lie in `allowed`.
    public mutating func lengthPrefixed(_ field: @autoclosure () -> String,
                                        allowed: ClosedRange<Int>) throws(ProtocolError) -> [UInt8] {
        let n = Int(try u16(field() + " length"))
        guard allowed.contains(n) else {
            throw .countOutOfRange(field: field() + " length", count: n,
                                   allowed: "\(allowed.lowerBound)...\(allowed.upperBound)")
        }
        return try raw(n, field())
    }

    /// Reads a 32-byte canonical ristretto255 encoding.
    /// - Throws: `truncated` or `nonCanonicalPoint` naming `field`.
    public mutating func point(_ field: @autoclosure () -> String) throws(ProtocolError) -> RistrettoPoint {
        if let p = predecoded[offset], remaining >= 32, bytes[offset..<(offset + 32)].elementsEqual(p.encoding) {
            offset += 32
            return p.point
        }
        let encoding = try raw(32, field())
        do { return try RistrettoPoint(encoding: encoding) } catch { throw .nonCanonicalPoint(field: field()) }
    }

    /// Reads a point that must not be the identity (public keys, note owners).
    public mutating func nonIdentityPoint(_ field: @autoclosure () -> String) throws(ProtocolError) -> RistrettoPoint {
        let p = try point(field())
        guard !p.isIdentity else { throw .identityPoint(field: field()) }
        return p
    }

    /// Reads a 32-byte canonical scalar (< l).
    /// - Throws: `truncated` or `nonCanonicalScalar` naming `field`.
    public mutating func scalar(_ field: @autoclosure () -> String) throws(ProtocolError) -> Scalar {
        let encoding = try raw(32, field())
        do { return try Scalar(canonical: encoding) } catch { throw .nonCanonicalScalar(field: field()) }
    }

    /// Confirms that the whole input was consumed.
    /// - Throws: `trailingBytes`.
    public func finish() throws(ProtocolError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }
}
