import ZKPayCLI
import Ristretto255
import Sodium

/// Benchmark figures of the multiscalar multiplications (Ristretto255).
extension BenchCommand {
    static func msmFigures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        var figures: [BenchFigure] = []
        let engine = VartimeMSM(backend: runtime.backend)
        for n in [64, 256, 1024, 4096] {
            figures.append(BenchFigure("msm_\(n)", unit: "vartime MSM of \(n) random points and scalars") {
                let (scalars, points) = msmTerms(n)
                var sink = RistrettoPoint.identity  // keeps every result live
                return { iterations in
                    for _ in 0..<iterations { sink = sink + engine.vartimeMultiscalarMul(scalars, points) }
                    if sink.isIdentity { print("", terminator: "") }
                }
            })
        }
        figures.append(BenchFigure("msm_precomputed_2050", unit: "precomputed MSM, 2,050 static terms (random scalars)") {
            let (scalars, points) = msmTerms(2050)
            let msm = VartimePrecomputedMSM(points: points, backend: runtime.backend)
            var sink = RistrettoPoint.identity
            return { iterations in
                for _ in 0..<iterations {
                    sink = sink + msm.vartimeMultiscalarMul(staticScalars: scalars, dynamicScalars: [], dynamicPoints: [])
                }
                if sink.isIdentity { print("", terminator: "") }
            }
        })
        figures.append(BenchFigure("msm_ct_64", unit: "constant-time MSM of 64 random points and scalars") {
            let (scalars, points) = msmTerms(64)
            var sink = RistrettoPoint.identity
            return { iterations in
                for _ in 0..<iterations { sink = sink + RistrettoPoint.constantTimeMultiscalarMul(scalars, points) }
                if sink.isIdentity { print("", terminator: "") }
            }
        })
        return figures
    }

    /// n random scalars and n random points (from uniform bytes).
    static func msmTerms(_ n: Int) -> ([Scalar], [RistrettoPoint]) {
        ((0..<n).map { _ in Scalar.random() },
         (0..<n).map { _ in RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64)) })
    }
}
