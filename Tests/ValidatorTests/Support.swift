import Foundation
import Glibc
import HTTP1
import Ledger
import Sodium
import Testing
import TestSupport
@testable import Validator
import ZKPayCore
import ZKPayTools

/// Wallets, mints and transfers built once per test process (a transfer costs ~30 ms to
/// build), deterministically from a fixed seed.
struct Pool: Sendable {
    static let seed: UInt64 = 0x7a11_da70_5eed_0007
    static let shared = Pool()
    /// The seed of the validator key of every test node (`Node`).
    static let keySeed = [UInt8](repeating: 0x0b, count: 32)
    /// The genesis of the test nodes' ledgers: the pool's issuer, minimum fee 1, one validator.
    static let genesis: Genesis = {
        do {
            return try Genesis(issuer: wallet(1).address, minimumFee: 1, validators: [
                GenesisValidator(name: "v1", publicKey: try ReceiptKey(seed: SecretBytes(copying: keySeed)).publicKey),
            ])
        } catch { preconditionFailure("the pool genesis: \(error)") }
    }()

    let issuer: WalletKeys
    let alice: WalletKeys
    let bob: WalletKeys
    let carol: WalletKeys
    /// Issuer → alice: 16 notes of 1000.
    let mint: Mint
    /// The same payments, serial 2 (a second, distinct mint).
    let mint2: Mint
    /// alice spends note 0 → bob 300, fee 5, change 695 to alice.
    let t1: Transfer
    /// alice spends note 0 again → carol 100, fee 5 (double spend of t1).
    let t2: Transfer
    /// bob spends t1's 300 → carol 250, fee 10, change 40.
    let t3: Transfer
    /// alice spends note k (k = 1...15) → bob k, fee 2, one per note: independent transfers.
    let stream: [Transfer]

    static func wallet(_ tag: UInt8) -> WalletKeys {
        let seed = SecretBytes(copying: (0..<32).map { UInt8($0) &* 3 &+ tag &* 71 })
        do { return try WalletKeys(seed: seed) } catch { preconditionFailure("fixed seeds derive keys: \(error)") }
    }

    static func owned(_ note: Note, by wallet: WalletKeys) -> OwnedNote {
        do { return OwnedNote(note: note, contents: try wallet.open(note.output)) } catch {
            preconditionFailure("pool note opens: \(error)")
        }
    }

    init() {
        print("validator test pool seed \(Self.seed)")
        var rng = SeededRNG(seed: Self.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: Self.seed ^ 1))
        let issuer = Self.wallet(1), alice = Self.wallet(2), bob = Self.wallet(3), carol = Self.wallet(4)
        self.issuer = issuer
        self.alice = alice
        self.bob = bob
        self.carol = carol
        do {
            let pay = (0..<16).map { _ in Payment(to: alice.address, amount: 1000) }
            let mint = try Mint.create(chain: Self.genesis.chainID, serial: 1, payments: pay, issuer: issuer.spend, rng: &rng, signer: &signer)
            self.mint = mint
            mint2 = try Mint.create(chain: Self.genesis.chainID, serial: 2, payments: pay, issuer: issuer.spend, rng: &rng, signer: &signer)
            let notes = mint.createdNotes.map { Self.owned($0, by: alice) }
            let t1 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[0]],
                                               payments: [Payment(to: bob.address, amount: 300)],
                                               fee: 5, rng: &rng, signer: &signer).transfer
            self.t1 = t1
            t2 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[0]],
                                           payments: [Payment(to: carol.address, amount: 100)],
                                           fee: 5, rng: &rng, signer: &signer).transfer
            let bobs = t1.createdNotes.filter { $0.owner == bob.spend.publicKey }.map { Self.owned($0, by: bob) }
            t3 = try TransferBuilder.build(chain: Self.genesis.chainID, from: bob, spending: bobs, payments: [Payment(to: carol.address, amount: 250)],
                                           fee: 10, rng: &rng, signer: &signer).transfer
            var stream: [Transfer] = []
            for k in 1..<16 {
                stream.append(try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[k]],
                                                        payments: [Payment(to: bob.address, amount: UInt64(k))],
                                                        fee: 2, rng: &rng, signer: &signer).transfer)
            }
            self.stream = stream
        } catch { preconditionFailure("pool builds: \(error)") }
    }
}

/// A temporary data directory, removed on deinit.
final class TempDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "zkpay-validator-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A validator on an ephemeral loopback port over a fresh ledger in its own directory.
final class Node {
    let directory = TempDirectory()
    let service: ValidatorService
    /// The ledger's genesis (`Pool.genesis` unless a test names another: the pool's objects
    /// settle on that one).
    let genesis: Genesis
    /// The node's validator key.
    var receiptKey: [UInt8] { genesis.validators[0].publicKey }

