import Glibc

/// A failed socket system call, with the errno it set.
public enum SocketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `operation` (e.g. "bind") failed with `errno`.
    case system(operation: String, errno: Int32)
    /// A host that is neither an IPv4 or IPv6 address nor a name getaddrinfo resolves
    /// (`reason`: what the resolver said).
    case invalidAddress(String, reason: String = "")
    /// A read or write did not complete within the socket's timeout.
    case timedOut(operation: String)
    /// The peer closed the connection.
    case closed

    public var description: String {
        switch self {
        case let .system(operation, code):
            "\(operation) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .invalidAddress(host, reason):
            "cannot resolve the host '\(host)'" + (reason.isEmpty ? "" : ": \(reason)")
                + "; give an IPv4 address (127.0.0.1), an IPv6 address ([::1] in a URL) or a host name"
        case let .timedOut(operation):
            "\(operation) timed out"
        case .closed:
            "the peer closed the connection"
        }
    }
}

/// Thin wrappers over the socket system calls: EINTR is retried, errno becomes a
/// `SocketError`. Everything here takes a plain file descriptor; ownership (who closes
/// it) stays with the caller.
public enum SocketCall {
    /// Runs `call` until it does not fail with EINTR; returns its result or throws.
    @inline(__always)
    static func retrying<T: BinaryInteger>(_ operation: String, _ call: () -> T) throws(SocketError) -> T {
        while true {
            let r = call()
            if r >= 0 { return r }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { throw .timedOut(operation: operation) }
            throw .system(operation: operation, errno: code)
        }
    }

    /// Result of a non-blocking read or write.
    public enum Progress: Equatable, Sendable {
        /// `n` bytes moved (for reads, 0 never appears here: see `endOfFile`).
        case bytes(Int)
        /// The socket would block (EAGAIN).
        case wouldBlock
        /// Read only: the peer sent FIN.
        case endOfFile
    }

    /// One socket address of a host.
    struct ResolvedAddress {
        var storage = sockaddr_storage()
        var length: socklen_t = 0
        var family: Int32 = 0

