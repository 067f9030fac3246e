@testable import Ledger
import Ristretto255
import Testing
import TestSupport
import ZKPayCore

@Suite("Ledger state rules")
struct RulesTests {
    let pool = Pool.shared

    @Test("a mint from the issuer raises the supply and creates its notes; the audit holds")
    func mintSettles() {
        var s = pool.emptyState()
        let r = s.mintOrFail(pool.mint)
        #expect(r?.sequence == 1)
        #expect(s.supply == 1000 && s.minted == 1000 && s.feePool == 0)
        #expect(s.unspent.count == 4)
        let a = s.auditVartime()
        #expect(a.ok && a.notes == 4 && a.supply == 1000)
    }

    @Test("a mint not signed by the ledger's issuer is refused")
    func rogueMint() {
        let s = pool.emptyState()
        #expect(throws: LedgerRejection.invalid(.unexpectedIssuer)) { try s.verifyVartime(pool.rogueMint) }
        // A mint claiming the issuer key but with a damaged signature.
        var bytes = pool.mint.bytes
        bytes[bytes.count - 40] ^= 1
        if let forged = try? Mint(bytes: bytes) {
            #expect(throws: LedgerRejection.invalid(.invalidMintSignature)) { try s.verifyVartime(forged) }
        }
    }

    @Test("a verified transfer settles: inputs spent, outputs created, fee to the pool, audit holds")
    func transferSettles() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        let out = s.submit([pool.t1, pool.t5])
        #expect(out.allSatisfy { $0.isSettled })
        #expect(s.feePool == 15 && s.supply == 985 && s.minted == 1000)
        #expect(s.unspent.count == 4 - 3 + 4)
        for n in pool.t1.inputs + pool.t5.inputs { #expect(s.unspent[n] == nil) }
        #expect(s.spentBy[pool.t1.inputs[0]] == pool.t1.id)
        #expect(out.map { $0.receipt?.sequence } == [2, 3])
        #expect(s.auditVartime().ok)
    }

    @Test("a note spent earlier in the same batch is a double spend naming the spender")
    func doubleSpendSameBatch() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        let out = s.submit([pool.t1, pool.t2])
        #expect(out[0].isSettled)
        #expect(out[1].rejection == .doubleSpend(index: 0, note: pool.t1.inputs[0], spentBy: pool.t1.id))
        #expect(s.sequence == 2)
        #expect(s.auditVartime().ok)
    }

    @Test("a note spent in an earlier batch is a double spend naming the spender")
    func doubleSpendAcrossBatches() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        #expect(s.submit([pool.t1])[0].isSettled)
        let before = s.chainHash
        let out = s.submit([pool.t2])
        #expect(out[0].rejection == .doubleSpend(index: 0, note: pool.t1.inputs[0], spentBy: pool.t1.id))
        #expect(s.chainHash == before)
    }

    @Test("a transfer may spend an output created earlier in the same batch")
    func chainedInBatch() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        let out = s.submit([pool.t3, pool.t1, pool.t3])
        // t3 before t1: its input does not exist yet; after t1 it settles.
        #expect(out[0].rejection?.code == "unknown_input")
        #expect(out[1].isSettled && out[2].isSettled)
        #expect(s.auditVartime().ok)
    }

    @Test("resubmitting a finalized transfer returns its original receipt and changes nothing")
    func idempotent() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        let first = s.submit([pool.t1])[0].receipt
        let hash = s.chainHash
        let again = s.submit([pool.t1], time: 99)
        guard case let .finalized(r) = again[0] else {
            Issue.record("expected the original receipt, got \(again[0])")
            return
        }
        #expect(r == first)
        // Twice in one batch: the second is the first's receipt.
        var s2 = pool.emptyState()
        _ = s2.mintOrFail(pool.mint)
        let twice = s2.submit([pool.t1, pool.t1])
        #expect(twice[0].isSettled)
        #expect(twice[1].receipt == twice[0].receipt && !twice[1].isSettled)
        #expect(s.chainHash == hash && s.sequence == 2 && s2.sequence == 2)
        // A mint resubmitted likewise.
        let m = s.mintOrFail(pool.mint)
        #expect(m?.sequence == 1 && s.sequence == 2)
    }

    @Test("a fee below the ledger minimum is rejected")
    func feeTooLow() {
        var s = pool.emptyState(minimumFee: 2)
        _ = s.mintOrFail(pool.mint)
        #expect(s.submit([pool.t4])[0].rejection == .feeTooLow(fee: 1, minimum: 2))
        var lax = pool.emptyState(minimumFee: 1)
        _ = lax.mintOrFail(pool.mint)
        #expect(lax.submit([pool.t4])[0].isSettled)
    }

    @Test("a transfer spending notes the ledger never created is rejected")
    func unknownInput() {
        var s = pool.emptyState()
        #expect(s.submit([pool.t1])[0].rejection == .unknownInput(index: 0, note: pool.t1.inputs[0]))
        #expect(s.sequence == 0)
    }

    @Test("a transfer whose signature or proof bytes were altered is rejected by verification")
    func tamperedTransfers() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        var rng = SeededRNG(seed: 0x7a3e)
        var checked = 0
        for _ in 0..<testIterations(12) {
            var b = pool.t1.bytes
            // Past the input ids (altering those is an unknown input, tested above).
            let i = 35 + Int(rng.next() % UInt64(b.count - 35))
            b[i] ^= UInt8(1 << (rng.next() % 8))
            guard let t = try? Transfer(bytes: b) else { continue }
            checked += 1
            let out = s.submit([t])
            #expect(!out[0].isSettled, "byte \(i) altered yet settled")
        }
        #expect(checked > 0)
        #expect(s.sequence == 1 && s.auditVartime().ok)
    }

    @Test("the audit fails when the recorded supply or the notes disagree with the commitments")
    func auditDetects() {
        var s = pool.emptyState()
        _ = s.mintOrFail(pool.mint)
        _ = s.submit([pool.t1])
        #expect(s.auditVartime().ok)
        var inflated = s
        inflated.minted += 1
        #expect(!inflated.auditVartime().ok)
        var lost = s
        lost.unspent[pool.t1.outputIDs[0]] = nil
        #expect(!lost.auditVartime().ok)
        var noExcess = s
        noExcess.excesses.removeAll()
        #expect(!noExcess.auditVartime().ok)
    }

    @Test("the same objects in the same order give the same chain hash; another order does not")
    func chainDeterminism() {
        var a = pool.emptyState()
        var b = pool.emptyState()
        _ = a.mintOrFail(pool.mint, time: 5)
        _ = b.mintOrFail(pool.mint, time: 9)
        _ = a.submit([pool.t1, pool.t5])
        _ = b.submit([pool.t1])
        _ = b.submit([pool.t5])
        #expect(a.chainHash == b.chainHash)
        var c = pool.emptyState()
        _ = c.mintOrFail(pool.mint)
        _ = c.submit([pool.t5, pool.t1])
        #expect(c.chainHash != a.chainHash)
        // Documented formula.
        var h = pool.chain.bytes  // h_0 = the chain id
        for id in [pool.mint.id.bytes, pool.t1.id.bytes, pool.t5.id.bytes] {
            h = LedgerState.nextChainHash(h, id)
        }
        #expect(h == a.chainHash)
    }
}
