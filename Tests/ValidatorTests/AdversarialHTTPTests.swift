import Foundation
import Glibc
import HTTP1
import Testing
import TestSupport
import ZKPayCore
@testable import Validator

/// The validator's HTTP surface tried as an attacker would: every answer is a 4xx (or a
/// closed connection), the other clients keep being served, nothing reaches the ledger, and
/// the bytes the server buffers for requests stay within its budget.
@Suite("Adversarial HTTP")
struct AdversarialHTTPTests {
    let pool = Pool.shared

    @Test("malformed lines, huge headers, invalid UTF-8, pipelining, half-closes and every wrong method: 4xx or close, the rest served")
    func hostileRequests() throws {
        let node = try Node { $0.limits.readTimeout = 0.5 }
        #expect(try node.client().submit(pool.mint).status == 200)
        let port = node.port
        let address = pool.alice.address.encoded

        // Request lines and headers that break the grammar.
        let malformed: [String] = [
            "GET\r\n\r\n",
            "GET /v1/status\r\n\r\n",
            "GET /v1/status HTTP/1.1 extra\r\nHost: x\r\n\r\n",
            " GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET  /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/status HTTP/9.9\r\nHost: x\r\n\r\n",
            "G\u{0}T /v1/status HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\nNo-Colon-Here\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\n : empty name\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST /v1/transfers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "h", count: 64 * 1024))\r\n\r\n",
            "GET /\(String(repeating: "p", count: 64 * 1024)) HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /v1/status HTTP/1.1\r\nHost: x\r\n" + (0..<500).map { "X-\($0): v\r\n" }.joined() + "\r\n",
        ]
        for request in malformed {
            let r = try rawExchange(port, Array(request.utf8))
            let status = try #require(r.status, "no status for \(request.prefix(60).debugDescription)")
            #expect((400..<500).contains(status) || status == 505, "\(request.prefix(60).debugDescription) -> \(status)")
        }

        // Invalid UTF-8 in the target, a header and a query value.
        let invalidUTF8: [[UInt8]] = [
            Array("GET /v1/".utf8) + [0xff, 0xfe] + Array(" HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
            Array("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Name: ".utf8) + [0xc3, 0x28] + Array("\r\nConnection: close\r\n\r\n".utf8),
            Array("GET /v1/notes?owner=".utf8) + [0xed, 0xa0, 0x80] + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8),
            Array("GET /v1/events?address=\(address)&after=".utf8) + [0xf0, 0x28, 0x8c, 0x28]
                + Array(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8),
        ]
        for request in invalidUTF8 {
            let r = try rawExchange(port, request)
            let status = try #require(r.status)
            #expect((400..<500).contains(status) || status == 200, "invalid UTF-8 -> \(status): \(r.text.prefix(200))")
        }

        // Pipelining: three requests in one write are answered in order on one connection.
        let pipelined = "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /v1/transfers/xyz HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /v1/audit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        let answers = try rawExchange(port, Array(pipelined.utf8)).text
        let statuses = answers.components(separatedBy: "HTTP/1.1 ").dropFirst().compactMap { Int($0.prefix(3)) }
        #expect(statuses == [200, 400, 200], "\(statuses)")

        // Half-closed in the middle of a request: 400, and nothing settles.
        do {
            let fd = try SocketCall.connect(host: "127.0.0.1", port: port, timeout: 5)
            defer { SocketCall.close(fd) }
            try SocketCall.writeAll(fd, Array("POST /v1/transfers HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nabc".utf8))
            SocketCall.shutdownWrite(fd)
            var chunk = [UInt8](repeating: 0, count: 4096)
            let progress = try? chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(SocketError) in try SocketCall.read(fd, into: buffer) }
            }.get()
            if case let .bytes(n)? = progress {
                #expect(String(decoding: chunk[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 400"))
            }
        }

        // Every route with every method it does not serve.
        let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "BREW"]
        for route in Routes.all {
            let path = route.path.replacingOccurrences(of: "{id}", with: String(repeating: "0", count: 64))
            let served = Routes.all.filter { $0.path == route.path }.map(\.method)
            for method in methods where !served.contains(method) {
                let r = try rawExchange(port, Array("\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                let status = try #require(r.status, "\(method) \(path)")
                #expect((400..<500).contains(status) || status == 501, "\(method) \(path) -> \(status)")
                if method == "GET" || method == "POST" || method == "PUT" || method == "DELETE" {
                    #expect(status == 405, "\(method) \(path) -> \(status)")
                }
            }
        }

        // Still serving, and none of it reached the ledger.
        let c = node.client()
        #expect(try c.sequence() == 1)
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)
    }

    @Test("clients that send nearly all of large bodies and stall cannot make the server hold more than its body budget")
    func memoryBounded() throws {
        let budget = 32 << 20
        let node = try Node {
            $0.limits.readTimeout = 30
            $0.limits.maxBufferedBodyBytes = budget
        }
        let port = node.port
        let server = node.service.server
        // 16 clients each declare a full batch body (8 MiB) and send all of it but its last
        // byte, then stall: 128 MiB if the server buffered them all. Past the budget a client
        // is answered 503 and closed before its body is read.
        var stalled: [Int32] = []
        defer { for fd in stalled { SocketCall.close(fd) } }
        let body = [UInt8](repeating: 0x41, count: Routes.maxBatchBytes - 1)
        var refused = 0
        for _ in 0..<16 {
            let fd = try SocketCall.connect(host: "127.0.0.1", port: port, timeout: 5)
            stalled.append(fd)
            let head = "POST /v1/transfers/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: \(Routes.maxBatchBytes)\r\n\r\n"
            _ = try? SocketCall.writeAll(fd, Array(head.utf8) + body)
        }
        // The refused ones hold a 503 (a closing connection drains what its client still sends).
        for fd in stalled {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 500) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0, String(decoding: chunk[0..<n], as: UTF8.self).hasPrefix("HTTP/1.1 503") { refused += 1 }
        }
        // A well-behaved client meanwhile.
        #expect(try node.client().submit(pool.mint).status == 200)
        #expect(try node.client().get("/v1/status").status == 200)
        // What the server itself holds, not the process's resident memory (which other
        // suites running at the same time move): the request bytes in its parsers at their
        // highest. The accepted uploads come to hold nearly the whole budget (the kernel may
        // still be handing over their last bytes: wait for them); each connection may also
        // hold what the loop read in the wakeup that brought its head (sent in the same write
        // as the start of its body), before the server checked its Content-Length against the
        // budget. Buffering every upload would reach 128 MiB.
        let accepted = budget / Routes.maxBatchBytes
        let deadline = ContinuousClock.now + .seconds(10)
        while server.bufferedRequestBytes < accepted * (Routes.maxBatchBytes - 1), ContinuousClock.now < deadline {
            usleep(10_000)
        }
        let highWater = server.bufferedRequestBytesHighWater
        print("adversarial: \(refused) of 16 stalled 8 MiB uploads cut off; the server held at most \(highWater >> 10) KiB of requests")
        #expect(refused == 16 - accepted)
        #expect(highWater >= accepted * (Routes.maxBatchBytes - 1), "the accepted uploads were not all buffered: \(highWater) bytes")
        #expect(highWater <= budget + 16 * Server.maxReadPerWakeup,
                "the server held \(highWater >> 10) KiB of requests, over its budget of \(budget >> 10) KiB")
    }
}
