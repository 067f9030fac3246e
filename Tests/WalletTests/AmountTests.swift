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
        ("0.0000001", .tooManyDecimals("0.0000001")), ("1.1234567", .tooManyDecimals("1.1234567")),
        ("18446744073709.551616", .tooLarge("18446744073709.551616")),
        ("18446744073710", .tooLarge("18446744073710")),
        ("99999999999999999999999", .tooLarge("99999999999999999999999")),
        ("abc", .malformed("abc")), ("1,000", .malformed("1,000")), ("1e6", .malformed("1e6")),
        ("+5", .malformed("+5")), (".5", .malformed(".5")), ("5.", .malformed("5.")), ("1.2.3", .malformed("1.2.3")),
        (" 1", .malformed(" 1")), ("1 ", .malformed("1 ")), ("0x10", .malformed("0x10")), ("١", .malformed("١")),
        ("NaN", .malformed("NaN")), ("inf", .malformed("inf")),
    ]

    @Test("good decimal amounts parse to the expected units", arguments: good)
    func parsesGood(_ text: String, _ units: UInt64) throws {
        #expect(try Amount.parse(text) == units)
    }

    @Test("bad amounts are rejected with the reason", arguments: bad)
    func rejectsBad(_ text: String, _ error: AmountError) {
        #expect(throws: error) { try Amount.parse(text) }
        #expect(!error.description.isEmpty)
    }

    @Test("formatting keeps 2 to 6 decimals and the exact form all 6")
    func formats() {
        #expect(Amount.format(12_500_000) == "12.50")
        #expect(Amount.format(1_000_000_000) == "1000.00")
        #expect(Amount.format(1_000) == "0.001")
        #expect(Amount.format(1) == "0.000001")
        #expect(Amount.format(0) == "0.00")
        #expect(Amount.formatExact(250_000_000) == "250.000000")
        #expect(Amount.formatExact(UInt64.max) == "18446744073709.551615")
    }

    @Test("format and parse round-trip on random and edge units")
    func roundTrips() throws {
        var rng = SeededRNG(seed: 0xa11)
        print("AmountTests.roundTrips seed \(rng.seed)")
        var values: [UInt64] = [0, 1, 9, 10, 999_999, 1_000_000, 1_000_001, UInt64.max, UInt64.max - 1]
        for _ in 0..<500 { values.append(rng.next() >> (rng.next() % 64)) }
        for v in values {
            #expect(try Amount.parse(Amount.format(v)) == v)
            #expect(try Amount.parse(Amount.formatExact(v)) == v)
        }
    }
}
