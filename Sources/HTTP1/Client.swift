import Glibc

/// Why a client request failed.
public enum HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    case socket(SocketError)
    /// The server's bytes are not an HTTP/1.1 response this client understands.
    case malformedResponse(String)
    /// The server closed the connection before the response was complete.
    case connectionClosed
    /// The response is larger than the client's `maxResponseBytes`.
    case responseTooLarge(limit: Int)
    /// An event stream was expected but the status or content type says otherwise.
    case notAnEventStream(status: Int)
    /// The request itself cannot be sent: a method that is not a token, a path or header
    /// with spaces or control characters (which could split the request).
    case invalidRequest(String)
    /// The chunked body breaks RFC 9112 §7.1: a size that is not hexadecimal or overflows,
    /// chunk data not followed by CRLF, a malformed or oversized trailer section.
    case malformedChunk(String)
    /// A chunk announces more bytes than the client accepts in one chunk.
    case chunkTooLarge(size: Int, limit: Int)
    /// A line of a streamed body is longer than the stream's `maxLineBytes`.
    case lineTooLong(limit: Int)
    /// The whole request (connect, send, response) did not finish within its deadline.
    case timedOut(seconds: Double)
    /// A response stream received nothing for its idle timeout. The stream stays usable:
    /// reading again keeps waiting.
    case idleTimeout(seconds: Double)
    /// The stream was cancelled through its `StreamCancellation`.
    case cancelled

    public var description: String {
        switch self {
        case let .socket(e): "socket error: \(e)"
        case let .malformedResponse(why): "malformed response: \(why)"
        case .connectionClosed: "the server closed the connection before the response was complete"
        case let .responseTooLarge(limit): "response larger than \(limit) bytes"
        case let .notAnEventStream(status): "expected a text/event-stream response, got status \(status)"
        case let .invalidRequest(why): "invalid request: \(why)"
        case let .malformedChunk(why): "malformed chunked body: \(why)"
        case let .chunkTooLarge(size, limit): "a chunk of \(size) bytes exceeds the client's limit of \(limit) bytes"
        case let .lineTooLong(limit): "a line of the streamed response is longer than \(limit) bytes"
        case let .timedOut(seconds): "no complete response within \(seconds) seconds; the server is slow or unreachable"
        case let .idleTimeout(seconds): "the stream received nothing for \(seconds) seconds"
        case .cancelled: "the stream was cancelled"
        }
    }
}

/// A received response.
public struct ClientResponse: Sendable, Equatable {
    public let status: Int
    public let reason: String
    public let headers: Headers
    public let body: [UInt8]

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Buffered reading from a blocking socket whose receive timeout is set.
///
/// A read that times out consumes nothing, so every method here can be called again after
/// a timeout and goes on where it stopped (a stream's idle timeout is not fatal).
struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []
    var start = 0
    /// The receive timeout (seconds; 0: none) used when there is no deadline.
    var readTimeout: Double
    /// What a receive timeout throws when there is no deadline.
    var timeoutError: HTTPClientError = .socket(.timedOut(operation: "recv"))
    /// A monotonic time (nanoseconds) by which everything must have arrived, and the
    /// length it was set for (for the error).
    var deadline: (at: UInt64, seconds: Double)?
    /// The receive timeout now set on the socket (nil: not known).
    private var appliedTimeout: Double?

    init(fd: Int32, readTimeout: Double, appliedTimeout: Double? = nil) {
        self.fd = fd
        self.readTimeout = readTimeout
        self.appliedTimeout = appliedTimeout
    }

