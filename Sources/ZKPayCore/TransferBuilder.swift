import BatchVerify
import Bulletproofs
import Merlin
public import Ristretto255
import Schnorr
import Sodium

/// A note this wallet can spend: its public part and the opening learned from its memo.
public struct OwnedNote: Sendable {
    /// Id, owner and commitment.
    public let input: InputNote
    /// The amount.
    public let amount: UInt64
    /// The blinding, in wiped memory.
    public let blinding: SecretScalar

    /// An owned note from its parts (e.g. a note and the contents of its opened memo).
    public init(input: InputNote, amount: UInt64, blinding: SecretScalar) {
        self.input = input
        self.amount = amount
        self.blinding = blinding
    }

    /// An owned note from a note and its opened memo.
    public init(note: Note, contents: MemoContents) {
        self.init(input: note.inputNote, amount: contents.amount, blinding: contents.blinding)
    }
}

/// One payment of a transfer.
public struct Payment: Sendable {
    /// Who is paid.
    public let recipient: Address
    /// How much.
    public let amount: UInt64
    /// Memo text (at most 64 bytes).
    public let text: [UInt8]

    public init(to recipient: Address, amount: UInt64, text: [UInt8] = []) {
        self.recipient = recipient
        self.amount = amount
        self.text = text
    }
}

/// A built transfer and what the wallet needs to book it.
public struct BuiltTransfer: Sendable {
    /// The signed transfer.
    public let transfer: Transfer
    /// The notes it spends (in input order).
    public let spent: [OwnedNote]
    /// The change returned to the sender (0 if none).
    public let change: UInt64
}

/// Wallet-side construction of transfers (docs/PROTOCOL.md §7.4, §8.1).
///
/// Steps: choose inputs (largest first, at most 16) covering Σ payments + fee; add a
/// change output to the sender when something is left; pad with zero-value outputs to the
/// sender up to 1, 2, 4, 8 or 16 outputs; draw a random blinding per output; prove the
/// output amounts with one aggregated range proof; seal each memo to its recipient's view
/// key; E = Σ C_out − Σ C_in + fee·B = k·B~ with k = Σ r_out − Σ r_in; sign E with k over
/// generator B~; sign everything with the spend key.
public enum TransferBuilder {
    /// Builds and signs a transfer with the CSPRNG.
    /// - Parameters:
    ///   - chain: the ledger's chain id (its genesis hash), which the transfer carries.
    ///   - auditors: the auditor keys of the ledger's genesis, in its order: every output
    ///     gets a handle, a ciphertext and a validity proof for each.
    ///   - wallet: the sender's keys.
    ///   - available: spendable notes (all owned by `wallet`).
    ///   - payments: 1 to 16 payments (fewer if change and padding must fit).
    ///   - fee: the public fee.
    ///   - changeText: memo text of the change output.
    ///   - backend: the backend of the prover's variable-time products over public-grade
    ///     data (one the CPU runs).
    /// - Throws: `noteNotOwned`, `insufficientFunds`, `amountOverflow`, `memoTextTooLong`,
    ///   `unsupportedRequest` (no payment, more than 16 outputs or inputs needed, or an
    ///   owned note whose opening does not match its commitment).
    public static func build(chain: ChainID, auditors: [AuditorKey] = [], from wallet: WalletKeys,
                             spending available: [OwnedNote], payments: [Payment],
                             fee: UInt64, changeText: [UInt8] = [], backend: Backend = .portable)
        throws(ProtocolError) -> BuiltTransfer {
        var rng = SecureRandomness()
        var signer = SecureSigner()
        return try build(chain: chain, auditors: auditors, from: wallet, spending: available, payments: payments, fee: fee,
                         changeText: changeText, rng: &rng, signer: &signer, backend: backend)
    }

