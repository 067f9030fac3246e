/// Why a request was refused before it reached the handler. Each case has the status
/// and the machine-readable code of the JSON error the server answers with.
public enum RequestParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case requestLineTooLong(limit: Int)
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case bodyTooLarge(length: Int, limit: Int)
    case invalidRequestLine
    case invalidMethod
    case invalidTarget
    case invalidVersion
    case unsupportedVersion(String)
    case invalidHeader(String)
    case obsoleteLineFolding
    case bareLineFeed
    case bareCarriageReturn
    case invalidContentLength(String)
    case duplicateContentLength
    case chunkedNotSupported
    case unsupportedTransferCoding(String)
    case conflictingFraming
    case missingHost
    case duplicateHost
    /// An Expect header other than "100-continue".
    case unsupportedExpectation(String)
    /// The connection ended in the middle of a request.
    case truncated

    /// The status the server answers with.
    public var status: Status {
        switch self {
        case .requestLineTooLong: .uriTooLong
        case .headersTooLarge, .tooManyHeaders: .requestHeaderFieldsTooLarge
        case .bodyTooLarge: .contentTooLarge
        case .unsupportedVersion: .httpVersionNotSupported
        case .chunkedNotSupported: .lengthRequired
        case .unsupportedTransferCoding: .notImplemented
        case .unsupportedExpectation: .expectationFailed
        default: .badRequest
        }
    }

    /// The `code` field of the JSON error body.
    public var code: String {
        switch self {
        case .requestLineTooLong: "request_line_too_long"
        case .headersTooLarge: "headers_too_large"
        case .tooManyHeaders: "too_many_headers"
        case .bodyTooLarge: "body_too_large"
        case .invalidRequestLine: "invalid_request_line"
        case .invalidMethod: "invalid_method"
        case .invalidTarget: "invalid_target"
        case .invalidVersion: "invalid_version"
        case .unsupportedVersion: "unsupported_version"
        case .invalidHeader: "invalid_header"
        case .obsoleteLineFolding: "obsolete_line_folding"
        case .bareLineFeed: "bare_line_feed"
        case .bareCarriageReturn: "bare_carriage_return"
        case .invalidContentLength: "invalid_content_length"
        case .duplicateContentLength: "duplicate_content_length"
        case .chunkedNotSupported: "length_required"
        case .unsupportedTransferCoding: "unsupported_transfer_coding"
        case .conflictingFraming: "conflicting_framing"
        case .missingHost: "missing_host"
        case .duplicateHost: "duplicate_host"
        case .unsupportedExpectation: "expectation_failed"
        case .truncated: "truncated_request"
        }
    }

    public var description: String {
        switch self {
        case let .requestLineTooLong(limit): "request line is longer than \(limit) bytes"
        case let .headersTooLarge(limit): "header section is larger than \(limit) bytes"
        case let .tooManyHeaders(limit): "more than \(limit) header fields"
        case let .bodyTooLarge(length, limit): "body of \(length) bytes exceeds the limit of \(limit) bytes"
        case .invalidRequestLine: "request line must be 'METHOD SP target SP HTTP/1.1'"
        case .invalidMethod: "method must be a token (letters, digits and !#$%&'*+-.^_`|~)"
        case .invalidTarget: "request target must start with '/' (or be '*') and hold only visible ASCII"
        case .invalidVersion: "HTTP version must look like HTTP/1.1"
        case let .unsupportedVersion(v): "\(v) is not supported; use HTTP/1.1 or HTTP/1.0"
        case let .invalidHeader(why): "invalid header field: \(why)"
        case .obsoleteLineFolding: "header values folded onto continuation lines (obs-fold) are not accepted"
        case .bareLineFeed: "lines must end with CRLF, not a bare LF"
        case .bareCarriageReturn: "a CR not followed by LF is not allowed"
        case let .invalidContentLength(v): "Content-Length '\(v)' is not a decimal byte count"
        case .duplicateContentLength: "Content-Length appears more than once"
        case .chunkedNotSupported: "chunked request bodies are not accepted; send Content-Length"
        case let .unsupportedTransferCoding(c): "transfer coding '\(c)' is not implemented"
        case .conflictingFraming: "both Transfer-Encoding and Content-Length were sent"
        case .missingHost: "HTTP/1.1 requests must carry a Host header"
        case .duplicateHost: "Host appears more than once"
        case let .unsupportedExpectation(e): "Expect '\(e)' is not supported; only 100-continue is"
        case .truncated: "connection closed before the request was complete"
        }
    }
}

/// An incremental HTTP/1.1 request parser: feed it bytes as they arrive, take complete
/// requests out. It does no I/O, so every limit and every malformation can be tested
/// byte by byte.
///
/// Framing is Content-Length only (RFC 9112 §6). A request with Transfer-Encoding:
/// chunked gets 411 (send a length), any other transfer coding 501, both framings
/// together 400 (the smuggling case). Each line is scanned once, whatever the size of
/// the pieces the bytes arrive in. After an error the parser stays failed.
public struct RequestParser: Sendable {
    private enum State: Sendable {
        case requestLine
        case headers
        case body(remaining: Int)
        case failed(RequestParseError)
    }

