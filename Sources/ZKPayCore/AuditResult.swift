/// The result of the supply audit (docs/DESIGN.md, the supply equation), as a validator
/// reports it and a client reads it; the ledger computes it (`LedgerState.auditVartime`).
public struct AuditResult: Sendable, Equatable {
    /// True if the supply equation holds.
    public let ok: Bool
    /// Unspent notes.
    public let notes: Int
    /// Value in notes (minted − fees − burned).
    public let supply: UInt64
    /// Σ minted.
    public let minted: UInt64
    /// The fee pool.
    public let fees: UInt64
    /// Σ amounts burned by redemptions.
    public let burned: UInt64
    /// Settled transfers (excesses in the equation).
    public let transfers: Int

    /// A result as the audit computed it (or as a client decoded it from a validator's answer).
    public init(ok: Bool, notes: Int, supply: UInt64, minted: UInt64, fees: UInt64, burned: UInt64 = 0, transfers: Int) {
        self.burned = burned
        self.ok = ok
        self.notes = notes
        self.supply = supply
        self.minted = minted
        self.fees = fees
        self.transfers = transfers
    }
}
