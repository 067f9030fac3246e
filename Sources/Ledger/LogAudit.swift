public import BatchVerify
public import Ristretto255
import Sodium
public import ZKPayCore

/// Why a log failed the full audit. Each case names the first record that is wrong.
public enum LogAuditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The records do not run 1, 2, 3, … from genesis.
    case outOfOrder(expected: UInt64, found: UInt64)
    /// The record does not hold a receipt followed by a canonical transfer or mint.
    case malformed(sequence: UInt64, reason: String)
    /// A signature of the receipt's batch is not one of the validators in office at the batch,
    /// or does not verify.
    case badSignature(sequence: UInt64)
    /// The receipt carries no signature: the log is that of a validator not in office at the
    /// batch (§7.12), which follows without signing.
    case unsigned(sequence: UInt64)
    /// The logged object fails re-verification (a proof, a signature, a spent or unknown
    /// input, a fee below the minimum), or its receipt disagrees with the replayed chain.
    case rejected(sequence: UInt64, reason: String)
    /// Every object verified, but Σ unspent commitments do not match the supply.
    case supplyEquation(AuditResult)

    public var description: String {
        switch self {
        case let .outOfOrder(expected, found):
            "record \(found) where record \(expected) was expected: the log must run from sequence 1 without gaps"
        case let .malformed(s, reason): "record \(s) is not a ledger record: \(reason)"
        case let .badSignature(s):
            "the receipt of record \(s) carries a signature that is not a valid one of the validators in office at its batch"
        case let .unsigned(s):
            "the receipt of record \(s) carries no signature: this log is a validator's that was not in office at that "
                + "batch; audit the log of a validator in office then"
        case let .rejected(s, reason): "record \(s) fails re-verification: \(reason)"
        case .supplyEquation: "every record verified, but Σ unspent commitments do not match the supply"
        }
    }

    /// A stable machine-readable code.
    public var code: String {
        switch self {
        case .outOfOrder: "log_out_of_order"
        case .malformed: "log_malformed"
        case .badSignature: "receipt_signature"
        case .unsigned: "receipt_unsigned"
        case .rejected: "log_rejected"
        case .supplyEquation: "audit_failed"
        }
    }
}

/// What a full audit established.
public struct LogAuditReport: Sendable, Equatable {
    /// Records checked (the last sequence).
    public var records: UInt64 = 0
    /// Transfers re-verified.
    public var transfers: UInt64 = 0
    /// Mints re-verified.
    public var mints: UInt64 = 0
    /// Redemptions re-verified (inner transfer, opening and holder signature).
    public var redemptions: UInt64 = 0
    /// Receipt batches (distinct signatures) verified.
    public var signatures: UInt64 = 0
    /// The chain hash after the last record.
    public var chainHash: [UInt8] = []
    /// The rebuilt state's digest after the last record (docs/PROTOCOL.md §7.6.1): what every
    /// validator that holds this history reports in `GET /v1/status`.
    public var stateDigest: [UInt8] = []
    /// The supply audit of the rebuilt state.
    public var audit: AuditResult?
}

/// The audit a skeptical third party runs on a ledger's whole log, from genesis: every record
/// is decoded from its bytes (ids recomputed, never taken from the receipt), every transfer's
/// signatures and range proofs are re-verified in batches against the rebuilt state, every
/// mint's issuer signature is checked, the replay goes through the one apply path
/// (`LedgerState.apply`), every receipt must hold the entry the replay computes (sequence,
/// kind, id, time, chain hash), name the state digest the replay reaches after its batch,
/// and carry a valid signature of a validator in office at its batch (the genesis's until an
/// authority statement the replay settled changes them, §7.12), and
/// at the end the supply equation must hold. It trusts nothing but the genesis.
///
/// Feed records in order with `add`, then call `finish`. Memory holds the rebuilt state and
/// one receipt batch, not the log.
public struct LogAuditor: ~Copyable {
    /// The ledger's parameters (from its genesis file).
    public let genesis: Genesis
    private var state: LedgerState
    private let parallelism: Parallelism
    private var batch: [(receipt: Receipt, body: ArraySlice<UInt8>)] = []
    /// The last (message, signature) pair verified: the receipts of one batch share it.
    private var verified: (message: [UInt8], signers: [Receipt.Signer])?
    /// What has been established so far (counts of the records whose batch is checked).
    public private(set) var report = LogAuditReport()
    /// Records accepted by `add` (including those of a batch not yet checked).
    public private(set) var added: UInt64 = 0

    /// An auditor of the ledger `genesis` describes; proofs are checked on `backend`, split
    /// by `parallelism` (for example a worker pool's).
    public init(genesis: Genesis, backend: Backend, parallelism: Parallelism = .serial) {
        self.genesis = genesis
        self.parallelism = parallelism
        state = LedgerState(genesis: genesis, backend: backend)
        report.chainHash = genesis.chainID.bytes
        report.stateDigest = state.stateDigest
    }

