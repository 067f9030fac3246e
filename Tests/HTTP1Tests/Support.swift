import Glibc
import Foundation
import Synchronization
import HTTP1

/// A response read off a raw socket by the tests' own minimal reader (independent of
/// `HTTPClient`, so the client and the server are not only tested against each other).
struct RawResponse {
    let status: Int
    let headers: [String: String]  // lowercased names
    let body: String

    /// The `error.code` of a JSON error body, or nil.
    var errorCode: String? {
        guard let data = body.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return nil }
        return error["code"] as? String
    }
}

/// A blocking loopback socket for sending exactly the bytes a test wants.
final class RawConnection {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: UInt16, timeout: Double = 5) throws {
        fd = try SocketCall.connect(host: "127.0.0.1", port: port, timeout: timeout)
    }

    deinit { SocketCall.close(fd) }

    func send(_ text: String) throws { try SocketCall.writeAll(fd, Array(text.utf8)) }
    func send(_ bytes: [UInt8]) throws { try SocketCall.writeAll(fd, bytes) }
    func shutdownWrite() { SocketCall.shutdownWrite(fd) }

    /// Reads once; nil at EOF. Throws on timeout or reset.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let progress = try chunk.withUnsafeMutableBytes { raw in
            Result { () throws(SocketError) in try SocketCall.read(fd, into: raw) }
        }.get()
        switch progress {
        case let .bytes(n): buffer += chunk[0..<n]; return true
        case .endOfFile: return false
        case .wouldBlock: throw SocketError.timedOut(operation: "recv")
        }
    }

    /// Everything until the server closes, as text.
    func readAll() throws -> String {
        while try fill() {}
        defer { buffer.removeAll() }
        return String(decoding: buffer, as: UTF8.self)
    }

    /// True if the server has closed the connection (EOF or reset) with nothing more to read.
    func isClosedByPeer() -> Bool {
        do { return try !fill() && buffer.isEmpty } catch let e as SocketError {
            if case .system = e { return true }  // ECONNRESET
            return false
        } catch { return false }
    }

    /// Reads one response (Content-Length framed, or until EOF when there is none).
    func readResponse() throws -> RawResponse {
        while true {
            if let end = find([13, 10, 13, 10]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                var lines = head.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst()
                let parts = statusLine.split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { throw RawError.malformed(statusLine) }
                var headers: [String: String] = [:]
                for l in lines {
                    guard let colon = l.firstIndex(of: ":") else { throw RawError.malformed(l) }
                    headers[l[..<colon].lowercased()] = l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let bodyStart = end + 4
                if (100...199).contains(status) {  // interim: a head only
                    buffer.removeFirst(bodyStart)
                    return RawResponse(status: status, headers: headers, body: "")
                }
                if let lengthText = headers["content-length"], let length = Int(lengthText) {
                    while buffer.count < bodyStart + length { guard try fill() else { throw RawError.truncated } }
                    let body = String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self)
                    buffer.removeFirst(bodyStart + length)
                    return RawResponse(status: status, headers: headers, body: body)
                }
                while try fill() {}
                let body = String(decoding: buffer[bodyStart...], as: UTF8.self)
                buffer.removeAll()
                return RawResponse(status: status, headers: headers, body: body)
            }
            guard try fill() else { throw RawError.truncated }
        }
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] && Array(buffer[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

enum RawError: Error {
    case malformed(String)
    case truncated
}

/// Echo handler: answers `METHOD target body-length` plus the body, as text.
let echoHandler: Handler = { request, responder in
    let text = "\(request.method) \(request.target) \(request.body.count)"
    responder.respond(Response(status: .ok, headers: Headers([Header("Content-Type", "text/plain")]),
                               body: Array(text.utf8) + (request.body.isEmpty ? [] : [10] + request.body)))
}

/// Polls `condition` every 5 ms for up to `seconds`; returns whether it became true.
/// (A wait for an event, not a timing assertion.)
func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(5000)
    }
    return condition()
}

/// A value one thread sets and another waits for.
final class Handoff<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    func put(_ v: T) { value.withLock { $0 = v } }
    func take(within seconds: Double = 5) -> T? {
        var result: T?
        _ = eventually(seconds) {
            result = value.withLock { $0 }
            return result != nil
        }
        return result
    }
}

/// Raises this process's soft limit on open files to at least `wanted` (up to the hard
/// limit) and returns the soft limit now in force. The 1,000-connection test needs about
/// 2,000 descriptors (both ends live in this process); many systems default to 1,024.
func raiseOpenFileLimit(to wanted: Int) -> Int {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
    if limit.rlim_cur < rlim_t(wanted) {
        limit.rlim_cur = min(rlim_t(wanted), limit.rlim_max)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return Int(limit.rlim_cur)
}