    /// `build` with the randomness and signer supplied (fixture generation and tests).
    package static func build(chain: ChainID, auditors: [AuditorKey] = [], from wallet: WalletKeys,
                              spending available: [OwnedNote], payments: [Payment],
                              fee: UInt64, changeText: [UInt8] = [], rng: inout some RandomNumberGenerator,
                              signer: inout some TransferSigner, backend: Backend = .portable)
        throws(ProtocolError) -> BuiltTransfer {
        guard !payments.isEmpty else { throw .unsupportedRequest(reason: "a transfer pays at least one recipient") }
        var needed = fee
        for p in payments {
            let (sum, overflow) = needed.addingReportingOverflow(p.amount)
            guard !overflow else { throw .amountOverflow(field: "payments plus fee") }
            needed = sum
        }
        for note in available where note.input.owner != wallet.spend.publicKey { throw .noteNotOwned }
        let (chosen, change) = try selectInputs(available, needed: needed)

        var outputs = payments.map { (recipient: $0.recipient, amount: $0.amount, text: $0.text) }
        if change > 0 { outputs.append((wallet.address, change, changeText)) }
        guard outputs.count <= 16 else {
            throw .unsupportedRequest(reason: "\(outputs.count) outputs (payments and change) exceed the 16 a transfer holds")
        }
        while !Transfer.outputCounts.contains(outputs.count) { outputs.append((wallet.address, 0, [])) }

        let draft = try TransferDraft(chain: chain, auditors: auditors, inputs: chosen, outputs: outputs, fee: fee, rng: &rng,
                                      backend: backend)
        guard draft.isBalanced else {
            throw .unsupportedRequest(reason: "an owned note's amount or blinding does not open its commitment; rescan the wallet")
        }
        let bytes = draft.assemble(sender: wallet.spend, signer: &signer)
        let transfer: Transfer
        do { transfer = try Transfer(bytes: bytes, backend: backend) } catch {
            preconditionFailure("a transfer built here decodes: \(error)")
        }
        return BuiltTransfer(transfer: transfer, spent: chosen, change: change)
    }

    /// Largest notes first until `needed` is covered; at most 16 notes; duplicates ignored.
    /// Returns the notes and the change. Runs on the wallet's own data only.
    static func selectInputs(_ available: [OwnedNote], needed: UInt64) throws(ProtocolError)
        -> (notes: [OwnedNote], change: UInt64)
    {
        var seen = Set<NoteID>()
        let unique = available.filter { seen.insert($0.input.id).inserted }
        let sorted = unique.sorted { $0.amount > $1.amount }
        var chosen: [OwnedNote] = []
        var remaining = needed
        for note in sorted {
            guard chosen.count < Transfer.inputCounts.upperBound else { break }
            chosen.append(note)
            if note.amount >= remaining { return (chosen, note.amount - remaining) }
            remaining -= note.amount
        }
        // Not covered: report what is available (saturating: the sum may exceed 2^64 − 1).
        let total = unique.reduce(UInt64(0)) { s, n in s.addingReportingOverflow(n.amount).overflow ? .max : s + n.amount }
        if total >= needed {
            throw .unsupportedRequest(reason: "the amount needs more than 16 input notes; send to yourself first to merge notes")
        }
        throw .insufficientFunds(available: total, needed: needed)
    }
}

