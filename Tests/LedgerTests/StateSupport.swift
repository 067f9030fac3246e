import BatchVerify
@testable import Ledger
import Ristretto255
import Sodium
import Testing
import TestSupport
import ZKPayCore
import ZKPayTools

/// Wallets, mints and transfers built once per test process (a transfer costs ~30 ms to
/// build), deterministically from a fixed seed.
struct Pool: Sendable {
    static let seed: UInt64 = 0x1ed9_e55e_ed00_0006
    static let shared = Pool()

    /// The genesis of the ledgers the pool's objects are made for: the pool's issuer,
    /// minimum fee 1, one validator "v1" with `DurableFixture.keySeed`'s key.
    static let genesis: Genesis = {
        do {
            return try Genesis(issuer: wallet(1).address, minimumFee: 1, validators: [
                GenesisValidator(name: "v1", publicKey: try ReceiptKey(seed: SecretBytes(copying: DurableFixture.keySeed)).publicKey),
            ])
        } catch { preconditionFailure("the pool genesis: \(error)") }
    }()
    /// `genesis`'s chain id, carried by every pool object.
    var chain: ChainID { Self.genesis.chainID }

    let issuer: WalletKeys
    let alice: WalletKeys
    let bob: WalletKeys
    /// Issuer mint to alice: 100, 200, 300, 400.
    let mint: Mint
    /// Same outputs, different serial.
    let mint2: Mint
    /// A mint signed by bob (not the issuer).
    let rogueMint: Mint
    /// alice spends 100 → bob 50, change 45, fee 5.
    let t1: Transfer
    /// alice spends the same 100 → bob 60, change 35, fee 5 (double spend of t1).
    let t2: Transfer
    /// bob spends t1's 50 → alice 40, change 5, fee 5.
    let t3: Transfer
    /// alice spends 200 → bob 199, fee 1 (below a minimum fee of 2).
    let t4: Transfer
    /// alice spends 300 + 400 → bob 650, change 40, fee 10 (2-in/2-out).
    let t5: Transfer

    static func wallet(_ tag: UInt8) -> WalletKeys {
        let seed = SecretBytes(copying: (0..<32).map { UInt8($0) &+ tag &* 41 })
        do { return try WalletKeys(seed: seed) } catch { preconditionFailure("fixed seeds derive keys: \(error)") }
    }

    static func owned(_ note: Note, by wallet: WalletKeys) -> OwnedNote {
        do { return OwnedNote(note: note, contents: try wallet.open(note.output)) } catch {
            preconditionFailure("pool note opens: \(error)")
        }
    }

    init() {
        print("ledger test pool seed \(Self.seed)")
        var rng = SeededRNG(seed: Self.seed)
        var signer = FixtureSigner(rng: SeededRNG(seed: Self.seed ^ 1))
        let issuer = Self.wallet(1), alice = Self.wallet(2), bob = Self.wallet(3)
        self.issuer = issuer
        self.alice = alice
        self.bob = bob
        do {
            let pay = [100, 200, 300, 400].map { Payment(to: alice.address, amount: UInt64($0)) }
            let mint = try Mint.create(chain: Self.genesis.chainID, serial: 1, payments: pay, issuer: issuer.spend, rng: &rng, signer: &signer)
            self.mint = mint
            mint2 = try Mint.create(chain: Self.genesis.chainID, serial: 2, payments: pay, issuer: issuer.spend, rng: &rng, signer: &signer)
            rogueMint = try Mint.create(chain: Self.genesis.chainID, serial: 3, payments: pay, issuer: bob.spend, rng: &rng, signer: &signer)
            let notes = mint.createdNotes.map { Self.owned($0, by: alice) }
            let t1 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[0]],
                                               payments: [Payment(to: bob.address, amount: 50)],
                                               fee: 5, rng: &rng, signer: &signer).transfer
            self.t1 = t1
            t2 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[0]], payments: [Payment(to: bob.address, amount: 60)],
                                           fee: 5, rng: &rng, signer: &signer).transfer
            let bobs = t1.createdNotes.filter { $0.owner == bob.spend.publicKey }.map { Self.owned($0, by: bob) }
            t3 = try TransferBuilder.build(chain: Self.genesis.chainID, from: bob, spending: bobs, payments: [Payment(to: alice.address, amount: 40)],
                                           fee: 5, rng: &rng, signer: &signer).transfer
            t4 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[1]],
                                           payments: [Payment(to: bob.address, amount: 199)], fee: 1,
                                           rng: &rng, signer: &signer).transfer
            t5 = try TransferBuilder.build(chain: Self.genesis.chainID, from: alice, spending: [notes[2], notes[3]],
                                           payments: [Payment(to: bob.address, amount: 650)], fee: 10,
                                           rng: &rng, signer: &signer).transfer
        } catch { preconditionFailure("pool builds: \(error)") }
    }

    /// The key of `genesis`'s validator (seed `DurableFixture.keySeed`).
    static let receiptKey: ReceiptKey = {
        do { return try ReceiptKey(seed: SecretBytes(copying: DurableFixture.keySeed)) } catch {
            preconditionFailure("a 32-byte seed makes a key")
        }
    }()

    /// An empty state of the pool's chain and issuer, with no receipts.
    func emptyState(minimumFee: UInt64 = 2) -> SignedState {
        SignedState(state: LedgerState(issuer: issuer.spend.publicKey, minimumFee: minimumFee, chainID: chain))
    }

    /// The pool's receipt signer (validator 0 of a test ledger on the pool's chain).
    static let signer = IndexedSigner(key: receiptKey, index: 0, chain: genesis.chainID)
}

