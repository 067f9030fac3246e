/// RFC 9496 §4.3.1 DECODE split around its one exponentiation, so that many decodings
/// can share a vector exponentiation (`RistrettoPoint.decodeBatch`).
struct DecodePrelude {
    let s: FieldElement
    let canonical: CTBool
    let u1: FieldElement
    let u2: FieldElement
    let v: FieldElement
    let vu2Squared: FieldElement
    let v3: FieldElement
    /// The base of the exponentiation: u v^7 of SQRT_RATIO_M1(1, v u2^2).
    let uv7: FieldElement

    /// - Precondition: 32 bytes.
    @inline(__always)
    init(_ input: [UInt8]) {
        s = FieldElement(bytesMaskingBit255: input)
        // Canonical iff re-encoding gives the input back: this rejects values >= p and
        // bit 255 set in one comparison.
        let (a0, a1, a2, a3) = s.canonicalWords
        let b = loadWords4(input)
        canonical = ctIsZero((a0 ^ b.0) | (a1 ^ b.1) | (a2 ^ b.2) | (a3 ^ b.3))
        let ss = s.squared()
        u1 = FieldElement.one - ss
        u2 = FieldElement.one + ss
        let u2Squared = u2.squared()
        v = -(Constants.d * u1.squared()) - u2Squared
        vu2Squared = v * u2Squared
        (v3, uv7) = FieldElement.sqrtRatioM1Prelude(.one, vu2Squared)
    }

    /// The point, or nil if the encoding is invalid, given uv7^((p-5)/8).
    @inline(__always)
    func finish(powered: FieldElement) -> RistrettoPoint? {
        let (wasSquare, invSqrt) = FieldElement.sqrtRatioM1Finish(.one, vu2Squared, v3: v3, powered: powered)
        let denX = invSqrt * u2
        let denY = invSqrt * denX * v
        let x = (s + s) * denX
        let xAbs = x.absolute
        let y = u1 * denY
        let t = xAbs * y
        let ok = canonical & !s.isNegative & wasSquare & !t.isNegative & !y.isZero
        // Encodings are public: branching on the verdict is fine.
        guard ok.isTrue else { return nil }
        return RistrettoPoint(edwards: EdwardsPoint(X: xAbs, Y: y, Z: .one, T: t))
    }
}

/// RFC 9496 §4.3.2 ENCODE split around its one exponentiation, so that many encodings
/// can share a vector exponentiation (`RistrettoPoint.batchEncode`). Constant time.
struct EncodePrelude {
    let p: EdwardsPoint
    let u1: FieldElement
    let u2: FieldElement
    let v3: FieldElement
    let v: FieldElement
    /// The base of the exponentiation: u v^7 of SQRT_RATIO_M1(1, u1 u2^2).
    let uv7: FieldElement

    @inline(__always)
    init(_ p: EdwardsPoint) {
        self.p = p
        u1 = (p.Z + p.Y) * (p.Z - p.Y)
        u2 = p.X * p.Y
        v = u1 * u2.squared()
        (v3, uv7) = FieldElement.sqrtRatioM1Prelude(.one, v)
    }

    /// The field element s of the encoding, given uv7^((p-5)/8).
    @inline(__always)
    func finish(powered: FieldElement) -> FieldElement {
        let (_, invSqrt) = FieldElement.sqrtRatioM1Finish(.one, v, v3: v3, powered: powered)
        let den1 = invSqrt * u1
        let den2 = invSqrt * u2
        let zInv = den1 * den2 * p.T
        let ix0 = p.X * Constants.sqrtM1
        let iy0 = p.Y * Constants.sqrtM1
        let enchantedDenominator = den1 * Constants.invSqrtAMinusD
        let rotate = (p.T * zInv).isNegative
        let x = FieldElement.select(p.X, iy0, rotate)
        var y = FieldElement.select(p.Y, ix0, rotate)
        let denInv = FieldElement.select(den2, enchantedDenominator, rotate)
        y = y.conditionalNegated((x * zInv).isNegative)
        return (denInv * (p.Z - y)).absolute
    }
}

