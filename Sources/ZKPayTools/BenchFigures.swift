import ZKPayCLI

/// The registry of module benchmark figures; each module's figures live in
/// `BenchFigures+<Module>.swift` and are listed here.
extension BenchCommand {
    /// `runtime`: the backend and storage options every figure runs with.
    static func moduleFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        var figures: [BenchFigure] = []
        figures += bulletproofsFigures(runtime)
        figures += merlinFigures()
        figures += ristretto255Figures(runtime)
        figures += schnorrFigures(runtime)
        figures += msmFigures(runtime)
        figures += ledgerFigures(runtime)
        figures += ledgerStateFigures(runtime)
        figures += zkpayCoreFigures(runtime)
        figures += validatorFigures(runtime)
        return figures  // module figures are added here as modules land
    }
}
