import Ristretto255
public import ZKPayCore

extension LedgerState {
    /// Checks the supply equation of docs/DESIGN.md as one multiscalar multiplication:
    ///
    ///     Σ unspent C − (minted − fees − burned)·B − (Σ mint blindings − Σ burn blindings)·B~ − Σ E = identity
    ///
    /// It holds because every transfer (a redemption's inner transfer too) satisfies
    /// Σ C_out − Σ C_in + fee·B = E, every mint output is C = amount·B + blinding·B~ with
    /// public amount and blinding, and every burned output (never unspent) is opened the same
    /// way by its redemption.
    /// The multiscalar multiplication runs on this state's `backend`.
    /// - Warning: Variable time; public data only.
    public func auditVartime() -> AuditResult {
        var scalars: [Scalar] = []
        var points: [RistrettoPoint] = []
        scalars.reserveCapacity(unspent.count + excesses.count / 32 + 2)
        points.reserveCapacity(unspent.count + excesses.count / 32 + 2)
        var decodable = true
        unspent.forEachOutput { o in
            // A slice of the store: its indices do not start at 0.
            guard o.count >= 64, let c = try? RistrettoPoint(encoding: o.dropFirst(32).prefix(32)) else {
                decodable = false
                return
            }
            scalars.append(.one)
            points.append(c)
        }
        var i = 0
        while i + 32 <= excesses.count {
            if let e = try? RistrettoPoint(encoding: excesses[i..<(i + 32)]) {
                scalars.append(-Scalar.one)
                points.append(e)
            } else {
                decodable = false
            }
            i += 32
        }
        scalars.append(-Scalar(supply))
        points.append(Pedersen.valueGenerator)
        scalars.append(burnBlindingSum - mintBlindingSum)
        points.append(Pedersen.blindingGenerator)
        let sum = VartimeMSM(backend: backend).vartimeMultiscalarMul(scalars, points)
        return AuditResult(ok: decodable && sum.isIdentity, notes: unspent.count, supply: supply, minted: minted, fees: feePool,
                           burned: burned, transfers: excesses.count / 32)
    }
}
