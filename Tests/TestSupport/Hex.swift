import Foundation

/// Hex helpers for fixtures and tests.
public enum Hex {
    /// Decodes lowercase or uppercase hex; traps on malformed fixture data (a test bug).
    public static func decode(_ s: String) -> [UInt8] {
        guard let bytes = tryDecode(s) else { preconditionFailure("malformed hex in test data: \(s.prefix(40))") }
        return bytes
    }

    /// Decodes hex, or nil if the string is not even-length hex.
    public static func tryDecode(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
