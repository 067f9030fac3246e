import Testing
import Glibc
import Foundation
import Synchronization
@testable import HTTP1

/// A server whose every request is answered with a chunked response that `produce` writes
/// (on a thread of its own, so it may wait); `sendRaw` writes framing errors on purpose.
private func chunkedServer(status: Status = .ok,
                           _ produce: @escaping @Sendable (Request, ChunkedResponseStream) -> Void) throws -> Server {
    try Server { request, responder in
        guard let stream = responder.startChunkedResponse(status: status, headers: Headers([Header("X-Kind", "chunked")])) else { return }
        Thread.detachNewThread { produce(request, stream) }
    }
}

private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

@Suite("HTTP1 client: chunked bodies, streamed lines, idle timeouts, cancellation")
struct ChunkedTests {
    @Test("a chunked body is decoded whole: many chunks, chunk extensions, upper/lower-case hex, trailers")
    func decodesChunkedBody() throws {
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let server = try chunkedServer { _, s in
            s.send(Array(payload[0..<1]))
            s.sendRaw(bytes("A;name=value;flag\r\n") + Array(payload[1..<11]) + bytes("\r\n"))  // extensions ignored
            s.sendRaw(bytes("00000fF \t;x=\"quoted\"\r\n") + Array(payload[11..<266]) + bytes("\r\n"))
            s.send(Array(payload[266...]))
            s.finish(trailers: Headers([Header("Grpc-Trailer-Content-Type", "application/grpc"), Header("X-Sum", "1")]))
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        let r = try client.request("GET", "/")
        #expect(r.status == 200 && r.headers["X-Kind"] == "chunked")
        #expect(r.body == payload)
        // The same body through a stream exposes the trailers.
        let stream = try client.openStream("GET", "/", idleTimeout: 5)
        #expect(try stream.readToEnd(limit: 1 << 20) == payload)
        #expect(stream.trailers["x-sum"] == "1" && stream.trailers["Grpc-Trailer-Content-Type"] == "application/grpc")
        #expect(stream.isFinished)
    }

    @Test("chunk sizes that are not hex, negative, empty, prefixed or overflowing are typed errors, never traps")
    func badChunkSizes() throws {
        let cases: [(String, HTTPClientError)] = [
            ("zz\r\n", .malformedChunk("chunk size 'zz' is not hexadecimal")),
            ("-1\r\nx\r\n", .malformedChunk("chunk size '-1' is not hexadecimal")),
            ("\r\n", .malformedChunk("chunk size '' is not hexadecimal")),
            ("0x10\r\n", .malformedChunk("chunk size '0x10' is not hexadecimal")),
            ("5 5\r\n", .malformedChunk("chunk size '5 5' is not hexadecimal")),
            ("10000000000000000\r\n", .malformedChunk("chunk size '10000000000000000' overflows")),
            ("FFFFFFFFFFFFFFFFFFFFFFFF\r\n", .malformedChunk("chunk size 'FFFFFFFFFFFFFFFFFFFFFFFF' overflows")),
            ("7FFFFFFFFFFFFFFF\r\n", .chunkTooLarge(size: Int.max, limit: 1 << 20)),
            ("100001\r\n", .chunkTooLarge(size: 0x100001, limit: 1 << 20)),
        ]
        for (line, expected) in cases {
            let server = try chunkedServer { _, s in
                s.send(bytes("ok"))
                s.sendRaw(bytes(line))
                s.abort()
            }
            defer { server.shutdown() }
            let client = HTTPClient(port: server.port, maxResponseBytes: 1 << 20)
            #expect(throws: expected, "chunk-size line \(line.debugDescription)") { try client.request("GET", "/") }
        }
    }

    @Test("framing errors: data without its CRLF, an over-long size line, an oversized or malformed trailer section")
    func framingErrors() throws {
        let longExtension = "5;" + String(repeating: "e", count: 5000) + "\r\nhello\r\n0\r\n\r\n"
        let bigTrailers = "0\r\n" + (0..<400).map { "X-T\($0): \(String(repeating: "v", count: 50))\r\n" }.joined() + "\r\n"
        let cases: [(String, HTTPClientError)] = [
            ("5\r\nhelloXX0\r\n\r\n", .malformedChunk("chunk data not followed by CRLF")),
            ("5\r\nhello\r\r\n0\r\n\r\n", .malformedChunk("chunk data not followed by CRLF")),
            (longExtension, .malformedChunk("chunk-size line longer than 4096 bytes")),
            (bigTrailers, .malformedChunk("trailer section larger than 16384 bytes")),
            ("0\r\nno colon here\r\n\r\n", .malformedChunk("trailer line 'no colon here'")),
        ]
        for (raw, expected) in cases {
            let server = try chunkedServer { _, s in
                s.sendRaw(bytes(raw))
                s.abort()
            }
            defer { server.shutdown() }
            #expect(throws: expected, "body \(raw.prefix(40).debugDescription)") { try HTTPClient(port: server.port).request("GET", "/") }
        }
    }

    @Test("a truncated chunked body (cut inside a chunk, between chunks, before the trailers end) is connectionClosed")
    func truncated() throws {
        for raw in ["64\r\nonly ten b", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX-T: 1\r\n", "5"] {
            let server = try chunkedServer { _, s in
                s.sendRaw(bytes(raw))
                s.abort()
            }
            defer { server.shutdown() }
            #expect(throws: HTTPClientError.connectionClosed, "body \(raw.debugDescription)") {
                try HTTPClient(port: server.port).request("GET", "/")
            }
            let stream = try HTTPClient(port: server.port).openStream("GET", "/", idleTimeout: 5)
            #expect(throws: HTTPClientError.connectionClosed) { while try stream.nextLine() != nil {} }
        }
    }

