import Foundation
import Glibc
import HTTP1
import Ledger
import Sodium
import Synchronization
import Testing
import ZKPayCore

/// The `zkpay` binary built with the tests (`.build/<config>/zkpay`, next to the test bundle).
func zkpayBinary() -> String? {
    var candidates: [URL] = []
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = bundle.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent("zkpay"))
        dir = dir.deletingLastPathComponent()
    }
    candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/.build/release/zkpay"))
    return candidates.map(\.path).first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A `zkpay validator run` child process.
final class ValidatorProcess {
    let process = Process()
    let output = Pipe()
    private(set) var port: UInt16 = 0
    private(set) var text = ""

    init(binary: String, data: String) throws {
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["validator", "run", "--data", data, "--listen", "127.0.0.1:0", "--workers", "2"]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The first line names the port.
        while !text.contains("\n") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let range = text.range(of: "http://127.0.0.1:"),
              let port = UInt16(text[range.upperBound...].prefix { $0.isNumber })
        else { throw CLIOutputError.noListenLine(text) }
        self.port = port
    }

    /// Everything the process printed until it exited.
    func finish() -> String {
        process.waitUntilExit()
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return text
    }

    enum CLIOutputError: Error {
        case noListenLine(String)
    }
}

@Suite("Crash and restart of the zkpay binary")
struct CrashTests {
    let pool = Pool.shared

    @Test("kill -9 during a stream of transfers: every receipt survives, the audit holds, event streams resume without gaps; SIGTERM exits 0")
    func killNine() throws {
        let binary = try #require(zkpayBinary(), "build the zkpay binary first (swift build -c release)")
        let dir = TempDirectory()
        let storage = try POSIXStorage(directory: dir.path, create: true)
        let genesis = Pool.genesis
        try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: SecretBytes(copying: Pool.keySeed))
        let first = try ValidatorProcess(binary: binary, data: dir.path)
        #expect(first.text.contains("ledger sequence 0, 2 workers"))
        let port = first.port
        #expect(try HTTPClient(port: port).submit(pool.mint).status == 200)

        // Bob's live stream before the crash.
        let seenBefore = Mutex<[UInt64]>([])
        let streamDone = DispatchSemaphore(value: 0)
        let bobPath = "/v1/events?address=\(pool.bob.address.encoded)"
        let reader = try HTTPClient(port: port).openEventStream(bobPath)
        let readerBox = UncheckedBox(reader)
        Thread {
            while let e = try? readerBox.value.nextEvent() {
                if let id = e.id.flatMap({ UInt64($0) }) { seenBefore.withLock { $0.append(id) } }
            }
            streamDone.signal()
        }.start()

        // Three clients stream transfers; kill -9 after five receipts.
        let receipts = Mutex<[(Transfer, Receipt)]>([])
        let enough = DispatchSemaphore(value: 0)
        let clientsDone = DispatchGroup()
        let transfers = pool.stream
        for k in 0..<3 {
            clientsDone.enter()
            Thread {
                let client = HTTPClient(port: port, timeout: 5)
                for t in transfers.enumerated().filter({ $0.offset % 3 == k }).map(\.element) {
                    guard let r = try? client.submit(t, binary: true), r.status == 200, let rc = receipt(of: r.json) else {
                        break
                    }
                    let n = receipts.withLock { list in
                        list.append((t, rc))
                        return list.count
                    }
                    if n == 5 { enough.signal() }
                }
                clientsDone.leave()
            }.start()
        }
        #expect(enough.wait(timeout: .now() + 60) == .success)
        kill(first.process.processIdentifier, SIGKILL)
        _ = first.finish()
        #expect(first.process.terminationReason == .uncaughtSignal)
        #expect(clientsDone.wait(timeout: .now() + 30) == .success)
        #expect(streamDone.wait(timeout: .now() + 30) == .success)
        let acknowledged = receipts.withLock { $0 }
        #expect(acknowledged.count >= 5)

        // Restart on the same directory.
        let second = try ValidatorProcess(binary: binary, data: dir.path)
        let c = HTTPClient(port: second.port)
        for (t, r) in acknowledged {
            let found = try c.get("/v1/transfers/\(t.id.hex)")
            #expect(found.status == 200, "transfer \(t.id.hex) with receipt \(r.sequence) is missing after the crash")
            #expect(receipt(of: found.json) == r)
            #expect(r.verify(genesis: genesis))
        }
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)

        // Clients that got no answer resubmit: each settles once (or was settled before the crash).
        for t in transfers {
            let r = try c.submit(t)
            #expect(r.status == 200)
        }
        #expect(try c.sequence() == 1 + transfers.count)
        #expect(try c.get("/v1/audit").json?["ok"]?.bool == true)

        // Bob resumes after the last event he saw: together, no gap and no duplicate.
        let before = seenBefore.withLock { $0 }
        #expect(before == before.sorted() && Set(before).count == before.count)
        var headers = Headers()
        if let last = before.last { headers.append("Last-Event-ID", String(last)) }
        let resumed = try HTTPClient(port: second.port).openEventStream(bobPath, headers: headers)
        let rest = try readEvents(resumed, count: transfers.count - before.count).compactMap { $0.id.flatMap { UInt64($0) } }
        let full = try readEvents(try HTTPClient(port: second.port).openEventStream(bobPath), count: transfers.count)
            .compactMap { $0.id.flatMap { UInt64($0) } }
        #expect(before + rest == full)
        #expect(full == Array(2...UInt64(1 + transfers.count)))

        // Graceful stop.
        kill(second.process.processIdentifier, SIGTERM)
        let log = second.finish()
        #expect(second.process.terminationReason == .exit)
        #expect(second.process.terminationStatus == 0)
        #expect(log.contains("received SIGTERM"))
        #expect(log.contains("shutdown: done"))
    }
}

/// Hands a non-Sendable reader to the one thread that uses it.
final class UncheckedBox<T>: @unchecked Sendable {
    // @unchecked Sendable: the value is created on the test thread and afterwards touched
    // only by the single thread it is handed to.
    let value: T
    init(_ value: T) { self.value = value }
}
