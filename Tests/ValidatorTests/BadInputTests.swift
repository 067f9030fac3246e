import Foundation
import Glibc
import HTTP1
import Testing
import TestSupport
import ZKPayCore
@testable import Validator

@Suite("Bad input")
struct BadInputTests {
    let pool = Pool.shared

    @Test("malformed, oversized, mistyped and hostile requests get their status and code; the server stays up and the ledger unchanged")
    func badRequests() throws {
        let node = try Node { $0.limits.readTimeout = 0.5 }
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        var rng = SeededRNG(seed: Pool.seed ^ 77)
        print("bad input seed \(Pool.seed ^ 77)")
        let garbage = (0..<600).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var tamperedMemo = pool.t1.bytes
        tamperedMemo[TransferLayout.inputCountOffset + 1 + 32 + 1 + 64 + 120] ^= 1  // a memo ciphertext byte of output 0: covered by the signatures
        var hugeInputs = pool.t1.bytes
        hugeInputs[TransferLayout.inputCountOffset] = 0xff  // inputs count

        let cases: [(String, String, [UInt8], String?, Int, String)] = [
            ("truncated binary", "/v1/transfers", Array(pool.t1.bytes.prefix(100)), "application/octet-stream", 400, "truncated"),
            ("garbage binary", "/v1/transfers", garbage, "application/octet-stream", 400, ""),
            ("garbage JSON", "/v1/transfers", Array("{\"version\": 1, ]".utf8), "application/json", 400, "invalid_json"),
            ("invalid UTF-8 in JSON", "/v1/transfers", Array("{\"version\": 1, \"x\": \"".utf8) + [0xff, 0xfe] + Array("\"}".utf8),
             "application/json", 400, "invalid_json"),
            ("no content type is JSON", "/v1/transfers", Array("nope".utf8), nil, 400, "invalid_json"),
            ("wrong content type", "/v1/transfers", pool.t1.bytes, "text/plain", 415, "unsupported_media_type"),
            ("oversized transfer", "/v1/transfers", [UInt8](repeating: 0x41, count: (1 << 20) + 1), "application/octet-stream",
             413, "body_too_large"),
            ("empty body", "/v1/transfers", [], "application/octet-stream", 400, "truncated"),
            ("huge input count", "/v1/transfers", hugeInputs, "application/octet-stream", 400, "count_out_of_range"),
            ("tampered memo", "/v1/transfers", tamperedMemo, "application/octet-stream", 422, ""),
            ("huge batch count", "/v1/transfers/batch", [0xff, 0xff, 0xff, 0xff], "application/octet-stream", 400, "batch_too_large"),
            ("empty batch", "/v1/transfers/batch", [0, 0, 0, 0], "application/octet-stream", 400, "bad_request"),
            ("batch framing past the end", "/v1/transfers/batch", [0, 0, 0, 1, 0, 1, 0, 0, 1, 2], "application/octet-stream",
             400, "bad_request"),
            ("JSON batch of 1025", "/v1/transfers/batch",
             Array(("{\"transfers\": [" + Array(repeating: "{}", count: 1025).joined(separator: ",") + "]}").utf8),
             "application/json", 400, "batch_too_large"),
            ("garbage mint", "/v1/mints", garbage, "application/octet-stream", 400, ""),
        ]
        for (name, path, body, type, status, code) in cases {
            var headers = Headers()
            if let type { headers.append("Content-Type", type) }
            let r = try c.request("POST", path, headers: headers, body: body)
            #expect(r.status == status, "\(name): \(r.text)")
            let json = try? JSONValue.parse(r.body)
            if code.isEmpty {
                #expect(json?["error"]?["code"]?.string != nil, "\(name)")
            } else {
                #expect(json?["error"]?["code"]?.string == code, "\(name): \(r.text)")
            }
        }

        let gets: [(String, Int, String)] = [
            ("/v1/notes?owner=zkp1notanaddress", 400, "invalid_address"),
            ("/v1/notes", 400, "invalid_address"),
            ("/v1/events?address=bogus", 400, "invalid_address"),
            ("/v1/events?address=\(pool.alice.address.encoded)&after=-1", 400, "bad_request"),
            ("/v1/transfers/xyz", 400, "bad_request"),
            ("/v1/transfers/\(String(repeating: "A", count: 64))", 400, "bad_request"),
            ("/v2/whatever", 404, "not_found"),
        ]
        for (path, status, code) in gets {
            let r = try c.get(path)
            #expect(r.status == status, "\(path)")
            #expect(r.errorCode == code, "\(path): \(r.text)")
        }
        let wrongMethod = try c.call("DELETE", "/v1/status")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.errorCode == "method_not_allowed")
        #expect(try c.call("GET", "/v1/transfers").status == 405)

        // A body past the server's limit, a slow loris and a garbage request line, on raw sockets.
        let tooBig = try rawExchange(node.port, Array("POST /v1/transfers/batch HTTP/1.1\r\nHost: x\r\nContent-Length: \(9 << 20)\r\n\r\n".utf8))
        #expect(tooBig.status == 413)
        let loris = try rawExchange(node.port, Array("POST /v1/transfers HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab".utf8),
                            slowly: true)
        #expect(loris.status == 408)
        let nonsense = try rawExchange(node.port, garbage.filter { $0 != 0x0a } + Array("\r\n\r\n".utf8))
        #expect(nonsense.status == 400)

        // Still serving, nothing written.
        let fresh = node.client()
        #expect(try fresh.sequence() == 1)
        #expect(try fresh.get("/v1/audit").json?["ok"]?.bool == true)
        #expect(try fresh.get("/metrics").text.contains("zkpay_transfers_rejected_total{reason=\"invalid_json\"}"))
    }

    @Test("an empty media range in Accept and a resume point past the last sequence get an answer, not a crash")
    func remoteCrashes() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        // Each of these killed the process (an index into an empty split; after + 1 overflowing).
        for accept in [";", "x,;", " ; ", ",,", "application/octet-stream;q=1,;"] {
            var headers = Headers()
            headers.append("Content-Type", "application/octet-stream")
            headers.append("Accept", accept)
            let r = try c.request("POST", "/v1/transfers/batch", headers: headers, body: [0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3])
            #expect(r.status == 200 || r.status == 400, "Accept: \(accept) -> \(r.status)")
        }
        let address = pool.alice.address.encoded
        let last = try c.get("/v1/events?address=\(address)&after=18446744073709551615")
        #expect(last.status == 400)
        #expect(last.errorCode == "bad_request")
        var headers = Headers()
        headers.append("Last-Event-ID", "18446744073709551615")
        let byHeader = try c.request("GET", "/v1/events?address=\(address)", headers: headers, body: [])
        #expect(byHeader.status == 400)
        // Still serving.
        #expect(try node.client().sequence() == 1)
    }

    @Test("a full queue answers 503 queue_full with Retry-After")
    func queueFull() throws {
        let node = try Node { $0.queueCapacity = 1 }
        // Hold the only slot: admitted items count until the sequencer takes them.
        #expect(node.service.sequencer.admit(1) == nil)
        let r = try node.client().submit(pool.t1)
        #expect(r.status == 503)
        #expect(r.errorCode == "queue_full")
        #expect(r.headers["Retry-After"] == "1")
        node.service.sequencer.release(1)
        #expect(try node.client().submit(pool.t1).status == 422)  // admitted again (unknown inputs)
    }
}