    /// Reads more bytes; false at end of stream.
    mutating func fill() throws(HTTPClientError) -> Bool {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        var wanted = readTimeout
        if let deadline {
            let now = monotonicNanos()
            guard now < deadline.at else { throw .timedOut(seconds: deadline.seconds) }
            // At least a millisecond: a zero timeout means "wait forever" to the kernel.
            wanted = max(0.001, Double(deadline.at - now) / 1e9)
        }
        if appliedTimeout != wanted {
            do { try SocketCall.setReceiveTimeout(fd, seconds: wanted) } catch { throw .socket(error) }
            appliedTimeout = wanted
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let progress: SocketCall.Progress
        do {
            progress = try chunk.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) in try SocketCall.read(fd, into: raw) }
            }.get()
        } catch { throw .socket(error) }
        switch progress {
        case let .bytes(n):
            buffer.append(contentsOf: chunk[0..<n])
            return true
        case .wouldBlock:
            if let deadline { throw .timedOut(seconds: deadline.seconds) }
            throw timeoutError
        case .endOfFile: return false
        }
    }

    /// One line without its CRLF or LF; nil at end of stream before any byte of it.
    /// - Throws: `tooLong` when more than `limit` bytes arrive without a line end.
    mutating func lineBytes(limit: Int, tooLong: HTTPClientError) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        var scanFrom = start
        while true {
            if let lf = buffer[scanFrom...].firstIndex(of: 10) {
                guard lf - start <= limit + 1 else { throw tooLong }
                var end = lf
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let line = buffer[start..<end]
                start = lf + 1
                return line
            }
            scanFrom = buffer.count
            if buffer.count - start > limit + 1 { throw tooLong }
            let offset = scanFrom - start
            guard try fill() else {
                if buffer.count == start { return nil }
                throw .connectionClosed
            }
            scanFrom = start + offset
        }
    }

    /// One line as text (see `lineBytes`); an over-long line is `responseTooLarge`.
    mutating func line(limit: Int) throws(HTTPClientError) -> String? {
        guard let bytes = try lineBytes(limit: limit, tooLong: .responseTooLarge(limit: limit)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Up to `count` bytes: what is buffered, or one read's worth when nothing is; nil at
    /// end of stream.
    mutating func take(upTo count: Int) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        if start == buffer.count {
            guard try fill() else { return nil }
        }
        let n = min(count, buffer.count - start)
        let out = buffer[start..<(start + n)]
        start += n
        return out
    }
}

/// A minimal HTTP/1.1 client over one keep-alive connection, for tests, the wallet, tools
/// and the etcd client. Not thread-safe: use one client per thread (a response stream's
/// `StreamCancellation` is the one piece another thread may use).
///
/// The connection is opened on first use and reused while the server keeps it open. A
/// request whose reused connection turns out to be closed before any response byte is
/// retried once on a fresh connection (the server closed it while idle). Bodies framed by
/// Content-Length, by chunked transfer coding (RFC 9112 §7.1) or by the connection's end
/// are read; `openStream` reads a long response line by line as it arrives.
public final class HTTPClient {
    public let host: String
    public let port: UInt16
    /// Seconds allowed for each read or write (and for connecting, unless `connectTimeout`
    /// says otherwise).
    public let timeout: Double
    /// Seconds allowed for the TCP connection to be established.
    public let connectTimeout: Double
    /// Largest response accepted (head plus body); also the largest chunk accepted.
    public let maxResponseBytes: Int
    private var fd: Int32 = -1
    private var reader: SocketReader?
    /// How many TCP connections this client has opened (keep-alive reuse keeps it at 1).
    public internal(set) var connectionsOpened = 0

    public init(host: String = "127.0.0.1", port: UInt16, timeout: Double = 10, connectTimeout: Double? = nil,
                maxResponseBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connectTimeout = connectTimeout ?? timeout
        self.maxResponseBytes = maxResponseBytes
    }

    deinit { close() }

    /// Closes the connection (the next request opens a new one).
    public func close() {
        if fd >= 0 { SocketCall.close(fd) }
        fd = -1
        reader = nil
    }

    private func connectIfNeeded() throws(HTTPClientError) -> Bool {
        // A connection the server has closed while it sat idle is replaced before use, so
        // a request is not sent into a connection known to be dead.
        if fd >= 0 && SocketCall.idleConnectionIsStale(fd) { close() }
        if fd >= 0 { return false }
        do { fd = try SocketCall.connect(host: host, port: port, timeout: connectTimeout) } catch { throw .socket(error) }
        if connectTimeout != timeout {
            do { try SocketCall.setTimeouts(fd, seconds: timeout) } catch {
                close()
                throw .socket(error)
            }
        }
        reader = SocketReader(fd: fd, readTimeout: timeout, appliedTimeout: timeout)
        connectionsOpened += 1
        return true
    }

