import Foundation
public import Ristretto255

/// A JSON value as the zkpay JSON forms use it: strings (hex bytes, decimal u64),
/// small integers (versions), arrays and objects with a fixed key order.
public indirect enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([JSONMember])

    /// JSON text with members in their given order: compact, or with `pretty` one member
    /// or element per line, indented by two spaces (arrays of scalars stay on one line).
    public func render(pretty: Bool = false) -> String {
        var out = ""
        write(to: &out, indent: pretty ? 0 : nil)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .string, .int, .bool: true
        case .array, .object: false
        }
    }

    private func write(to out: inout String, indent: Int?) {
        func newline(_ level: Int) { out += "\n" + String(repeating: "  ", count: level) }
        switch self {
        case let .string(s): Self.appendQuoted(s, to: &out)
        case let .int(i): out += String(i)
        case let .bool(b): out += b ? "true" : "false"
        case let .array(items):
            out += "["
            let multiline = indent != nil && !items.isEmpty && !items.allSatisfy(\.isScalar)
            for (i, v) in items.enumerated() {
                if i > 0 { out += indent != nil && !multiline ? ", " : "," }
                if multiline, let level = indent { newline(level + 1) }
                v.write(to: &out, indent: indent.map { $0 + 1 })
            }
            if multiline, let level = indent { newline(level) }
            out += "]"
        case let .object(members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                if let level = indent { newline(level + 1) }
                Self.appendQuoted(m.key, to: &out)
                out += indent != nil ? ": " : ":"
                m.value.write(to: &out, indent: indent.map { $0 + 1 })
            }
            if let level = indent, !members.isEmpty { newline(level) }
            out += "}"
        }
    }

    /// Appends `s` as a JSON string literal. Most strings the API writes (hex, base-10,
    /// codes) need no escape: those are appended whole after one scan of their bytes.
    private static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        @inline(__always) func special(_ b: UInt8) -> Bool { b == 0x22 || b == 0x5C || b < 0x20 }
        // A native string's UTF-8 is contiguous: scanning the buffer avoids the generic
        // UTF8View iterator, which goes byte by byte through a slower path.
        let escapes = s.utf8.withContiguousStorageIfAvailable { $0.contains(where: special) }
            ?? s.utf8.contains(where: special)
        if !escapes {
            out += s
        } else {
            for u in s.unicodeScalars {
                switch u {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
                default: out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Parses JSON text strictly (RFC 8259 without floats or null; duplicate keys rejected).
    /// - Throws: `invalidJSON` naming where the text is malformed.
    public static func parse(_ text: some Collection<UInt8>) throws(ProtocolError) -> JSONValue {
        var parser = JSONParser(Array(text))
        parser.skipWhitespace()
        let value = try parser.value(path: "$", depth: 0)
        parser.skipWhitespace()
        guard parser.atEnd else { throw .invalidJSON(field: "$", reason: "text continues after the JSON value") }
        return value
    }
}

extension JSONValue {
    /// The byte ranges of the elements of the array in `text`, a JSON object whose only
    /// member is `member`, found without building any value (a large document of small
    /// values would otherwise be held as one node each). At most `maxCount` ranges are kept;
    /// a longer array is still counted to the end and reported as `countOutOfRange`. Only the
    /// framing is checked here (the object, the one key, brackets, strings): each element is
    /// meant to be parsed on its own with `parse`, which checks the rest.
    /// - Throws: `invalidJSON` for broken framing, `countOutOfRange` for an empty or too long array.
    public static func arrayElementRanges(in text: [UInt8], member: String, maxCount: Int)
        throws(ProtocolError) -> [Range<Int>]
    {
        var p = JSONParser(text)
        p.skipWhitespace()
        try p.expect(UInt8(ascii: "{"), "$")
        p.skipWhitespace()
        let key = try p.string("$")
        guard key == member else { throw p.fail("$", "expected the key \"\(member)\" and no other") }
        p.skipWhitespace()
        try p.expect(UInt8(ascii: ":"), member)
        p.skipWhitespace()
        try p.expect(UInt8(ascii: "["), member)
        var ranges: [Range<Int>] = []
        var count = 0
        p.skipWhitespace()
        if p.i < text.count, text[p.i] == UInt8(ascii: "]") {
            p.i += 1
        } else {
            while true {
                p.skipWhitespace()
                let start = p.i
                try p.skipElement(member)
                count += 1
                if count <= maxCount { ranges.append(start..<p.i) }
                p.skipWhitespace()
                guard p.i < text.count else { throw p.fail(member, "unterminated array") }
                if text[p.i] == UInt8(ascii: ",") { p.i += 1; continue }
                try p.expect(UInt8(ascii: "]"), member)
                break
            }
        }
        p.skipWhitespace()
        guard p.i < text.count, text[p.i] == UInt8(ascii: "}") else {
            throw p.fail("$", "expected '}' (the object has the key \"\(member)\" and no other)")
        }
        p.i += 1
        p.skipWhitespace()
        guard p.atEnd else { throw .invalidJSON(field: "$", reason: "text continues after the JSON value") }
        guard (1...max(1, maxCount)).contains(count) else {
            throw .countOutOfRange(field: member, count: count, allowed: "1...\(maxCount)")
        }
        return ranges
    }
}

/// A small strict recursive-descent JSON parser with a depth limit.
private struct JSONParser {
    let bytes: [UInt8]
    var i = 0
    static let maximumDepth = 32

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { i >= bytes.count }

    mutating func skipWhitespace() {
        while i < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) { i += 1 }
    }

    func fail(_ path: String, _ reason: String) -> ProtocolError {
        .invalidJSON(field: path, reason: reason + " (byte \(i))")
    }

    mutating func expect(_ c: UInt8, _ path: String) throws(ProtocolError) {
        guard i < bytes.count, bytes[i] == c else {
            throw fail(path, "expected '\(Character(Unicode.Scalar(c)))'")
        }
        i += 1
    }

    mutating func value(path: String, depth: Int) throws(ProtocolError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fail(path, "nested too deeply") }
        guard i < bytes.count else { throw fail(path, "unexpected end of text") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members = [JSONMember]()
            var seen = Set<String>()
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipWhitespace()
                let key = try string(path)
                let memberPath = path == "$" ? key : "\(path).\(key)"
                guard seen.insert(key).inserted else { throw fail(memberPath, "duplicate key") }
                skipWhitespace()
                try expect(UInt8(ascii: ":"), memberPath)
                skipWhitespace()
                members.append(JSONMember(key, try value(path: memberPath, depth: depth + 1)))
                skipWhitespace()
                guard i < bytes.count else { throw fail(path, "unterminated object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"), path)
                return .object(members)
            }
        case UInt8(ascii: "["):
            i += 1
            var items = [JSONValue]()
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(path: "\(path)[\(items.count)]", depth: depth + 1))
                skipWhitespace()
                guard i < bytes.count else { throw fail(path, "unterminated array") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"), path)
                return .array(items)
            }
        case UInt8(ascii: "\""):
            return .string(try string(path))
        case UInt8(ascii: "t"):
            try literal("true", path)
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false", path)
            return .bool(false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .int(try integer(path))
        default:
            throw fail(path, "unexpected character (null and floats do not occur in zkpay JSON)")
        }
    }

    /// Moves past one value, matching brackets (with the depth limit) and strings (with their
    /// escapes) without building anything; scalars are taken up to the next delimiter.
    mutating func skipElement(_ path: String) throws(ProtocolError) {
        var open: [UInt8] = []
        repeat {
            guard i < bytes.count else { throw fail(path, "unexpected end of text") }
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < Self.maximumDepth else { throw fail(path, "nested too deeply") }
                open.append(c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]"))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard open.last == c else { throw fail(path, "unbalanced '\(Character(Unicode.Scalar(c)))'") }
                open.removeLast()
                i += 1
            case UInt8(ascii: "\""):
                i += 1
                while true {
                    guard i < bytes.count else { throw fail(path, "unterminated string") }
                    let s = bytes[i]
                    i += s == UInt8(ascii: "\\") ? 2 : 1
                    if s == UInt8(ascii: "\"") { break }
                }
            case UInt8(ascii: ","), 0x20, 0x09, 0x0a, 0x0d:
                guard !open.isEmpty else { throw fail(path, "expected a value") }
                i += 1
            default:
                i += 1
            }
        } while !open.isEmpty
        // A scalar runs to the next delimiter at this level.
        while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x09, 0x0a, 0x0d].contains(bytes[i]) {
            i += 1
        }
    }

    mutating func literal(_ word: String, _ path: String) throws(ProtocolError) {
        for c in word.utf8 { try expect(c, path) }
    }

    mutating func integer(_ path: String) throws(ProtocolError) -> Int {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count, (48...57).contains(bytes[i]) { i += 1 }
        let digits = i - digitsStart
        guard digits > 0, digits == 1 || bytes[digitsStart] != 48 else { throw fail(path, "malformed integer") }
        if i < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i]) {
            throw fail(path, "numbers are integers in zkpay JSON (amounts are decimal strings)")
        }
        guard let v = Int(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            throw fail(path, "integer out of range")
        }
        return v
    }

    mutating func string(_ path: String) throws(ProtocolError) -> String {
        try expect(UInt8(ascii: "\""), path)
        var out = [UInt8]()
        while true {
            guard i < bytes.count else { throw fail(path, "unterminated string") }
            let c = bytes[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""):
                guard let s = String(validating: out, as: UTF8.self) else { throw fail(path, "string is not UTF-8") }
                return s
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw fail(path, "unterminated escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let code = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw fail(path, "bad \\u escape (surrogates are not used in zkpay JSON)") }
                    i += 4
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail(path, "bad escape")
                }
            case 0..<0x20: throw fail(path, "control character in string")
            default: out.append(c)
            }
        }
    }
}

