import Foundation
import Glibc
import Synchronization

/// A TCP relay on 127.0.0.1 in front of one target port that a test can cut (every relayed
/// connection shut down, new ones accepted and closed at once) and heal. Put between one
/// process and the services it uses, it partitions exactly that process: the cluster tests
/// cut a validator off from every etcd member this way (stopping an etcd member would not:
/// the validator's client moves to another member).
public final class TCPProxy: Sendable {
    /// The port the relay listens on.
    public let port: UInt16
    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    private let target: UInt16
    private let listener: Int32
    private struct State {
        var isCut = false
        var isClosed = false
        /// Every relayed socket still open (both sides of each connection).
        var open: Set<Int32> = []
    }
    private let state = Mutex(State())

    public enum ProxyError: Error, CustomStringConvertible {
        case socket(String)
        public var description: String { switch self { case let .socket(why): "TCP proxy: \(why)" } }
    }

    /// Starts relaying connections on a free loopback port to `127.0.0.1:target`.
    public init(target: UInt16) throws {
        self.target = target
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProxyError.socket("socket() failed (errno \(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw ProxyError.socket("cannot listen on loopback (errno \(errno))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw ProxyError.socket("getsockname failed (errno \(errno))")
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { shutdown() }

    /// Shuts down every relayed connection and refuses new ones until `heal`.
    public func cut() {
        let sockets = state.withLock { s in
            s.isCut = true
            return s.open
        }
        for fd in sockets { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }

    /// Relays new connections again.
    public func heal() { state.withLock { $0.isCut = false } }

    /// Stops listening and shuts down every relayed connection.
    public func shutdown() {
        let first = state.withLock { s in
            defer { s.isClosed = true }
            return !s.isClosed
        }
        guard first else { return }
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        cut()
    }

    private static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return a
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if state.withLock({ $0.isClosed }) { return }
                continue
            }
            if state.withLock({ $0.isCut || $0.isClosed }) {
                close(client)
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: target)
            let connected = upstream >= 0 && withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            } == 0
            guard connected else {
                if upstream >= 0 { close(upstream) }
                close(client)
                continue
            }
            // Registered under the lock that `cut` reads, so a cut either sees the pair or
            // the pair sees the cut.
            let admitted = state.withLock { s in
                guard !s.isCut, !s.isClosed else { return false }
                s.open.insert(client)
                s.open.insert(upstream)
                return true
            }
            guard admitted else {
                close(upstream)
                close(client)
                continue
            }
            let pending = Countdown(2)
            for (from, to) in [(client, upstream), (upstream, client)] {
                Thread { [self] in
                    Self.pump(from: from, to: to)
                    Glibc.shutdown(from, Int32(SHUT_RDWR))
                    Glibc.shutdown(to, Int32(SHUT_RDWR))
                    // The second direction to end closes both sockets.
                    if pending.decrementReachesZero() {
                        state.withLock { s in
                            s.open.remove(client)
                            s.open.remove(upstream)
                        }
                        close(client)
                        close(upstream)
                    }
                }.start()
            }
        }
    }

    /// Copies bytes from `from` to `to` until either side ends or fails.
    private static func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                if w <= 0 { return }
                sent += w
            }
        }
    }
}

/// A count shared by the two relay threads of one connection.
private final class Countdown: Sendable {
    private let value: Mutex<Int>
    init(_ n: Int) { value = Mutex(n) }
    /// Decrements; true for the call that reaches zero.
    func decrementReachesZero() -> Bool {
        value.withLock { n in
            n -= 1
            return n == 0
        }
    }
}
