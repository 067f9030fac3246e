import Glibc
import Synchronization

/// Stops a response stream from any thread: a reader blocked in a receive wakes at once
/// and gets `HTTPClientError.cancelled`, and so does every later read. One cancellation
/// may serve several streams in turn (a watch that reconnects keeps its handle).
///
/// The socket is shut down, never closed, from the cancelling thread: the stream closes
/// its own descriptor, under the same lock, so a cancel can never touch a descriptor
/// number the process has since reused.
public final class StreamCancellation: Sendable {
    private struct State {
        var fd: Int32 = -1
        var cancelled = false
    }
    private let state = Mutex(State())

    public init() {}

    /// Cancels: wakes the current stream's reader and refuses any later stream.
    public func cancel() {
        state.withLock { s in
            s.cancelled = true
            if s.fd >= 0 { _ = shutdown(s.fd, Int32(SHUT_RDWR)) }
        }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Registers the stream's socket; false (nothing registered) when already cancelled.
    func attach(_ fd: Int32) -> Bool {
        state.withLock { s in
            if s.cancelled { return false }
            s.fd = fd
            return true
        }
    }

    /// Closes `fd` and forgets it, under the lock that `cancel` takes.
    func close(_ fd: Int32) {
        state.withLock { s in
            if s.fd == fd { s.fd = -1 }
            SocketCall.close(fd)
        }
    }
}

/// A response read as it arrives, on a connection of its own: the head first, then the
/// body line by line (a watch or a log tail is one long response of newline-separated
/// records) or whole. Chunked, Content-Length and close-delimited bodies are decoded.
///
/// Each read waits at most `idleTimeout` seconds for the next bytes (`idleTimeout`
/// error; the stream stays usable and a later read goes on waiting). Memory is bounded
/// by `maxLineBytes` (plus one socket read). Not thread-safe except for `cancellation`.
public final class HTTPResponseStream {
    public let status: Int
    public let reason: String
    public let headers: Headers
    /// Hand this to another thread to stop the stream.
    public let cancellation: StreamCancellation
    public let maxLineBytes: Int
    private var fd: Int32
    private var reader: SocketReader
    private var framing: BodyFraming
    /// Decoded body bytes not yet returned, from `pendingStart`; the first `scanned` of
    /// them hold no line feed.
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var scanned = 0

    init(status: Int, reason: String, headers: Headers, fd: Int32, reader: SocketReader, framing: BodyFraming,
         cancellation: StreamCancellation, maxLineBytes: Int) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.fd = fd
        self.reader = reader
        self.framing = framing
        self.cancellation = cancellation
        self.maxLineBytes = maxLineBytes
    }

    deinit { close() }

    /// Trailer fields of a chunked body, once the body has been read to its end.
    public var trailers: Headers { framing.trailers }

    /// True once the body has been read to its end (or the stream closed).
    public var isFinished: Bool { fd < 0 || framing.isDone && pendingStart == pending.count }

    /// Closes the connection; later reads return nil.
    public func close() {
        guard fd >= 0 else { return }
        cancellation.close(fd)
        fd = -1
    }

    /// The next line of the body without its LF or CRLF; nil at the body's end. A last
    /// line without a line feed is returned as it is.
    /// - Throws: `lineTooLong` beyond `maxLineBytes`, `idleTimeout`, `cancelled`,
    ///   `connectionClosed` when the body is cut short, chunk errors.
    public func nextLine() throws(HTTPClientError) -> [UInt8]? {
        while true {
            if let lf = pending[(pendingStart + scanned)...].firstIndex(of: 10) {
                var end = lf
                if end > pendingStart && pending[end - 1] == 13 { end -= 1 }
                guard end - pendingStart <= maxLineBytes else { return try fail(.lineTooLong(limit: maxLineBytes)) }
                let line = Array(pending[pendingStart..<end])
                consume(upTo: lf + 1)
                return line
            }
            scanned = pending.count - pendingStart
            guard scanned <= maxLineBytes + 1 else { return try fail(.lineTooLong(limit: maxLineBytes)) }
            guard let piece = try read(upTo: maxLineBytes + 2 - scanned) else {
                guard pendingStart < pending.count else { return nil }
                let line = Array(pending[pendingStart...])
                consume(upTo: pending.count)
                guard line.count <= maxLineBytes else { return try fail(.lineTooLong(limit: maxLineBytes)) }
                return line
            }
            pending.append(contentsOf: piece)
        }
    }