        /// Runs `body` with the address as a `sockaddr` pointer.
        func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
            withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
        }
    }

    /// The IPv4 and IPv6 addresses of `host:port`, in the resolver's order: a literal
    /// address as it is, a name (such as `localhost`) through getaddrinfo.
    static func resolve(_ host: String, _ port: UInt16, passive: Bool = false) throws(SocketError) -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, String(port), &hints, &list)
        guard code == 0, let first = list else {
            let reason = code == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(code))
            throw .invalidAddress(host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var out: [ResolvedAddress] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next?.pointee {
            next = info.ai_next
            guard let address = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6,
                  Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            var resolved = ResolvedAddress(length: info.ai_addrlen, family: info.ai_family)
            withUnsafeMutableBytes(of: &resolved.storage) { raw in
                raw.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen)))
            }
            out.append(resolved)
        }
        guard !out.isEmpty else { throw .invalidAddress(host, reason: "it has no IPv4 or IPv6 address") }
        return out
    }

    /// A listening TCP socket bound to `host:port` (port 0: the kernel picks one; read it
    /// back with `localPort`). HOST is an IPv4 or IPv6 address or a name (its first
    /// address). Non-blocking and close-on-exec.
    public static func listen(host: String, port: UInt16, backlog: Int32) throws(SocketError) -> Int32 {
        let address = try resolve(host, port, passive: true)[0]
        let fd = try retrying("socket") { socket(address.family, Int32(SOCK_STREAM.rawValue), 0) }
        do {
            var one: Int32 = 1
            _ = try retrying("setsockopt(SO_REUSEADDR)") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try retrying("bind") { address.withSockaddr { bind(fd, $0, $1) } }
            _ = try retrying("listen") { Glibc.listen(fd, backlog) }
            try setNonBlocking(fd)
            try setCloseOnExec(fd)
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// The local port a socket is bound to.
    public static func localPort(_ fd: Int32) throws(SocketError) -> UInt16 {
        var addr = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try retrying("getsockname") {
            withUnsafeMutablePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
            }
        }
        // The port sits at the same offset in sockaddr_in and sockaddr_in6.
        return withUnsafeBytes(of: addr) { raw in
            raw.baseAddress.map { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) } ?? 0
        }
    }

    /// Accepts one connection; nil when none is pending (EAGAIN). The new socket is
    /// non-blocking, close-on-exec and has TCP_NODELAY (responses are written whole).
    public static func accept(_ listener: Int32) throws(SocketError) -> Int32? {
        let fd: Int32
        do { fd = try retrying("accept") { Glibc.accept(listener, nil, nil) } } catch {
            if case .timedOut = error { return nil }
            throw error
        }
        do {
            try setNonBlocking(fd)
            try setCloseOnExec(fd)
            try setNoDelay(fd)
        } catch {
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// A blocking TCP connection to `host:port` with send/receive timeouts (seconds).
    /// HOST is an IPv4 or IPv6 address or a name; each of its addresses is tried in the
    /// resolver's order (`localhost` may give ::1 first, then 127.0.0.1) and the last
    /// failure is reported when none accepts.
    public static func connect(host: String, port: UInt16, timeout: Double) throws(SocketError) -> Int32 {
        var failure = SocketError.invalidAddress(host)
        for address in try resolve(host, port) {
            do { return try connect(address, timeout: timeout) } catch { failure = error }
        }
        throw failure
    }

    static func connect(_ address: ResolvedAddress, timeout: Double) throws(SocketError) -> Int32 {
        let fd = try retrying("socket") { socket(address.family, Int32(SOCK_STREAM.rawValue), 0) }
        do throws(SocketError) {
            try setCloseOnExec(fd)
            try setTimeouts(fd, seconds: timeout)
            // connect is not retried on EINTR (it continues asynchronously); a timeout
            // shows as EINPROGRESS/EAGAIN with SO_SNDTIMEO set.
            let r = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if r < 0 {
                let code = errno
                if code == EINPROGRESS || code == EAGAIN { throw SocketError.timedOut(operation: "connect") }
                throw SocketError.system(operation: "connect", errno: code)
            }
            try setNoDelay(fd)
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    /// Sets SO_RCVTIMEO and SO_SNDTIMEO (0 = no timeout).
    public static func setTimeouts(_ fd: Int32, seconds: Double) throws(SocketError) {
        let whole = max(0, seconds)
        var tv = timeval(tv_sec: Int(whole), tv_usec: Int((whole - Double(Int(whole))) * 1_000_000))
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = try retrying("setsockopt(SO_RCVTIMEO)") { setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, size) }
        _ = try retrying("setsockopt(SO_SNDTIMEO)") { setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, size) }
    }

    /// Sets SO_RCVTIMEO alone (0 = no timeout): how long one receive may block.
    public static func setReceiveTimeout(_ fd: Int32, seconds: Double) throws(SocketError) {
        let whole = max(0, seconds)
        var tv = timeval(tv_sec: Int(whole), tv_usec: Int((whole - Double(Int(whole))) * 1_000_000))
        _ = try retrying("setsockopt(SO_RCVTIMEO)") {
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    /// True when an idle keep-alive connection can no longer carry a request: the peer
    /// closed or reset it, or sent bytes nobody asked for. Neither blocks nor consumes.
    public static func idleConnectionIsStale(_ fd: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        if p.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 { return true }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    static func setNonBlocking(_ fd: Int32) throws(SocketError) {
        let flags = try retrying("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        _ = try retrying("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func setCloseOnExec(_ fd: Int32) throws(SocketError) {
        _ = try retrying("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
    }

    static func setNoDelay(_ fd: Int32) throws(SocketError) {
        var one: Int32 = 1
        _ = try retrying("setsockopt(TCP_NODELAY)") {
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// Reads into `buffer`. Non-blocking sockets report `wouldBlock`; blocking ones with a
    /// receive timeout throw `timedOut` from `readBlocking`.
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SocketError) -> Progress {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw .system(operation: "recv", errno: code)
        }
    }

    /// Writes from `buffer` without raising SIGPIPE (a vanished peer becomes an error).
    public static func write(_ fd: Int32, from buffer: UnsafeRawBufferPointer) throws(SocketError) -> Progress {
        guard buffer.count > 0 else { return .bytes(0) }
        while true {
            let n = send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            throw .system(operation: "send", errno: code)
        }
    }

    /// Writes all of `bytes` on a blocking socket; a send timeout throws `timedOut`.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws(SocketError) {
        var offset = 0
        while offset < bytes.count {
            let progress = try bytes.withUnsafeBytes { raw in
                Result { () throws(SocketError) in try write(fd, from: UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            }.get()
            switch progress {
            case let .bytes(n): offset += n
            case .wouldBlock: throw .timedOut(operation: "send")
            case .endOfFile: throw .closed
            }
        }
    }

    /// Half-closes the sending side (the peer reads EOF after what was sent).
    public static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    /// Closes `fd`. EINTR is not retried: on Linux the descriptor is released anyway.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
