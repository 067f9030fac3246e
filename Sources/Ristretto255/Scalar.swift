import Sodium

/// An integer modulo the ristretto255 group order
/// l = 2^252 + 27742317777372353535851937790883648493.
///
/// Always held reduced (< l), so `bytes` is canonical and `==`/hashing are on values.
/// All arithmetic is constant time (Montgomery multiplication in radix 2^52, see
/// `Scalar52`); only `batchInvert`'s precondition check and `randomWeight128`'s retry
/// loop branch, on public facts.
public struct Scalar: Sendable, Hashable, BitwiseCopyable {
    /// The value, canonical (< l).
    package var value: Scalar52

    @inline(__always)
    package init(value: Scalar52) { self.value = value }

    /// 0.
    public static let zero = Scalar(value: .zero)
    /// 1.
    public static let one = Scalar(1)

    /// The scalar with the given small value (always < l).
    public init(_ value: UInt64) {
        self.value = Scalar52(words: (value, 0, 0, 0))
    }

    /// Decodes a canonical 32-byte little-endian scalar.
    /// - Parameters:
    ///   - bytes: 32 bytes, value < l.
    ///   - field: the name used in errors.
    /// - Throws: `RistrettoError.wrongLength` unless 32 bytes;
    ///   `RistrettoError.nonCanonicalScalar` when the value is >= l.
    public init(canonical bytes: some Collection<UInt8>, field: String = "scalar") throws(RistrettoError) {
        guard bytes.count == 32 else { throw .wrongLength(field: field, expected: 32, actual: bytes.count) }
        let w = Scalar.words(bytes)
        // value < l  <=>  value - l borrows. The comparison runs in constant time; only
        // the (public) verdict is branched on.
        let lw = Scalar52.L.words
        var borrow: UInt64 = 0
        (_, borrow) = Scalar.subBorrow(w.0, lw.0, borrow)
        (_, borrow) = Scalar.subBorrow(w.1, lw.1, borrow)
        (_, borrow) = Scalar.subBorrow(w.2, lw.2, borrow)
        (_, borrow) = Scalar.subBorrow(w.3, lw.3, borrow)
        guard borrow == 1 else { throw .nonCanonicalScalar(field: field) }
        value = Scalar52(words: w)
    }

    /// Reduces 64 little-endian bytes mod l (e.g. a hash output).
    /// - Precondition: exactly 64 bytes.
    public init(reducingWide bytes: some Collection<UInt8>) {
        precondition(bytes.count == 64, "reducingWide takes exactly 64 bytes")
        value = Scalar52.reducing(wide: loadWords8(bytes))
    }

    /// Reduces 32 little-endian bytes (any 256-bit value) mod l.
    /// - Precondition: exactly 32 bytes.
    public init(reducing bytes: some Collection<UInt8>) {
        precondition(bytes.count == 32, "reducing takes exactly 32 bytes")
        value = Scalar52.reducing(words: Scalar.words(bytes))
    }

    @inline(__always)
    static func subBorrow(_ a: UInt64, _ b: UInt64, _ borrowIn: UInt64) -> (UInt64, UInt64) {
        let (d1, o1) = a.subtractingReportingOverflow(b)
        let (d2, o2) = d1.subtractingReportingOverflow(borrowIn)
        return (d2, (o1 ? 1 : 0) | (o2 ? 1 : 0))
    }

    static func words(_ bytes: some Collection<UInt8>) -> (UInt64, UInt64, UInt64, UInt64) { loadWords4(bytes) }

    /// The canonical value as four little-endian 64-bit words.
    package var words: (UInt64, UInt64, UInt64, UInt64) { value.words }

    /// The canonical 32-byte little-endian encoding.
    public var bytes: [UInt8] {
        let w = words
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: w.0.littleEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: w.1.littleEndian, toByteOffset: 8, as: UInt64.self)
            raw.storeBytes(of: w.2.littleEndian, toByteOffset: 16, as: UInt64.self)
            raw.storeBytes(of: w.3.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }

    /// Sum mod l.
    public static func + (a: Scalar, b: Scalar) -> Scalar { Scalar(value: Scalar52.add(a.value, b.value)) }
    /// Difference mod l.
    public static func - (a: Scalar, b: Scalar) -> Scalar { Scalar(value: Scalar52.sub(a.value, b.value)) }
    /// Product mod l.
    public static func * (a: Scalar, b: Scalar) -> Scalar { Scalar(value: Scalar52.mul(a.value, b.value)) }
    /// Negation mod l.
    public static prefix func - (a: Scalar) -> Scalar { Scalar(value: Scalar52.sub(.zero, a.value)) }
    /// In-place sum.
    public static func += (a: inout Scalar, b: Scalar) { a = a + b }
    /// In-place difference.
    public static func -= (a: inout Scalar, b: Scalar) { a = a - b }
    /// In-place product.
    public static func *= (a: inout Scalar, b: Scalar) { a = a * b }

    /// self^2 mod l.
    public func squared() -> Scalar { Scalar(value: Scalar52.square(value)) }

    /// 1/self mod l, computed as self^(l-2) with a fixed 4-bit window over the public
    /// exponent (constant time in self). Zero maps to zero.
    public func inverted() -> Scalar {
        Scalar(value: Scalar.montgomeryInvert(value.montgomeryForm).fromMontgomery)
    }