/// One member of a JSON object.
public struct JSONMember: Sendable, Equatable {
    public let key: String
    public let value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// Strict reading of one JSON object: every expected key present with the right type,
/// and no other key (checked by `finish`).
public struct JSONObjectReader {
    private let members: [String: JSONValue]
    private var used: Set<String> = []
    /// Path of this object in the document (for error messages).
    public let path: String

    /// Reads `value`, which must be an object.
    public init(_ value: JSONValue, path: String) throws(ProtocolError) {
        guard case let .object(list) = value else { throw .invalidJSON(field: path, reason: "expected an object") }
        var dict = [String: JSONValue]()
        for m in list { dict[m.key] = m.value }
        members = dict
        self.path = path
    }

    private func fieldPath(_ key: String) -> String { path == "$" || path.isEmpty ? key : "\(path).\(key)" }

    /// The raw value of `key`.
    public mutating func value(_ key: String) throws(ProtocolError) -> JSONValue {
        guard let v = members[key] else { throw .invalidJSON(field: fieldPath(key), reason: "missing") }
        used.insert(key)
        return v
    }

    /// A string member.
    public mutating func string(_ key: String) throws(ProtocolError) -> String {
        guard case let .string(s) = try value(key) else { throw .invalidJSON(field: fieldPath(key), reason: "expected a string") }
        return s
    }