    private let limits: Limits
    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer`.
    private var start = 0
    /// Where the search for the next LF resumes (bytes before it hold no LF).
    private var scan = 0
    private var state = State.requestLine
    private var headerBytes = 0
    private var method = ""
    private var target = ""
    private var version = HTTPVersion.http11
    private var headers = Headers()
    private var bodyLength = 0
    private var continuePending = false

    public init(limits: Limits = .standard) { self.limits = limits }

    /// Bytes received and not yet returned as part of a request.
    public var bufferedByteCount: Int { buffer.count - start }

    /// The declared length of the body being received (0 while no body is awaited): what
    /// the parser will buffer for the current request.
    public var awaitedBodyBytes: Int {
        if case let .body(remaining) = state { return remaining }
        return 0
    }

    /// True when some bytes of a request have arrived but not all of it.
    public var hasPartialRequest: Bool {
        switch state {
        case .requestLine: return buffer[start...].contains { $0 != 13 && $0 != 10 }
        case .headers, .body: return true
        case .failed: return false
        }
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        compactIfWorthwhile()
        buffer.append(contentsOf: bytes)
    }

    /// Drops consumed bytes once they are at least half of the buffer (amortized O(1)).
    private mutating func compactIfWorthwhile() {
        guard start > 0, start >= buffer.count / 2 else { return }
        buffer.removeFirst(start)
        scan -= start
        start = 0
    }

    /// The next complete request, or nil if more bytes are needed.
    /// - Throws: the first rule the input breaks; every later call throws it again.
    public mutating func next() throws(RequestParseError) -> Request? {
        while true {
            switch state {
            case let .failed(error):
                throw error
            case .requestLine:
                guard let line = try nextLine(limit: limits.maxRequestLineBytes, tooLong: .requestLineTooLong(limit: limits.maxRequestLineBytes)) else {
                    return nil
                }
                // RFC 9112 §2.2: ignore empty lines before a request line (some clients send
                // CRLF after a body). Their bytes still count against the request-line limit.
                if line.isEmpty { continue }
                do throws(RequestParseError) { try parseRequestLine(line) } catch { return try fail(error) }
                headerBytes = 0
                headers = Headers()
                state = .headers
            case .headers:
                let remaining = limits.maxHeaderBytes - headerBytes
                guard let line = try nextLine(limit: max(0, remaining - 2), tooLong: .headersTooLarge(limit: limits.maxHeaderBytes)) else {
                    return nil
                }
                headerBytes += line.count + 2
                if headerBytes > limits.maxHeaderBytes { return try fail(.headersTooLarge(limit: limits.maxHeaderBytes)) }
                if line.isEmpty {
                    do throws(RequestParseError) { bodyLength = try framing() } catch { return try fail(error) }
                    state = .body(remaining: bodyLength)
                    continue
                }
                if line[line.startIndex] == 32 || line[line.startIndex] == 9 { return try fail(.obsoleteLineFolding) }
                guard headers.count < limits.maxHeaderCount else { return try fail(.tooManyHeaders(limit: limits.maxHeaderCount)) }
                do throws(RequestParseError) { try parseHeader(line) } catch { return try fail(error) }
            case let .body(remaining):
                guard buffer.count - start >= remaining else { return nil }
                let body = Array(buffer[start..<(start + remaining)])
                start += remaining
                scan = start
                state = .requestLine
                continuePending = false
                return Request(method: method, target: target, version: version, headers: headers, body: body)
            }
        }
    }

    /// True once per request that asked for "Expect: 100-continue" and whose body has not
    /// arrived yet: the server should send "100 Continue" now (RFC 9110 §10.1.1), or the
    /// client waits before sending the body.
    public mutating func takeContinueRequest() -> Bool {
        guard continuePending, case .body = state else { return false }
        continuePending = false
        return true
    }

    /// Call when the peer has closed its side: throws `truncated` if a request was cut off.
    public mutating func finish() throws(RequestParseError) {
        if case let .failed(error) = state { throw error }
        if hasPartialRequest { _ = try fail(.truncated) }
    }

    private mutating func fail(_ error: RequestParseError) throws(RequestParseError) -> Request? {
        state = .failed(error)
        throw error
    }

    /// The next line without its line ending, or nil if no full line is buffered yet.
    /// A line longer than `limit` fails with `tooLong` as soon as that is certain.
    private mutating func nextLine(limit: Int, tooLong: RequestParseError) throws(RequestParseError) -> ArraySlice<UInt8>? {
        var i = max(scan, start)
        let end = buffer.count
        while i < end && buffer[i] != 10 { i += 1 }
        guard i < end else {
            scan = end
            // Allow one byte more than the limit for a trailing CR still waiting for its LF.
            if end - start > limit + 1 { _ = try fail(tooLong) }
            return nil
        }
        var lineEnd = i
        if lineEnd > start && buffer[lineEnd - 1] == 13 {
            lineEnd -= 1
        } else if !limits.allowBareLineFeed {
            _ = try fail(.bareLineFeed)
        }
        if lineEnd - start > limit { _ = try fail(tooLong) }
        let line = buffer[start..<lineEnd]
        if line.contains(13) { _ = try fail(.bareCarriageReturn) }
        start = i + 1
        scan = start
        return line
    }

    /// tchar (RFC 9110 §5.6.2).
    private static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 48...57, 65...90, 97...122: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): true
        default: false
        }
    }

    private mutating func parseRequestLine(_ line: ArraySlice<UInt8>) throws(RequestParseError) {
        let parts = line.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .invalidRequestLine }
        let m = parts[0], t = parts[1], v = parts[2]
        guard !m.isEmpty, m.allSatisfy(Self.isTokenChar) else { throw .invalidMethod }
        guard !t.isEmpty, t.allSatisfy({ (33...126).contains($0) }) else { throw .invalidTarget }
        let isAsterisk = t.count == 1 && t.first == UInt8(ascii: "*")
        guard t.first == UInt8(ascii: "/") || isAsterisk else { throw .invalidTarget }
        if isAsterisk && !m.elementsEqual("OPTIONS".utf8) { throw .invalidTarget }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (case-sensitive).
        let vb = Array(v)
        guard vb.count == 8, vb[0..<5].elementsEqual("HTTP/".utf8), (48...57).contains(vb[5]), vb[6] == 46,
              (48...57).contains(vb[7]) else { throw .invalidVersion }
        switch (vb[5], vb[7]) {
        case (49, 49): version = .http11
        case (49, 48): version = .http10
        default: throw .unsupportedVersion(String(decoding: vb, as: UTF8.self))
        }
        method = String(decoding: m, as: UTF8.self)
        target = String(decoding: t, as: UTF8.self)
    }

    private mutating func parseHeader(_ line: ArraySlice<UInt8>) throws(RequestParseError) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .invalidHeader("no ':' in a field line") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty else { throw .invalidHeader("empty field name") }
        // RFC 9112 §5.1: no whitespace between name and colon (400 required).
        guard name.allSatisfy(Self.isTokenChar) else { throw .invalidHeader("field name is not a token") }
        var value = line[(colon + 1)...]
        while let f = value.first, f == 32 || f == 9 { value.removeFirst() }
        while let l = value.last, l == 32 || l == 9 { value.removeLast() }
        // field-vchar / SP / HTAB / obs-text; CTLs (NUL, DEL, ...) are refused.
        guard value.allSatisfy({ $0 == 9 || $0 == 32 || (33...126).contains($0) || $0 >= 128 }) else {
            throw .invalidHeader("control character in the value of \(String(decoding: name, as: UTF8.self))")
        }
        headers.append(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// The body length this request declares, after the framing and Host rules.
    private mutating func framing() throws(RequestParseError) -> Int {
        let hosts = headers.values("Host")
        if hosts.count > 1 { throw .duplicateHost }
        if version == .http11 && hosts.isEmpty { throw .missingHost }
        let codings = headers.values("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if !codings.isEmpty {
            if !lengths.isEmpty { throw .conflictingFraming }
            let tokens = codings.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: " \t").lowercased() }
            if let unknown = tokens.first(where: { $0 != "chunked" }) { throw .unsupportedTransferCoding(unknown) }
            throw .chunkedNotSupported
        }
        let length = try contentLength(lengths)
        let expectations = headers.values("Expect")
        if let expect = expectations.first {
            guard expectations.count == 1, expect.lowercased() == "100-continue" else {
                throw .unsupportedExpectation(expectations.joined(separator: ", "))
            }
        }
        // HTTP/1.0 clients cannot take a 1xx response; without a body there is nothing to wait for.
        continuePending = !expectations.isEmpty && version == .http11 && length > 0
        return length
    }

    private func contentLength(_ lengths: [String]) throws(RequestParseError) -> Int {
        guard let text = lengths.first else { return 0 }
        if lengths.count > 1 { throw .duplicateContentLength }
        // 1*DIGIT only: no sign, no list ("5, 5"), no whitespace inside.
        guard !text.isEmpty, text.utf8.allSatisfy({ (48...57).contains($0) }) else { throw .invalidContentLength(text) }
        let limit = limits.maxBodyBytes(method: method, target: target)
        guard text.utf8.count <= 15, let n = Int(text) else { throw .bodyTooLarge(length: Int.max, limit: limit) }
        guard n <= limit else { throw .bodyTooLarge(length: n, limit: limit) }
        return n
    }
}
