import ZKPayCLI
import Ristretto255
import Sodium

/// Benchmark figures of the Ristretto255 module (baseline: libsodium's scalarmult).
/// Each closure feeds its result into the next iteration or a sink, so no operation is
/// dead code.
extension BenchCommand {
    static func ristretto255Figures(_ runtime: RuntimeOptions) -> [BenchFigure] {
        let backend = runtime.backend
        return [
            BenchFigure("fe_mul", unit: "field multiplication mod 2^255-19") {
                var a = FieldElement(bytesMaskingBit255: SecureRandom.bytes(32))
                let b = FieldElement(bytesMaskingBit255: SecureRandom.bytes(32))
                // Work on a local copy: a captured `var` costs an exclusivity check per access.
                return { n in
                    var x = a
                    for _ in 0..<n { x = x * b }
                    a = x
                    if a.l0 == 1 << 60 { print(a.l1) }  // impossible; keeps `a` live
                }
            },
            BenchFigure("point_add", unit: "ristretto255 point addition") {
                var p = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                let q = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                return { n in
                    var x = p
                    for _ in 0..<n { x = x + q }
                    p = x
                    if p.edwards.X.l0 == 1 << 60 { print(p) }
                }
            },
            BenchFigure("decode", unit: "strict RFC 9496 decoding of a valid encoding") {
                let encoding = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64)).encoding
                var sink: UInt64 = 0
                return { n in
                    for _ in 0..<n {
                        if let p = try? RistrettoPoint(encoding: encoding) { sink &+= p.edwards.X.l0 }
                    }
                    if sink == 1 { print(sink) }
                }
            },
            BenchFigure("decode_batch18", unit: "per point: RistrettoPoint.decodeBatch of 18 valid encodings (a 2-output range proof's points)") {
                let encodings = (0..<18).map { _ in RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64)).encoding[...] }
                var sink: UInt64 = 0
                return { n in
                    for _ in 0..<(n + 17) / 18 {
                        for p in RistrettoPoint.decodeBatch(encodings, backend: backend) { sink &+= p?.edwards.X.l0 ?? 1 }
                    }
                    if sink == 1 { print(sink) }
                }
            },
            BenchFigure("encode", unit: "RFC 9496 encoding") {
                let p = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                var sink: UInt8 = 0
                return { n in
                    for _ in 0..<n { sink ^= p.encoding[0] }
                    if sink == 0xff { print(sink) }
                }
            },
            BenchFigure("from_uniform_bytes", unit: "RFC 9496 element derivation from 64 bytes") {
                var input = SecureRandom.bytes(64)
                return { n in
                    for _ in 0..<n {
                        let p = RistrettoPoint.fromUniformBytes(input)
                        input[0] ^= UInt8(truncatingIfNeeded: p.edwards.X.l0)
                    }
                }
            },
            BenchFigure("vartime_scalarmult", unit: "variable-time scalar * point (width-5 NAF)") {
                let s = Scalar.random()
                var p = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                return { n in
                    for _ in 0..<n { p = p.vartimeMultiply(s) }
                    if p.edwards.X.l0 == 1 << 60 { print(p) }
                }
            },
            BenchFigure("ct_scalarmult", unit: "constant-time scalar * point (own code, radix 16)") {
                let s = Scalar.random()
                var p = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                return { n in
                    for _ in 0..<n { p = p.multiply(secret: s) }
                    if p.edwards.X.l0 == 1 << 60 { print(p) }
                }
            },
            BenchFigure("ct_scalarmult_base", unit: "constant-time scalar * B (own code, precomputed table)") {
                var s = Scalar.random()
                return { n in
                    for _ in 0..<n { s = s + Scalar(RistrettoPoint.multiplyBase(secret: s).edwards.X.l0 & 1) }
                }
            },
            BenchFigure("vartime_double_base", unit: "a*A + b*B, variable time") {
                let a = Scalar.random(), b = Scalar.random()
                var p = RistrettoPoint.fromUniformBytes(SecureRandom.bytes(64))
                return { n in
                    for _ in 0..<n { p = RistrettoPoint.vartimeDoubleBaseMul(a, p, b) }
                    if p.edwards.X.l0 == 1 << 60 { print(p) }
                }
            },
            BenchFigure("scalar_mul", unit: "scalar multiplication mod l") {
                var a = Scalar.random()
                let b = Scalar.random()
                return { n in
                    var x = a
                    for _ in 0..<n { x = x * b }
                    a = x
                    if a.isZero { print(a) }
                }
            },
            BenchFigure("scalar_times_128", unit: "per product: ScalarMultiplier.times over 128 scalars (a range proof's s-vector step)") {
                let m = ScalarMultiplier(Scalar.random())
                var input = (0..<128).map { _ in Scalar.random() }
                var out = [Scalar](repeating: .zero, count: 128)
                return { n in
                    for _ in 0..<(n + 127) / 128 {
                        input.withUnsafeBufferPointer { i in out.withUnsafeMutableBufferPointer { m.times(i, into: $0, backend: backend) } }
                        input[0] = out[127]
                    }
                }
            },
            BenchFigure("scalar_times", unit: "ScalarMultiplier.times, one product") {
                let m = ScalarMultiplier(Scalar.random())
                var a = Scalar.random()
                return { n in
                    var x = a
                    for _ in 0..<n { x = m.times(x) }
                    a = x
                    if a.isZero { print(a) }
                }
            },
            BenchFigure("scalar_invert", unit: "scalar inversion mod l (constant time)") {
                var a = Scalar.random()
                return { n in
                    for _ in 0..<n { a = a.inverted() + .one }
                    if a.isZero { print(a) }
                }
            },
            BenchFigure("scalar_invert_vartime", unit: "scalar inversion mod l (binary extended Euclid, public data)") {
                var a = Scalar.random()
                return { n in
                    for _ in 0..<n { a = a.invertedVartime() + .one }
                    if a.isZero { print(a) }
                }
            },
        ]
    }
}