    /// An integer member.
    public mutating func int(_ key: String) throws(ProtocolError) -> Int {
        guard case let .int(i) = try value(key) else { throw .invalidJSON(field: fieldPath(key), reason: "expected an integer") }
        return i
    }

    /// A boolean member.
    public mutating func bool(_ key: String) throws(ProtocolError) -> Bool {
        guard case let .bool(b) = try value(key) else { throw .invalidJSON(field: fieldPath(key), reason: "expected true or false") }
        return b
    }

    /// An array member.
    public mutating func array(_ key: String) throws(ProtocolError) -> [JSONValue] {
        guard case let .array(a) = try value(key) else { throw .invalidJSON(field: fieldPath(key), reason: "expected an array") }
        return a
    }

    /// A lowercase-hex member of exactly `length` bytes (any length if nil).
    public mutating func hex(_ key: String, length: Int? = nil) throws(ProtocolError) -> [UInt8] {
        let s = try string(key)
        guard let bytes = ProtocolHex.decode(s) else {
            throw .invalidJSON(field: fieldPath(key), reason: "expected lowercase hex")
        }
        if let length, bytes.count != length {
            throw .invalidJSON(field: fieldPath(key), reason: "expected \(length) bytes of hex, got \(bytes.count)")
        }
        return bytes
    }