    @Test("a chunked body over maxResponseBytes in small chunks is responseTooLarge, not buffered without end")
    func totalLimit() throws {
        let server = try chunkedServer { _, s in
            for _ in 0..<100 where s.isOpen { s.send([UInt8](repeating: 65, count: 1000)) }
            s.finish()
        }
        defer { server.shutdown() }
        #expect(throws: HTTPClientError.responseTooLarge(limit: 50_000)) {
            try HTTPClient(port: server.port, maxResponseBytes: 50_000).request("GET", "/")
        }
        let stream = try HTTPClient(port: server.port).openStream("GET", "/", idleTimeout: 5)
        #expect(throws: HTTPClientError.responseTooLarge(limit: 10_000)) { try stream.readToEnd(limit: 10_000) }
    }

    @Test("a streamed POST is read line by line whatever the chunk boundaries: split lines, several per chunk, CRLF, a last line without LF")
    func linesAcrossChunks() throws {
        let server = try chunkedServer { request, s in
            let echo = String(decoding: request.body, as: UTF8.self)
            s.send(bytes("{\"a\":"))
            s.send(bytes("1}"))
            s.send(bytes("\n{\"b\":2}\r\n{\"c\""))
            s.send(bytes(":3}\n\n"))
            s.send(bytes("echo " + echo + "\nlast"))
            s.finish()
        }
        defer { server.shutdown() }
        let stream = try HTTPClient(port: server.port).openStream("POST", "/watch", body: bytes("req"), idleTimeout: 5)
        #expect(stream.status == 200)
        var lines: [String] = []
        while let line = try stream.nextLine() { lines.append(String(decoding: line, as: UTF8.self)) }
        #expect(lines == ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "", "echo req", "last"])
        #expect(try stream.nextLine() == nil)
    }

    @Test("Content-Length and close-delimited bodies stream line by line too; an error status leaves the body to read")
    func otherFramings() throws {
        let server = try Server { request, responder in
            if request.target == "/length" {
                responder.respond(Response(status: .notFound, body: bytes("{\"error\":\"x\"}\nsecond\n")))
            } else {
                // An event stream is close-delimited: no length, no chunks.
                guard let s = responder.startEventStream() else { return }
                s.comment("one")
                s.comment("two")
                s.close()
            }
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        let a = try client.openStream("GET", "/length", idleTimeout: 5)
        #expect(a.status == 404)
        #expect(try a.nextLine() == bytes("{\"error\":\"x\"}"))
        #expect(try a.readToEnd(limit: 100) == bytes("second\n"))
        let b = try client.openStream("GET", "/events", idleTimeout: 5)
        #expect(try b.nextLine() == bytes(": one") && b.nextLine() == bytes(": two") && b.nextLine() == nil)
    }

    @Test("a line longer than maxLineBytes is lineTooLong (in one chunk or spread over many)")
    func lineLimit() throws {
        let server = try chunkedServer { request, s in
            s.send(bytes("short\n"))
            if request.target == "/one" {
                s.send([UInt8](repeating: 120, count: 5000) + [10])
            } else {
                for _ in 0..<50 where s.isOpen { s.send([UInt8](repeating: 120, count: 100)) }
            }
            s.finish()
        }
        defer { server.shutdown() }
        for path in ["/one", "/many"] {
            let stream = try HTTPClient(port: server.port).openStream("GET", path, idleTimeout: 5, maxLineBytes: 1000)
            #expect(try stream.nextLine() == bytes("short"))
            #expect(throws: HTTPClientError.lineTooLong(limit: 1000)) { try stream.nextLine() }
        }
        // Exactly at the limit is accepted.
        let exact = try chunkedServer { _, s in
            s.send([UInt8](repeating: 121, count: 1000) + [13, 10])
            s.finish()
        }
        defer { exact.shutdown() }
        let stream = try HTTPClient(port: exact.port).openStream("GET", "/", idleTimeout: 5, maxLineBytes: 1000)
        #expect(try stream.nextLine()?.count == 1000)
    }

    @Test("the idle timeout is per stream, separate from the request timeout, and not fatal: the next line still arrives")
    func idleTimeout() throws {
        let held = Handoff<ChunkedResponseStream>()
        let server = try chunkedServer { _, s in
            s.send(bytes("first\n"))
            held.put(s)
        }
        defer { server.shutdown() }
        // A long request timeout, a short idle timeout.
        let stream = try HTTPClient(port: server.port, timeout: 30).openStream("POST", "/", idleTimeout: 0.2)
        #expect(try stream.nextLine() == bytes("first"))
        #expect(throws: HTTPClientError.idleTimeout(seconds: 0.2)) { try stream.nextLine() }
        let s = try #require(held.take())
        s.send(bytes("sec"))
        s.send(bytes("ond\n"))
        #expect(try stream.nextLine() == bytes("second"))
        s.finish()
        #expect(try stream.nextLine() == nil)
    }

    @Test("another thread cancels a stream blocked reading its body, and one still waiting for its head")
    func cancelFromAnotherThread() throws {
        let server = try chunkedServer { request, s in
            if request.target == "/body" { s.send(bytes("first\n")) }
            // Otherwise nothing: the client waits.
            while s.isOpen { usleep(10_000) }
        }
        defer { server.shutdown(gracePeriod: 0) }
        // Body: the reader blocks with no idle limit; only the cancel can wake it.
        let stream = try HTTPClient(port: server.port).openStream("POST", "/body", idleTimeout: 0)
        #expect(try stream.nextLine() == bytes("first"))
        let cancel = stream.cancellation
        let reading = Atomic<Bool>(false)
        Thread.detachNewThread {
            while !reading.load(ordering: .acquiring) { usleep(1000) }
            usleep(50_000)
            cancel.cancel()
        }
        reading.store(true, ordering: .releasing)
        #expect(throws: HTTPClientError.cancelled) { try stream.nextLine() }
        #expect(throws: HTTPClientError.cancelled) { try stream.nextLine() }

        // Head: a server that never answers; a 30 s request timeout that the cancel beats.
        let held = Handoff<Responder>()
        let silent = try Server { _, responder in held.put(responder) }
        defer { silent.shutdown(gracePeriod: 0) }
        let handle = StreamCancellation()
        Thread.detachNewThread {
            _ = held.take(within: 30)  // the request has arrived: the client waits for the head
            handle.cancel()
        }
        #expect(throws: HTTPClientError.cancelled) {
            try HTTPClient(port: silent.port, timeout: 30).openStream("POST", "/", idleTimeout: 0, cancellation: handle)
        }
        // A cancelled handle refuses new streams.
        #expect(throws: HTTPClientError.cancelled) {
            try HTTPClient(port: silent.port).openStream("GET", "/", idleTimeout: 1, cancellation: handle)
        }
    }

    @Test("a request timeout bounds the whole response, however slowly bytes trickle in")
    func requestDeadline() throws {
        let server = try chunkedServer { _, s in
            while s.isOpen {
                s.send(bytes("x"))
                usleep(50_000)
            }
        }
        defer { server.shutdown(gracePeriod: 0) }
        // Each byte arrives well within the per-read timeout, the whole never does.
        let client = HTTPClient(port: server.port, timeout: 5)
        #expect(throws: HTTPClientError.timedOut(seconds: 0.5)) { try client.request("GET", "/", timeout: 0.5) }
    }

    @Test("responses with an unknown transfer coding or a bad Content-Length are refused")
    func badFraming() throws {
        #expect(throws: HTTPClientError.malformedResponse("transfer coding 'gzip, chunked' is not supported")) {
            try BodyFraming.of(status: 200, headers: Headers([Header("Transfer-Encoding", "gzip, chunked")]), headOnly: false, maxChunkBytes: 10)
        }
        for length in ["+5", "-1", "5, 6", "0x5", "99999999999999999999"] {
            #expect(throws: HTTPClientError.self) {
                try BodyFraming.of(status: 200, headers: Headers(length.split(separator: ",").map { Header("Content-Length", String($0)) }),
                                   headOnly: false, maxChunkBytes: 10)
            }
        }
        // Transfer-Encoding wins over Content-Length; HEAD and 204 have no body.
        let both = Headers([Header("Content-Length", "3"), Header("Transfer-Encoding", "Chunked")])
        #expect(try BodyFraming.of(status: 200, headers: both, headOnly: false, maxChunkBytes: 10).isChunked)
        #expect(try BodyFraming.of(status: 200, headers: both, headOnly: true, maxChunkBytes: 10).isDone)
        #expect(try BodyFraming.of(status: 204, headers: both, headOnly: false, maxChunkBytes: 10).isDone)
    }
}
