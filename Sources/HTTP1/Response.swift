import Glibc

/// A response with a complete body. The server adds Content-Length, Date and, when it
/// will close the connection, "Connection: close".
public struct Response: Sendable, Equatable {
    public var status: Status
    public var headers: Headers
    public var body: [UInt8]

    public init(status: Status = .ok, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a JSON body (the caller supplies serialized JSON).
    public static func json(_ status: Status = .ok, _ json: String) -> Response {
        Response(status: status, headers: Headers([Header("Content-Type", "application/json")]), body: Array(json.utf8))
    }

    /// The error shape every endpoint uses: `{"error":{"code":"...","message":"..."}}`.
    public static func error(_ status: Status, code: String, message: String) -> Response {
        .json(status, "{\"error\":{\"code\":\(jsonString(code)),\"message\":\(jsonString(message))}}")
    }

    /// Head and body as bytes on the wire. `close` adds "Connection: close";
    /// `announceKeepAlive` adds "Connection: keep-alive" (HTTP/1.0 clients assume close
    /// without it); `headOnly` (HEAD requests) omits the body but keeps its Content-Length.
    func serialized(close: Bool, headOnly: Bool, date: String, announceKeepAlive: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        for h in headers {
            let lower = h.name.lowercased()
            // Framing and connection management belong to the server.
            if lower == "connection" || lower == "transfer-encoding" { continue }
            if lower == "content-length" { continue }
            head += "\(Self.headerSafe(h.name)): \(Self.headerSafe(h.value))\r\n"
        }
        head += "Date: \(date)\r\n"
        if status.allowsBody { head += "Content-Length: \(body.count)\r\n" }
        if close { head += "Connection: close\r\n" } else if announceKeepAlive { head += "Connection: keep-alive\r\n" }
        head += "\r\n"
        var out = Array(head.utf8)
        if status.allowsBody && !headOnly { out += body }
        return out
    }

    /// Removes CR and LF so that a handler-supplied header can never split the response.
    static func headerSafe(_ s: String) -> String {
        s.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) ? String(s.filter { !$0.isNewline }) : s
    }
}

/// A JSON string literal for `s` (quotes, backslashes and control characters escaped).
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") for the Date header.
func httpDate(_ seconds: Int) -> String {
    var t = time_t(seconds)
    var parts = tm()
    gmtime_r(&t, &parts)
    let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let day = days[Int(parts.tm_wday) % 7]
    let month = months[Int(parts.tm_mon) % 12]
    return "\(day), \(two(parts.tm_mday)) \(month) \(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
}
