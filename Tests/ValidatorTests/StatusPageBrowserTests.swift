import Foundation
import Testing
@testable import Validator
import ZKPayCore

/// A headless Chromium on this machine, if any (`make deps` installs the Debian package).
enum HeadlessChromium {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs the browser on `url` with `arguments` under a hard time limit (`timeout` kills
    /// its whole process group, so no renderer outlives the test) and returns stdout and stderr.
    static func run(_ url: String, _ arguments: [String], seconds: Int = 60) throws -> (status: Int32, out: String, err: String) {
        let path = try #require(path)
        let work = NSTemporaryDirectory() + "zkpay-chromium-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let outPath = work + "/stdout", errPath = work + "/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", String(seconds), path, "--headless", "--no-sandbox", "--disable-gpu",
                             "--user-data-dir=\(work)/profile", "--enable-logging=stderr", "--v=0",
                             "--no-first-run", "--disable-extensions", "--disable-sync"] + arguments + [url]
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout, stderr)
    }

    /// The page's console messages in Chromium's log (every message counts: the page logs none).
    static func consoleLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.contains(":CONSOLE") || $0.contains("Content Security Policy") }
    }
}

@Suite("Status page in a browser", .enabled(if: HeadlessChromium.path != nil,
                                            "no chromium binary (install it with `make deps`)"))
struct StatusPageBrowserTests {
    let pool = Pool.shared

    /// The text inside the element with `id` in a dumped DOM (the first `>` after the id to the next `<`).
    static func text(of id: String, in dom: String) -> String? {
        guard let at = dom.range(of: "id=\"\(id)\"") else { return nil }
        guard let open = dom.range(of: ">", range: at.upperBound..<dom.endIndex),
              let close = dom.range(of: "<", range: open.upperBound..<dom.endIndex) else { return nil }
        return String(dom[open.upperBound..<close.lowerBound])
    }

    @Test("the page shows the ledger's figures live, the settlement of a searched id, hostile text inert, and no console error")
    func rendersLive() throws {
        let node = try Node { $0.stats = StatsOptions(intervalSeconds: 0.2, eventsPerStream: 5, retryMilliseconds: 200) }
        let c = node.client()
        #expect(try c.submit(pool.mint).status == 200)
        for t in [pool.t1] + pool.stream.prefix(3) { #expect(try c.submit(t).status == 200) }
        let status = try #require(try c.get("/v1/status").json)
        let sequence = try #require(status["sequence"]?.int)
        #expect(sequence == 5)
        let base = "http://127.0.0.1:\(node.port)/"

        let page = try HeadlessChromium.run(base + "?q=\(pool.t1.id.hex)", ["--virtual-time-budget=3000", "--dump-dom"])
        #expect(page.status == 0, "chromium: \(page.err.suffix(2000))")
        #expect(HeadlessChromium.consoleLines(page.err) == [], "console: \(page.err.suffix(4000))")
        let dom = page.out
        // Filled in by the script from the stats stream: the same sequence as /v1/status.
        #expect(Self.text(of: "sequence", in: dom) == String(sequence), "\(dom.suffix(3000))")
        // "live", or "reconnecting" when the dump falls between two bounded streams.
        #expect(["live", "reconnecting"].contains(Self.text(of: "live-state", in: dom) ?? ""))
        #expect(Self.text(of: "audit", in: dom) == "ok at \(sequence)")
        #expect(dom.contains("id=\"tps-line\""))
        // Rendered by the server: identity and the searched transfer's settlement.
        #expect(Self.text(of: "receipt-key", in: dom) == ProtocolHex.encode(node.receiptKey))
        #expect(Self.text(of: "chain-id", in: dom) == node.genesis.chainID.hex)
        #expect(Self.text(of: "result-sequence", in: dom) == "2")
        #expect(Self.text(of: "result-id", in: dom) == pool.t1.id.hex)

        let hostile = "\"><img src=x onerror=document.title='pwned'><script>document.title='pwned'</script>"
        let encoded = hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let bad = try HeadlessChromium.run(base + "?q=\(encoded)", ["--virtual-time-budget=1000", "--dump-dom"])
        #expect(HeadlessChromium.consoleLines(bad.err) == [], "console: \(bad.err.suffix(4000))")
        #expect(!bad.out.contains("<img"))
        #expect(!bad.out.contains("pwned</title>"))
        #expect(bad.out.components(separatedBy: "<script").count == 2)
        #expect(Self.text(of: "result-message", in: bad.out) == "Not a transfer id: ")

        // A screenshot of the live page, kept as a test artifact. (`--screenshot` waits for
        // the network to go quiet, which a live stream never does: `--timeout` takes it anyway.)
        let artifacts = OpenAPITests.root.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let shot = artifacts.appendingPathComponent("status-page.png").path
        try? FileManager.default.removeItem(atPath: shot)
        let s = try HeadlessChromium.run(base + "?q=\(pool.t1.id.hex)",
                                         ["--timeout=3000", "--window-size=1200,900", "--hide-scrollbars",
                                          "--screenshot=\(shot)"])
        #expect(s.status == 0)
        #expect(FileManager.default.fileExists(atPath: shot))
    }
}
