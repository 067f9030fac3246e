import Testing
import HTTP1
import TestSupport

/// Parses `text` (given whole) and returns every complete request, or the error.
func parseAll(_ text: String, limits: Limits = .standard) -> Result<[Request], RequestParseError> {
    var parser = RequestParser(limits: limits)
    parser.append(Array(text.utf8))
    var out: [Request] = []
    do {
        while let r = try parser.next() { out.append(r) }
        return .success(out)
    } catch { return .failure(error) }
}

func parseError(_ text: String, limits: Limits = .standard) -> RequestParseError? {
    if case let .failure(e) = parseAll(text, limits: limits) { return e }
    return nil
}

@Suite("RequestParser")
struct ParserTests {
    @Test("a GET with headers and a POST with a body parse into requests with case-insensitive headers")
    func basic() throws {
        let text = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example\r\nX-Thing:  spaced value \t\r\n\r\n"
            + "POST /submit HTTP/1.1\r\nhost: h\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello"
        let requests = try parseAll(text).get()
        #expect(requests.count == 2)
        let get = requests[0]
        #expect(get.method == "GET" && get.target == "/a/b?x=1&y=2" && get.version == .http11)
        #expect(get.path == "/a/b" && get.query == "x=1&y=2")
        #expect(get.headers["x-thing"] == "spaced value")
        #expect(get.headers["HOST"] == "example")
        #expect(get.body.isEmpty && get.keepAlive)
        let post = requests[1]
        #expect(post.method == "POST" && post.body == Array("hello".utf8))
        #expect(post.headers["content-type"] == "application/json")
    }

    @Test("connection persistence follows the version and the Connection header")
    func keepAlive() throws {
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").get()[0].keepAlive == false)
        #expect(try parseAll("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close\r\n\r\n").get()[0].keepAlive == false)
        #expect(try parseAll("GET / HTTP/1.0\r\n\r\n").get()[0].keepAlive == false)
        #expect(try parseAll("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").get()[0].keepAlive == true)
    }

    @Test("bytes fed one at a time give the same requests as bytes fed at once")
    func byteAtATime() throws {
        let text = "\r\nPUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcGET /y HTTP/1.1\r\nHost: h\r\n\r\n"
        let whole = try parseAll(text).get()
        var parser = RequestParser()
        var incremental: [Request] = []
        for b in text.utf8 {
            parser.append([b])
            while let r = try parser.next() { incremental.append(r) }
        }
        #expect(incremental == whole)
        #expect(whole.count == 2)
        #expect(parser.bufferedByteCount == 0 && !parser.hasPartialRequest)
    }

