@testable import Ristretto255
import Foundation
import TestSupport
import Testing

/// Every curve constant re-derived with GMP from first principles and compared with
/// the limbs in Constants.swift and the RFC 9496 §4.1 decimals in the vector file.
@Suite("Curve constants from first principles")
struct ConstantsTests {
    let p = Oracle.p

    func rfc(_ name: String) throws -> BigInt {
        let constants = try #require(try Fixtures.vector("ristretto255.json")["constants"] as? [String: Any])
        return BigInt(try #require(constants[name] as? String))
    }

    func isCanonical(_ f: FieldElement) -> Bool {
        [f.l0, f.l1, f.l2, f.l3, f.l4].allSatisfy { $0 < (1 << 51) } && Oracle.value(f) < p
    }

    @Test("d = -121665/121666 and 2d")
    func d() throws {
        let d = (p - BigInt(121_665)) * (BigInt(121_666).inverse(modulo: p) ?? BigInt(0)) % p
        #expect(Oracle.value(Constants.d) == d)
        #expect(Oracle.value(Constants.d2) == d * BigInt(2) % p)
        #expect(d == (try rfc("D")))
        #expect(isCanonical(Constants.d) && isCanonical(Constants.d2))
    }

    @Test("sqrt(-1) = 2^((p-1)/4) squares to -1 and is the RFC's SQRT_M1")
    func sqrtM1() throws {
        let s = BigInt(2).power((p - BigInt(1)) >> 2, modulo: p)
        #expect(s * s % p == p - BigInt(1))
        #expect(Oracle.value(Constants.sqrtM1) == s)
        #expect(s == (try rfc("SQRT_M1")))
        #expect(isCanonical(Constants.sqrtM1))
    }

    @Test("1/sqrt(a-d), sqrt(a*d-1), 1-d^2 and (d-1)^2 satisfy their definitions (a = -1) and equal the RFC values")
    func ristrettoConstants() throws {
        let d = Oracle.value(Constants.d)
        let a = p - BigInt(1)
        let inv = Oracle.value(Constants.invSqrtAMinusD)
        #expect(inv * inv % p * ((a - d + p) % p) % p == BigInt(1))
        #expect(inv == (try rfc("INVSQRT_A_MINUS_D")))
        let sadm1 = Oracle.value(Constants.sqrtADMinusOne)
        #expect(sadm1 * sadm1 % p == (a * d - BigInt(1)) % p)
        #expect(sadm1 == (try rfc("SQRT_AD_MINUS_ONE")))
        #expect(Oracle.value(Constants.oneMinusDSquared) == (BigInt(1) - d * d + p * p) % p)
        #expect(Oracle.value(Constants.oneMinusDSquared) == (try rfc("ONE_MINUS_D_SQ")))
        #expect(Oracle.value(Constants.dMinusOneSquared) == (d - BigInt(1)) * (d - BigInt(1)) % p)
        #expect(Oracle.value(Constants.dMinusOneSquared) == (try rfc("D_MINUS_ONE_SQ")))
        for c in [Constants.invSqrtAMinusD, Constants.sqrtADMinusOne, Constants.oneMinusDSquared, Constants.dMinusOneSquared] {
            #expect(isCanonical(c))
        }
    }

    @Test("the basepoint is (x, 4/5) with x even on -x^2 + y^2 = 1 + d x^2 y^2, and T = xy")
    func basepoint() {
        let d = Oracle.value(Constants.d)
        let y = BigInt(4) * (BigInt(5).inverse(modulo: p) ?? BigInt(0)) % p
        // x^2 = (y^2 - 1) / (d y^2 + 1); x = root with the low bit clear.
        let x2 = (y * y - BigInt(1)) * ((d * y * y + BigInt(1)).inverse(modulo: p) ?? BigInt(0)) % p
        var x = x2.power((p + BigInt(3)) >> 3, modulo: p)
        if x * x % p != x2 { x = x * Oracle.value(Constants.sqrtM1) % p }
        #expect(x * x % p == x2)
        if x.bit(0) { x = p - x }
        let b = Constants.basepoint
        #expect(Oracle.value(b.X) == x)
        #expect(Oracle.value(b.Y) == y)
        #expect(Oracle.value(b.Z) == BigInt(1))
        #expect(Oracle.value(b.T) == x * y % p)
        #expect(b.isOnCurve)
    }

    @Test("l and the Montgomery constants R = 2^260 mod l, R^2 and -1/l mod 2^52")
    func scalarConstants() throws {
        let l = Oracle.l
        #expect(l == (BigInt(1) << 252) + BigInt("27742317777372353535851937790883648493"))
        func value(_ s: Scalar52) -> BigInt {
            var acc = BigInt(0)
            for (i, limb) in [s.l0, s.l1, s.l2, s.l3, s.l4].enumerated() { acc = acc + (BigInt(limb) << (52 * i)) }
            return acc
        }
        #expect(value(Scalar52.L) == l)
        #expect(value(Scalar52.R) == (BigInt(1) << 260) % l)
        #expect(value(Scalar52.RR) == (BigInt(1) << 520) % l)
        let two52 = BigInt(1) << 52
        #expect((BigInt(0x51da312547e1b) * l + BigInt(1)) % two52 == BigInt(0))
        // l is prime (GMP's Fermat test for a few bases suffices as a sanity check of the digits).
        for base in [2, 3, 5, 7] as [UInt64] {
            #expect(BigInt(base).power(l - BigInt(1), modulo: l) == BigInt(1))
        }
        // l * B is the identity.
        #expect(RistrettoPoint.basepoint.vartimeMultiply(.zero).isIdentity)
        let lMinusOne = try Scalar(canonical: (l - BigInt(1)).littleEndianBytes(count: 32))
        #expect(RistrettoPoint.basepoint.vartimeMultiply(lMinusOne) + .basepoint == .identity)
    }
}