    /// A u64 written as a decimal string without sign or leading zeros.
    public mutating func u64(_ key: String) throws(ProtocolError) -> UInt64 {
        let s = try string(key)
        let digits = Array(s.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ (48...57).contains($0) }), digits.count == 1 || digits[0] != 48,
              let v = UInt64(s)
        else { throw .invalidJSON(field: fieldPath(key), reason: "expected a decimal string in 0...18446744073709551615") }
        return v
    }

    /// A point member: 32 bytes of hex, canonical.
    public mutating func point(_ key: String) throws(ProtocolError) -> RistrettoPoint {
        let b = try hex(key, length: 32)
        do { return try RistrettoPoint(encoding: b) } catch { throw .nonCanonicalPoint(field: fieldPath(key)) }
    }

    /// Rejects keys that were not read.
    public func finish() throws(ProtocolError) {
        if let extra = members.keys.sorted().first(where: { !used.contains($0) }) {
            throw .invalidJSON(field: fieldPath(extra), reason: "unknown field")
        }
    }
}

extension JSONValue {
    /// A hex string value.
    package static func hex(_ bytes: some Sequence<UInt8>) -> JSONValue { .string(ProtocolHex.encode(bytes)) }
    /// A decimal u64 string value.
    static func u64(_ v: UInt64) -> JSONValue { .string(String(v)) }
}

// MARK: JSON forms of the Phase-A objects

extension Output {
    /// `{"owner": hex, "commitment": hex, "memo": hex}`.
    public var json: JSONValue {
        .object([JSONMember("owner", .hex(owner.encoding)), JSONMember("commitment", .hex(commitment.encoding)),
                 JSONMember("memo", .hex(memo.bytes))])
    }

    /// Decodes the JSON form with the same checks as the binary decoder.
    public init(json: JSONValue, path: String = "output") throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: path)
        var w = ByteWriter(capacity: Output.encodedLength)
        w.raw(try o.hex("owner", length: 32))
        w.raw(try o.hex("commitment", length: 32))
        w.raw(try o.hex("memo", length: Memo.encodedLength))
        try o.finish()
        var r = ByteReader(w.bytes)
        try self.init(reading: &r, field: path)
    }
}

extension InputNote {
    /// `{"id": hex, "owner": hex, "commitment": hex}`.
    public var json: JSONValue {
        .object([JSONMember("id", .hex(id.bytes)), JSONMember("owner", .hex(owner.encoding)),
                 JSONMember("commitment", .hex(commitment.encoding))])
    }

    /// Decodes the JSON form (points canonical, owner not the identity).
    public init(json: JSONValue, path: String = "input") throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: path)
        let id = NoteID(uncheckedBytes: try o.hex("id", length: 32))
        let owner = try o.point("owner")
        guard !owner.isIdentity else { throw .identityPoint(field: "\(path).owner") }
        let commitment = try o.point("commitment")
        try o.finish()
        self.init(id: id, owner: owner, commitment: commitment)
    }
}

extension Note {
    /// `{"version": 1, "id": hex, "output": {...}}`.
    public var json: JSONValue {
        .object([JSONMember("version", .int(Int(Self.version))), JSONMember("id", .hex(id.bytes)),
                 JSONMember("output", output.json)])
    }

    /// Decodes the JSON form.
    public init(json: JSONValue) throws(ProtocolError) {
        var o = try JSONObjectReader(json, path: "$")
        let version = try o.int("version")
        guard version == Int(Self.version) else { throw .unknownVersion(object: "note", version: version) }
        let id = NoteID(uncheckedBytes: try o.hex("id", length: 32))
        let output = try Output(json: try o.value("output"), path: "output")
        try o.finish()
        self.init(id: id, output: output)
    }
}
