public import Ristretto255
import Sodium

/// Why the auditor could not take an output's ciphertext at its word.
public enum AuditFlag: Sendable, Equatable, CustomStringConvertible {
    /// The ciphertext does not decrypt (or decrypts to a non-canonical blinding).
    case ciphertextUnreadable
    /// The ciphertext's amount is not the committed one: `claimed`·B ≠ C − s·D.
    case amountMismatch(claimed: UInt64)

    public var description: String {
        switch self {
        case .ciphertextUnreadable: "ciphertext does not decrypt"
        case let .amountMismatch(claimed): "ciphertext claims \(claimed), the commitment holds another amount"
        }
    }
}

/// One output as the auditor sees it.
public struct AuditedOutput: Sendable, Equatable {
    /// The recipient's spend key P.
    public let owner: RistrettoPoint
    /// The committed amount: the ciphertext's when it matches the commitment; else the one
    /// recovered by baby-step giant-step (nil when it is not below 2^40).
    public let amount: UInt64?
    /// Set when the ciphertext lied or did not open.
    public let flag: AuditFlag?
}

/// What an auditor learns of one transfer (docs/PROTOCOL.md §7.4.1).
public struct AuditedTransfer: Sendable {
    /// The transfer.
    public let transfer: Transfer
    /// Its outputs, in order.
    public let outputs: [AuditedOutput]
    /// Whether any output's ciphertext lied: the sender (`transfer.sender`) is accountable,
    /// and the signed transfer is the evidence.
    public var isFlagged: Bool { outputs.contains { $0.flag != nil } }
}

/// An auditor's view of a ledger: its secret and its position in the genesis's auditor list.
///
/// For output j and this auditor k: shared = s·R_k opens the ciphertext to (v', r');
/// X = C_j − s·D_jk = v·B (the validator checked D_jk = r_j·A_k). One constant-time
/// scalar multiplication gives X and a fixed-base one v'·B; equal means v' is the amount.
/// Otherwise the transfer is flagged and v is recovered from X when below 2^40.
public struct AuditorScanner: Sendable {
    /// The auditor's secret.
    public let secret: AuditorSecret
    /// Its index in the genesis's auditor list.
    public let index: Int
    /// The ledger's auditor keys.
    public let auditors: [AuditorKey]
    /// Recovers amounts of flagged outputs.
    public let table: DiscreteLogTable

    /// A scanner for `genesis`.
    /// - Throws: `auditorSectionMismatch`-free: `nil` is returned instead when the genesis does not name this auditor.
    public init?(secret: AuditorSecret, genesis: Genesis, table: DiscreteLogTable) {
        self.init(secret: secret, auditors: genesis.auditors, table: table)
    }

    /// A scanner for transfers settled under an authority whose auditor keys are `auditors`
    /// (§7.12); nil when they do not name this auditor.
    public init?(secret: AuditorSecret, auditors: [AuditorKey], table: DiscreteLogTable) {
        guard let k = auditors.firstIndex(of: secret.publicKey) else { return nil }
        self.secret = secret
        index = k
        self.auditors = auditors
        self.table = table
    }

    /// Reads `transfer`'s outputs. A transfer whose section does not serve this ledger's
    /// auditors (never settled by an honest validator) yields unreadable outputs.
    /// - Parameter backend: the backend of the recovery's batched encodings.
    public func scan(_ transfer: Transfer, backend: Backend = .portable) -> AuditedTransfer {
        let section = transfer.auditorSection
        var outputs: [AuditedOutput] = []
        for (j, output) in transfer.outputs.enumerated() {
            guard section.auditorCount == auditors.count, j < section.handles.count else {
                outputs.append(AuditedOutput(owner: output.owner, amount: nil, flag: .ciphertextUnreadable))
                continue
            }
            let h = section.handles[j][index]
            let x = output.commitment - secret.secret.withScalar { h.handle.multiply(secret: $0) }
            let claimed = open(h, output: j, commitment: output.commitment, chain: transfer.chainID,
                               ephemeral: section.ephemeralKeys[index])
            if let claimed, RistrettoPoint.multiplyBase(secret: Scalar(claimed)) == x {
                outputs.append(AuditedOutput(owner: output.owner, amount: claimed, flag: nil))
            } else {
                let flag: AuditFlag = claimed.map { .amountMismatch(claimed: $0) } ?? .ciphertextUnreadable
                outputs.append(AuditedOutput(owner: output.owner, amount: table.recoverVartime(x, backend: backend), flag: flag))
            }
        }
        return AuditedTransfer(transfer: transfer, outputs: outputs)
    }

