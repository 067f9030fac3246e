import Testing
import Glibc
import Foundation
import Synchronization
import HTTP1

@Suite("HTTP1 event streams and graceful shutdown")
struct StreamAndShutdownTests {
    @Test("events written from another thread arrive in order with ids, types, multi-line data and heartbeats")
    func eventsInOrder() throws {
        let count = 200
        let server = try Server { request, responder in
            guard request.target == "/events" else {
                responder.respond(.error(.notFound, code: "not_found", message: "no such stream"))
                return
            }
            guard let stream = responder.startEventStream(headers: Headers([Header("X-Stream", request.target)])) else { return }
            Thread.detachNewThread {
                for i in 0..<count {
                    _ = try? stream.send(ServerSentEvent(id: "\(i)", event: i % 2 == 0 ? "even" : "odd",
                                                         data: "line one \(i)\nline two \(i)"))
                    if i % 50 == 0 { stream.comment("heartbeat \(i)") }
                }
                stream.close()
            }
        }
        defer { server.shutdown() }
        let client = HTTPClient(port: server.port)
        let reader = try client.openEventStream("/events")
        var events: [ServerSentEvent] = []
        var comments: [String] = []
        while let message = try reader.next() {
            switch message {
            case let .event(e): events.append(e)
            case let .comment(c): comments.append(c)
            }
        }
        #expect(events.count == count)
        for (i, e) in events.enumerated() {
            #expect(e.id == "\(i)" && e.event == (i % 2 == 0 ? "even" : "odd") && e.data == "line one \(i)\nline two \(i)")
        }
        #expect(comments == ["heartbeat 0", "heartbeat 50", "heartbeat 100", "heartbeat 150"])
        #expect(reader.lastEventID == "\(count - 1)")
        // A non-stream answer is reported as such, not parsed as events.
        #expect(throws: HTTPClientError.notAnEventStream(status: 404)) { try client.openEventStream("/x") }
    }

    @Test("a stream notices the client going away: isOpen turns false and send returns false")
    func clientGoesAway() throws {
        let handoff = Handoff<EventStream>()
        let server = try Server { _, responder in
            if let s = responder.startEventStream() { handoff.put(s) }
        }
        defer { server.shutdown() }
        var reader: EventStreamReader? = try HTTPClient(port: server.port).openEventStream("/e")
        let stream = try #require(handoff.take())
        #expect(try stream.send(ServerSentEvent(data: "hello")))
        #expect(try reader?.nextEvent()?.data == "hello")
        reader = nil  // closes the socket
        // Heartbeats keep being written until the server sees the close.
        #expect(eventually { _ = stream.comment("ping"); return !stream.isOpen })
        #expect(try stream.send(ServerSentEvent(data: "late")) == false)
        #expect(eventually { server.connectionCount == 0 })
    }

    @Test("an event with a newline in its id or type is refused, not sent")
    func invalidFields() throws {
        #expect(throws: EventStreamError.newlineInField("id")) { try ServerSentEvent(id: "a\nb", data: "x").encoded() }
        #expect(throws: EventStreamError.newlineInField("event")) { try ServerSentEvent(event: "a\rb", data: "x").encoded() }
        let frame = try ServerSentEvent(id: "7", event: "t", data: "a\r\nb\rc").encoded()
        #expect(String(decoding: frame, as: UTF8.self) == "id: 7\nevent: t\ndata: a\ndata: b\ndata: c\n\n")
        let retry = try ServerSentEvent(id: "8", data: "x", retryMilliseconds: 1500).encoded()
        #expect(String(decoding: retry, as: UTF8.self) == "retry: 1500\nid: 8\ndata: x\n\n")
    }

    @Test("a client that stops reading is dropped once the stream buffer limit is hit")
    func slowConsumer() throws {
        let handoff = Handoff<EventStream>()
        let server = try Server(limits: Limits(maxStreamBufferBytes: 64 * 1024)) { _, responder in
            if let s = responder.startEventStream() { handoff.put(s) }
        }
        defer { server.shutdown() }
        let raw = try RawConnection(port: server.port)
        try raw.send("GET /e HTTP/1.1\r\nHost: t\r\n\r\n")
        let stream = try #require(handoff.take())
        let chunk = String(repeating: "x", count: 60_000)
        // Never read: kernel buffers fill, then the server's buffer, then it gives up.
        #expect(eventually(10) { _ = try? stream.send(ServerSentEvent(data: chunk)); return !stream.isOpen })
    }

    @Test("graceful shutdown stops accepting, answers the request in flight with Connection: close, then returns")
    func gracefulShutdown() throws {
        let pending = Handoff<Responder>()
        let server = try Server { request, responder in
            if request.target == "/slow" { pending.put(responder) } else { responder.respond(Response(body: Array("quick".utf8))) }
        }
        let port = server.port
        let idle = try RawConnection(port: port)  // an idle keep-alive connection
        try idle.send("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try idle.readResponse().body == "quick")
        let busy = try RawConnection(port: port)
        try busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        let responder = try #require(pending.take())

        let finished = Mutex<Bool>(false)
        let shutdownThread = Thread { server.shutdown(gracePeriod: 30); finished.withLock { $0 = true } }
        shutdownThread.start()
        // The idle connection is closed and new connections are refused while the
        // in-flight request is still pending.
        #expect(idle.isClosedByPeer())
        #expect(eventually { (try? RawConnection(port: port)) == nil })
        #expect(finished.withLock { $0 } == false)

        responder.respond(Response(body: Array("finally".utf8)))
        let r = try busy.readResponse()
        #expect(r.status == 200 && r.body == "finally" && r.headers["connection"] == "close")
        #expect(busy.isClosedByPeer())
        #expect(eventually { finished.withLock { $0 } })
    }

    @Test("shutdown ends open event streams and does not wait for the grace period")
    func shutdownEndsStreams() throws {
        let handoff = Handoff<EventStream>()
        let server = try Server { _, responder in
            if let s = responder.startEventStream() { handoff.put(s) }
        }
        let reader = try HTTPClient(port: server.port).openEventStream("/e")
        let stream = try #require(handoff.take())
        try stream.send(ServerSentEvent(data: "before"))
        server.shutdown(gracePeriod: 60)
        #expect(!stream.isOpen)
        #expect(try reader.nextEvent()?.data == "before")
        #expect(try reader.next() == nil)
    }

    @Test("a stream requested while the server drains is refused with 503 shutting_down")
    func streamDuringDrain() throws {
        let pending = Handoff<Responder>()
        let server = try Server { _, responder in pending.put(responder) }
        let c = try RawConnection(port: server.port)
        try c.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        let responder = try #require(pending.take())
        let stopper = Thread { server.shutdown(gracePeriod: 30) }
        stopper.start()
        #expect(eventually { (try? RawConnection(port: server.port)) == nil })  // draining now
        let stream = responder.startEventStream()
        #expect(eventually { stream?.isOpen == false })
        let r = try c.readResponse()
        #expect(r.status == 503 && r.errorCode == "shutting_down")
    }

    @Test("a grace period that runs out closes connections whose requests were never answered")
    func graceExpires() throws {
        let pending = Handoff<Responder>()
        let server = try Server { _, responder in pending.put(responder) }
        let c = try RawConnection(port: server.port)
        try c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        let responder = try #require(pending.take())
        server.shutdown(gracePeriod: 0.2)
        #expect(c.isClosedByPeer())
        responder.respond(Response())  // answering after shutdown is harmless (dropped)
    }
}
