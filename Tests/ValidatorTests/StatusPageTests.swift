import Foundation
import HTTP1
import Sodium
import Testing
@testable import Validator
import ZKPayCore

/// Strings that would be markup, an attribute break-out or a script if they reached the
/// page unescaped.
let hostileInputs = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "</pre></div><script src=//evil.example/x.js></script>",
    "javascript:alert(1)",
    "&lt;script&gt;",
    "\" autofocus onfocus=\"alert(1)",
    "<!--",
    "]]><![CDATA[<b>x</b>",
    "\u{0}<script>",
    String(repeating: "<b>", count: 500),
]

@Suite("Status page (GET /)")
struct StatusPageTests {
    let pool = Pool.shared

    static let identity = StatusPage.Identity(receiptPublicKey: Array(repeating: 0xab, count: 32),
                                              issuer: "zkp1issuer", minimumFee: 1, backend: "portable")

    /// The page's markup without its text: one entry per tag, its name and attribute names
    /// in order (attribute values, quoted or not, skipped; the contents of `script` and
    /// `style` skipped). Two renderings with the same skeleton differ only in text and
    /// attribute values, so the input that tells them apart added no markup.
    static func skeleton(_ html: String) -> [String] {
        let b = Array(html.utf8)
        var out: [String] = []
        var i = 0
        func isName(_ c: UInt8) -> Bool {
            (0x61...0x7a).contains(c) || (0x41...0x5a).contains(c) || (0x30...0x39).contains(c) || c == 0x2d || c == 0x3a
        }
        func word() -> String {
            let start = i
            while i < b.count, isName(b[i]) { i += 1 }
            return String(decoding: b[start..<i], as: UTF8.self).lowercased()
        }
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x0a || b[i] == 0x09 || b[i] == 0x0d || b[i] == 0x2f { i += 1 } }
        while i < b.count {
            guard b[i] == 0x3c else { i += 1; continue }  // '<'
            i += 1
            guard i < b.count else { break }
            if b[i] == 0x21 { out.append("<!"); while i < b.count, b[i] != 0x3e { i += 1 }; continue }  // doctype, comment
            let closing = b[i] == 0x2f
            if closing { i += 1 }
            guard i < b.count, isName(b[i]) else { out.append("stray <"); continue }
            let name = word()
            var entry = (closing ? "/" : "") + name
            while true {
                skipSpace()
                guard i < b.count, b[i] != 0x3e else { break }
                guard isName(b[i]) else { entry += " ?\(b[i])"; i += 1; continue }
                entry += " " + word()
                skipSpace()
                if i < b.count, b[i] == 0x3d {  // '='
                    i += 1
                    skipSpace()
                    if i < b.count, b[i] == 0x22 || b[i] == 0x27 {
                        let quote = b[i]
                        i += 1
                        while i < b.count, b[i] != quote { i += 1 }
                        i += 1
                    } else {
                        while i < b.count, b[i] != 0x20, b[i] != 0x3e { i += 1 }
                    }
                }
            }
            i += 1
            out.append(entry)
            if !closing, name == "script" || name == "style" {
                let end = Array("</\(name)>".utf8)
                while i + end.count <= b.count, Array(b[i..<(i + end.count)]) != end { i += 1 }
            }
        }
        return out
    }

    /// Checks that `html`, rendered from hostile input, has the markup of `benign`, and that
    /// no tag of it carries an event-handler attribute.
    static func expectSameMarkup(_ html: String, as benign: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let tags = skeleton(html)
        #expect(tags == skeleton(benign), sourceLocation: sourceLocation)
        #expect(!tags.contains { $0.split(separator: " ").dropFirst().contains { $0.hasPrefix("on") } },
                sourceLocation: sourceLocation)
        #expect(tags.filter { $0 == "script" }.count == 1, sourceLocation: sourceLocation)
    }

    @Test("hostile search text, ids and Host headers reach the page only as escaped text", arguments: hostileInputs)
    func escapesHostileInput(_ input: String) {
        let benign = "abc"
        let searches: [(StatusPage.Search, StatusPage.Search)] = [
            (.invalid(input), .invalid(benign)), (.notFound(input), .notFound(benign)), (.failed(input), .failed(benign)),
            (.found(StatusPage.Settlement(id: input, sequence: 7, batchFirst: 5, batchSize: 3, time: 0, inputs: 1, outputs: 2)),
             .found(StatusPage.Settlement(id: benign, sequence: 7, batchFirst: 5, batchSize: 3, time: 0, inputs: 1, outputs: 2))),
        ]
        for (hostile, plain) in searches {
            let html = StatusPage.html(identity: Self.identity, search: hostile, host: input)
            Self.expectSameMarkup(html, as: StatusPage.html(identity: Self.identity, search: plain, host: benign))
            #expect(!html.contains("\u{0}"))
            if !input.contains("\u{0}") {
                #expect(html.contains(StatusPage.escape(input)))
            }
        }
        #expect(StatusPage.displayHost(input) == "HOST:PORT")
    }

    @Test("escaping replaces exactly the five markup characters")
    func escaping() {
        #expect(StatusPage.escape("a<b>&\"'c") == "a&lt;b&gt;&amp;&quot;&#39;c")
        #expect(StatusPage.escape("zkp1 abc") == "zkp1 abc")
        #expect(StatusPage.displayHost("127.0.0.1:7878") == "127.0.0.1:7878")
        #expect(StatusPage.displayHost("[::1]:80") == "[::1]:80")
    }

    @Test("the Content-Security-Policy allows exactly the page's inline style and script by their hashes")
    func contentSecurityPolicy() throws {
        let node = try Node()
        let r = try node.client().get("/")
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"] == "text/html; charset=utf-8")
        let csp = try #require(r.headers["Content-Security-Policy"])
        #expect(csp.hasPrefix("default-src 'none'; "))
        #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
        #expect(r.headers["X-Content-Type-Options"] == "nosniff")
        func between(_ open: String, _ close: String) -> String? {
            guard let a = r.text.range(of: open), let b = r.text.range(of: close, range: a.upperBound..<r.text.endIndex) else { return nil }
            return String(r.text[a.upperBound..<b.lowerBound])
        }
        let script = try #require(between("<script>", "</script>"))
        let style = try #require(between("<style>", "</style>"))
        func hash(_ s: String) -> String { "'sha256-" + Data(Hash.sha256(Array(s.utf8))).base64EncodedString() + "'" }
        #expect(csp.contains("script-src \(hash(script));"))
        #expect(csp.contains("style-src \(hash(style));"))
        // No resource from elsewhere and nothing written as markup by the script.
        #expect(!r.text.contains("http://") && !r.text.contains("https://"))
        #expect(!script.contains("innerHTML") && !script.contains("outerHTML") && !script.contains("document.write"))
        // The identity is rendered by the server.
        #expect(r.text.contains(ProtocolHex.encode(node.receiptKey)))
        #expect(r.text.contains("<code id=\"chain-id\">\(node.genesis.chainID.hex)</code>"))
        #expect(r.text.contains(ReceiptKeyFingerprint(publicKey: node.receiptKey).hex) && r.text.contains("(quorum 1)"))
        #expect(r.text.contains(pool.issuer.address.encoded))
        #expect(!Self.skeleton(r.text).contains { $0.split(separator: " ").dropFirst().contains { $0.hasPrefix("on") } })
        #expect(!Self.skeleton(r.text).contains { $0.hasPrefix("stray") || $0.contains("?") })
    }

    @Test("GET /?q= renders a settled transfer's sequence, batch and the verify command, and hostile text as text")
    func search() throws {
        let node = try Node()
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        #expect(try c.submit(pool.t1).status == 200)
        let found = try c.get("/?q=\(pool.t1.id.hex.uppercased())")
        #expect(found.status == 200)
        #expect(found.text.contains("<dd id=\"result-sequence\">2</dd>"))
        #expect(found.text.contains("<dd id=\"result-batch\">2–2 (1 in one signed batch)</dd>"))
        #expect(found.text.contains("zkpay receipt verify receipt.json --genesis genesis.zkpg"))
        #expect(found.text.contains("curl -s http://127.0.0.1:\(node.port)/v1/genesis -o genesis.zkpg"))
        #expect(found.text.contains("curl -s http://127.0.0.1:\(node.port)/v1/transfers/\(pool.t1.id.hex) -o receipt.json"))
        let missing = try c.get("/?q=\(String(repeating: "0", count: 64))")
        #expect(missing.text.contains("has not settled transfer"))
        let benign = try c.get("/?q=abc")
        for input in hostileInputs {
            let encoded = input.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let r = try c.get("/?q=\(encoded)")
            #expect(r.status == 200)
            Self.expectSameMarkup(r.text, as: benign.text)
            #expect(r.text.contains("Not a transfer id"))
        }
    }
}
