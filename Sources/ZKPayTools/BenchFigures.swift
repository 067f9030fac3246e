/// The registry of module benchmark figures; each module's figures live in
/// `BenchFigures+<Module>.swift` and are listed here.
extension BenchCommand {
    static func moduleFigures() -> [BenchFigure] {
        var figures: [BenchFigure] = []
        figures += bulletproofsFigures()
        figures += merlinFigures()
        figures += ristretto255Figures()
        figures += schnorrFigures()
        figures += msmFigures()
        figures += ledgerFigures()
        figures += ledgerStateFigures()
        figures += zkpayCoreFigures()
        figures += validatorFigures()
        return figures  // module figures are added here as modules land
    }
}