    /// `genesis` must name `Pool.keySeed`'s key as its one validator.
    init(genesis: Genesis = Pool.genesis, tweak: (inout ValidatorService.Configuration) -> Void = { _ in }) throws {
        self.genesis = genesis
        let storage = try POSIXStorage(directory: directory.path, create: true)
        try Ledger.initialize(storage: storage, genesis: genesis, receiptKeySeed: SecretBytes(copying: Pool.keySeed))
        // The fastest backend and CRC-32C code this CPU runs, as `zkpay validator run` chooses them.
        var configuration = ValidatorService.Configuration(
            port: 0, workers: 2, heartbeatInterval: 0.2,
            logOptions: LogOptions(crc32c: .fastest(on: TestBackends.features)), backend: TestBackends.fastest)
        tweak(&configuration)
        let path = directory.path
        service = try ValidatorService(openStorage: { try POSIXStorage(directory: path, create: false) },
                                       configuration: configuration)
    }

    deinit { service.shutdown(gracePeriod: 1) }

    var port: UInt16 { service.port }

    func client() -> HTTPClient { HTTPClient(port: port, timeout: 10) }
}

/// A parsed response.
struct Reply {
    let status: Int
    let headers: Headers
    let body: [UInt8]
    var json: JSONValue? { try? JSONValue.parse(body) }
    var errorCode: String? { json?["error"]?["code"]?.string }
    var text: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPClient {
    func call(_ method: String, _ path: String, json: String? = nil, bytes: [UInt8]? = nil,
              contentType: String? = nil) throws -> Reply {
        var headers = Headers()
        var body: [UInt8] = []
        if let json {
            body = Array(json.utf8)
            headers.append("Content-Type", contentType ?? "application/json")
        } else if let bytes {
            body = bytes
            headers.append("Content-Type", contentType ?? "application/octet-stream")
        }
        let r = try request(method, path, headers: headers, body: body)
        return Reply(status: r.status, headers: r.headers, body: r.body)
    }

    func submit(_ t: Transfer, binary: Bool = false) throws -> Reply {
        binary ? try call("POST", "/v1/transfers", bytes: t.bytes) : try call("POST", "/v1/transfers", json: t.json.render())
    }

    func submit(_ m: Mint) throws -> Reply { try call("POST", "/v1/mints", json: m.json.render()) }

    func get(_ path: String) throws -> Reply { try call("GET", path) }

    /// The ledger sequence from /v1/status.
    func sequence() throws -> Int? { try get("/v1/status").json?["sequence"]?.int }
}

extension JSONValue {
    subscript(_ key: String) -> JSONValue? {
        guard case let .object(members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var string: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    var int: Int? {
        if case let .int(i) = self { return i }
        return nil
    }

    var bool: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    var array: [JSONValue]? {
        if case let .array(a) = self { return a }
        return nil
    }
}

/// Reads events from a stream until `count` events arrived (comments skipped).
func readEvents(_ reader: EventStreamReader, count: Int) throws -> [ServerSentEvent] {
    var out: [ServerSentEvent] = []
    while out.count < count, let e = try reader.nextEvent() { out.append(e) }
    return out
}

/// Decodes a receipt JSON's `bytes`.
func receipt(of body: JSONValue?) -> Receipt? {
    guard let hex = body?["receipt"]?["bytes"]?.string, let bytes = ProtocolHex.decode(hex) else { return nil }
    return try? Receipt(bytes: bytes)
}

/// Sends raw bytes on a fresh connection (reading until the server closes it or 5 s pass) and returns the status line's code and the text.
func rawExchange(_ port: UInt16, _ bytes: [UInt8], slowly: Bool = false) throws -> (status: Int?, text: String) {
    let fd = try SocketCall.connect(host: "127.0.0.1", port: port, timeout: 5)
    defer { SocketCall.close(fd) }
    if slowly {
        for b in bytes {
            guard (try? SocketCall.writeAll(fd, [b])) != nil else { break }
            usleep(100_000)
        }
    } else {
        try SocketCall.writeAll(fd, bytes)
    }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let progress = try? chunk.withUnsafeMutableBytes { buffer in
            Result { () throws(SocketError) in try SocketCall.read(fd, into: buffer) }
        }.get()
        guard case let .bytes(n)? = progress else { break }
        out += chunk[0..<n]
    }
    let text = String(decoding: out, as: UTF8.self)
    let code = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
    return (code, text)
}