    /// The amount the ciphertext claims, or nil if it does not open to a well-formed plaintext.
    func open(_ h: AuditorHandle, output j: Int, commitment: RistrettoPoint, chain: ChainID,
              ephemeral: RistrettoPoint) -> UInt64? {
        let shared = secret.secret.withScalar { ephemeral.multiply(secret: $0) }
        let (key, nonce) = AuditorSection.keySchedule(shared: shared, ephemeral: ephemeral, auditor: auditors[index],
                                                      chain: chain, output: j, commitment: commitment, handle: h.handle)
        guard let plaintext = try? XChaCha20Poly1305.open(h.ciphertext, key: key, nonce: nonce) else { return nil }
        return plaintext.withUnsafeBytes { p -> UInt64? in
            guard p.count == Auditing.plaintextLength, (try? Scalar(canonical: p[8..<40])) != nil else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(p[i]) << UInt64(8 * i) }
            return v
        }
    }
}

/// Baby-step giant-step discrete logarithms to base B for amounts below 2^bits: a table of
/// the encodings of j·B for j < 2^babyBits, then X − i·2^babyBits·B for i < 2^(bits − babyBits).
///
/// - Warning: Variable time in the amount it recovers. It runs only on the auditor's own
///   machine, over amounts only the auditor learns, for outputs whose sender lied.
public final class DiscreteLogTable: Sendable {
    /// log2 of the baby steps.
    public let babyBits: Int
    /// Amounts below 2^bits are recovered.
    public let bits: Int
    private let table: [UInt64: UInt32]
    private let giantStep: RistrettoPoint

    /// Builds the table (2^babyBits point additions and encodings).
    /// - Precondition: 1 ≤ babyBits ≤ 24, babyBits ≤ bits ≤ 63.
    public init(babyBits: Int = 20, bits: Int = 40, backend: Backend = .portable) {
        precondition((1...24).contains(babyBits) && (babyBits...63).contains(bits), "table size out of range")
        self.babyBits = babyBits
        self.bits = bits
        let count = 1 << babyBits
        var table = [UInt64: UInt32](minimumCapacity: count)
        let after = Self.walkVartime(from: .identity, step: .basepoint, count: count, chunk: 4096, backend: backend) { j, e in
            let key = Self.key(e)
            if table[key] == nil { table[key] = UInt32(j) }
            return false
        }
        self.table = table
        giantStep = after.next
    }

    /// Hands the encodings of `start + k·step` for k = 0, 1, … `count − 1` to `body`, in
    /// order, encoded `chunk` at a time in one batch (one field inversion per chunk); stops
    /// early when `body` returns true.
    /// - Returns: the k where it stopped (nil if it did not) and `start + count·step`.
    private static func walkVartime(from start: RistrettoPoint, step: RistrettoPoint, count: Int, chunk: Int,
                                    backend: Backend, _ body: (Int, [UInt8]) -> Bool) -> (stopped: Int?, next: RistrettoPoint) {
        var p = start
        var k = 0
        while k < count {
            let n = min(chunk, count - k)
            var points: [RistrettoPoint] = []
            points.reserveCapacity(n)
            for _ in 0..<n {
                points.append(p)
                p += step
            }
            for (i, e) in RistrettoPoint.batchEncode(points, backend: backend).enumerated() where body(k + i, e) {
                return (k + i, p)
            }
            k += n
        }
        return (nil, p)
    }

    static func key(_ e: [UInt8]) -> UInt64 {
        var k: UInt64 = 0
        for i in 0..<8 { k |= UInt64(e[i]) << UInt64(8 * i) }
        return k
    }

    /// v with v·B = x and v < 2^bits, or nil.
    /// - Warning: Variable time (see the type).
    public func recoverVartime(_ x: RistrettoPoint, backend: Backend = .portable) -> UInt64? {
        var found: UInt64?
        _ = Self.walkVartime(from: x, step: -giantStep, count: 1 << (bits - babyBits), chunk: 1024, backend: backend) { i, e in
            // A table hit on the 8-byte key is confirmed with one scalar multiplication.
            guard let j = table[Self.key(e)] else { return false }
            let v = UInt64(i) << UInt64(babyBits) + UInt64(j)
            guard RistrettoPoint.basepoint.vartimeMultiply(Scalar(v)) == x else { return false }
            found = v
            return true
        }
        return found
    }
}
