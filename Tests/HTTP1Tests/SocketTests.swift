import Testing
import Glibc
import Foundation
import HTTP1

@Suite("HTTP1 sockets and client errors")
struct SocketTests {
    @Test("errno becomes a typed error: refused connection, address in use, bad address")
    func typedErrors() throws {
        let server = try Server(handler: echoHandler)
        let port = server.port
        #expect(throws: SocketError.system(operation: "bind", errno: EADDRINUSE)) {
            try Server(port: port, handler: echoHandler)
        }
        server.shutdown()
        #expect(throws: SocketError.system(operation: "connect", errno: ECONNREFUSED)) {
            try SocketCall.connect(host: "127.0.0.1", port: port, timeout: 1)
        }
        #expect(throws: SocketError.invalidAddress("localhost:80")) { try Server(host: "localhost:80", handler: echoHandler) }
        #expect(SocketError.system(operation: "connect", errno: ECONNREFUSED).description.contains("refused"))
        #expect(throws: HTTPClientError.socket(.system(operation: "connect", errno: ECONNREFUSED))) {
            try HTTPClient(port: port).request("GET", "/")
        }
    }

    @Test("a client read that gets no answer within its timeout throws timedOut")
    func clientTimeout() throws {
        let held = Handoff<Responder>()
        let server = try Server { _, responder in held.put(responder) }
        defer { server.shutdown(gracePeriod: 0) }
        let client = HTTPClient(port: server.port, timeout: 0.2)
        #expect(throws: HTTPClientError.socket(.timedOut(operation: "recv"))) { try client.request("GET", "/never") }
        held.take()?.respond(Response())
    }

    @Test("a port of 0 is replaced by the kernel's choice, different for each server")
    func ephemeralPorts() throws {
        let a = try Server(handler: echoHandler)
        let b = try Server(handler: echoHandler)
        defer { a.shutdown(); b.shutdown() }
        #expect(a.port != 0 && b.port != 0 && a.port != b.port)
    }
}
