/// Amounts as people type and read them: decimal coins with up to 6 places
/// (1 coin = 1,000,000 units). Everything below the command line counts whole units
/// in a `UInt64`.
public enum Amount {
    /// Units in one coin.
    public static let unitsPerCoin: UInt64 = 1_000_000
    /// Decimal places of a coin.
    public static let decimals = 6

    /// Parses a decimal amount of coins into units.
    ///
    /// Accepted: digits, optionally `.` and 1 to 6 more digits (`12`, `12.5`, `0.000001`).
    /// Rejected with a message that says why: empty text, a sign, a leading or trailing
    /// `.`, more than 6 decimals, separators, exponents, any other character, and values
    /// above 2^64 − 1 units.
    /// - Throws: `AmountError`.
    public static func parse(_ text: String) throws(AmountError) -> UInt64 {
        guard !text.isEmpty else { throw .empty }
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "-") { throw .negative(text) }
        let dot = UInt8(ascii: ".")
        let parts = bytes.split(separator: dot, omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .malformed(text) }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : []
        guard !whole.isEmpty, parts.count == 1 || !fraction.isEmpty else { throw .malformed(text) }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) else { throw .malformed(text) }
        guard fraction.count <= decimals else { throw .tooManyDecimals(text) }
        var units: UInt64 = 0
        for b in whole {
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .tooLarge(text) }
            units = s
        }
        let (scaled, o3) = units.multipliedReportingOverflow(by: unitsPerCoin)
        guard !o3 else { throw .tooLarge(text) }
        var frac: UInt64 = 0
        for i in 0..<decimals {
            let digit = i < fraction.count ? UInt64(fraction[fraction.startIndex + i] - UInt8(ascii: "0")) : 0
            frac = frac * 10 + digit
        }
        let (total, o4) = scaled.addingReportingOverflow(frac)
        guard !o4 else { throw .tooLarge(text) }
        return total
    }

    /// The exact form with all 6 decimals (`250.000000`): JSON and receipts.
    public static func formatExact(_ units: UInt64) -> String {
        let whole = units / unitsPerCoin
        let fraction = String(units % unitsPerCoin)
        return "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// The short form people read: trailing zeros dropped but at least 2 decimals
    /// (`12.50`, `1000.00`, `0.001`, `0.000001`). Parses back to the same units.
    public static func format(_ units: UInt64) -> String {
        var s = formatExact(units)
        while s.hasSuffix("0"), let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) > 3 {
            s.removeLast()
        }
        return s
    }
}

/// Why an amount does not parse. The description is the message the user sees.
public enum AmountError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case negative(String)
    case tooManyDecimals(String)
    case tooLarge(String)
    case malformed(String)

    public var description: String {
        switch self {
        case .empty:
            "the amount is empty; give a decimal number of coins such as 12.5"
        case let .negative(text):
            "the amount \(text) is negative; amounts are 0 or more"
        case let .tooManyDecimals(text):
            "the amount \(text) has more than \(Amount.decimals) decimals; the smallest amount is 0.000001"
        case let .tooLarge(text):
            "the amount \(text) is too large; the largest amount is \(Amount.formatExact(.max))"
        case let .malformed(text):
            "'\(text)' is not an amount; write a decimal number of coins with at most \(Amount.decimals) decimals, "
                + "such as 12 or 0.5 (no signs, separators or exponents)"
        }
    }
}