/// An element of the ristretto255 group (RFC 9496), the prime-order group of order l
/// built on edwards25519.
///
/// The only ways in are the group operations, the generator, `fromUniformBytes` and
/// the strict decoder, so every value is a valid group element. `==` is ristretto
/// equality (RFC 9496 §4.3.3), not equality of the Edwards representatives.
public struct RistrettoPoint: Sendable, Equatable {
    /// An Edwards representative of the class.
    package var edwards: EdwardsPoint

    @inline(__always)
    package init(edwards: EdwardsPoint) { self.edwards = edwards }

    /// The neutral element (encoding: 32 zero bytes).
    public static let identity = RistrettoPoint(edwards: .identity)

    /// The ristretto255 generator (the Ed25519 basepoint's class).
    public static let basepoint = RistrettoPoint(edwards: Constants.basepoint)

    /// Decodes a canonical encoding (RFC 9496 §4.3.1 DECODE).
    ///
    /// Rejects: a value >= p or with bit 255 set (libsodium 1.0.18 wrongly accepts the
    /// latter), a negative (odd) s, a non-square, a negative t, and y = 0.
    /// - Parameters:
    ///   - bytes: 32 bytes.
    ///   - field: the name used in errors.
    /// - Throws: `RistrettoError.wrongLength` or `RistrettoError.invalidPoint`.
    public init(encoding bytes: some Collection<UInt8>, field: String = "point") throws(RistrettoError) {
        guard bytes.count == 32 else { throw .wrongLength(field: field, expected: 32, actual: bytes.count) }
        let prelude = DecodePrelude(Array(bytes))
        guard let point = prelude.finish(powered: prelude.uv7.powP58()) else { throw .invalidPoint(field: field) }
        self = point
    }

    /// Decodes many encodings: the point, or nil where `RistrettoPoint(encoding:)` would
    /// throw. The exponentiation at the heart of each decoding (the inverse square root)
    /// goes through `FieldElement.batchPowP58` (sixteen at once on the IFMA backend's
    /// vector lanes, else one by one); the results are the same as decoding one by one.
    /// - Parameter backend: one the CPU runs.
    public static func decodeBatch(_ encodings: [ArraySlice<UInt8>], backend: Backend) -> [RistrettoPoint?] {
        var out = [RistrettoPoint?](repeating: nil, count: encodings.count)
        let slots = encodings.indices.filter { encodings[$0].count == 32 }
        let preludes = slots.map { DecodePrelude(Array(encodings[$0])) }
        for (k, powered) in FieldElement.batchPowP58(preludes.map(\.uv7), backend: backend).enumerated() {
            out[slots[k]] = preludes[k].finish(powered: powered)
        }
        return out
    }

    /// The canonical 32-byte encoding (RFC 9496 §4.3.2 ENCODE). Constant time.
    public var encoding: [UInt8] { encodedFieldElement.bytes }

    /// The field element s whose canonical bytes are the encoding.
    package var encodedFieldElement: FieldElement {
        let prelude = EncodePrelude(edwards)
        return prelude.finish(powered: prelude.uv7.powP58())
    }

    /// Encodes many points (the result order matches the input). The exponentiation inside
    /// each encoding (the inverse square root) goes through `FieldElement.batchPowP58`
    /// (sixteen at once on the IFMA backend's vector lanes, else one by one); the bytes are
    /// those of `encoding`. The exponentiation's running time does not depend on its
    /// input, so this is as constant-time as `encoding`.
    /// - Parameter backend: one the CPU runs.
    public static func batchEncode(_ points: [RistrettoPoint], backend: Backend) -> [[UInt8]] {
        let preludes = points.map { EncodePrelude($0.edwards) }
        return zip(preludes, FieldElement.batchPowP58(preludes.map(\.uv7), backend: backend)).map { $0.finish(powered: $1).bytes }
    }