    /// (xR)^(l-2) * R in Montgomery form: the inverse of xR's value, in Montgomery form.
    static func montgomeryInvert(_ xm: Scalar52) -> Scalar52 {
        // Nibbles of l - 2, most significant first (public constant).
        let exponent: [UInt8] = Array("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3eb".utf8).map {
            $0 <= 57 ? $0 - 48 : $0 - 87
        }
        var table = [Scalar52](repeating: Scalar52.R, count: 16)  // table[k] = x^k (Montgomery form)
        table[1] = xm
        for k in 2..<16 { table[k] = Scalar52.montgomeryMul(table[k - 1], xm) }
        var acc = table[Int(exponent[0])]
        for nibble in exponent.dropFirst() {
            for _ in 0..<4 { acc = Scalar52.montgomerySquare(acc) }
            // The exponent is public, so skipping zero nibbles leaks nothing about x.
            if nibble != 0 { acc = Scalar52.montgomeryMul(acc, table[Int(nibble)]) }
        }
        return acc
    }

    /// Replaces every element with its inverse (Montgomery's trick: one inversion and
    /// 3(n-1) multiplications). Constant time in the values.
    /// - Precondition: every element is nonzero.
    public static func batchInvert(_ scalars: inout [Scalar]) { batchInvert(&scalars, vartime: false) }

    /// `batchInvert` whose one inversion is `invertedVartime`.
    /// - Warning: Variable time: public scalars only (verification challenges).
    public static func batchInvertVartime(_ scalars: inout [Scalar]) { batchInvert(&scalars, vartime: true) }

    static func batchInvert(_ scalars: inout [Scalar], vartime: Bool) {
        let n = scalars.count
        guard n > 0 else { return }
        // Work in Montgomery form: prefix products acc_i = x_0 ... x_{i-1} (times R).
        var prefix = [Scalar52](repeating: Scalar52.R, count: n)
        var acc = Scalar52.R
        var allNonzero: UInt64 = 1
        for i in 0..<n {
            allNonzero &= scalars[i].isZeroCT.bit ^ 1
            prefix[i] = acc
            acc = Scalar52.montgomeryMul(acc, scalars[i].value.montgomeryForm)
        }
        precondition(allNonzero == 1, "batchInvert needs nonzero scalars")
        // 1/(x_0 ... x_{n-1}) in Montgomery form.
        var inv = vartime ? Scalar(value: acc.fromMontgomery).invertedVartime().value.montgomeryForm
                          : montgomeryInvert(acc)
        for i in stride(from: n - 1, through: 0, by: -1) {
            let xm = scalars[i].value.montgomeryForm
            scalars[i] = Scalar(value: Scalar52.montgomeryMul(inv, prefix[i]).fromMontgomery)
            inv = Scalar52.montgomeryMul(inv, xm)
        }
    }

    /// Whether the scalar is 0 (constant-time computation, public result).
    public var isZero: Bool { isZeroCT.isTrue }

    /// Constant-time zero test.
    package var isZeroCT: CTBool { ctIsZero(value.l0 | value.l1 | value.l2 | value.l3 | value.l4) }

    /// Constant-time equality.
    public static func == (a: Scalar, b: Scalar) -> Bool {
        let x = a.value, y = b.value
        return ctIsZero((x.l0 ^ y.l0) | (x.l1 ^ y.l1) | (x.l2 ^ y.l2) | (x.l3 ^ y.l3) | (x.l4 ^ y.l4)).isTrue
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    /// A uniformly random scalar: 64 CSPRNG bytes reduced mod l (bias < 2^-250).
    public static func random() -> Scalar {
        var wide = SecureRandom.bytes(64)
        defer { secureZero(&wide) }
        return Scalar(reducingWide: wide)
    }

    /// A uniformly random nonzero scalar below 2^128 (batch-verification weights).
    public static func randomWeight128() -> Scalar {
        while true {
            var words: (UInt64, UInt64) = (0, 0)  // one CSPRNG call for both words
            withUnsafeMutableBytes(of: &words) { SecureRandom.fill($0) }
            if words.0 | words.1 != 0 { return Scalar(value: Scalar52(words: (words.0, words.1, 0, 0))) }
        }
    }
}

extension Scalar: ConditionallySelectable {
    @inline(__always)
    package static func select(_ a: Scalar, _ b: Scalar, _ choice: CTBool) -> Scalar {
        let m = choice.mask, x = a.value, y = b.value
        return Scalar(value: Scalar52(x.l0 ^ ((x.l0 ^ y.l0) & m), x.l1 ^ ((x.l1 ^ y.l1) & m), x.l2 ^ ((x.l2 ^ y.l2) & m),
                                      x.l3 ^ ((x.l3 ^ y.l3) & m), x.l4 ^ ((x.l4 ^ y.l4) & m)))
    }
}

extension Scalar: CustomStringConvertible {
    /// Redacted: a plain `Scalar` may hold a short-lived secret (blindings in provers).
    /// Print `bytes` explicitly for public values.
    public var description: String { "Scalar(redacted)" }
}
