internal import CGMP

/// Arbitrary-precision integers on GMP: the independent oracle for the project's field
/// and scalar arithmetic. Test-only and variable time.
///
/// Each value owns one heap-allocated `__mpz_struct` (stable address for GMP), cleared
/// in `deinit`. Values are immutable after construction.
public final class BigInt: @unchecked Sendable {
    // @unchecked Sendable: `z` is written only while the initializer runs; afterwards
    // GMP only reads it, so sharing across threads cannot race.
    fileprivate let z: UnsafeMutablePointer<__mpz_struct>

    private init(_ build: (UnsafeMutablePointer<__mpz_struct>) -> Void) {
        z = .allocate(capacity: 1)
        zk_mpz_init(z)
        build(z)
    }

    deinit {
        zk_mpz_clear(z)
        z.deallocate()
    }

    /// A non-negative integer.
    public convenience init(_ value: UInt64) {
        self.init { zk_mpz_set_ui($0, UInt(value)) }
    }

    /// A signed integer.
    public convenience init(signed value: Int) {
        self.init { zk_mpz_set_si($0, value) }
    }

    /// Parses a decimal (or `radix`) string; traps on malformed test data.
    public convenience init(_ text: String, radix: Int = 10) {
        self.init { z in
            let status = text.withCString { zk_mpz_set_str(z, $0, Int32(radix)) }
            precondition(status == 0, "malformed integer in test data: \(text)")
        }
    }

    /// The non-negative integer with these little-endian bytes.
    public convenience init(littleEndian bytes: [UInt8]) {
        self.init { z in
            bytes.withUnsafeBufferPointer { b in
                if let base = b.baseAddress, b.count > 0 { zk_mpz_import_le(z, base, b.count) }
            }
        }
    }

    /// |self| as exactly `count` little-endian bytes (precondition: it fits).
    public func littleEndianBytes(count: Int) -> [UInt8] {
        let size = zk_mpz_sgn(z) == 0 ? 0 : zk_mpz_sizeinbase(z, 256)
        precondition(size <= count, "integer needs \(size) bytes, more than \(count)")
        var out = [UInt8](repeating: 0, count: max(count, 1))
        var written = 0
        out.withUnsafeMutableBufferPointer { o in zk_mpz_export_le(o.baseAddress!, &written, z) }
        return Array(out.prefix(count))
    }

    private static func make(_ op: (UnsafeMutablePointer<__mpz_struct>) -> Void) -> BigInt { BigInt(op) }

    public static func + (a: BigInt, b: BigInt) -> BigInt { make { zk_mpz_add($0, a.z, b.z) } }
    public static func - (a: BigInt, b: BigInt) -> BigInt { make { zk_mpz_sub($0, a.z, b.z) } }
    public static func * (a: BigInt, b: BigInt) -> BigInt { make { zk_mpz_mul($0, a.z, b.z) } }
    public static prefix func - (a: BigInt) -> BigInt { make { zk_mpz_neg($0, a.z) } }

    /// The non-negative remainder mod `m`.
    public static func % (a: BigInt, m: BigInt) -> BigInt { make { zk_mpz_mod($0, a.z, m.z) } }

    /// self * 2^k.
    public static func << (a: BigInt, k: Int) -> BigInt { make { zk_mpz_mul_2exp($0, a.z, UInt(k)) } }
    /// floor(self / 2^k).
    public static func >> (a: BigInt, k: Int) -> BigInt { make { zk_mpz_fdiv_q_2exp($0, a.z, UInt(k)) } }

    /// self^e mod m (e >= 0).
    public func power(_ e: BigInt, modulo m: BigInt) -> BigInt { BigInt.make { zk_mpz_powm($0, z, e.z, m.z) } }

    /// The inverse mod m, or nil when none exists.
    public func inverse(modulo m: BigInt) -> BigInt? {
        var ok: Int32 = 0
        let r = BigInt.make { ok = zk_mpz_invert($0, z, m.z) }
        return ok == 0 ? nil : r
    }

    /// Legendre symbol (self / p) for an odd prime p: 1, -1, or 0.
    public func legendre(_ p: BigInt) -> Int { Int(zk_mpz_legendre(z, p.z)) }

    /// Bit `i` of the (two's complement) value.
    public func bit(_ i: Int) -> Bool { zk_mpz_tstbit(z, UInt(i)) != 0 }

    /// -1, 0 or 1.
    public var signum: Int { Int(zk_mpz_sgn(z)) }
}

extension BigInt: Comparable, Equatable {
    public static func == (a: BigInt, b: BigInt) -> Bool { zk_mpz_cmp(a.z, b.z) == 0 }
    public static func < (a: BigInt, b: BigInt) -> Bool { zk_mpz_cmp(a.z, b.z) < 0 }
}

extension BigInt: CustomStringConvertible {
    /// Decimal.
    public var description: String {
        guard let s = zk_mpz_get_str(z, 10) else { return "?" }
        defer { zk_free_str(s) }
        return String(cString: s)
    }
}
