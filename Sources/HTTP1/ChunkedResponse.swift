/// A chunked response in progress (RFC 9112 §7.1): any thread may send body pieces, which
/// go out as chunks in the order the calls return. `finish` sends the last chunk and the
/// trailers, then the connection closes. A stream released, or ended by the server's
/// drain, without `finish` is cut off without a last chunk, so the client sees a
/// truncated body rather than a complete one. Slow readers are dropped as for event
/// streams (`Limits.maxStreamBufferBytes`).
public final class ChunkedResponseStream: Sendable {
    let channel: StreamChannel

    init(_ channel: StreamChannel) { self.channel = channel }

    deinit { abort() }

    /// False once the response has ended, for whatever reason; stop producing then.
    public var isOpen: Bool { channel.isOpen }

    /// Queues `bytes` as one chunk (nothing for no bytes: an empty chunk would end the
    /// body). Returns false if the response has already ended.
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return isOpen }
        return sendRaw(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10])
    }

    /// Ends the body: the last chunk, `trailers` (CR and LF removed from each), then the
    /// connection closes. Returns false if the response had already ended.
    @discardableResult
    public func finish(trailers: Headers = Headers()) -> Bool {
        var tail = "0\r\n"
        for t in trailers { tail += "\(Response.headerSafe(t.name)): \(Response.headerSafe(t.value))\r\n" }
        tail += "\r\n"
        guard sendRaw(Array(tail.utf8)) else { return false }
        abort()
        return true
    }

    /// Ends the response where it stands; what was queued is still sent.
    public func abort() { channel.end() }

    /// Queues bytes exactly as given, without chunk framing (tests use it to send framing
    /// errors). Returns false if the response has already ended.
    @discardableResult
    func sendRaw(_ bytes: [UInt8]) -> Bool { channel.write(bytes) }
}