    /// Checks the next record (sequence `added + 1`). The records of one receipt batch are
    /// re-verified together once the batch is complete (or the next batch starts).
    /// - Throws: the first failure; the auditor is then of no further use.
    public mutating func add(_ record: LogRecord) throws(LogAuditError) {
        let expected = added + 1
        guard record.sequence == expected else { throw .outOfOrder(expected: expected, found: record.sequence) }
        let receipt: Receipt
        let length: Int
        do { (receipt, length) = try Receipt.decodePrefix(of: record.payload) } catch {
            throw .malformed(sequence: record.sequence, reason: "\(error)")
        }
        guard receipt.sequence == record.sequence else {
            throw .malformed(sequence: record.sequence, reason: "its receipt is for sequence \(receipt.sequence)")
        }
        guard length < record.payload.count else {
            throw .malformed(sequence: record.sequence, reason: "no transfer or mint follows the receipt")
        }
        if let last = batch.last?.receipt,
           receipt.batchFirst != last.batchFirst || receipt.time != last.time || receipt.kind != last.kind
        {
            try flush()
        }
        // After the batches before it are applied: a statement among them may have changed the
        // validators in office at this batch.
        try checkSignature(receipt)
        batch.append((receipt, record.payload[length...]))
        added = expected
        if receipt.sequence == receipt.batchFirst &+ UInt64(receipt.batchSize) &- 1 {
            try flush()
        }
    }

    /// Checks what remains and the supply equation.
    /// - Returns: the report of a log that passed every check.
    /// - Throws: the first failure.
    public mutating func finish() throws(LogAuditError) -> LogAuditReport {
        try flush()
        let audit = state.auditVartime()
        report.audit = audit
        guard audit.ok else { throw .supplyEquation(audit) }
        return report
    }

    /// Every signer of a receipt is a validator in office at its batch and its signature
    /// verifies, and there is at least one (a validator's log holds its own signature; a
    /// certificate more): one check per signer of each distinct signed message (one per
    /// receipt batch).
    private mutating func checkSignature(_ receipt: Receipt) throws(LogAuditError) {
        guard let message = receipt.signedMessage(chain: genesis.chainID) else { throw .badSignature(sequence: receipt.sequence) }
        let signers = receipt.signers
        guard !signers.isEmpty else { throw .unsigned(sequence: receipt.sequence) }
        if let v = verified, v.message == message, v.signers == signers { return }
        switch receipt.certificateError(authorities: state.authorities) {
        case nil, .tooFewSigners: break
        default: throw .badSignature(sequence: receipt.sequence)
        }
        verified = (message, signers)
        report.signatures += UInt64(signers.count)
    }

    /// Re-verifies and applies the collected batch, then checks its receipts against the replay.
    private mutating func flush() throws(LogAuditError) {
        guard let head = batch.first?.receipt else { return }
        let receipts = batch.map(\.receipt)
        let applied: AppliedBatch
        switch head.kind {
        case .transfer:
            var transfers: [Transfer] = []
            transfers.reserveCapacity(batch.count)
            for (r, body) in batch {
                do { transfers.append(try Transfer(bytes: Array(body), backend: state.backend)) } catch {
                    throw .malformed(sequence: r.sequence, reason: "the transfer does not decode: \(error)")
                }
            }
            let verdicts = state.verifyVartime(transfers, parallelism: parallelism)
            for (r, v) in zip(receipts, verdicts) {
                switch v {
                case .verified: continue
                case let .finalized(s): throw .rejected(sequence: r.sequence, reason: "the transfer was settled before, at \(s)")
                case let .rejected(e): throw .rejected(sequence: r.sequence, reason: e.description)
                }
            }
            applied = state.apply(OrderedBatch(time: head.time, transfers: verdicts))
            report.transfers += UInt64(batch.count)
        case .mint:
            var mints: [Mint] = []
            mints.reserveCapacity(batch.count)
            for (r, body) in batch {
                do { mints.append(try Mint(bytes: Array(body))) } catch {
                    throw .malformed(sequence: r.sequence, reason: "the mint does not decode: \(error)")
                }
            }
            applied = state.apply(OrderedBatch(time: head.time, mints: mints))
            report.mints += UInt64(batch.count)
        case .redemption:
            var redemptions: [Redemption] = []
            for (r, body) in batch {
                do { redemptions.append(try Redemption(bytes: Array(body), backend: state.backend)) } catch {
                    throw .malformed(sequence: r.sequence, reason: "the redemption does not decode: \(error)")
                }
            }
            // Apply verifies each redemption against the state it meets and rejects a bad one,
            // which the receipt check below reports.
            applied = state.apply(OrderedBatch(time: head.time, redemptions: redemptions))
            for (r, outcome) in zip(receipts, applied.outcomes) {
                if case let .rejected(e) = outcome { throw .rejected(sequence: r.sequence, reason: e.description) }
            }
            report.redemptions += UInt64(batch.count)
        case .authority:
            var statements: [AuthorityStatement] = []
            for (r, body) in batch {
                do { statements.append(try AuthorityStatement(bytes: Array(body))) } catch {
                    throw .malformed(sequence: r.sequence, reason: "the authority statement does not decode: \(error)")
                }
            }
            applied = state.apply(OrderedBatch(time: head.time, authorities: statements))
            for (r, outcome) in zip(receipts, applied.outcomes) {
                if case let .rejected(e) = outcome { throw .rejected(sequence: r.sequence, reason: e.description) }
            }
        }
        do { try SettledReceipts.check(applied, logged: receipts) } catch {
            if case let .replayRejected(s, reason) = error { throw .rejected(sequence: s, reason: reason) }
            throw .rejected(sequence: head.sequence, reason: "\(error)")
        }
        batch.removeAll(keepingCapacity: true)
        report.records = state.sequence
        report.chainHash = state.chainHash
        report.stateDigest = state.stateDigest
    }
}