    /// The rest of the body.
    /// - Throws: `responseTooLarge` beyond `limit` bytes, and what `nextLine` throws.
    public func readToEnd(limit: Int) throws(HTTPClientError) -> [UInt8] {
        var out = Array(pending[pendingStart...])
        consume(upTo: pending.count)
        guard out.count <= limit else { return try fail(.responseTooLarge(limit: limit)) }
        while let piece = try read(upTo: 1 << 20) {
            guard piece.count <= limit - out.count else { return try fail(.responseTooLarge(limit: limit)) }
            out.append(contentsOf: piece)
        }
        return out
    }

    private func consume(upTo index: Int) {
        pendingStart = index
        scanned = 0
        if pendingStart == pending.count {
            pending.removeAll(keepingCapacity: pending.capacity <= 64 * 1024)
            pendingStart = 0
        } else if pendingStart >= 64 * 1024 && pendingStart >= pending.count / 2 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
    }

    /// Decoded body bytes from the socket; nil at the body's end. A cancelled stream
    /// throws `cancelled` whatever the socket reported (its shutdown reads as an end).
    private func read(upTo count: Int) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        if cancellation.isCancelled { return try fail(.cancelled) }
        guard fd >= 0 else { return nil }
        do {
            let piece = try framing.next(&reader, upTo: count)
            if cancellation.isCancelled { return try fail(.cancelled) }
            if piece == nil { close() }
            return piece
        } catch {
            if cancellation.isCancelled { return try fail(.cancelled) }
            if case .idleTimeout = error { throw error }  // not fatal: reading may go on
            return try fail(error)
        }
    }

    /// Closes the stream and throws `error`: after a framing error the connection's bytes
    /// can no longer be trusted.
    private func fail<T>(_ error: HTTPClientError) throws(HTTPClientError) -> T {
        close()
        throw error
    }
}

extension HTTPClient {
    /// Sends a request on a new connection of its own and returns the response as a
    /// stream once its head has arrived (within the client's `timeout`). Whatever the
    /// status, the body is left to the caller (an error body is read with `readToEnd`).
    /// The client's keep-alive connection is not involved.
    /// - Parameters:
    ///   - idleTimeout: seconds each later read may wait for the next bytes (0: no limit).
    ///   - maxLineBytes: the longest line `nextLine` accepts.
    ///   - cancellation: the handle that stops this stream; pass one to stop it from
    ///     another thread, even while the head is awaited.
    public func openStream(_ method: String, _ path: String, headers: Headers = Headers(), body: [UInt8] = [],
                           idleTimeout: Double, maxLineBytes: Int = 1 << 20,
                           cancellation: StreamCancellation = StreamCancellation()) throws(HTTPClientError) -> HTTPResponseStream {
        let bytes = try encode(method: method, path: path, headers: headers, body: body)
        guard !cancellation.isCancelled else { throw .cancelled }
        let fd: Int32
        do { fd = try SocketCall.connect(host: host, port: port, timeout: connectTimeout) } catch { throw .socket(error) }
        if connectTimeout != timeout {
            do { try SocketCall.setTimeouts(fd, seconds: timeout) } catch {
                SocketCall.close(fd)
                throw .socket(error)
            }
        }
        connectionsOpened += 1
        guard cancellation.attach(fd) else {
            SocketCall.close(fd)
            throw .cancelled
        }
        var r = SocketReader(fd: fd, readTimeout: timeout, appliedTimeout: timeout)
        r.deadline = (at: monotonicNanos() + nanos(timeout), seconds: timeout)
        do throws(HTTPClientError) {
            do { try SocketCall.writeAll(fd, bytes) } catch { throw HTTPClientError.socket(error) }
            let (status, reason, responseHeaders) = try readHead(&r)
            let framing = try BodyFraming.of(status: status, headers: responseHeaders, headOnly: method == "HEAD",
                                             maxChunkBytes: maxResponseBytes)
            r.deadline = nil
            r.readTimeout = idleTimeout
            r.timeoutError = .idleTimeout(seconds: idleTimeout)
            return HTTPResponseStream(status: status, reason: reason, headers: responseHeaders, fd: fd, reader: r,
                                      framing: framing, cancellation: cancellation, maxLineBytes: maxLineBytes)
        } catch {
            cancellation.close(fd)
            if cancellation.isCancelled { throw .cancelled }
            throw error
        }
    }
}