    /// The one-way map from 64 uniform bytes to the group (RFC 9496 §4.3.4): MAP of each
    /// 32-byte half (bit 255 masked, value taken mod p), added. Constant time.
    /// - Precondition: exactly 64 bytes.
    public static func fromUniformBytes(_ bytes: some Collection<UInt8>) -> RistrettoPoint {
        precondition(bytes.count == 64, "fromUniformBytes takes exactly 64 bytes")
        let input = Array(bytes)
        let p1 = map(FieldElement(bytesMaskingBit255: input[0..<32]))
        let p2 = map(FieldElement(bytesMaskingBit255: input[32..<64]))
        return RistrettoPoint(edwards: p1 + p2)
    }

    /// MAP(t) of RFC 9496 §4.3.4 (the Elligator 2 variant for ristretto255).
    package static func map(_ t: FieldElement) -> EdwardsPoint {
        let d = Constants.d
        let r = Constants.sqrtM1 * t.squared()
        let u = (r + .one) * Constants.oneMinusDSquared
        let v = (FieldElement.minusOne - r * d) * (r + d)
        let (wasSquare, sRoot) = FieldElement.sqrtRatioM1(u, v)
        let sPrime = -((sRoot * t).absolute)
        let s = FieldElement.select(sPrime, sRoot, wasSquare)
        let c = FieldElement.select(r, .minusOne, wasSquare)
        let N = c * (r - .one) * Constants.dMinusOneSquared - v
        let w0 = (s + s) * v
        let w1 = N * Constants.sqrtADMinusOne
        let ss = s.squared()
        let w2 = FieldElement.one - ss
        let w3 = FieldElement.one + ss
        return EdwardsPoint(X: w0 * w3, Y: w2 * w1, Z: w1 * w3, T: w0 * w2)
    }

    /// Whether this is the neutral element (constant-time test, public result).
    public var isIdentity: Bool { ctEquals(.identity).isTrue }

    /// Ristretto equality (RFC 9496 §4.3.3): X1 Y2 == Y1 X2 or Y1 Y2 == X1 X2.
    package func ctEquals(_ other: RistrettoPoint) -> CTBool {
        let a = edwards, b = other.edwards
        return (a.X * b.Y).ctEquals(a.Y * b.X) | (a.Y * b.Y).ctEquals(a.X * b.X)
    }

    /// Ristretto equality (constant time).
    public static func == (a: RistrettoPoint, b: RistrettoPoint) -> Bool { a.ctEquals(b).isTrue }

    /// Group addition.
    public static func + (a: RistrettoPoint, b: RistrettoPoint) -> RistrettoPoint {
        RistrettoPoint(edwards: a.edwards + b.edwards)
    }

    /// Group subtraction.
    public static func - (a: RistrettoPoint, b: RistrettoPoint) -> RistrettoPoint {
        RistrettoPoint(edwards: a.edwards - b.edwards)
    }

    /// Group negation.
    public static prefix func - (a: RistrettoPoint) -> RistrettoPoint { RistrettoPoint(edwards: -a.edwards) }

    /// In-place addition.
    public static func += (a: inout RistrettoPoint, b: RistrettoPoint) { a = a + b }

    /// In-place subtraction.
    public static func -= (a: inout RistrettoPoint, b: RistrettoPoint) { a = a - b }

    /// 2 * self.
    public func doubled() -> RistrettoPoint { RistrettoPoint(edwards: edwards.doubled()) }
}

extension RistrettoPoint: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: RistrettoPoint, _ b: RistrettoPoint, _ c: CTBool) -> RistrettoPoint {
        RistrettoPoint(edwards: .select(a.edwards, b.edwards, c))
    }
}

extension RistrettoPoint: CustomStringConvertible {
    /// Hex of the encoding.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in encoding { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return "RistrettoPoint(" + String(decoding: out, as: UTF8.self) + ")"
    }
}
