import TestSupport
import Testing
import Wallet

@Suite("Amount")
struct AmountTests {
    static let good: [(String, UInt64)] = [
        ("0", 0), ("1", 1_000_000), ("12.5", 12_500_000), ("12.50", 12_500_000), ("0.000001", 1),
        ("1000", 1_000_000_000), ("250.000000", 250_000_000), ("007.1", 7_100_000),
        ("18446744073709.551615", UInt64.max), ("18446744073709", 18_446_744_073_709_000_000),
    ]

    static let bad: [(String, AmountError)] = [
        ("", .empty), ("-1", .negative("-1")), ("-0.5", .negative("-0.5")),
        ("0.0000001", .tooManyDecimals("0.0000001", .standard)), ("1.1234567", .tooManyDecimals("1.1234567", .standard)),
        ("18446744073709.551616", .tooLarge("18446744073709.551616", .standard)),
        ("18446744073710", .tooLarge("18446744073710", .standard)),
        ("99999999999999999999999", .tooLarge("99999999999999999999999", .standard)),
        ("abc", .malformed("abc", .standard)), ("1,000", .malformed("1,000", .standard)), ("1e6", .malformed("1e6", .standard)),
        ("+5", .malformed("+5", .standard)), (".5", .malformed(".5", .standard)), ("5.", .malformed("5.", .standard)), ("1.2.3", .malformed("1.2.3", .standard)),
        (" 1", .malformed(" 1", .standard)), ("1 ", .malformed("1 ", .standard)), ("0x10", .malformed("0x10", .standard)), ("١", .malformed("١", .standard)),
        ("NaN", .malformed("NaN", .standard)), ("inf", .malformed("inf", .standard)),
    ]

    @Test("good decimal amounts parse to the expected units", arguments: good)
    func parsesGood(_ text: String, _ units: UInt64) throws {
        #expect(try AmountFormat.standard.parse(text) == units)
    }

    @Test("bad amounts are rejected with the reason", arguments: bad)
    func rejectsBad(_ text: String, _ error: AmountError) {
        #expect(throws: error) { try AmountFormat.standard.parse(text) }
        #expect(!error.description.isEmpty)
    }

    @Test("formatting keeps 2 to 6 decimals and the exact form all 6")
    func formats() {
        #expect(AmountFormat.standard.format(12_500_000) == "12.50")
        #expect(AmountFormat.standard.format(1_000_000_000) == "1000.00")
        #expect(AmountFormat.standard.format(1_000) == "0.001")
        #expect(AmountFormat.standard.format(1) == "0.000001")
        #expect(AmountFormat.standard.format(0) == "0.00")
        #expect(AmountFormat.standard.formatExact(250_000_000) == "250.000000")
        #expect(AmountFormat.standard.formatExact(UInt64.max) == "18446744073709.551615")
    }

    @Test("a ledger's decimals decide parsing and formatting", arguments: [0, 2, 5, 6, 18] as [UInt8])
    func followsDecimals(_ decimals: UInt8) throws {
        let f = AmountFormat(decimals: decimals)
        var one: UInt64 = 1
        for _ in 0..<decimals { one *= 10 }
        #expect(f.unitsPerCoin == one)
        #expect(try f.parse("3") == 3 * one)
        #expect(f.formatExact(3 * one) == (decimals == 0 ? "3" : "3." + String(repeating: "0", count: Int(decimals))))
        #expect(f.format(3 * one) == (decimals == 0 ? "3" : "3.00"))
        #expect(f.smallest == (decimals == 0 ? "1" : "0." + String(repeating: "0", count: Int(decimals) - 1) + "1"))
        let tooFine = "0." + String(repeating: "0", count: Int(decimals)) + "1"
        #expect(throws: AmountError.tooManyDecimals(tooFine, f)) { try f.parse(tooFine) }
        var rng = SeededRNG(seed: 0xdec + UInt64(decimals))
        for _ in 0..<200 {
            let v = rng.next() >> (rng.next() % 64)
            #expect(try f.parse(f.format(v)) == v)
            #expect(try f.parse(f.formatExact(v)) == v)
        }
        #expect(try f.parse(f.formatExact(.max)) == .max)
    }

    @Test("format and parse round-trip on random and edge units")
    func roundTrips() throws {
        var rng = SeededRNG(seed: 0xa11)
        print("AmountTests.roundTrips seed \(rng.seed)")
        var values: [UInt64] = [0, 1, 9, 10, 999_999, 1_000_000, 1_000_001, UInt64.max, UInt64.max - 1]
        for _ in 0..<500 { values.append(rng.next() >> (rng.next() % 64)) }
        for v in values {
            #expect(try AmountFormat.standard.parse(AmountFormat.standard.format(v)) == v)
            #expect(try AmountFormat.standard.parse(AmountFormat.standard.formatExact(v)) == v)
        }
    }
}
