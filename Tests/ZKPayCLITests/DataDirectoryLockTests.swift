import Foundation
import Ledger
import Testing

@Suite("One process per data directory")
struct DataDirectoryLockTests {
    @Test("a second validator on the same data directory is refused, naming the process that serves it")
    func secondValidatorRefused() throws {
        let home = temporaryPath("lock-home")
        let data = temporaryPath("lock-data")
        defer {
            try? FileManager.default.removeItem(atPath: home)
            try? FileManager.default.removeItem(atPath: data)
        }
        let zkpay = ZKPay(home: home)
        let created = try zkpay.expect(["wallet", "create", "issuer", "--json"], 0)
        let issuer = try #require(try jsonObject(created.out)["address"] as? String)
        let first = try LoopbackValidator(zkpay: zkpay, issuer: issuer, data: data)
        defer { first.stop() }

        // Two processes serving one directory each acknowledged sequence 1, and one receipt was lost.
        let second = try zkpay.run(["validator", "run", "--data", data, "--listen", "127.0.0.1:0"])
        #expect(second.code == 1, "out: \(second.out) err: \(second.err)")
        #expect(second.err.contains("already served by process \(first.process.processIdentifier)"), "\(second.err)")
        // Every other writer is refused too, and the first validator keeps serving.
        let audit = try zkpay.run(["audit", "--data", data])
        #expect(audit.code == 1)
        #expect(audit.err.contains("already served by process"), "\(audit.err)")
        #expect(first.process.isRunning)

        // The kernel drops the lock with the process: after it stops, the directory can be opened again.
        first.stop()
        try zkpay.expect(["audit", "--data", data], 0)
    }

    @Test("the lock excludes a second holder in the same process and is released when dropped")
    func lockValue() throws {
        let data = temporaryPath("lock-value")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: data) }
        var held: DataDirectoryLock? = try DataDirectoryLock(directory: data)
        // flock excludes per open file description, so a second open in this process is refused too.
        #expect(throws: LedgerError.directoryInUse(path: data, processID: getpid())) {
            _ = try DataDirectoryLock(directory: data)
        }
        withExtendedLifetime(held) {}
        held = nil
        // Other tests of this process start child processes; a child forked in the instant
        // before its exec shares the lock's open file (O_CLOEXEC closes it at exec), so the
        // release is awaited for a moment rather than assumed to be seen at once.
        var reacquired: DataDirectoryLock?
        for _ in 0..<100 where reacquired == nil {
            reacquired = try? DataDirectoryLock(directory: data)
            if reacquired == nil { usleep(20_000) }
        }
        #expect(reacquired != nil, "the lock was not released when its holder was dropped")
    }
}
