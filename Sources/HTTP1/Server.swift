import Glibc
import Foundation
import Synchronization

/// Called on the server's event-loop thread for each complete request. It must return
/// quickly (hand long work to another thread) and answer through the `Responder`, now or
/// later, from any thread.
public typealias Handler = @Sendable (Request, Responder) -> Void

/// A small HTTP/1.1 server: one event-loop thread multiplexes every connection with
/// `poll`, so thousands of idle keep-alive connections cost a descriptor and a buffer
/// each, not a thread.
///
/// Per connection, one request is handled at a time: pipelined requests wait in the
/// input buffer until the previous response is queued, so responses come back in order.
/// Every malformed or over-limit request is answered with the status from
/// `RequestParseError.status` and a JSON error body, then the connection is closed.
///
/// `shutdown` drains: stop accepting, close idle connections, let requests already
/// received get their answers (with `Connection: close`), end event streams, return.
public final class Server: Sendable {
    /// The bound port (the kernel's choice when 0 was asked for).
    public let port: UInt16
    let shared: ServerShared

    /// Binds `host:port`, starts listening and starts the event-loop thread.
    /// - Throws: `SocketError` if the address cannot be bound.
    public init(host: String = "127.0.0.1", port: UInt16 = 0, limits: Limits = .standard,
                handler: @escaping Handler) throws(SocketError) {
        let shared = try ServerShared()
        let listener = try SocketCall.listen(host: host, port: port, backlog: 4096)
        do { self.port = try SocketCall.localPort(listener) } catch {
            SocketCall.close(listener)
            throw error
        }
        self.shared = shared
        let thread = Thread {
            shared.loopThread.store(UInt(pthread_self()), ordering: .releasing)
            let loop = EventLoop(listener: listener, shared: shared, limits: limits, handler: handler)
            loop.run()
            shared.markFinished()
        }
        thread.name = "HTTP1.Server:\(self.port)"
        thread.start()
    }

    deinit {
        // Without a shutdown the loop would run forever: stop it now (no waiting).
        if !shared.isFinished { shared.submit(.drain(gracePeriod: 0)) }
    }

    /// Open client connections right now.
    public var connectionCount: Int { shared.openConnections.load(ordering: .relaxed) }

    /// Bytes of client input the server holds in request buffers right now: what the
    /// connections have read and not yet handed to the handler (`Limits.maxBufferedBodyBytes`
    /// bounds the bodies among them).
    package var bufferedRequestBytes: Int { shared.bufferedRequestBytes.load(ordering: .relaxed) }

    /// The loop reads a connection in chunks of this size into one buffer.
    static let readChunkBytes = 64 << 10
    /// The loop goes on reading a ready connection while it has read fewer bytes than this
    /// in the current wakeup, then turns to the others.
    static let readBudgetPerWakeup = 4 * readChunkBytes
    /// The most bytes the loop takes from one connection in one wakeup, before it checks
    /// what they ask for (such as a body over the budget): under the budget plus one chunk.
    package static let maxReadPerWakeup = readBudgetPerWakeup + readChunkBytes - 1

    /// The most bytes `bufferedRequestBytes` has been at once since the server started.
    package var bufferedRequestBytesHighWater: Int {
        shared.bufferedRequestBytesHighWater.load(ordering: .relaxed)
    }

    /// Closes the listening socket: no new connections (clients get "connection refused"),
    /// while open connections and event streams go on being served. The first step of a
    /// shutdown that must finish work (and deliver its events) before `shutdown` ends streams.
    public func stopAccepting() {
        shared.submit(.stopAccepting)
    }

    /// Graceful drain; returns when the loop has stopped. Requests not answered within
    /// `gracePeriod` seconds have their connections closed. Safe to call more than once.
    public func shutdown(gracePeriod: Double = 10) {
        shared.submit(.drain(gracePeriod: gracePeriod))
        // Called from a handler (on the loop thread) waiting would deadlock: the drain
        // then proceeds after the handler returns.
        guard pthread_equal(pthread_self(), pthread_t(shared.loopThread.load(ordering: .acquiring))) == 0 else { return }
        shared.waitUntilFinished()
    }
}

/// Monotonic nanoseconds.
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

func nanos(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }

