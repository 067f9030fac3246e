public import ZKPayCore

/// How a ledger's amounts are written for people: decimal coins with the ledger's number of
/// decimals (genesis v2 fixes it; one coin is 10^decimals units). Everything below the
/// command line counts whole units in a `UInt64`; this value turns text into units and back.
public struct AmountFormat: Sendable, Equatable {
    /// Decimal places of a coin (0...18).
    public let decimals: Int
    /// Units in one coin (10^decimals).
    public let unitsPerCoin: UInt64

    /// The format of a ledger with `decimals` decimals (at most 18: 10^19 does not fit).
    public init(decimals: UInt8) {
        precondition(decimals <= 18, "a genesis allows at most 18 decimals")
        self.decimals = Int(decimals)
        var units: UInt64 = 1
        for _ in 0..<decimals { units *= 10 }
        unitsPerCoin = units
    }

    /// The format of the ledger `genesis` describes.
    public init(genesis: Genesis) { self.init(decimals: genesis.decimals) }

    /// The format of a ledger that names no decimals (`Genesis.defaultDecimals`).
    public static let standard = AmountFormat(decimals: Genesis.defaultDecimals)

    /// The smallest amount above 0, as text (`0.000001` with 6 decimals, `1` with none).
    public var smallest: String { formatExact(1) }

    /// Parses a decimal amount of coins into units.
    ///
    /// Accepted: digits, optionally `.` and 1 to `decimals` more digits (`12`, `12.5`,
    /// `0.000001` with 6 decimals). Rejected with a message that says why: empty text, a
    /// sign, a leading or trailing `.`, more decimals than the ledger has, separators,
    /// exponents, any other character, and values above 2^64 − 1 units.
    /// - Throws: `AmountError`.
    public func parse(_ text: String) throws(AmountError) -> UInt64 {
        guard !text.isEmpty else { throw .empty }
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "-") { throw .negative(text) }
        let dot = UInt8(ascii: ".")
        let parts = bytes.split(separator: dot, omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw .malformed(text, self) }
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : []
        guard !whole.isEmpty, parts.count == 1 || !fraction.isEmpty else { throw .malformed(text, self) }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) else { throw .malformed(text, self) }
        guard fraction.count <= decimals else { throw .tooManyDecimals(text, self) }
        var units: UInt64 = 0
        for b in whole {
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .tooLarge(text, self) }
            units = s
        }
        let (scaled, o3) = units.multipliedReportingOverflow(by: unitsPerCoin)
        guard !o3 else { throw .tooLarge(text, self) }
        var frac: UInt64 = 0
        for i in 0..<decimals {
            let digit = i < fraction.count ? UInt64(fraction[fraction.startIndex + i] - UInt8(ascii: "0")) : 0
            frac = frac * 10 + digit
        }
        let (total, o4) = scaled.addingReportingOverflow(frac)
        guard !o4 else { throw .tooLarge(text, self) }
        return total
    }

    /// The exact form with all decimals (`250.000000` with 6, `250` with none): JSON,
    /// receipts and statements.
    public func formatExact(_ units: UInt64) -> String {
        let whole = units / unitsPerCoin
        guard decimals > 0 else { return String(whole) }
        let fraction = String(units % unitsPerCoin)
        return "\(whole)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }

    /// The short form people read: trailing zeros dropped but at least 2 decimals where the
    /// ledger has them (`12.50`, `1000.00`, `0.001`, `0.000001`). Parses back to the same
    /// units.
    public func format(_ units: UInt64) -> String {
        var s = formatExact(units)
        let keep = min(2, decimals)
        while s.hasSuffix("0"), let dot = s.firstIndex(of: "."), s.distance(from: dot, to: s.endIndex) > keep + 1 {
            s.removeLast()
        }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}

/// Why an amount does not parse. The description is the message the user sees.
public enum AmountError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case negative(String)
    case tooManyDecimals(String, AmountFormat)
    case tooLarge(String, AmountFormat)
    case malformed(String, AmountFormat)

    public var description: String {
        switch self {
        case .empty:
            "the amount is empty; give a decimal number of coins such as 12.5"
        case let .negative(text):
            "the amount \(text) is negative; amounts are 0 or more"
        case let .tooManyDecimals(text, f):
            "the amount \(text) has more than \(f.decimals) decimals (this ledger's); the smallest amount is \(f.smallest)"
        case let .tooLarge(text, f):
            "the amount \(text) is too large; the largest amount is \(f.formatExact(.max))"
        case let .malformed(text, f):
            "'\(text)' is not an amount; write a decimal number of coins with at most \(f.decimals) decimals, "
                + "such as 12 or 0.5 (no signs, separators or exponents)"
        }
    }
}
