import Synchronization

/// One server-sent event (the WHATWG `text/event-stream` format).
public struct ServerSentEvent: Sendable, Equatable {
    /// `id:` field (sets the client's last event id); no CR or LF allowed.
    public var id: String?
    /// `event:` field (the event type); no CR or LF allowed.
    public var event: String?
    /// `data:` payload; newlines split it over several `data:` lines and the client
    /// joins them back with LF.
    public var data: String
    /// `retry:` field: milliseconds the client waits before reconnecting once the stream ends.
    public var retryMilliseconds: Int?

    public init(id: String? = nil, event: String? = nil, data: String, retryMilliseconds: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.retryMilliseconds = retryMilliseconds
    }

    /// The frame: optional `retry:`, `id:` and `event:` lines, one `data:` line per line of `data`,
    /// then a blank line.
    /// - Throws: `EventStreamError.newlineInField` if `id` or `event` holds CR or LF (the
    ///   line structure could then be forged).
    public func encoded() throws(EventStreamError) -> [UInt8] {
        var text = ""
        if let retryMilliseconds, retryMilliseconds >= 0 { text += "retry: \(retryMilliseconds)\n" }
        if let id {
            guard !id.contains(where: \.isNewline) else { throw .newlineInField("id") }
            text += "id: \(id)\n"
        }
        if let event {
            guard !event.contains(where: \.isNewline) else { throw .newlineInField("event") }
            text += "event: \(event)\n"
        }
        // CRLF, CR and LF all end a line on the client; normalise to LF.
        let normalized = data.replacingAll("\r\n", with: "\n").replacingAll("\r", with: "\n")
        for line in normalized.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        text += "\n"
        return Array(text.utf8)
    }
}

extension String {
    /// Replaces every occurrence of `target` (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = self[...]
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

/// Problems with an event a handler tried to send.
public enum EventStreamError: Error, Equatable, Sendable, CustomStringConvertible {
    case newlineInField(String)

    public var description: String {
        switch self {
        case let .newlineInField(field): "the \(field) field of a server-sent event cannot contain CR or LF"
        }
    }
}

/// The open/closed flag shared by an `EventStream` and the connection that carries it.
final class StreamState: Sendable {
    let closed = Atomic<Bool>(false)
}

/// The write side of a streamed response on the loop's connection: what `EventStream` and
/// `ChunkedResponseStream` frame their bytes onto.
struct StreamChannel: Sendable {
    let connection: UInt64
    let shared: ServerShared
    let state: StreamState

    /// False once the stream has ended, for whatever reason.
    var isOpen: Bool { !state.closed.load(ordering: .acquiring) }

    /// Queues `bytes` as they are; false if the stream has already ended.
    func write(_ bytes: [UInt8]) -> Bool {
        guard isOpen else { return false }
        shared.submit(.streamWrite(connection: connection, bytes: bytes))
        return true
    }

    /// Ends the stream (once): what was queued is sent, then the connection closes.
    func end() {
        guard !state.closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shared.submit(.streamClose(connection: connection))
    }
}

/// A `text/event-stream` response in progress. Any thread may send on it; frames go
/// out in the order the calls return. It ends when `close()` is called, when the client
/// goes away, when the client stops reading (more than `Limits.maxStreamBufferBytes`
/// unsent) or when the server drains. Releasing the last reference closes it.
public final class EventStream: Sendable {
    let channel: StreamChannel

    init(_ channel: StreamChannel) { self.channel = channel }

    deinit { close() }

    /// False once the stream has ended, for whatever reason; stop producing then.
    public var isOpen: Bool { channel.isOpen }

    /// Queues `event`; returns false if the stream has already ended.
    @discardableResult
    public func send(_ event: ServerSentEvent) throws(EventStreamError) -> Bool {
        channel.write(try event.encoded())
    }

    /// Queues a comment line (`: text`), which clients ignore: a heartbeat that keeps
    /// proxies from timing the stream out and reveals a vanished client. Newlines in
    /// `text` are replaced by spaces. Returns false if the stream has ended.
    @discardableResult
    public func comment(_ text: String = "") -> Bool {
        guard isOpen else { return false }
        let line = text.isEmpty ? ":\n" : ": " + String(text.map { $0.isNewline ? " " : $0 }) + "\n"
        return channel.write(Array(line.utf8))
    }

    /// Ends the stream: what was queued is sent, then the connection closes.
    public func close() { channel.end() }
}