    /// The request bytes (adds Host, Content-Length when there is a body).
    /// - Throws: `invalidRequest` for anything that would break the request's framing.
    func encode(method: String, path: String, headers: Headers, body: [UInt8]) throws(HTTPClientError) -> [UInt8] {
        let tokenChars = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        guard !method.isEmpty, method.utf8.allSatisfy({ tokenChars.contains($0) }) else { throw .invalidRequest("method '\(method)'") }
        guard path.hasPrefix("/") || path == "*", path.utf8.allSatisfy({ (33...126).contains($0) }) else {
            throw .invalidRequest("path must start with '/' and hold only visible ASCII")
        }
        for h in headers {
            guard !h.name.isEmpty, h.name.utf8.allSatisfy({ tokenChars.contains($0) }),
                  !h.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) else {
                throw .invalidRequest("header '\(h.name)'")
            }
        }
        var head = "\(method) \(path) HTTP/1.1\r\n"
        if headers["Host"] == nil { head += host.contains(":") ? "Host: [\(host)]:\(port)\r\n" : "Host: \(host):\(port)\r\n" }
        for h in headers where h.name.lowercased() != "content-length" { head += "\(h.name): \(h.value)\r\n" }
        if !body.isEmpty || ["POST", "PUT", "PATCH"].contains(method) { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Sends a request and reads its response.
    /// - Parameters:
    ///   - timeout: when given, the seconds the whole response may take to arrive
    ///     (`timedOut` after that) instead of the client's per-read `timeout`.
    ///   - resendOnStaleConnection: false for a request that must not reach the server
    ///     twice: a reused connection found closed is then reported, not retried (the
    ///     server may have acted on the request before closing).
    public func request(_ method: String, _ path: String, headers: Headers = Headers(),
                        body: [UInt8] = [], timeout requestTimeout: Double? = nil,
                        resendOnStaleConnection: Bool = true) throws(HTTPClientError) -> ClientResponse {
        let bytes = try encode(method: method, path: path, headers: headers, body: body)
        let deadline = requestTimeout.map { (at: monotonicNanos() + nanos($0), seconds: $0) }
        let fresh = try connectIfNeeded()
        do {
            return try exchange(bytes, headOnly: method == "HEAD", deadline: deadline)
        } catch let error where !fresh && resendOnStaleConnection && Self.isStaleConnection(error) {
            close()
            _ = try connectIfNeeded()
            return try exchange(bytes, headOnly: method == "HEAD", deadline: deadline)
        }
    }

    /// Sends `GET path` and returns the response as an event stream. The connection
    /// belongs to the stream from then on; this client opens a new one for later requests.
    public func openEventStream(_ path: String, headers: Headers = Headers()) throws(HTTPClientError) -> EventStreamReader {
        var h = headers
        if h["Accept"] == nil { h.append("Accept", "text/event-stream") }
        _ = try connectIfNeeded()
        do throws(HTTPClientError) {
            try send(try encode(method: "GET", path: path, headers: h, body: []))
            guard var r = reader else { throw HTTPClientError.connectionClosed }
            let (status, _, responseHeaders) = try readHead(&r)
            reader = r
            let type = responseHeaders["Content-Type"]?.lowercased() ?? ""
            guard status == 200, type.hasPrefix("text/event-stream") else { throw HTTPClientError.notAnEventStream(status: status) }
            let stream = EventStreamReader(fd: fd, reader: r, lineLimit: maxResponseBytes)
            fd = -1  // owned by the stream now
            reader = nil
            return stream
        } catch {
            close()
            throw error
        }
    }

    static func isStaleConnection(_ error: HTTPClientError) -> Bool {
        switch error {
        case .connectionClosed: return true
        case let .socket(.system(_, code)): return code == ECONNRESET || code == EPIPE
        default: return false
        }
    }

    private func send(_ bytes: [UInt8]) throws(HTTPClientError) {
        do { try SocketCall.writeAll(fd, bytes) } catch {
            close()
            throw .socket(error)
        }
    }

    private func exchange(_ bytes: [UInt8], headOnly: Bool,
                          deadline: (at: UInt64, seconds: Double)?) throws(HTTPClientError) -> ClientResponse {
        try send(bytes)
        guard var r = reader else { throw .connectionClosed }
        r.deadline = deadline
        do throws(HTTPClientError) {
            let (status, reason, headers) = try readHead(&r)
            var framing = try BodyFraming.of(status: status, headers: headers, headOnly: headOnly,
                                             maxChunkBytes: maxResponseBytes)
            if case let .length(length) = framing.state, length > maxResponseBytes {
                throw HTTPClientError.responseTooLarge(limit: maxResponseBytes)
            }
            let delimitedByClose = framing.state == .untilClose
            var body: [UInt8] = []
            while let piece = try framing.next(&r, upTo: 1 << 20) {
                guard piece.count <= maxResponseBytes - body.count else { throw HTTPClientError.responseTooLarge(limit: maxResponseBytes) }
                body.append(contentsOf: piece)
            }
            r.deadline = nil
            reader = r
            // A body that ends with the connection, or one sent with both framings (a
            // smuggling pattern, RFC 9112 §6.1), leaves the connection unusable.
            let closing = headers.values("Connection").contains { $0.lowercased().contains("close") }
                || delimitedByClose
                || headers["Transfer-Encoding"] != nil && headers["Content-Length"] != nil
            if closing { close() }
            return ClientResponse(status: status, reason: reason, headers: headers, body: body)
        } catch {
            close()
            throw error
        }
    }

    func readHead(_ r: inout SocketReader) throws(HTTPClientError) -> (Int, String, Headers) {
        var statusLine: String
        repeat {
            guard let line = try r.line(limit: maxResponseBytes) else { throw .connectionClosed }
            statusLine = line
        } while statusLine.isEmpty
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let status = Int(parts[1]) else {
            throw .malformedResponse("status line '\(statusLine.prefix(80))'")
        }
        var headers = Headers()
        var headerBytes = 0
        while true {
            guard let line = try r.line(limit: maxResponseBytes) else { throw .connectionClosed }
            if line.isEmpty { break }
            headerBytes += line.utf8.count
            if headerBytes > maxResponseBytes { throw .responseTooLarge(limit: maxResponseBytes) }
            guard let colon = line.firstIndex(of: ":") else { throw .malformedResponse("header line '\(line.prefix(80))'") }
            headers.append(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: " \t"))
        }
        if (100...199).contains(status) { return try readHead(&r) }  // skip interim responses
        return (status, parts.count > 2 ? String(parts[2]) : "", headers)
    }
}

