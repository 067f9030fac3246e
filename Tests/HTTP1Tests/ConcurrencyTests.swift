import Testing
import Glibc
import Foundation
import Synchronization
import HTTP1

@Suite("HTTP1 under concurrent load")
struct ConcurrencyTests {
    @Test("8 client threads mixing sync, async, dropped and streamed answers all get correct responses")
    func mixedLoad() throws {
        let server = try Server { request, responder in
            if request.target == "/events" {
                guard let s = responder.startEventStream() else { return }
                Thread.detachNewThread {
                    for i in 0..<100 { _ = try? s.send(ServerSentEvent(id: "\(i)", data: "e\(i)")) }
                    s.close()
                }
            } else if request.target.hasPrefix("/async") {
                Thread.detachNewThread { responder.respond(Response(body: Array(request.target.utf8))) }
            } else if request.target != "/drop" {
                responder.respond(Response(body: request.body))
            }  // "/drop": released unanswered, the server answers 500
        }
        defer { server.shutdown() }
        let failures = Mutex<[String]>([])
        let finished = Atomic<Int>(0)
        let port = server.port
        for t in 0..<8 {
            Thread.detachNewThread {
                let client = HTTPClient(port: port)
                for i in 0..<100 {
                    do {
                        switch i % 4 {
                        case 0:
                            let r = try client.request("GET", "/async/\(t)/\(i)")
                            if r.text != "/async/\(t)/\(i)" { failures.withLock { $0.append("async \(t)/\(i): \(r.text)") } }
                        case 1:
                            let r = try client.request("POST", "/echo", body: Array("body \(t) \(i)".utf8))
                            if r.text != "body \(t) \(i)" { failures.withLock { $0.append("echo \(t)/\(i): \(r.text)") } }
                        case 2:
                            let r = try client.request("GET", "/drop")
                            if r.status != 500 { failures.withLock { $0.append("drop \(t)/\(i): \(r.status)") } }
                        default:
                            guard i % 20 == 3 else { continue }
                            let reader = try HTTPClient(port: port).openEventStream("/events")
                            var n = 0
                            while let e = try reader.nextEvent() {
                                if e.id != "\(n)" || e.data != "e\(n)" { failures.withLock { $0.append("event \(n): \(e)") } }
                                n += 1
                            }
                            if n != 100 { failures.withLock { $0.append("stream \(t)/\(i) ended after \(n)") } }
                        }
                    } catch {
                        failures.withLock { $0.append("client \(t) request \(i): \(error)") }
                    }
                }
                if client.connectionsOpened != 1 { failures.withLock { $0.append("client \(t) reconnected") } }
                finished.add(1, ordering: .releasing)
            }
        }
        #expect(eventually(60) { finished.load(ordering: .acquiring) == 8 })
        let found = failures.withLock { $0 }
        #expect(found.isEmpty, "\(found.prefix(5))")
    }

    @Test("pipelined requests far beyond the read-ahead buffer are all answered, in order")
    func deepPipeline() throws {
        let server = try Server { request, responder in
            Thread.detachNewThread { responder.respond(Response(body: Array("\(request.target) \(request.body.count)".utf8))) }
        }
        defer { server.shutdown() }
        let c = try RawConnection(port: server.port, timeout: 20)
        let body = String(repeating: "p", count: 10_000)
        var batch = ""
        for i in 0..<100 { batch += "POST /\(i) HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" }
        // About 1 MB sent ahead: the server must stop reading and resume, not fail.
        let fd = c.fd
        let bytes = Array(batch.utf8)
        let writer = Thread { try? SocketCall.writeAll(fd, bytes) }  // reads and writes may overlap
        writer.start()
        for i in 0..<100 {
            let r = try c.readResponse()
            #expect(r.status == 200 && r.body == "/\(i) 10000")
        }
    }
}
