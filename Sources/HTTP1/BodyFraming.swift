/// How a response body is delimited (RFC 9112 §6.3) and how far a reader has got in it:
/// a Content-Length count, chunked transfer coding (§7.1), or the connection's end.
///
/// Everything read from the network is bounded: a chunk-size line (with its extensions)
/// by `maxChunkLineBytes`, a chunk by `maxChunkBytes`, the trailer section by
/// `maxTrailerBytes`; chunk sizes are parsed with checked arithmetic. A receive timeout
/// leaves the state as it was, so reading can resume after one.
struct BodyFraming {
    enum State: Equatable {
        case length(remaining: Int)
        /// Before a chunk-size line.
        case chunkSize
        case chunkData(remaining: Int)
        /// After a chunk's data: its CRLF.
        case chunkEnd
        /// After the last chunk: trailer fields up to an empty line.
        case trailers(bytes: Int)
        case untilClose
        case done
    }

    static let maxChunkLineBytes = 4096
    static let maxTrailerBytes = 16 * 1024

    private(set) var state: State
    let maxChunkBytes: Int
    /// Trailer fields of a chunked body, once it has been read to its end.
    private(set) var trailers = Headers()

    init(_ state: State, maxChunkBytes: Int) {
        self.state = state
        self.maxChunkBytes = maxChunkBytes
    }

    var isChunked: Bool {
        switch state {
        case .chunkSize, .chunkData, .chunkEnd, .trailers: true
        case .length, .untilClose, .done: false
        }
    }

    var isDone: Bool { state == .done }

    /// The framing of a response: `headOnly` for HEAD, where no body follows.
    /// - Throws: `malformedResponse` for a transfer coding other than chunked, or an
    ///   unreadable or contradictory Content-Length.
    static func of(status: Int, headers: Headers, headOnly: Bool, maxChunkBytes: Int) throws(HTTPClientError) -> BodyFraming {
        if headOnly || (100...199).contains(status) || status == 204 || status == 304 {
            return BodyFraming(.done, maxChunkBytes: maxChunkBytes)
        }
        let codings = headers.values("Transfer-Encoding")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t").lowercased() }
            .filter { !$0.isEmpty }
        if !codings.isEmpty {
            // Only "chunked" alone is understood; gzip and friends are never asked for.
            guard codings == ["chunked"] else {
                throw .malformedResponse("transfer coding '\(codings.joined(separator: ", "))' is not supported")
            }
            return BodyFraming(.chunkSize, maxChunkBytes: maxChunkBytes)
        }
        let lengths = headers.values("Content-Length")
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), !first.isEmpty, first.utf8.count <= 18,
                  first.utf8.allSatisfy({ (48...57).contains($0) }), let length = Int(first) else {
                throw .malformedResponse("Content-Length '\(lengths.joined(separator: ", ").prefix(80))'")
            }
            return BodyFraming(.length(remaining: length), maxChunkBytes: maxChunkBytes)
        }
        return BodyFraming(.untilClose, maxChunkBytes: maxChunkBytes)
    }

    /// The next decoded body bytes, at most `count` (at least one); nil at the body's end.
    /// - Throws: `connectionClosed` when the body is cut short; chunk errors as described
    ///   on the type.
    mutating func next(_ r: inout SocketReader, upTo count: Int) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        while true {
            switch state {
            case .done:
                return nil
            case .length(remaining: 0):
                state = .done
            case let .length(remaining):
                guard let piece = try r.take(upTo: min(count, remaining)) else { throw .connectionClosed }
                state = .length(remaining: remaining - piece.count)
                return piece
            case .untilClose:
                guard let piece = try r.take(upTo: count) else {
                    state = .done
                    return nil
                }
                return piece
            case .chunkSize:
                let tooLong = HTTPClientError.malformedChunk("chunk-size line longer than \(Self.maxChunkLineBytes) bytes")
                guard let line = try r.lineBytes(limit: Self.maxChunkLineBytes, tooLong: tooLong) else {
                    throw .connectionClosed
                }
                let size = try Self.chunkSize(line, limit: maxChunkBytes)
                state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
            case let .chunkData(remaining):
                guard let piece = try r.take(upTo: min(count, remaining)) else { throw .connectionClosed }
                state = piece.count == remaining ? .chunkEnd : .chunkData(remaining: remaining - piece.count)
                return piece
            case .chunkEnd:
                let notCRLF = HTTPClientError.malformedChunk("chunk data not followed by CRLF")
                guard let line = try r.lineBytes(limit: 0, tooLong: notCRLF) else { throw .connectionClosed }
                guard line.isEmpty else { throw notCRLF }
                state = .chunkSize
            case let .trailers(bytes):
                let room = Self.maxTrailerBytes - bytes
                let tooLong = HTTPClientError.malformedChunk("trailer section larger than \(Self.maxTrailerBytes) bytes")
                guard let line = try r.lineBytes(limit: max(0, room), tooLong: tooLong) else { throw .connectionClosed }
                if line.isEmpty {
                    state = .done
                    return nil
                }
                let text = String(decoding: line, as: UTF8.self)
                guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                    throw .malformedChunk("trailer line '\(text.prefix(80))'")
                }
                trailers.append(String(text[..<colon]), text[text.index(after: colon)...].trimmingCharacters(in: " \t"))
                state = .trailers(bytes: bytes + line.count + 2)
            }
        }
    }

    /// The size of a chunk-size line `1*HEXDIG [ BWS ";" extensions ]`; extensions are
    /// ignored (nothing here asks for any).
    /// - Throws: `malformedChunk` for no or non-hex digits or a size that overflows `Int`,
    ///   `chunkTooLarge` above `limit`.
    static func chunkSize(_ line: ArraySlice<UInt8>, limit: Int) throws(HTTPClientError) -> Int {
        var size = 0
        var i = line.startIndex
        while i < line.endIndex, let digit = hexValue(line[i]) {
            let (shifted, o1) = size.multipliedReportingOverflow(by: 16)
            let (sum, o2) = shifted.addingReportingOverflow(digit)
            guard !o1 && !o2 else { throw .malformedChunk("chunk size '\(printable(line))' overflows") }
            size = sum
            i += 1
        }
        guard i > line.startIndex else { throw .malformedChunk("chunk size '\(printable(line))' is not hexadecimal") }
        while i < line.endIndex && (line[i] == 32 || line[i] == 9) { i += 1 }
        guard i == line.endIndex || line[i] == UInt8(ascii: ";") else {
            throw .malformedChunk("chunk size '\(printable(line))' is not hexadecimal")
        }
        guard size <= limit else { throw .chunkTooLarge(size: size, limit: limit) }
        return size
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: Int(c - 48)
        case 65...70: Int(c - 55)
        case 97...102: Int(c - 87)
        default: nil
        }
    }

    /// At most 40 bytes of a line, for an error message.
    private static func printable(_ line: ArraySlice<UInt8>) -> String {
        String(decoding: line.prefix(40), as: UTF8.self)
    }
}