/// What an event stream delivers: an event, or a comment (heartbeat).
public enum EventStreamMessage: Sendable, Equatable {
    case event(ServerSentEvent)
    case comment(String)
}

/// Reads a `text/event-stream` body (WHATWG HTML §9.2 parsing rules, LF or CRLF lines).
public final class EventStreamReader {
    private let fd: Int32
    private var reader: SocketReader
    private let lineLimit: Int
    /// The last `id:` seen, as a reconnecting client would send in Last-Event-ID.
    public private(set) var lastEventID: String?
    /// The receive timeout between two lines (heartbeats count): a dead connection.
    private let idleTimeout: Double
    /// A monotonic time (nanoseconds) after which every read fails, however much keeps
    /// arriving, and the length it was set for (for the error).
    private var deadline: (at: UInt64, seconds: Double)?

    init(fd: Int32, reader: SocketReader, lineLimit: Int) {
        self.fd = fd
        self.reader = reader
        self.lineLimit = lineLimit
        idleTimeout = reader.readTimeout
    }

    /// Ends the stream for this reader `seconds` from now: `next` then throws
    /// `timedOut(seconds:)`, even while the server keeps sending heartbeats (each of which
    /// restarts only the idle timeout). nil removes the deadline.
    public func setDeadline(secondsFromNow seconds: Double?) {
        // At most about 31 years, so that the nanoseconds fit a UInt64 whatever the caller passes.
        deadline = seconds.map { s in
            let bounded = s.isNaN ? 0 : min(max(0, s), 1e9)
            return (at: monotonicNanos() &+ nanos(bounded), seconds: bounded)
        }
    }

    /// Before a read: fails once the deadline has passed, else waits at most until it.
    private func applyDeadline() throws(HTTPClientError) {
        guard let deadline else { return }
        let now = monotonicNanos()
        guard now < deadline.at else { throw .timedOut(seconds: deadline.seconds) }
        // At least a millisecond: a zero timeout means "wait forever" to the kernel.
        let remaining = max(0.001, Double(deadline.at - now) / 1e9)
        reader.readTimeout = idleTimeout > 0 ? min(idleTimeout, remaining) : remaining
    }

    deinit { SocketCall.close(fd) }

    /// The next event or comment; nil when the server ended the stream.
    /// - Throws: `socket(.timedOut)` when nothing arrives within the client's timeout.
    public func next() throws(HTTPClientError) -> EventStreamMessage? {
        var data: [String] = []
        var event: String?
        var id: String?
        var retry: Int?
        while true {
            try applyDeadline()
            let read: String?
            do { read = try reader.line(limit: lineLimit) } catch {
                if let deadline, monotonicNanos() >= deadline.at { throw .timedOut(seconds: deadline.seconds) }
                throw error
            }
            guard let line = read else { return nil }
            if line.isEmpty {
                if data.isEmpty { event = nil; continue }  // nothing to dispatch
                if let id { lastEventID = id }
                return .event(ServerSentEvent(id: id ?? lastEventID, event: event, data: data.joined(separator: "\n"),
                                              retryMilliseconds: retry))
            }
            if line.hasPrefix(":") {
                let text = line.dropFirst()
                return .comment(String(text.hasPrefix(" ") ? text.dropFirst() : text))
            }
            let field: Substring
            var value: Substring
            if let colon = line.firstIndex(of: ":") {
                field = line[..<colon]
                value = line[line.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
            } else {
                field = line[...]
                value = ""
            }
            switch field {
            case "data": data.append(String(value))
            case "event": event = String(value)
            case "id": if !value.contains("\0") { id = String(value) }
            case "retry": if let v = Int(value), v >= 0 { retry = v }
            default: break  // unknown fields are ignored
            }
        }
    }

    /// The next event, skipping comments; nil when the stream ended.
    public func nextEvent() throws(HTTPClientError) -> ServerSentEvent? {
        while let m = try next() {
            if case let .event(e) = m { return e }
        }
        return nil
    }
}
