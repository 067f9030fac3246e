public import BatchVerify
import Bulletproofs
import Merlin
public import Ristretto255
import Schnorr
import Synchronization

/// The verification statements of one transfer, each "this multiscalar sum is the
/// identity" (docs/PROTOCOL.md §8.2).
public struct TransferStatements: Sendable {
    /// E − (Σ outputs − Σ inputs) − fee·B = 0.
    public let excess: Statement
    /// The aggregated range proof over the output commitments.
    public let range: Statement
    /// The auditor validity proofs of every output alone (pre-weighted with fresh weights on
    /// each read; empty without auditors).
    public var auditor: Statement { auditorCheck.statement() }
    /// What the auditor proofs are checked against, to name a failing output.
    public let auditorCheck: AuditorCheck
    /// s·B~ − c·E − R = 0 (balance signature).
    public let balance: Statement
    /// s·B − c·P − R = 0 (authorization).
    public let authorization: Statement

    /// The range statement with the auditor proofs added into it (the same commitments,
    /// so the batch's multiscalar multiplication holds each C_j once); equal to `range`
    /// without auditors.
    public let rangeAndAuditor: Statement

    /// All of them, in the order excess, range with the auditor proofs, balance,
    /// authorization: one item of `BatchVerifier.invalidItemsVartime`.
    public var all: [Statement] { [excess, rangeAndAuditor, balance, authorization] }

    init(excess: Statement, range: Statement, auditorCheck: AuditorCheck, balance: Statement, authorization: Statement) {
        self.excess = excess
        self.range = range
        self.auditorCheck = auditorCheck
        rangeAndAuditor = auditorCheck.merged(into: range)
        self.balance = balance
        self.authorization = authorization
    }

    /// The error of the first statement that does not hold, or nil if all hold (one
    /// multiscalar multiplication per statement checked, on `backend`).
    /// - Warning: Variable time; public data only.
    public func firstFailureVartime(backend: Backend) -> ProtocolError? {
        if !excess.isSatisfiedVartime(backend: backend) { return .excessMismatch }
        if !range.isSatisfiedVartime(backend: backend) { return .invalidRangeProof }
        if let j = auditorCheck.firstFailingOutputVartime(backend: backend) { return .invalidAuditorProof(output: j) }
        if !balance.isSatisfiedVartime(backend: backend) { return .invalidBalanceSignature }
        if !authorization.isSatisfiedVartime(backend: backend) { return .invalidAuthorization }
        return nil
    }
}

/// Stateless transfer verification: structural rules, then statements for the batch
/// verifier (docs/PROTOCOL.md §8). Whether the inputs exist and are unspent, whether the
/// fee meets the ledger's minimum and whether output ids are new are ledger rules.
public enum TransferVerifier {
    /// Checks the structural rules and returns the statements whose truth makes the
    /// transfer valid.
    ///
    /// Structural rules: the supplied input notes are exactly the transfer's inputs in
    /// order; no note is spent twice; every input is owned by the sender. (Counts, point
    /// and scalar canonicity, the range-proof length and a non-identity sender and owners
    /// were checked when the transfer was decoded.) Amount overflow cannot happen: every
    /// output is proven below 2^64, there are at most 16 outputs and 16 inputs (each below
    /// 2^64 by the same rule when it was created), so both sides of the balance are below
    /// 2^69 < l and the balance in the scalar field is the balance in the integers.
    ///
    /// - Parameters:
    ///   - transfer: the decoded transfer.
    ///   - inputs: the notes it spends, in the order of `transfer.inputs`.
    ///   - auditors: the auditor keys of the ledger's genesis, in order.
    ///   - backend: the backend of the batched scalar products (one the CPU runs).
    /// - Throws: `inputNotesMismatch`, `duplicateInput`, `inputOwnerMismatch`,
    ///   `auditorSectionMismatch`, or `invalidRangeProof` when the proof cannot even be turned
    ///   into a statement.
    public static func statements(for transfer: Transfer, inputs: [InputNote], auditors: [AuditorKey] = [],
                                  backend: Backend = .portable)
        throws(ProtocolError) -> TransferStatements
    {
        try statements(for: [(transfer, inputs)], auditors: auditors, backend: backend)[0].get()
    }