    @Test("random requests split at random points parse identically (property)")
    func randomSplits() throws {
        var rng = SeededRNG(seed: 0x4774_0001)
        print("ParserTests randomSplits seed \(rng.seed)")
        for _ in 0..<testIterations(300) {
            var text = ""
            var expected: [Request] = []
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let body = rng.bytes(Int.random(in: 0...40, using: &rng)).map { 97 + $0 % 26 }
                let path = "/" + String(decoding: rng.bytes(Int.random(in: 0...20, using: &rng)).map { 97 + $0 % 26 }, as: UTF8.self)
                var headers = Headers([Header("Host", "h")])
                for i in 0..<Int.random(in: 0...5, using: &rng) { headers.append("X-H\(i)", "v\(rng.next() % 1000)") }
                headers.append("Content-Length", "\(body.count)")
                text += "POST \(path) HTTP/1.1\r\n" + headers.map { "\($0.name): \($0.value)\r\n" }.joined() + "\r\n"
                text += String(decoding: body, as: UTF8.self)
                expected.append(Request(method: "POST", target: path, headers: headers, body: body))
            }
            let bytes = Array(text.utf8)
            var parser = RequestParser()
            var got: [Request] = []
            var i = 0
            while i < bytes.count {
                let n = Int.random(in: 1...max(1, bytes.count / 3), using: &rng)
                parser.append(bytes[i..<min(bytes.count, i + n)])
                i += n
                while let r = try parser.next() { got.append(r) }
            }
            #expect(got == expected)
        }
    }

    @Test("each size limit gives its error, even before the line ends")
    func limits() {
        let limits = Limits(maxRequestLineBytes: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 10)
        let longTarget = "/" + String(repeating: "a", count: 70)
        #expect(parseError("GET \(longTarget) HTTP/1.1\r\n\r\n", limits: limits) == .requestLineTooLong(limit: 64))
        #expect(parseError("GET \(longTarget)", limits: limits) == .requestLineTooLong(limit: 64))  // no LF yet
        // Exactly at the limit is fine.
        let atLimit = "GET /" + String(repeating: "a", count: 64 - 14) + " HTTP/1.1"
        #expect(atLimit.utf8.count == 64)
        #expect(parseError(atLimit + "\r\nHost: h\r\n\r\n", limits: limits) == nil)
        let big = "X-Big: " + String(repeating: "b", count: 130)
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\n\(big)\r\n\r\n", limits: limits) == .headersTooLarge(limit: 128))
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\n\(big)", limits: limits) == .headersTooLarge(limit: 128))
        let many = (0..<5).map { "A\($0): 1\r\n" }.joined()
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\n\(many)\r\n", limits: limits) == .tooManyHeaders(limit: 4))
        #expect(parseError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n", limits: limits)
            == .bodyTooLarge(length: 11, limit: 10))
        #expect(parseError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits) == nil)
        #expect(parseError("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", limits: limits)
            == .bodyTooLarge(length: Int.max, limit: 10))
    }

    @Test("malformed request lines are refused with the matching error")
    func requestLines() {
        #expect(parseError("GET /\r\n\r\n") == .invalidRequestLine)
        #expect(parseError("GET  / HTTP/1.1\r\n\r\n") == .invalidRequestLine)
        #expect(parseError("G(T / HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidMethod)
        #expect(parseError("GET abc HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidTarget)
        #expect(parseError("GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidTarget)
        #expect(parseError("GET * HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidTarget)
        #expect(parseError("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n") == nil)
        #expect(parseError("GET /\u{7f} HTTP/1.1\r\nHost: h\r\n\r\n") == .invalidTarget)
        #expect(parseError("GET / http/1.1\r\nHost: h\r\n\r\n") == .invalidVersion)
        #expect(parseError("GET / HTTP/1.10\r\nHost: h\r\n\r\n") == .invalidVersion)
        #expect(parseError("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == .unsupportedVersion("HTTP/2.0"))
        #expect(parseError("GET / HTTP/0.9\r\n\r\n") == .unsupportedVersion("HTTP/0.9"))
    }

    @Test("framing: duplicate or invalid Content-Length, chunked (411), other codings (501), both framings (400)")
    func framing() {
        let base = "POST / HTTP/1.1\r\nHost: h\r\n"
        #expect(parseError(base + "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx") == .duplicateContentLength)
        for bad in ["+5", "-1", "5, 5", "0x10", "1 0", "abc", ""] {
            #expect(parseError(base + "Content-Length: \(bad)\r\n\r\n") == .invalidContentLength(bad), "\(bad)")
        }
        #expect(parseError(base + "Transfer-Encoding: chunked\r\n\r\n") == .chunkedNotSupported)
        #expect(RequestParseError.chunkedNotSupported.status.code == 411)
        #expect(parseError(base + "Transfer-Encoding: gzip, chunked\r\n\r\n") == .unsupportedTransferCoding("gzip"))
        #expect(RequestParseError.unsupportedTransferCoding("gzip").status.code == 501)
        #expect(parseError(base + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") == .conflictingFraming)
    }

    @Test("header syntax: obs-fold, bare LF, bare CR, space before colon, controls, Host rules")
    func headerSyntax() {
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  continued\r\n\r\n") == .obsoleteLineFolding)
        #expect(parseError("GET / HTTP/1.1\r\n Host: h\r\n\r\n") == .obsoleteLineFolding)
        #expect(parseError("GET / HTTP/1.1\nHost: h\r\n\r\n") == .bareLineFeed)
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\n\r\n") == .bareLineFeed)
        #expect(parseError("GET / HTTP/1.1\nHost: h\n\n", limits: Limits(allowBareLineFeed: true)) == nil)
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n") == .bareCarriageReturn)
        #expect(parseError("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == .invalidHeader("field name is not a token"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n") == .invalidHeader("no ':' in a field line"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\n: v\r\n\r\n") == .invalidHeader("empty field name"))
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n") == .invalidHeader("control character in the value of X"))
        #expect(parseError("GET / HTTP/1.1\r\n\r\n") == .missingHost)
        #expect(parseError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == .duplicateHost)
        #expect(parseError("GET / HTTP/1.0\r\n\r\n") == nil)
        // obs-text (bytes >= 0x80) is allowed in values.
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\nX: caf\u{e9}\r\n\r\n") == nil)
    }

    @Test("Expect: 100-continue asks for an interim response once, only while the body is missing")
    func expectContinue() throws {
        var p = RequestParser()
        p.append(Array("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try p.next() == nil)
        let first = p.takeContinueRequest()
        let second = p.takeContinueRequest()
        #expect(first && !second)
        p.append(Array("ok".utf8))
        #expect(try p.next()?.body == Array("ok".utf8))
        // Body already there, or no body, or HTTP/1.0: no interim response.
        var q = RequestParser()
        q.append(Array("PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(try q.next() != nil)
        let afterBody = q.takeContinueRequest()
        #expect(!afterBody)
        var r = RequestParser()
        r.append(Array("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(try r.next() != nil)
        let noBody = r.takeContinueRequest()
        #expect(!noBody)
        var s = RequestParser()
        s.append(Array("PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try s.next() == nil)
        let http10 = s.takeContinueRequest()
        #expect(!http10)
        #expect(parseError("GET / HTTP/1.1\r\nHost: h\r\nExpect: teapot\r\n\r\n") == .unsupportedExpectation("teapot"))
        #expect(RequestParseError.unsupportedExpectation("teapot").status.code == 417)
    }

    @Test("a cut-off request is reported as truncated at EOF; a clean boundary is not")
    func truncation() throws {
        var p = RequestParser()
        p.append(Array("GET / HTTP/1.1\r\nHo".utf8))
        #expect(try p.next() == nil)
        #expect(p.hasPartialRequest)
        #expect(throws: RequestParseError.truncated) { try p.finish() }
        var q = RequestParser()
        q.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n\r\n".utf8))
        #expect(try q.next() != nil)
        #expect(try q.next() == nil)
        #expect(!q.hasPartialRequest)
        try q.finish()
        var body = RequestParser()
        body.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nab".utf8))
        #expect(try body.next() == nil)
        #expect(throws: RequestParseError.truncated) { try body.finish() }
    }

    @Test("after an error the parser stays failed")
    func sticky() throws {
        var p = RequestParser()
        p.append(Array("BAD\r\n".utf8))
        #expect(throws: RequestParseError.invalidRequestLine) { try p.next() }
        p.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throws: RequestParseError.invalidRequestLine) { try p.next() }
    }

    @Test("random garbage never traps: it is refused or waits for more input (fuzz)")
    func garbage() {
        var rng = SeededRNG(seed: 0x4774_0002)
        print("ParserTests garbage seed \(rng.seed)")
        let limits = Limits(maxRequestLineBytes: 200, maxHeaderBytes: 400, maxHeaderCount: 8, maxBodyBytes: 100)
        let pieces = ["GET ", "POST ", "/", " HTTP/1.1", "\r\n", "\n", "\r", "Host: h", ":", " ", "Content-Length: ",
                      "7", "Transfer-Encoding: chunked", "\u{0}", "\t", "x", "é"]
        var outcomes = [String: Int]()
        for _ in 0..<testIterations(3000) {
            var text = ""
            for _ in 0..<Int.random(in: 1...30, using: &rng) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
            var p = RequestParser(limits: limits)
            p.append(Array(text.utf8))
            do {
                while try p.next() != nil {}
                outcomes["incomplete", default: 0] += 1
            } catch { outcomes[error.code, default: 0] += 1 }
        }
        print("ParserTests garbage outcomes \(outcomes)")
        #expect(outcomes.count >= 5)  // the generator reaches several distinct rules
    }

    @Test("every parse error has a status, a code and a message")
    func errorShape() {
        let all: [RequestParseError] = [.requestLineTooLong(limit: 1), .headersTooLarge(limit: 1), .tooManyHeaders(limit: 1),
                                        .bodyTooLarge(length: 2, limit: 1), .invalidRequestLine, .invalidMethod, .invalidTarget,
                                        .invalidVersion, .unsupportedVersion("HTTP/2.0"), .invalidHeader("x"),
                                        .obsoleteLineFolding, .bareLineFeed, .bareCarriageReturn, .invalidContentLength("x"),
                                        .duplicateContentLength, .chunkedNotSupported, .unsupportedTransferCoding("gzip"),
                                        .conflictingFraming, .missingHost, .duplicateHost,
                                        .unsupportedExpectation("x"), .truncated]
        #expect(Set(all.map(\.code)).count == all.count)
        #expect(all.allSatisfy { (400...505).contains($0.status.code) && !$0.description.isEmpty })
        #expect(RequestParseError.requestLineTooLong(limit: 1).status.code == 414)
        #expect(RequestParseError.tooManyHeaders(limit: 1).status.code == 431)
        #expect(RequestParseError.bodyTooLarge(length: 2, limit: 1).status.code == 413)
        #expect(RequestParseError.unsupportedVersion("HTTP/2.0").status.code == 505)
    }
}
