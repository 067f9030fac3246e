import Ristretto255
import Sodium
import Testing
@testable import Ledger
import TestSupport
import ZKPayCore

/// The ledger's own keyed BLAKE2b-256 (key block compressed once) against libsodium's.
@Suite("Keyed BLAKE2b")
struct KeyedBLAKE2bTests {
    @Test("equals libsodium's keyed BLAKE2b-256 for keys of 1...64 bytes and messages of 0...200 bytes, split anywhere")
    func matchesLibsodium() {
        var rng = SeededRNG(seed: 0xb1a_2b00_0001)
        let keys = [rng.bytes(1), rng.bytes(21), rng.bytes(32), rng.bytes(64), LedgerState.chainKey,
                    ReceiptTree.leafKey, ReceiptTree.nodeKey]
        for key in keys {
            let hasher = KeyedBLAKE2b(key: key)
            for n in 0...200 {
                let message = rng.bytes(n)
                let cut = n == 0 ? 0 : Int.random(in: 0...n, using: &rng)
                let expected = Hash.blake2b(message, outputLength: 32, key: key)
                let d = Array(message[..<cut]).withUnsafeBytes { a in
                    Array(message[cut...]).withUnsafeBytes { b in hasher.digest(a, b) }
                }
                #expect(withUnsafeBytes(of: d) { Array($0) } == expected, "key \(key.count) bytes, message \(n) bytes")
            }
        }
    }

    @Test("batched digests on every backend (eight lanes on IFMA) equal one-at-a-time digests for 0...20 messages",
          arguments: TestBackends.supported)
    func batchedDigests(backend: Backend) {
        var rng = SeededRNG(seed: 0xb1a_2b00_0003)
        let hasher = KeyedBLAKE2b(key: ReceiptTree.nodeKey)
        for length in [1, 7, 64, 83, 127, 128] {
            for count in 0...20 {
                let stride = length + Int.random(in: 0...9, using: &rng)
                let bytes = rng.bytes(stride * count + 1)
                let none = UnsafeRawBufferPointer(start: nil, count: 0)
                bytes.withUnsafeBytes { all in
                    var out = [Digest32](repeating: (0, 0, 0, 0), count: count)
                    out.withUnsafeMutableBufferPointer { o in
                        hasher.digests(all.baseAddress!, stride: stride, length: length, count: count, into: o.baseAddress!,
                                       backend: backend)
                    }
                    for i in 0..<count {
                        let one = hasher.digest(UnsafeRawBufferPointer(rebasing: all[(i * stride)..<(i * stride + length)]), none)
                        #expect(withUnsafeBytes(of: out[i]) { Array($0) } == withUnsafeBytes(of: one) { Array($0) },
                                "\(backend): length \(length), message \(i) of \(count)")
                    }
                }
            }
        }
    }

    @Test("the ledger's note id keys are the ids of NoteID(transfer:outputIndex:)")
    func noteIDs() {
        var rng = SeededRNG(seed: 0xb1a_2b00_0004)
        for _ in 0..<50 {
            let id = TransferID(uncheckedBytes: rng.bytes(32))
            for j in [0, 1, 2, 15, 255, 65_536] {
                #expect(TransferFacts.noteKey(transfer: Key32(id: id), outputIndex: j) == Key32(id: NoteID(transfer: id, outputIndex: j)))
            }
        }
    }

    @Test("the chain hash and the receipt tree hashes are the domain-keyed BLAKE2b-256 of PROTOCOL.md")
    func ledgerHashes() {
        var rng = SeededRNG(seed: 0xb1a_2b00_0002)
        let previous = rng.bytes(32), id = rng.bytes(32), entry = rng.bytes(Receipt.entryLength)
        #expect(LedgerState.nextChainHash(previous, key: Key32(id)!)
            == Hash.blake2b(previous + id, outputLength: 32, key: Array("zkpay/ledger-chain/v1".utf8)))
        let leaf = entry.withUnsafeBytes { ReceiptTree.leafHasher.digest($0, UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(withUnsafeBytes(of: leaf) { Array($0) }
            == Hash.blake2b(entry, outputLength: 32, key: Array("zkpay/receipt-leaf/v2".utf8)))
        let built = ReceiptTree.build(leaves: [previous, id], backend: .portable)
        #expect(built.root == Hash.blake2b(previous + id, outputLength: 32, key: Array("zkpay/receipt-node/v2".utf8)))
    }

    @Test("receipt trees hashed on every backend equal the portable ones: roots and paths, 1...70 leaves",
          arguments: TestBackends.supported)
    func receiptTreesAgree(backend: Backend) {
        var rng = SeededRNG(seed: 0xb1a_2b00_0005)
        for count in Array(1...20) + [31, 32, 33, 64, 70] {
            let leaves = (0..<count).map { _ in rng.bytes(32) }
            let got = ReceiptTree.build(leaves: leaves, backend: backend)
            let reference = ReceiptTree.build(leaves: leaves, backend: .portable)
            #expect(got.root == reference.root && got.paths == reference.paths, "\(backend), \(count) leaves")
        }
    }
}
