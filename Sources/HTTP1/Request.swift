/// One header field line, as received (name case preserved, value trimmed of OWS).
public struct Header: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// Header fields in order, with case-insensitive lookup.
public struct Headers: Sendable, Equatable, Sequence {
    public private(set) var fields: [Header]

    public init(_ fields: [Header] = []) { self.fields = fields }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        let key = name.lowercased()
        return fields.first { $0.name.lowercased() == key }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        let key = name.lowercased()
        return fields.filter { $0.name.lowercased() == key }.map(\.value)
    }

    public mutating func append(_ name: String, _ value: String) { fields.append(Header(name, value)) }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Header]> { fields.makeIterator() }
}

/// HTTP versions the server speaks.
public enum HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    case http10
    case http11

    public var description: String { self == .http10 ? "HTTP/1.0" : "HTTP/1.1" }
}

/// A complete, validated request.
public struct Request: Sendable, Equatable {
    /// The method token, case-sensitive as sent (e.g. "GET").
    public let method: String
    /// The request target in origin form ("/path?query"), or "*".
    public let target: String
    public let version: HTTPVersion
    public let headers: Headers
    public let body: [UInt8]

    public init(method: String, target: String, version: HTTPVersion = .http11, headers: Headers = Headers(),
                body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The target without its query.
    public var path: Substring {
        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(target)
    }

    /// The query after '?', or nil.
    public var query: Substring? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        return target[target.index(after: q)...]
    }

    /// Whether the client lets the connection stay open after this request: HTTP/1.1
    /// unless "Connection: close", HTTP/1.0 only with "Connection: keep-alive".
    public var keepAlive: Bool {
        let tokens = headers.values("Connection").flatMap { $0.lowercased().split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t") }
        switch version {
        case .http11: return !tokens.contains("close")
        case .http10: return tokens.contains("keep-alive")
        }
    }
}

extension StringProtocol {
    /// Trims the given ASCII characters from both ends (no Foundation needed).
    func trimmingCharacters(in set: String) -> String {
        let chars = Set(set.unicodeScalars)
        var scalars = Substring(self).unicodeScalars[...]
        while let f = scalars.first, chars.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, chars.contains(l) { scalars.removeLast() }
        return String(scalars)
    }
}
