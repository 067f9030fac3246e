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
        do {
            _ = try Server(host: "localhost:80", handler: echoHandler)
            Issue.record("a host with a port in it was accepted")
        } catch {
            guard case let .invalidAddress(host, reason) = error else { throw error }
            #expect(host == "localhost:80" && !reason.isEmpty, "\(error)")
        }
        #expect(SocketError.system(operation: "connect", errno: ECONNREFUSED).description.contains("refused"))
        #expect(throws: HTTPClientError.socket(.system(operation: "connect", errno: ECONNREFUSED))) {
            try HTTPClient(port: port).request("GET", "/")
        }
    }

    @Test("the client resolves host names (localhost) and connects to IPv6 literals; an unknown name says why")
    func hostNames() throws {
        let v4 = try Server(handler: echoHandler)
        defer { v4.shutdown() }
        // localhost may resolve to ::1 first; the client goes on to 127.0.0.1.
        #expect(try HTTPClient(host: "localhost", port: v4.port).request("GET", "/x").status == 200)
        do {
            _ = try SocketCall.connect(host: "no-such-host.invalid", port: 80, timeout: 1)
            Issue.record("an unresolvable name connected")
        } catch {
            guard case let .invalidAddress(host, reason) = error else { throw error }
            #expect(host == "no-such-host.invalid" && !reason.isEmpty)
            #expect(error.description.contains("cannot resolve the host 'no-such-host.invalid'"), "\(error)")
        }
    }

    @Test("a server and a client on the IPv6 loopback address",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/net/if_inet6"), "this machine has no IPv6"))
    func ipv6Loopback() throws {
        let v6 = try Server(host: "::1", handler: echoHandler)
        defer { v6.shutdown() }
        #expect(try HTTPClient(host: "::1", port: v6.port).request("GET", "/x").status == 200)
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
