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

    public var description: String {
        switch self {
        case let .socket(e): "socket error: \(e)"
        case let .malformedResponse(why): "malformed response: \(why)"
        case .connectionClosed: "the server closed the connection before the response was complete"
        case let .responseTooLarge(limit): "response larger than \(limit) bytes"
        case let .notAnEventStream(status): "expected a text/event-stream response, got status \(status)"
        case let .invalidRequest(why): "invalid request: \(why)"
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
struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []
    var start = 0

    init(fd: Int32) { self.fd = fd }

    /// Reads more bytes; false at end of stream.
    mutating func fill() throws(HTTPClientError) -> Bool {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
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
        case .wouldBlock: throw .socket(.timedOut(operation: "recv"))
        case .endOfFile: return false
        }
    }

    /// One line without its CRLF or LF; nil at end of stream before any byte of it.
    mutating func line(limit: Int) throws(HTTPClientError) -> String? {
        var scanFrom = start
        while true {
            if let lf = buffer[scanFrom...].firstIndex(of: 10) {
                var end = lf
                if end > start && buffer[end - 1] == 13 { end -= 1 }
                let text = String(decoding: buffer[start..<end], as: UTF8.self)
                start = lf + 1
                return text
            }
            scanFrom = buffer.count
            if buffer.count - start > limit { throw .responseTooLarge(limit: limit) }
            let offset = scanFrom - start
            guard try fill() else {
                if buffer.count == start { return nil }
                throw .connectionClosed
            }
            scanFrom = start + offset
        }
    }

    /// Exactly `count` bytes.
    mutating func bytes(_ count: Int) throws(HTTPClientError) -> [UInt8] {
        while buffer.count - start < count {
            guard try fill() else { throw .connectionClosed }
        }
        let out = Array(buffer[start..<(start + count)])
        start += count
        return out
    }

    /// Everything until the server closes.
    mutating func rest(limit: Int) throws(HTTPClientError) -> [UInt8] {
        while try fill() {
            if buffer.count - start > limit { throw .responseTooLarge(limit: limit) }
        }
        let out = Array(buffer[start...])
        start = buffer.count
        return out
    }
}

/// A minimal HTTP/1.1 client over one keep-alive connection, for tests, the wallet and
/// tools. Not thread-safe: use one client per thread.
///
/// The connection is opened on first use and reused while the server keeps it open. A
/// request whose reused connection turns out to be closed before any response byte is
/// retried once on a fresh connection (the server closed it while idle).
public final class HTTPClient {
    public let host: String
    public let port: UInt16
    /// Seconds allowed for connecting and for each read or write.
    public let timeout: Double
    /// Largest response accepted (head plus body).
    public let maxResponseBytes: Int
    private var fd: Int32 = -1
    private var reader: SocketReader?
    /// How many TCP connections this client has opened (keep-alive reuse keeps it at 1).
    public private(set) var connectionsOpened = 0

    public init(host: String = "127.0.0.1", port: UInt16, timeout: Double = 10, maxResponseBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.timeout = timeout
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
        if fd >= 0 { return false }
        do { fd = try SocketCall.connect(host: host, port: port, timeout: timeout) } catch { throw .socket(error) }
        reader = SocketReader(fd: fd)
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
    public func request(_ method: String, _ path: String, headers: Headers = Headers(),
                        body: [UInt8] = []) throws(HTTPClientError) -> ClientResponse {
        let bytes = try encode(method: method, path: path, headers: headers, body: body)
        let fresh = try connectIfNeeded()
        do {
            return try exchange(bytes, headOnly: method == "HEAD")
        } catch let error where !fresh && Self.isStaleConnection(error) {
            close()
            _ = try connectIfNeeded()
            return try exchange(bytes, headOnly: method == "HEAD")
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

    private func exchange(_ bytes: [UInt8], headOnly: Bool) throws(HTTPClientError) -> ClientResponse {
        try send(bytes)
        guard var r = reader else { throw .connectionClosed }
        do throws(HTTPClientError) {
            let (status, reason, headers) = try readHead(&r)
            let body: [UInt8]
            let hasBody = !headOnly && status >= 200 && status != 204 && status != 304
            if !hasBody {
                body = []
            } else if headers["Transfer-Encoding"] != nil {
                throw HTTPClientError.malformedResponse("chunked/transfer-coded responses are not supported")
            } else if let lengthText = headers["Content-Length"] {
                guard let length = Int(lengthText), length >= 0 else { throw HTTPClientError.malformedResponse("Content-Length '\(lengthText)'") }
                guard length <= maxResponseBytes else { throw HTTPClientError.responseTooLarge(limit: maxResponseBytes) }
                body = try r.bytes(length)
            } else {
                body = try r.rest(limit: maxResponseBytes)
            }
            reader = r
            let closing = headers.values("Connection").contains { $0.lowercased().contains("close") }
                || headers["Content-Length"] == nil && hasBody
            if closing { close() }
            return ClientResponse(status: status, reason: reason, headers: headers, body: body)
        } catch {
            close()
            throw error
        }
    }

    private func readHead(_ r: inout SocketReader) throws(HTTPClientError) -> (Int, String, Headers) {
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

    init(fd: Int32, reader: SocketReader, lineLimit: Int) {
        self.fd = fd
        self.reader = reader
        self.lineLimit = lineLimit
    }

    deinit { SocketCall.close(fd) }

    /// The next event or comment; nil when the server ended the stream.
    /// - Throws: `socket(.timedOut)` when nothing arrives within the client's timeout.
    public func next() throws(HTTPClientError) -> EventStreamMessage? {
        var data: [String] = []
        var event: String?
        var id: String?
        while true {
            guard let line = try reader.line(limit: lineLimit) else { return nil }
            if line.isEmpty {
                if data.isEmpty { event = nil; continue }  // nothing to dispatch
                if let id { lastEventID = id }
                return .event(ServerSentEvent(id: id ?? lastEventID, event: event, data: data.joined(separator: "\n")))
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
            default: break  // "retry" and unknown fields are ignored here
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