/// A receipt signer that signs as a fixed validator index, whatever authority the state holds
/// (test states built without a genesis name no validators, and the certificate tests sign
/// as indices of validator sets they make up).
struct IndexedSigner: Sendable {
    let signer: ReceiptSigner
    let index: Int

    init(key: ReceiptKey, index: Int, chain: ChainID) {
        signer = ReceiptSigner(key: key, chain: chain)
        self.index = index
    }

    var key: ReceiptKey { signer.key }

    /// The signature of the batch `receipt` belongs to, as validator `index` (nil without a root).
    func sign(batchOf receipt: Receipt) -> Receipt.Signer? {
        receipt.signedMessage(chain: signer.chain).map { Receipt.Signer(index: index, signature: signer.key.pair.sign($0)) }
    }
}

extension AppliedBatch {
    /// `signer`'s signatures of the batch's trees, as its fixed index.
    func signatures(signer: IndexedSigner) -> [Receipt.Signer?] { trees.map { signer.signer.sign($0, asIndex: signer.index) } }
}

extension ReceiptBatch {
    func sign(signer: IndexedSigner, backend: Backend, stateDigest: [UInt8]) -> [Receipt] {
        sign(signer: signer.signer, asIndex: signer.index, backend: backend, stateDigest: stateDigest)
    }
}

/// A state and the receipts of its batches, sealed with the pool's receipt key: what `Ledger`
/// holds, without the log. State members read through as `s.sequence`, `s.unspent`, ….
@dynamicMemberLookup
struct SignedState {
    var state: LedgerState
    var receipts = SettledReceipts()

    subscript<T>(dynamicMember path: KeyPath<LedgerState, T>) -> T { state[keyPath: path] }
    subscript<T>(dynamicMember path: WritableKeyPath<LedgerState, T>) -> T {
        get { state[keyPath: path] }
        set { state[keyPath: path] = newValue }
    }

    /// Verifies and applies a mint; records a test failure if it is rejected.
    mutating func mintOrFail(_ m: Mint, time: UInt64 = 1) -> Receipt? {
        let outcome = applySigned(OrderedBatch(time: time, mints: [m]))[0]
        if case let .rejected(e) = outcome { Issue.record("mint rejected: \(e)") }
        return outcome.receipt
    }

    /// Verifies and applies a batch.
    mutating func submit(_ transfers: [Transfer], time: UInt64 = 2) -> [Outcome] {
        applySigned(OrderedBatch(time: time, transfers: state.verifyVartime(transfers)))
    }

    /// Applies a batch and seals it with the pool's receipt key (what `Ledger.settle` does,
    /// without the log).
    mutating func applySigned(_ batch: OrderedBatch) -> [Outcome] {
        let applied = state.apply(batch)
        return receipts.seal(applied, signatures: applied.signatures(signer: Pool.signer))
    }

    func verifyVartime(_ transfers: [Transfer]) -> [Verification] { state.verifyVartime(transfers) }
    func verifyVartime(_ transfers: [Transfer], parallelism: Parallelism) -> [Verification] {
        state.verifyVartime(transfers, parallelism: parallelism)
    }
    func verifyVartime(_ mint: Mint) throws(LedgerRejection) -> VerifiedMint { try state.verifyVartime(mint) }
    func auditVartime() -> AuditResult { state.auditVartime() }
    func unspentNotes(owner: RistrettoPoint) -> [Note] { state.unspentNotes(owner: owner) }
    func unspentCount(owner: RistrettoPoint) -> Int { state.unspentCount(owner: owner) }
    func note(_ id: NoteID) -> Note? { state.note(id) }
    /// The receipt of a settled transfer or mint.
    func receipt(for id: [UInt8]) -> Receipt? { state.settledSequence(of: id).flatMap(receipts.receipt(at:)) }
}

extension Outcome {
    var rejection: LedgerRejection? {
        if case let .rejected(e) = self { return e }
        return nil
    }
    var isSettled: Bool {
        if case .settled = self { return true }
        return false
    }
}