/// An unsigned transfer: inputs, outputs with memos, fee, range proof and excess, plus
/// the excess secret k. `TransferBuilder` makes honest drafts; the fixture generator also
/// makes dishonest ones (inflation, wrong owner) to produce invalid test cases.
package struct TransferDraft {
    /// The ledger the transfer is for.
    package var chain: ChainID
    package var inputs: [InputNote]
    package var outputs: [Output]
    package var fee: UInt64
    package var proofBytes: [UInt8]
    /// Handles, ciphertexts and validity proofs for the ledger's auditors (empty without).
    package var auditorSection: AuditorSection
    package var excess: RistrettoPoint
    /// k = Σ r_out − Σ r_in, in wiped memory.
    package var excessSecret: SecretScalar
    /// The output amounts and blindings (for re-proving in the fixture generator), the
    /// blindings in wiped memory.
    package var openings: [(amount: UInt64, blinding: SecretScalar)]

    /// Draws blindings, proves the amounts, seals the memos and computes E and k.
    package init(chain: ChainID, auditors: [AuditorKey] = [], inputs: [OwnedNote],
                 outputs: [(recipient: Address, amount: UInt64, text: [UInt8])], fee: UInt64,
                 rng: inout some RandomNumberGenerator, backend: Backend = .portable) throws(ProtocolError) {
        guard auditors.count <= Auditing.maxAuditors else {
            throw .unsupportedRequest(reason: "\(auditors.count) auditor keys; a ledger has at most \(Auditing.maxAuditors)")
        }
        var blindings = outputs.map { _ in Scalar(reducingWide: rng.bytes(64)) }
        var k = Scalar.zero
        defer {
            secureZero(&blindings)
            secureZero(value: &k)
        }
        var transcript = Contexts.rangeProofTranscript(chain: chain)
        let proved: (proof: RangeProof, commitments: [RistrettoPoint])
        do {
            proved = try RangeProof.prove(values: outputs.map(\.amount), blindings: blindings, bitSize: Transfer.rangeBits,
                                          transcript: &transcript, using: &rng, backend: backend)
        } catch { throw .unsupportedRequest(reason: "range proof failed: \(error)") }
        var sealed: [Output] = []
        for (j, o) in outputs.enumerated() {
            let contents = try MemoContents(amount: o.amount, blinding: SecretScalar(blindings[j]), text: o.text)
            let memo = EncryptedMemo.seal(contents, to: o.recipient.viewKey, owner: o.recipient.spendKey,
                                          commitment: proved.commitments[j], using: &rng)
            sealed.append(try Output(owner: o.recipient.spendKey, commitment: proved.commitments[j], memo: memo))
        }
        for r in blindings { k += r }
        for n in inputs { n.blinding.withScalar { k -= $0 } }
        self.chain = chain
        self.inputs = inputs.map(\.input)
        self.outputs = sealed
        self.fee = fee
        proofBytes = proved.proof.bytes
        excessSecret = SecretScalar(k)
        let opened = zip(outputs, blindings).map { (amount: $0.amount, blinding: SecretScalar($1)) }
        openings = opened
        auditorSection = AuditorSection.prove(chain: chain, auditors: auditors, commitments: proved.commitments,
                                              openings: opened, using: &rng)
        excess = Self.computeExcess(inputs: self.inputs, outputs: sealed, fee: fee)
    }

    /// Σ C_out − Σ C_in + fee·B (public data).
    package static func computeExcess(inputs: [InputNote], outputs: [Output], fee: UInt64) -> RistrettoPoint {
        var e = RistrettoPoint.multiplyBase(secret: Scalar(fee))
        for o in outputs { e += o.commitment }
        for n in inputs { e -= n.commitment }
        return e
    }

    /// Whether E = k·B~, i.e. the amounts balance and the blindings are the ones used.
    package var isBalanced: Bool {
        excessSecret.withScalar { Pedersen.blindingGenerator.multiply(secret: $0) } == excess
    }

    /// The encoding up to and including E (the balance message).
    package func body() -> [UInt8] {
        var w = ByteWriter(capacity: 2 + 32 + 1 + 32 * inputs.count + 1 + Output.encodedLength * outputs.count + 8
                           + 2 + proofBytes.count
                           + Auditing.sectionLength(auditors: auditorSection.auditorCount, outputs: outputs.count)
                           + 32 + 64 + 32 + 64)
        w.u8(Transfer.objectType)
        w.u8(Transfer.version)
        w.raw(chain.bytes)
        w.u8(UInt8(truncatingIfNeeded: inputs.count))
        for n in inputs { w.raw(n.id.bytes) }
        w.u8(UInt8(truncatingIfNeeded: outputs.count))
        for o in outputs { o.encode(to: &w) }
        w.u64(fee)
        w.lengthPrefixed(proofBytes)
        auditorSection.encode(to: &w)
        w.point(excess)
        return w.bytes
    }

    /// Signs and encodes. The defaults make an honest transfer; the parameters let the
    /// fixture generator make specific dishonest ones.
    package func assemble(sender: SpendKey, signer: inout some TransferSigner,
                          balanceSecret: Scalar? = nil, balanceGenerator: RistrettoPoint = Pedersen.blindingGenerator,
                          balanceSignature: [UInt8]? = nil, authorizationContext: String = Domain.authorizationContext,
                          claimedSender: RistrettoPoint? = nil) -> [UInt8] {
        var message = body()
        var balanceNonce: [UInt8] = []
        defer { secureZero(&balanceNonce) }
        let balanceSig: [UInt8]
        if let balanceSignature {
            balanceSig = balanceSignature
        } else {
            balanceNonce = signer.nonceSeed()
            balanceSig = excessSecret.withScalar { k in
                signer.sign(secret: balanceSecret ?? k, nonceSeed: balanceNonce, publicKey: excess,
                            transcript: Contexts.balance.bytes(message), generator: balanceGenerator)
            }
        }
        message += balanceSig
        message += (claimedSender ?? sender.publicKey).encoding
        let context = SigningContext(bytes: Array(authorizationContext.utf8))
        var nonceSeed = sender.nonceSeed.withUnsafeBytes { Array($0) }
        defer { secureZero(&nonceSeed) }
        let authorization = sender.secret.withScalar { x in
            signer.sign(secret: x, nonceSeed: nonceSeed,
                        publicKey: claimedSender ?? sender.publicKey, transcript: context.bytes(message),
                        generator: .basepoint)
        }
        return message + authorization
    }
}
