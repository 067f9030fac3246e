import Ristretto255
import ZKPayCore

/// The result of the supply audit.
public struct AuditResult: Sendable, Equatable {
    /// True if the supply equation holds.
    public let ok: Bool
    /// Unspent notes.
    public let notes: Int
    /// Value in notes (minted − fees).
    public let supply: UInt64
    /// Σ minted.
    public let minted: UInt64
    /// The fee pool.
    public let fees: UInt64
    /// Settled transfers (excesses in the equation).
    public let transfers: Int
}

extension LedgerState {
    /// Checks the supply equation of docs/DESIGN.md as one multiscalar multiplication:
    ///
    ///     Σ unspent C − (minted − fees)·B − (Σ mint blindings)·B~ − Σ E = identity
    ///
    /// It holds because every transfer satisfies Σ C_out − Σ C_in + fee·B = E and every
    /// mint output is C = amount·B + blinding·B~ with public amount and blinding.
    /// - Warning: Variable time; public data only.
    public func auditVartime() -> AuditResult {
        var scalars: [Scalar] = []
        var points: [RistrettoPoint] = []
        scalars.reserveCapacity(unspent.count + excesses.count + 2)
        points.reserveCapacity(unspent.count + excesses.count + 2)
        for o in unspent.values {
            scalars.append(.one)
            points.append(o.commitment)
        }
        for e in excesses {
            scalars.append(-Scalar.one)
            points.append(e)
        }
        scalars.append(-Scalar(supply))
        points.append(Pedersen.valueGenerator)
        scalars.append(-mintBlindingSum)
        points.append(Pedersen.blindingGenerator)
        let sum = RistrettoPoint.vartimeMultiscalarMul(scalars, points)
        return AuditResult(ok: sum.isIdentity, notes: unspent.count, supply: supply, minted: minted, fees: feePool,
                           transfers: excesses.count)
    }
}
