public import Foundation
import Glibc
import HTTP1

/// Real etcd members (the Debian `etcd-server` binary) for tests: 1 or 3 members on free
/// loopback ports (client and peer), data and logs in a temporary folder, with
/// `--quota-backend-bytes` set. Nothing here talks to a system etcd on port 2379.
///
/// `shutdown()` (also run by `deinit`) stops every member and removes the folder; call it
/// in a `defer` right after creating the cluster so it runs when a test fails too.
public final class EtcdCluster {
    public struct Member {
        public let name: String
        public let clientPort: UInt16
        public let peerPort: UInt16
        public let dataDirectory: String
        public var clientURL: String { "http://127.0.0.1:\(clientPort)" }
        public var peerURL: String { "http://127.0.0.1:\(peerPort)" }
    }

    public enum StartError: Error, CustomStringConvertible {
        case notInstalled
        case notReady(String)

        public var description: String {
            switch self {
            case .notInstalled: "etcd is not installed: run `make deps` (installs the Debian etcd-server package)"
            case let .notReady(why): "etcd did not become ready: \(why)"
            }
        }
    }

    /// The etcd binary on PATH (or /usr/bin/etcd), if installed.
    public static let binary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/etcd" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    public static var isInstalled: Bool { binary != nil }

    /// The temporary folder holding every member's data directory and log.
    public let directory: String
    public private(set) var members: [Member] = []
    public let quotaBackendBytes: Int
    private let extraArguments: [String]
    private var processes: [Process?] = []
    private var stopped = false

    /// Starts `count` members and waits until each reports itself healthy (the cluster
    /// has a leader). Ports taken by someone else between choosing and binding are
    /// retried with new ones.
    /// - Parameters:
    ///   - quotaBackendBytes: the database size at which members refuse writes.
    ///   - extraArguments: more etcd flags, for every member.
    public init(members count: Int = 1, quotaBackendBytes: Int = 256 << 20, extraArguments: [String] = []) throws {
        guard Self.binary != nil else { throw StartError.notInstalled }
        var template = Array((NSTemporaryDirectory() + "zkpay-etcd-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw StartError.notReady("mkdtemp failed (errno \(errno))") }
        directory = String(cString: made)
        self.quotaBackendBytes = quotaBackendBytes
        self.extraArguments = extraArguments
        var lastError: Error = StartError.notReady("not started")
        for attempt in 0..<3 {
            do {
                try launch(count: count, attempt: attempt)
                return
            } catch {
                lastError = error
                stopAll(signal: SIGKILL)
            }
        }
        shutdown()
        throw lastError
    }

    deinit { shutdown() }

    /// Client URLs of every member, in member order.
    public var endpoints: [String] { members.map(\.clientURL) }

    /// Stops every member and removes the temporary folder. Safe to call more than once.
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        stopAll(signal: SIGTERM)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Stops member `index` with `signal` (SIGTERM: a clean stop; SIGKILL: a crash) and
    /// waits until its process has exited.
    public func stop(_ index: Int, signal: Int32 = SIGTERM) {
        guard let p = processes[index] else { return }
        if p.isRunning { Glibc.kill(p.processIdentifier, signal) }
        Self.waitForExit(p)
        processes[index] = nil
    }

    /// Starts a stopped member again on its ports with its data (it rejoins the cluster).
    /// Returns without waiting for it to be healthy (with quorum lost it cannot be alone).
    public func restart(_ index: Int) throws {
        guard processes[index] == nil else { return }
        processes[index] = try spawn(members[index], initialCluster: initialCluster, token: "", state: "existing")
    }

    /// Whether member `index`'s process runs.
    public func isRunning(_ index: Int) -> Bool { processes[index]?.isRunning ?? false }

    /// Member `index`'s log (for a failing test's message).
    public func log(_ index: Int) -> String {
        (try? String(contentsOfFile: directory + "/\(members[index].name).log", encoding: .utf8)) ?? ""
    }

    /// Waits until member `index` answers `GET /health` with `"health":"true"` (it has a
    /// leader and no alarm); false after `seconds`.
    public func waitHealthy(_ index: Int, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        let client = HTTPClient(port: members[index].clientPort, timeout: 2)
        while Date() < deadline {
            if let r = try? client.request("GET", "/health"), r.status == 200, r.text.contains("\"true\"") { return true }
            if processes[index]?.isRunning != true { return false }
            client.close()
            usleep(50_000)
        }
        return false
    }

    private var initialCluster: String { members.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",") }

    private func launch(count: Int, attempt: Int) throws {
        let ports = try Self.freePorts(2 * count)
        members = (0..<count).map { i in
            Member(name: "m\(i + 1)", clientPort: ports[2 * i], peerPort: ports[2 * i + 1],
                   dataDirectory: directory + "/try\(attempt)-m\(i + 1)")
        }
        let token = "zkpay-test-\(getpid())-\(ports[0])"
        processes = []
        for m in members { processes.append(try spawn(m, initialCluster: initialCluster, token: token, state: "new")) }
        for i in members.indices where !waitHealthy(i) {
            throw StartError.notReady("member \(members[i].name) on \(members[i].clientURL): \(log(i).suffix(2000))")
        }
    }

    private func spawn(_ m: Member, initialCluster: String, token: String, state: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary ?? "/usr/bin/etcd")
        var args = [
            "--name", m.name, "--data-dir", m.dataDirectory,
            "--listen-client-urls", m.clientURL, "--advertise-client-urls", m.clientURL,
            "--listen-peer-urls", m.peerURL, "--initial-advertise-peer-urls", m.peerURL,
            "--initial-cluster", initialCluster, "--initial-cluster-state", state,
            "--quota-backend-bytes", String(quotaBackendBytes),
            "--max-request-bytes", String(8 << 20),
            "--logger", "zap", "--log-outputs", "stderr",
        ]
        if !token.isEmpty { args += ["--initial-cluster-token", token] }
        p.arguments = args + extraArguments
        let logPath = directory + "/\(m.name).log"
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    private func stopAll(signal: Int32) {
        for i in processes.indices { stop(i, signal: signal) }
    }

    /// Waits for `p` to exit; a process still running after 20 s is killed.
    private static func waitForExit(_ p: Process) {
        let deadline = Date().addingTimeInterval(20)
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    /// `count` distinct loopback ports free right now (bound together, then released).
    public static func freePorts(_ count: Int) throws -> [UInt16] {
        var fds: [Int32] = []
        defer { fds.forEach(SocketCall.close) }
        var ports: [UInt16] = []
        for _ in 0..<count {
            let fd = try SocketCall.listen(host: "127.0.0.1", port: 0, backlog: 1)
            fds.append(fd)
            ports.append(try SocketCall.localPort(fd))
        }
        return ports
    }
}