/// One client connection, owned by the loop thread.
final class Connection {
    enum Phase {
        /// Waiting for (the rest of) a request.
        case reading
        /// A request is with the handler.
        case awaitingResponse(headOnly: Bool, keepAlive: Bool, http10: Bool)
        /// An event stream is open.
        case streaming(StreamState)
        /// The last bytes are being written; then the connection is closed.
        case closing
        /// Write side shut; reading and discarding until EOF or the deadline, so a
        /// client still sending does not get a reset that destroys our last response.
        case lingering(until: UInt64)
    }

    let id: UInt64
    let fd: Int32
    var parser: RequestParser
    var phase = Phase.reading
    var output: [UInt8] = []
    var outputOffset = 0
    var peerClosed = false
    /// Set while a request is partly received: the read-timeout clock.
    var requestStarted: UInt64?
    /// Last time a request was answered or the connection opened: the idle clock.
    var idleSince: UInt64
    /// Last time pending output made progress.
    var lastWriteProgress: UInt64
    /// Connections over the limit, kept only to deliver their 503.
    let rejected: Bool
    /// Body bytes reserved in the loop's budget for the request being received.
    var bodyReservation = 0
    /// The parser's buffered bytes as last added to `EventLoop.bufferedRequestBytes`.
    var accountedInput = 0

    init(id: UInt64, fd: Int32, limits: Limits, now: UInt64, rejected: Bool) {
        self.id = id
        self.fd = fd
        self.parser = RequestParser(limits: limits)
        self.idleSince = now
        self.lastWriteProgress = now
        self.rejected = rejected
    }

    var pendingOutput: Int { output.count - outputOffset }
}

