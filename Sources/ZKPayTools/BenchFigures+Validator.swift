import ZKPayCLI
import Foundation
import HTTP1
import Ledger
import Synchronization
import Validator
import ZKPayCore

/// Validator figures: a lone transfer on an idle validator, over loopback HTTP, from the
/// request to the durable (fsynced) receipt.
extension BenchCommand {
    static func validatorFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        [
            // POST /v1/transfers (binary, 1 input, 1 output) on an idle validator with a ledger in a
            // temporary directory: decode, verify, apply, append + fsync, receipt, answer.
            BenchFigure("validator_lone_transfer", unit: "transfer (HTTP round trip incl. 1 fsync)") {
                let bench = ValidatorBench(transfers: 320, runtime: runtime)
                var next = 0
                return { n in
                    for _ in 0..<n {
                        bench.submit(next)
                        next += 1
                    }
                }
            },
        ]
    }
}

/// A validator serving a fresh ledger, and transfers prepared for it (each settles once).
final class ValidatorBench {
    let directory = BenchDirectory()
    let service: ValidatorService
    let client: HTTPClient
    let transfers: [[UInt8]]

    init(transfers count: Int, runtime: RuntimeOptions) {
        let issuer = WalletKeys.generate().keys, alice = WalletKeys.generate().keys, bob = WalletKeys.generate().keys
        let path = directory.path
        let genesis: Genesis
        do {
            genesis = try Ledger.initialize(storage: runtime.openStorage(path, create: true), issuer: issuer.address,
                                            minimumFee: 1)
            service = try ValidatorService(openStorage: { try runtime.openStorage(path, create: false) },
                                           configuration: .init(port: 0, logOptions: runtime.logOptions,
                                                                backend: runtime.backend))
        } catch { fatalError("validator bench setup: \(error)") }
        client = HTTPClient(port: service.port)
        // Mints of 16 notes of 10 to alice, submitted through the API.
        var notes: [OwnedNote] = []
        for serial in 0..<((count + 15) / 16) {
            do {
                let mint = try Mint.create(chain: genesis.chainID, serial: UInt64(serial), payments: (0..<16).map { _ in Payment(to: alice.address, amount: 10) },
                                           issuer: issuer.spend)
                let r = try client.request("POST", "/v1/mints", headers: Headers([Header("Content-Type", "application/octet-stream")]),
                                           body: mint.bytes)
                precondition(r.status == 200, "validator bench mint: \(r.text)")
                for note in mint.createdNotes { notes.append(OwnedNote(note: note, contents: try alice.open(note.output))) }
            } catch { fatalError("validator bench mint: \(error)") }
        }
        // One 1-in/1-out transfer per note (pays 8, fee 2: no change), built on all cores.
        let built = Mutex<[[UInt8]]>([])
        let chosen = Array(notes.prefix(count))
        DispatchQueue.concurrentPerform(iterations: chosen.count) { i in
            do {
                let t = try TransferBuilder.build(chain: genesis.chainID, auditors: genesis.auditors, from: alice, spending: [chosen[i]],
                                                  payments: [Payment(to: bob.address, amount: 8)], fee: 2,
                                                  backend: runtime.backend).transfer
                built.withLock { $0.append(t.bytes) }
            } catch { fatalError("validator bench transfer: \(error)") }
        }
        transfers = built.withLock { $0 }
    }

    func submit(_ index: Int) {
        precondition(index < transfers.count, "validator_lone_transfer needs more prepared transfers")
        do {
            let r = try client.request("POST", "/v1/transfers", headers: Headers([Header("Content-Type", "application/octet-stream")]),
                                       body: transfers[index])
            precondition(r.status == 200, "validator bench transfer: \(r.status) \(r.text)")
        } catch { fatalError("validator bench transfer: \(error)") }
    }

    deinit {
        client.close()
        service.shutdown(gracePeriod: 1)
    }
}
