import Foundation
import HTTP1
import Testing
import ZKPayCore

@Suite("Many connections")
struct ConnectionsTests {
    @Test("1,000 concurrent keep-alive connections are each served and counted")
    func thousandConnections() throws {
        let node = try Node()
        var fds: [Int32] = []
        defer { for fd in fds { SocketCall.close(fd) } }
        for _ in 0..<1000 { fds.append(try SocketCall.connect(host: "127.0.0.1", port: node.port, timeout: 10)) }
        let request = Array("GET /v1/status HTTP/1.1\r\nHost: validator\r\n\r\n".utf8)
        for fd in fds { try SocketCall.writeAll(fd, request) }
        var served = 0
        var chunk = [UInt8](repeating: 0, count: 4096)
        for fd in fds {
            var text = ""
            while !text.hasSuffix("}") {
                let progress = try chunk.withUnsafeMutableBytes { buffer in
                    Result { () throws(SocketError) in try SocketCall.read(fd, into: buffer) }
                }.get()
                guard case let .bytes(n) = progress else { break }
                text += String(decoding: chunk[0..<n], as: UTF8.self)
            }
            if text.hasPrefix("HTTP/1.1 200") && !text.contains("Connection: close") { served += 1 }
        }
        #expect(served == 1000)
        let status = try node.client().get("/v1/status")
        #expect((status.json?["connections"]?.int ?? 0) >= 1001)
    }
}