/// The event loop: everything in it runs on the server's one loop thread.
final class EventLoop {
    let shared: ServerShared
    let limits: Limits
    let handler: Handler
    var listener: Int32
    var connections: [UInt64: Connection] = [:]
    var rejectedCount = 0
    /// Body bytes reserved by all connections (`Limits.maxBufferedBodyBytes` bounds it).
    var reservedBodyBytes = 0
    /// Bytes held in all connections' parsers (published in `ServerShared.bufferedRequestBytes`).
    var bufferedRequestBytes = 0
    var nextID: UInt64 = 1
    var drainDeadline: UInt64?
    var acceptPausedUntil: UInt64 = 0
    var lastSweep: UInt64 = 0
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Server.readChunkBytes, alignment: 16)
    var cachedDate = (second: -1, text: "")

    /// Connections over `maxConnections` that may wait to receive their 503.
    static let maxRejectedInFlight = 64
    /// Input buffered ahead while a request is with the handler.
    static let maxPipelinedBytes = 64 * 1024
    /// How long a closing connection keeps draining client bytes.
    static let lingerNanos: UInt64 = 2_000_000_000

    init(listener: Int32, shared: ServerShared, limits: Limits, handler: @escaping Handler) {
        self.listener = listener
        self.shared = shared
        self.limits = limits
        self.handler = handler
    }

    deinit { readBuffer.deallocate() }

    var activeCount: Int { connections.count - rejectedCount }

    func run() {
        var fds: [pollfd] = []
        var ids: [UInt64] = []
        while true {
            for command in shared.takeCommands() { perform(command) }
            let now = monotonicNanos()
            if now &- lastSweep >= 50_000_000 || drainDeadline != nil {
                sweep(now)
                lastSweep = now
            }
            if drainDeadline != nil && connections.isEmpty { break }

            fds.removeAll(keepingCapacity: true)
            ids.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: shared.wakeRead, events: Int16(POLLIN), revents: 0))
            let accepting = listener >= 0 && now >= acceptPausedUntil
            fds.append(pollfd(fd: accepting ? listener : -1, events: Int16(POLLIN), revents: 0))
            for (id, c) in connections {
                var events: Int16 = 0
                if wantsRead(c) { events |= Int16(POLLIN) }
                if c.pendingOutput > 0 { events |= Int16(POLLOUT) }
                // A descriptor with nothing wanted is left out (fd -1): a hung-up socket
                // would otherwise report POLLHUP on every call and spin the loop.
                fds.append(pollfd(fd: events == 0 ? -1 : c.fd, events: events, revents: 0))
                ids.append(id)
            }
            let ready = poll(&fds, nfds_t(fds.count), 50)
            if ready < 0 {
                if errno == EINTR { continue }
                // EINVAL/ENOMEM: nothing sensible left to do but stop serving.
                break
            }
            if ready == 0 { continue }
            if fds[1].revents != 0 { acceptAll() }
            for (index, id) in ids.enumerated() {
                let revents = fds[index + 2].revents
                guard revents != 0, let c = connections[id] else { continue }
                if revents & Int16(POLLOUT) != 0 { flush(c) }
                guard connections[id] != nil else { continue }
                if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { readable(c) }
            }
        }
        for c in Array(connections.values) { close(c) }
        if listener >= 0 { SocketCall.close(listener) }
    }

    func wantsRead(_ c: Connection) -> Bool {
        if c.peerClosed { return false }
        switch c.phase {
        case .reading, .streaming, .lingering: return true
        // Pipelined input waits in the kernel beyond this: memory per connection stays
        // small however much a client sends ahead.
        case .awaitingResponse: return c.parser.bufferedByteCount < Self.maxPipelinedBytes
        case .closing: return false
        }
    }

    // MARK: accepting

    func acceptAll() {
        for _ in 0..<256 {
            let fd: Int32?
            do { fd = try SocketCall.accept(listener) } catch {
                // A connection reset before we took it: nothing to do, take the next.
                if case let .system(_, code) = error, code == ECONNABORTED || code == EPROTO { continue }
                // EMFILE/ENFILE/ENOBUFS: the pending connection stays queued; poll would
                // report it again at once, so pause accepting briefly instead of spinning.
                acceptPausedUntil = monotonicNanos() + 100_000_000
                return
            }
            guard let fd else { return }
            let now = monotonicNanos()
            if activeCount >= limits.maxConnections {
                guard rejectedCount < Self.maxRejectedInFlight else { SocketCall.close(fd); continue }
                let c = Connection(id: nextID, fd: fd, limits: limits, now: now, rejected: true)
                nextID += 1
                connections[c.id] = c
                rejectedCount += 1
                sendError(c, .error(.serviceUnavailable, code: "too_many_connections",
                                    message: "the server is at its limit of \(limits.maxConnections) connections; retry later"))
                continue
            }
            let c = Connection(id: nextID, fd: fd, limits: limits, now: now, rejected: false)
            nextID += 1
            connections[c.id] = c
            shared.openConnections.add(1, ordering: .relaxed)
        }
    }

    // MARK: reading

    func readable(_ c: Connection) {
        var budget = Server.readBudgetPerWakeup
        var sawEOF = false
        readLoop: while budget > 0 {
            let progress: SocketCall.Progress
            do { progress = try SocketCall.read(c.fd, into: readBuffer) } catch {
                close(c)  // ECONNRESET and friends: the client is gone
                return
            }
            switch progress {
            case let .bytes(n):
                budget -= n
                switch c.phase {
                case .reading, .awaitingResponse:
                    c.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
                    if case .awaitingResponse = c.phase, c.parser.bufferedByteCount >= Self.maxPipelinedBytes {
                        break readLoop
                    }
                case .streaming, .closing, .lingering:
                    break  // nothing more is read from this client; discard
                }
            case .wouldBlock:
                break readLoop
            case .endOfFile:
                sawEOF = true
                break readLoop
            }
        }
        accountInput(c)
        if sawEOF {
            c.peerClosed = true
            switch c.phase {
            case .streaming, .lingering:
                close(c)  // the client went away / finished draining
                return
            case .closing, .reading, .awaitingResponse:
                break
            }
        }
        advance(c)
    }

    /// Moves a connection on after input or after its response was queued: hands the next
    /// buffered request to the handler, or answers a bad one, or closes a finished one.
    func advance(_ c: Connection) {
        guard case .reading = c.phase else { return }
        let request: Request?
        do {
            request = try c.parser.next()
            accountInput(c)
        } catch {
            accountInput(c)
            sendError(c, .error(error.status, code: error.code, message: error.description))
            return
        }
        if let request {
            releaseBody(c)  // the body now belongs to the handler
            c.requestStarted = nil
            let headOnly = request.method == "HEAD"
            c.phase = .awaitingResponse(headOnly: headOnly, keepAlive: request.keepAlive,
                                        http10: request.version == .http10)
            handler(request, Responder(connection: c.id, shared: shared))
            return
        }
        guard reserveBody(c) else {
            var busy = Response.error(.serviceUnavailable, code: "server_busy",
                                      message: "the server is receiving too many request bodies at once; retry in a second")
            busy.headers.append("Retry-After", "1")
            sendError(c, busy)
            return
        }
        if c.parser.takeContinueRequest() {
            enqueue(c, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            flush(c)
            guard connections[c.id] != nil else { return }
        }
        let now = monotonicNanos()
        if c.parser.hasPartialRequest {
            if c.requestStarted == nil { c.requestStarted = now }
        } else {
            c.requestStarted = nil
        }
        if c.peerClosed {
            do { try c.parser.finish() } catch {
                sendError(c, .error(error.status, code: error.code, message: error.description))
                return
            }
            if c.pendingOutput == 0 { close(c) } else { c.phase = .closing }
        }
    }

    // MARK: writing

    func date() -> String {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        if t.tv_sec != cachedDate.second { cachedDate = (t.tv_sec, httpDate(t.tv_sec)) }
        return cachedDate.text
    }

    func enqueue(_ c: Connection, _ bytes: [UInt8]) {
        if c.pendingOutput == 0 {
            c.output.removeAll(keepingCapacity: true)
            c.outputOffset = 0
            c.lastWriteProgress = monotonicNanos()
        }
        c.output.append(contentsOf: bytes)
    }

    /// Answers with an error response and closes after it is written.
    func sendError(_ c: Connection, _ response: Response) {
        releaseBody(c)  // no further request is read from a closing connection
        enqueue(c, response.serialized(close: true, headOnly: false, date: date()))
        c.phase = .closing
        flush(c)
    }

    /// Writes as much pending output as the socket takes; finishes a closing connection.
    func flush(_ c: Connection) {
        while c.pendingOutput > 0 {
            let progress: SocketCall.Progress
            do {
                let offset = c.outputOffset
                progress = try c.output.withUnsafeBytes { raw in
                    Result { () throws(SocketError) in
                        try SocketCall.write(c.fd, from: UnsafeRawBufferPointer(rebasing: raw[offset...]))
                    }
                }.get()
            } catch {
                close(c)  // EPIPE/ECONNRESET: the client is gone
                return
            }
            guard case let .bytes(n) = progress else { break }
            c.outputOffset += n
            c.lastWriteProgress = monotonicNanos()
        }
        if c.pendingOutput == 0 {
            c.output.removeAll(keepingCapacity: c.output.capacity <= 64 * 1024)
            c.outputOffset = 0
            if case .closing = c.phase { finishClosing(c) }
        }
    }

    /// All output is written: close now if the client has closed too, else linger.
    func finishClosing(_ c: Connection) {
        if c.peerClosed {
            close(c)
        } else {
            SocketCall.shutdownWrite(c.fd)
            c.phase = .lingering(until: monotonicNanos() + Self.lingerNanos)
        }
    }

    /// Reserves the body the connection's parser now awaits; false if the budget cannot
    /// hold it (nothing is reserved then).
    func reserveBody(_ c: Connection) -> Bool {
        let awaited = c.parser.awaitedBodyBytes
        guard awaited > c.bodyReservation else { return true }
        let extra = awaited - c.bodyReservation
        guard extra <= limits.maxBufferedBodyBytes - reservedBodyBytes else { return false }
        reservedBodyBytes += extra
        c.bodyReservation = awaited
        return true
    }

    func releaseBody(_ c: Connection) {
        reservedBodyBytes -= c.bodyReservation
        c.bodyReservation = 0
    }

    /// Brings `bufferedRequestBytes` (and its high-water mark) up to date with what the
    /// connection's parser holds now; called after input is appended or a request taken.
    func accountInput(_ c: Connection) {
        let held = c.parser.bufferedByteCount
        guard held != c.accountedInput else { return }
        setBufferedRequestBytes(bufferedRequestBytes + held - c.accountedInput)
        c.accountedInput = held
    }

    func setBufferedRequestBytes(_ total: Int) {
        bufferedRequestBytes = total
        shared.bufferedRequestBytes.store(total, ordering: .relaxed)
        if total > shared.bufferedRequestBytesHighWater.load(ordering: .relaxed) {
            shared.bufferedRequestBytesHighWater.store(total, ordering: .relaxed)
        }
    }

    func close(_ c: Connection) {
        guard connections.removeValue(forKey: c.id) != nil else { return }
        releaseBody(c)
        if c.accountedInput != 0 {
            setBufferedRequestBytes(bufferedRequestBytes - c.accountedInput)
            c.accountedInput = 0
        }
        if case let .streaming(state) = c.phase { state.closed.store(true, ordering: .releasing) }
        if c.rejected { rejectedCount -= 1 } else { shared.openConnections.subtract(1, ordering: .relaxed) }
        SocketCall.close(c.fd)
    }

    // MARK: commands from other threads

    func perform(_ command: LoopCommand) {
        switch command {
        case let .respond(id, response):
            guard let c = connections[id], case let .awaitingResponse(headOnly, keepAlive, http10) = c.phase else { return }
            let close = !keepAlive || drainDeadline != nil || c.peerClosed && !c.parser.hasPartialRequest
                && c.parser.bufferedByteCount == 0
            enqueue(c, response.serialized(close: close, headOnly: headOnly, date: date(), announceKeepAlive: http10))
            c.idleSince = monotonicNanos()
            c.phase = close ? .closing : .reading
            flush(c)
            if connections[id] != nil { advance(c) }
        case let .streamOpen(id, status, headers, state):
            guard let c = connections[id], case .awaitingResponse = c.phase else {
                state.closed.store(true, ordering: .releasing)
                return
            }
            guard drainDeadline == nil else {
                // A stream would be ended at once: tell the client to come back later.
                state.closed.store(true, ordering: .releasing)
                sendError(c, .error(.serviceUnavailable, code: "shutting_down",
                                    message: "the server is shutting down; reconnect to another instance or retry"))
                return
            }
            var head: String
            let reserved: Set<String>
            if let status {
                head = "HTTP/1.1 \(status.code) \(Response.headerSafe(status.reason))\r\nTransfer-Encoding: chunked\r\n"
                reserved = ["content-length", "transfer-encoding", "connection"]
            } else {
                head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                reserved = ["content-type", "content-length", "transfer-encoding", "connection"]
            }
            for h in headers {
                if reserved.contains(h.name.lowercased()) { continue }
                head += "\(Response.headerSafe(h.name)): \(Response.headerSafe(h.value))\r\n"
            }
            // An event stream has no length and no chunking: its end is the connection's
            // end. A chunked response ends with its last chunk; the connection closes too.
            head += "Date: \(date())\r\nConnection: close\r\n\r\n"
            enqueue(c, Array(head.utf8))
            c.phase = .streaming(state)
            flush(c)
        case let .streamWrite(id, bytes):
            guard let c = connections[id], case .streaming = c.phase else { return }
            if c.pendingOutput + bytes.count > limits.maxStreamBufferBytes {
                close(c)  // the client does not read: drop it rather than buffer without end
                return
            }
            enqueue(c, bytes)
            flush(c)
        case let .streamClose(id):
            guard let c = connections[id], case .streaming = c.phase else { return }
            c.phase = .closing
            if c.pendingOutput == 0 { finishClosing(c) }
        case .stopAccepting:
            if listener >= 0 {
                SocketCall.close(listener)
                listener = -1
            }
        case let .drain(grace):
            let deadline = monotonicNanos() + nanos(grace)
            drainDeadline = min(drainDeadline ?? deadline, deadline)
            if listener >= 0 {
                SocketCall.close(listener)
                listener = -1
            }
        }
    }

    // MARK: timeouts and draining

    func sweep(_ now: UInt64) {
        let draining = drainDeadline != nil
        if let deadline = drainDeadline, now >= deadline {
            for c in Array(connections.values) { close(c) }
            return
        }
        for c in Array(connections.values) {
            if c.pendingOutput > 0 && now &- c.lastWriteProgress > nanos(limits.readTimeout) {
                close(c)  // the client stopped reading our response
                continue
            }
            switch c.phase {
            case .reading:
                if let started = c.requestStarted {
                    if now &- started > nanos(limits.readTimeout) {
                        sendError(c, .error(.requestTimeout, code: "request_timeout",
                                            message: "the request did not arrive within \(limits.readTimeout) seconds"))
                    }
                } else {
                    // No request in progress (advance has dispatched every complete one).
                    if draining || now &- c.idleSince > nanos(limits.idleTimeout) {
                        if c.pendingOutput == 0 { close(c) } else { c.phase = .closing }
                    }
                }
            case let .streaming(state):
                if draining {
                    state.closed.store(true, ordering: .releasing)
                    c.phase = .closing
                    if c.pendingOutput == 0 { finishClosing(c) }
                }
            case let .lingering(until):
                if now >= until { close(c) }
            case .awaitingResponse, .closing:
                break
            }
        }
    }
}
