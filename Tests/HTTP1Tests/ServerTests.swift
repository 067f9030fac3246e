import Testing
import Glibc
import Foundation
import Synchronization
import HTTP1

@Suite("HTTP1 server over loopback")
struct ServerTests {
    @Test("one client connection serves many requests (keep-alive reuse)")
    func keepAliveReuse() throws {
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        for i in 0..<50 {
            let body = Array("payload \(i)".utf8)
            let r = try client.request("POST", "/echo/\(i)", body: body)
            #expect(r.status == 200)
            #expect(r.text == "POST /echo/\(i) \(body.count)\npayload \(i)")
        }
        #expect(client.connectionsOpened == 1)
        #expect(server.connectionCount == 1)
    }

    @Test("pipelined requests sent in one write are answered in order")
    func pipelining() throws {
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        var batch = ""
        for i in 0..<20 { batch += "GET /p/\(i) HTTP/1.1\r\nHost: t\r\n\r\n" }
        batch += "POST /last HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
        try c.send(batch)
        for i in 0..<20 {
            let r = try c.readResponse()
            #expect(r.status == 200 && r.body == "GET /p/\(i) 0")
        }
        let last = try c.readResponse()
        #expect(last.body == "POST /last 3\nxyz")
    }

    @Test("pipelined requests stay in order when the handler answers later from other threads in reverse")
    func pipeliningAsync() throws {
        let server = try Server { request, responder in
            let delay = request.target == "/slow" ? 50_000 : 0
            Thread.detachNewThread {
                usleep(UInt32(delay))
                responder.respond(Response(body: Array(request.target.utf8)))
            }
        }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /fast HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try c.readResponse().body == "/slow")
        #expect(try c.readResponse().body == "/fast")
    }

    @Test("1,000 concurrent keep-alive connections are all served, twice each, and stay open")
    func thousandConnections() throws {
        let fileLimit = raiseOpenFileLimit(to: 4096)
        try #require(fileLimit >= 2200, "open-file limit is \(fileLimit); this test needs about 2,100 (raise `ulimit -Hn`)")
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        var connections: [RawConnection] = []
        for _ in 0..<1000 { connections.append(try RawConnection(port: server.port, timeout: 20)) }
        for round in 0..<2 {
            for (i, c) in connections.enumerated() { try c.send("GET /c/\(i)/\(round) HTTP/1.1\r\nHost: t\r\n\r\n") }
            var ok = 0
            for (i, c) in connections.enumerated() {
                let r = try c.readResponse()
                if r.status == 200 && r.body == "GET /c/\(i)/\(round) 0" && r.headers["connection"] == nil { ok += 1 }
            }
            #expect(ok == 1000)
        }
        #expect(eventually { server.connectionCount == 1000 })
    }

    /// Sends `request` on a fresh connection; expects `status` with JSON error `code`,
    /// then the connection closed, then the server still answering a normal request.
    func expectRejected(_ request: String, status: Int, code: String, limits: Limits = .standard,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let server = try Server(limits: limits, handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send(request)
        let r = try c.readResponse()
        #expect(r.status == status, sourceLocation: sourceLocation)
        #expect(r.errorCode == code, "body: \(r.body)", sourceLocation: sourceLocation)
        #expect(r.headers["content-type"] == "application/json", sourceLocation: sourceLocation)
        #expect(r.headers["connection"] == "close", sourceLocation: sourceLocation)
        #expect(c.isClosedByPeer(), sourceLocation: sourceLocation)
        let again = try HTTPClient(port: server.port).request("GET", "/alive")
        #expect(again.status == 200, sourceLocation: sourceLocation)
    }

    @Test("every parser limit and framing rule is answered with its status and a JSON error, and the server stays up")
    func limitsOverTheWire() throws {
        let limits = Limits(maxRequestLineBytes: 100, maxHeaderBytes: 200, maxHeaderCount: 5, maxBodyBytes: 64)
        try expectRejected("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: t\r\n\r\n",
                           status: 414, code: "request_line_too_long", limits: limits)
        try expectRejected("GET / HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "b", count: 300))\r\n\r\n",
                           status: 431, code: "headers_too_large", limits: limits)
        try expectRejected("GET / HTTP/1.1\r\nHost: t\r\n" + (0..<6).map { "X-\($0): 1\r\n" }.joined() + "\r\n",
                           status: 431, code: "too_many_headers", limits: limits)
        try expectRejected("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n" + String(repeating: "z", count: 65),
                           status: 413, code: "body_too_large", limits: limits)
        try expectRejected("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
                           status: 411, code: "length_required")
        try expectRejected("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n",
                           status: 501, code: "unsupported_transfer_coding")
        try expectRejected("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
                           status: 400, code: "conflicting_framing")
        try expectRejected("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                           status: 400, code: "duplicate_content_length")
        try expectRejected("GET / HTTP/2.0\r\nHost: t\r\n\r\n", status: 505, code: "unsupported_version")
        try expectRejected("GET / HTTP/1.1\r\n\r\n", status: 400, code: "missing_host")
        try expectRejected("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", status: 400, code: "obsolete_line_folding")
        try expectRejected("GET / HTTP/1.1\nHost: t\n\n", status: 400, code: "bare_line_feed")
    }

    @Test("garbage bytes get a 400 JSON error and a closed connection")
    func garbage() throws {
        try expectRejected("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n", status: 400,
                           code: "invalid_request_line")
        try expectRejected("HELLO\r\n\r\n", status: 400, code: "invalid_request_line")
        var rng = SystemRandomNumberGenerator()
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        for _ in 0..<20 {
            let c = try RawConnection(port: server.port)
            let noise = (0..<200).map { _ in UInt8.random(in: 0...255, using: &rng) } + Array("\r\n\r\n".utf8)
            try c.send(noise)
            let r = try c.readResponse()
            #expect(r.status == 400 || r.status == 414 || r.status == 505)
            #expect(r.errorCode != nil)
        }
        #expect(try HTTPClient(port: server.port).request("GET", "/").status == 200)
    }

    @Test("an oversized body is refused with 413 while the client is still sending it")
    func oversizedWhileSending() throws {
        let server = try Server(limits: Limits(maxBodyBytes: 1000), handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n")
        // Keep sending some of the body; the server answers without waiting for it.
        try? c.send([UInt8](repeating: 65, count: 100_000))
        let r = try c.readResponse()
        #expect(r.status == 413 && r.errorCode == "body_too_large")
    }

    @Test("a route's body limit is checked against Content-Length before the body is buffered; other routes take none")
    func routeBodyLimits() throws {
        let limits = Limits(maxBodyBytes: 1 << 20, routeBodyBytes: ["POST /small": 10, "POST /big": 1000],
                            otherRouteBodyBytes: 0)
        try expectRejected("POST /small?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n",
                           status: 413, code: "body_too_large", limits: limits)
        try expectRejected("POST /elsewhere HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\n",
                           status: 413, code: "body_too_large", limits: limits)
        let server = try Server(limits: limits, handler: echoHandler)
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        #expect(try client.request("POST", "/big", body: [UInt8](repeating: 1, count: 1000)).status == 200)
        #expect(try client.request("POST", "/small", body: [UInt8](repeating: 1, count: 10)).status == 200)
        #expect(try client.request("GET", "/elsewhere").status == 200)
    }

    @Test("bodies being received on all connections share one budget: past it, 503 with Retry-After, and space returns")
    func bufferedBodyBudget() throws {
        let server = try Server(limits: Limits(maxBufferedBodyBytes: 1000), handler: echoHandler)
        defer { server.shutdown() }
        // The first request's body reserves 600 of the 1,000 bytes while it arrives.
        let first = try RawConnection(port: server.port)
        // (The server reserves before it sends 100 Continue: its arrival orders the two connections.)
        try first.send("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 600\r\nExpect: 100-continue\r\n\r\n")
        #expect(try first.readResponse().status == 100)
        try first.send(String(repeating: "a", count: 100))
        // A second body of 600 would pass the budget: refused at once, before its body is sent.
        let second = try RawConnection(port: server.port)
        try second.send("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 600\r\n\r\n")
        let refused = try second.readResponse()
        #expect(refused.status == 503 && refused.errorCode == "server_busy")
        #expect(refused.headers["retry-after"] == "1")
        #expect(second.isClosedByPeer())
        // A small one still fits; the first completes, which returns its reservation.
        #expect(try HTTPClient(port: server.port).request("POST", "/c", body: [UInt8](repeating: 1, count: 300)).status == 200)
        try first.send(String(repeating: "a", count: 500))
        #expect(try first.readResponse().status == 200)
        #expect(try HTTPClient(port: server.port).request("POST", "/d", body: [UInt8](repeating: 1, count: 1000)).status == 200)
        // A client that goes away mid-body returns its reservation too.
        do {
            let quitter = try RawConnection(port: server.port)
            try quitter.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 900\r\nExpect: 100-continue\r\n\r\n")
            #expect(try quitter.readResponse().status == 100)
        }  // closed here
        #expect(eventually { (try? HTTPClient(port: server.port).request("POST", "/f", body: [UInt8](repeating: 1, count: 900)).status) == 200 })
    }

    @Test("a request cut off by the client's half-close gets 400 truncated_request")
    func truncated() throws {
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
        c.shutdownWrite()
        let r = try c.readResponse()
        #expect(r.status == 400 && r.errorCode == "truncated_request")
        // A complete request followed by a half-close is still answered, then closed.
        let d = try RawConnection(port: server.port)
        try d.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
        d.shutdownWrite()
        #expect(try d.readResponse().body == "GET /x 0")
        #expect(d.isClosedByPeer())
    }

    @Test("a slow-loris client that never finishes its headers gets 408 after the read timeout")
    func slowLoris() throws {
        let server = try Server(limits: Limits(idleTimeout: 30, readTimeout: 0.4), handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET / HTTP/1.1\r\nHost: t\r\n")
        // Keep trickling header bytes: activity must not extend the read deadline.
        var closed = false
        for i in 0..<60 where !closed {
            do { try c.send("X-\(i): y\r\n") } catch { closed = true }
            usleep(20_000)
        }
        let r = try c.readResponse()
        #expect(r.status == 408 && r.errorCode == "request_timeout")
        #expect(try HTTPClient(port: server.port).request("GET", "/").status == 200)
    }

    @Test("a slow but steady client within the read timeout is served")
    func slowButInTime() throws {
        let server = try Server(limits: Limits(readTimeout: 5), handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        for byte in "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".utf8 {
            try c.send([byte])
            usleep(2000)
        }
        #expect(try c.readResponse().body == "GET /slow 0")
    }

    @Test("an idle keep-alive connection is closed after the idle timeout without a response")
    func idleTimeout() throws {
        let server = try Server(limits: Limits(idleTimeout: 0.2, readTimeout: 5), handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try c.readResponse().status == 200)
        #expect(c.isClosedByPeer())  // blocks until the server closes it
        #expect(eventually { server.connectionCount == 0 })
    }

    @Test("connections beyond maxConnections get 503 and the rest keep working")
    func maxConnections() throws {
        let server = try Server(limits: Limits(maxConnections: 3), handler: echoHandler)
        defer { server.shutdown() }
        let held = try (0..<3).map { _ in try RawConnection(port: server.port) }
        for h in held { try h.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n"); #expect(try h.readResponse().status == 200) }
        let extra = try RawConnection(port: server.port)
        try extra.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let r = try extra.readResponse()
        #expect(r.status == 503 && r.errorCode == "too_many_connections")
        #expect(extra.isClosedByPeer())
        try held[0].send("GET /still HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try held[0].readResponse().body == "GET /still 0")
    }

    @Test("a handler may answer later from another thread")
    func asyncHandler() throws {
        let server = try Server { request, responder in
            Thread.detachNewThread {
                usleep(20_000)
                responder.respond(.json(.accepted, "{\"target\":\(jsonString(request.target))}"))
            }
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        for i in 0..<5 {
            let r = try client.request("GET", "/later/\(i)")
            #expect(r.status == 202 && r.text == "{\"target\":\"/later/\(i)\"}")
        }
        #expect(client.connectionsOpened == 1)
    }

    @Test("a handler that drops the responder unanswered produces a 500, and a second answer is ignored")
    func unansweredAndDoubleAnswer() throws {
        let server = try Server { request, responder in
            if request.target == "/twice" {
                #expect(responder.respond(Response(body: Array("first".utf8))))
                #expect(!responder.respond(Response(body: Array("second".utf8))))
                #expect(responder.startEventStream() == nil)
            }
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        let r = try client.request("GET", "/drop")
        #expect(r.status == 500)
        #expect(r.text.contains("no_response"))
        #expect(try client.request("GET", "/twice").text == "first")
        #expect(try client.request("GET", "/twice").text == "first")  // the connection is still in sync
    }

    @Test("a client that sends Expect: 100-continue gets the interim response, then its answer")
    func expectContinue() throws {
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("PUT /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        #expect(try c.readResponse().status == 100)
        try c.send("data")
        #expect(try c.readResponse().body == "PUT /up 4\ndata")
        let client = HTTPClient(port: server.port)
        let r = try client.request("PUT", "/c", headers: Headers([Header("Expect", "100-continue")]), body: Array("abc".utf8))
        #expect(r.status == 200 && r.text == "PUT /c 3\nabc")
        try expectRejected("GET / HTTP/1.1\r\nHost: t\r\nExpect: something-else\r\n\r\n", status: 417, code: "expectation_failed")
    }

    @Test("a request the handler holds longer than the idle and read timeouts is still answered")
    func slowHandlerOutlivesTimeouts() throws {
        let server = try Server(limits: Limits(idleTimeout: 0.1, readTimeout: 0.1)) { request, responder in
            Thread.detachNewThread {
                usleep(400_000)  // e.g. waiting for a batch fsync
                responder.respond(Response(body: Array("durable".utf8)))
            }
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        #expect(try client.request("POST", "/transfer", body: [1, 2, 3]).text == "durable")
        #expect(try client.request("POST", "/transfer", body: [4]).text == "durable")
        #expect(client.connectionsOpened == 1)
    }

    @Test("a client that stops reading a large response is disconnected once writes stall past the read timeout")
    func stalledReader() throws {
        let big = [UInt8](repeating: 66, count: 32 << 20)
        let server = try Server(limits: Limits(readTimeout: 0.3)) { _, responder in responder.respond(Response(body: big)) }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port)
        try c.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(eventually { server.connectionCount == 1 })
        // Never read: the kernel buffers fill, writes stop progressing, the server gives up.
        #expect(eventually(10) { server.connectionCount == 0 })
        #expect(try HTTPClient(port: server.port, maxResponseBytes: 64 << 20).request("GET", "/").body.count == big.count)
    }

    @Test("shutdown called from inside a handler does not deadlock; the request is still answered")
    func shutdownFromHandler() throws {
        let box = Mutex<Server?>(nil)
        let server = try Server { _, responder in
            box.withLock { $0 }?.shutdown(gracePeriod: 5)
            responder.respond(Response(body: Array("bye".utf8)))
        }
        box.withLock { $0 = server }
        let r = try HTTPClient(port: server.port).request("GET", "/stop")
        #expect(r.text == "bye" && r.headers["Connection"] == "close")
        server.shutdown()  // returns: the loop has stopped
        box.withLock { $0 = nil }
        #expect((try? RawConnection(port: server.port)) == nil)
    }

    @Test("the client refuses requests that would break framing")
    func clientValidation() throws {
        let client = HTTPClient(port: 1)
        #expect(throws: HTTPClientError.invalidRequest("method 'GE T'")) { try client.request("GE T", "/") }
        #expect(throws: HTTPClientError.invalidRequest("path must start with '/' and hold only visible ASCII")) {
            try client.request("GET", "/a b")
        }
        #expect(throws: HTTPClientError.invalidRequest("header 'X'")) {
            try client.request("GET", "/", headers: Headers([Header("X", "a\r\nInjected: 1")]))
        }
        #expect(client.connectionsOpened == 0)
    }

    @Test("HEAD gets the headers and Content-Length but no body; HTTP/1.0 is answered and closed")
    func headAndHTTP10() throws {
        let server = try Server(handler: echoHandler)
        defer { server.shutdown() }
        // On the wire: the head announces the GET body's length but no body follows.
        let raw = try RawConnection(port: server.port)
        try raw.send("HEAD /h HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let text = try raw.readAll()
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n") && text.contains("Content-Length: 9\r\n") && text.hasSuffix("\r\n\r\n"))
        let k = try RawConnection(port: server.port)
        try k.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let ka = try k.readResponse()
        #expect(ka.body == "GET /a 0" && ka.headers["connection"] == "keep-alive")
        try k.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try k.readResponse().body == "GET /b 0")
        let d = try RawConnection(port: server.port)
        try d.send("GET /old HTTP/1.0\r\n\r\n")
        let r = try d.readResponse()
        #expect(r.body == "GET /old 0" && r.headers["connection"] == "close")
        #expect(d.isClosedByPeer())
        let client = HTTPClient(port: server.port)
        let h = try client.request("HEAD", "/x")
        #expect(h.status == 200 && h.body.isEmpty && h.headers["Content-Length"] == "9")
        #expect(try client.request("GET", "/x").text == "GET /x 0")
        #expect(client.connectionsOpened == 1)
    }
}