    /// `statements(for:inputs:)` of many transfers (the same statements, the same errors),
    /// with the range proofs' challenges of all of them inverted in one batch inversion.
    public static func statements(for items: [(transfer: Transfer, inputs: [InputNote])], auditors: [AuditorKey] = [],
                                  backend: Backend)
        -> [Result<TransferStatements, ProtocolError>]
    {
        var results = [Result<TransferStatements, ProtocolError>?](repeating: nil, count: items.count)
        var rangeInputs: [RangeProof.StatementInput] = []
        var excesses: [(index: Int, excess: Statement, auditor: AuditorCheck)] = []
        for (i, (transfer, inputs)) in items.enumerated() {
            let auditor: AuditorCheck
            let commitmentEncodings = transfer.outputCommitmentEncodings
            do throws(ProtocolError) {
                try checkInputs(transfer, inputs)
                auditor = try AuditorCheck(section: transfer.auditorSection, auditors: auditors,
                                           commitments: transfer.outputs.map(\.commitment),
                                           commitmentEncodings: commitmentEncodings.map { $0[...] }, chain: transfer.chainID)
            } catch {
                results[i] = .failure(error)
                continue
            }
            // Excess: E − Σ outputs + Σ inputs − fee·B = 0. The sums are point additions
            // (cheap); the check joins the batch as two dynamic terms and a B scalar.
            var net = RistrettoPoint.identity
            for o in transfer.outputs { net += o.commitment }
            for n in inputs { net -= n.commitment }
            var excess = Statement()
            excess.add(.one, transfer.excess)
            excess.add(-Scalar.one, net)
            excess.b = -Scalar(transfer.fee)
            excesses.append((i, excess, auditor))
            rangeInputs.append(RangeProof.StatementInput(
                proof: transfer.rangeProof, commitments: transfer.outputs.map(\.commitment),
                encodings: commitmentEncodings, bitSize: Transfer.rangeBits,
                transcript: Contexts.rangeProofTranscript(chain: transfer.chainID)))
        }
        for ((i, excess, auditor), range) in zip(excesses, RangeProof.statements(rangeInputs, backend: backend)) {
            guard case let .success(range) = range else {
                results[i] = .failure(.invalidRangeProof)
                continue
            }
            let transfer = items[i].transfer
            let balance = transfer.excessKey.statement(
                for: transfer.balanceSignature, Contexts.balance.bytes(transfer.balanceMessage),
                generator: Generators.standard.blinding)
            let authorization = transfer.senderKey.statement(
                for: transfer.authorization, Contexts.authorization.bytes(transfer.authorizationMessage))
            results[i] = .success(TransferStatements(excess: excess, range: range, auditorCheck: auditor, balance: balance,
                                                     authorization: authorization))
        }
        return results.map { r in
            guard let r else { preconditionFailure("every transfer has a result") }
            return r
        }
    }

    /// The structural checks of `statements(for:inputs:)`: one input note per input, in
    /// order, no input twice, every input owned by the sender.
    static func checkInputs(_ transfer: Transfer, _ inputs: [InputNote]) throws(ProtocolError) {
        guard inputs.count == transfer.inputs.count else {
            throw .inputNotesMismatch(index: min(inputs.count, transfer.inputs.count))
        }
        var seen = Set<NoteID>()
        for (i, id) in transfer.inputs.enumerated() {
            guard seen.insert(id).inserted else { throw .duplicateInput(index: i) }
            guard inputs[i].id == id else { throw .inputNotesMismatch(index: i) }
        }
        for (i, note) in inputs.enumerated() where note.owner != transfer.sender {
            throw .inputOwnerMismatch(index: i)
        }
    }

    /// Verifies one transfer completely, on `verifier`'s backend.
    /// - Throws: the structural errors of `statements(for:inputs:)`, then `excessMismatch`,
    ///   `invalidRangeProof`, `invalidAuditorProof`, `invalidBalanceSignature` or `invalidAuthorization`.
    /// - Warning: Variable time; public data only.
    public static func verifyVartime(_ transfer: Transfer, inputs: [InputNote], auditors: [AuditorKey] = [],
                                     verifier: BatchVerifier = BatchVerifier(backend: .portable)) throws(ProtocolError) {
        let s = try statements(for: transfer, inputs: inputs, auditors: auditors, backend: verifier.backend)
        // One MSM for the common (valid) case; per-statement checks only to name a failure.
        guard verifier.verifyVartime(s.all) else {
            throw s.firstFailureVartime(backend: verifier.backend) ?? .invalidAuthorization
        }
    }

    /// Verifies many transfers with one batch and returns the indices of the invalid
    /// ones, each with its error (structural errors without entering the batch; a bad
    /// transfer never causes a good one to be reported).
    ///
    /// `parallelism`: the statements are built in that many slices, and the batch is
    /// checked as ONE multiscalar multiplication split into that many jobs (so the
    /// fixed-generator part, whose cost does not depend on the batch size, is paid once per
    /// batch rather than once per core).
    /// - Warning: Variable time; public data only.
    /// `verifier`: its backend builds the statements and checks the batch.
    /// `auditors`: the auditor keys of the ledger's genesis, in order.
    public static func invalidTransfersVartime(_ items: [(transfer: Transfer, inputs: [InputNote])],
                                               auditors: [AuditorKey] = [],
                                               verifier: BatchVerifier, parallelism: Parallelism = .serial)
        -> [(index: Int, error: ProtocolError)]
    {
        let built = Mutex([Result<TransferStatements, ProtocolError>?](repeating: nil, count: items.count))
        let jobs: [@Sendable () -> Void] = parallelism.ranges(items.count).map { range in
            {
                let local = statements(for: Array(items[range]), auditors: auditors, backend: verifier.backend)
                built.withLock { all in for (k, r) in local.enumerated() { all[range.lowerBound + k] = r } }
            }
        }
        parallelism.run(jobs)
        var failures: [(index: Int, error: ProtocolError)] = []
        var batch: [TransferStatements] = []
        var positions: [Int] = []
        for (i, result) in built.withLock({ $0 }).enumerated() {
            switch result {
            case let .success(s)?:
                batch.append(s)
                positions.append(i)
            case let .failure(e)?: failures.append((i, e))
            case nil: preconditionFailure("a statement job did not run")
            }
        }
        for k in verifier.invalidItemsVartime(batch.map(\.all), parallelism: parallelism) {
            failures.append((positions[k], batch[k].firstFailureVartime(backend: verifier.backend) ?? .invalidAuthorization))
        }
        return failures.sorted { $0.index < $1.index }
    }
}
