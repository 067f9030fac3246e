/// Bounds on what one client may make the server hold or wait for.
///
/// Every limit has a definite answer when hit: request line too long 414, header
/// section or header count too large 431, body too large 413, a request that does not
/// arrive within `readTimeout` 408, too many connections 503; an idle keep-alive
/// connection is closed silently after `idleTimeout`.
public struct Limits: Sendable, Equatable {
    /// Longest request line (method, target, version), without the line ending.
    public var maxRequestLineBytes: Int
    /// Largest header section (all field lines with their line endings).
    public var maxHeaderBytes: Int
    /// Most header field lines in one request.
    public var maxHeaderCount: Int
    /// Largest body (Content-Length).
    public var maxBodyBytes: Int
    /// Seconds a keep-alive connection may sit with no request before it is closed.
    public var idleTimeout: Double
    /// Seconds from a request's first byte to its last, the slow-loris bound; also the
    /// longest a pending response write may make no progress.
    public var readTimeout: Double
    /// Most open client connections; one more is answered 503 and closed.
    public var maxConnections: Int
    /// Most bytes of unsent event-stream output buffered for a client that does not read;
    /// beyond this the stream is closed (a slow consumer must not grow memory).
    public var maxStreamBufferBytes: Int
    /// Accept a bare LF as a line ending. Off by default: RFC 9112 §2.2 allows either,
    /// and rejecting it (400) removes a request-smuggling ambiguity with proxies.
    public var allowBareLineFeed: Bool

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 1 << 20, idleTimeout: Double = 60, readTimeout: Double = 10,
                maxConnections: Int = 4096, maxStreamBufferBytes: Int = 1 << 20, allowBareLineFeed: Bool = false) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
        self.maxStreamBufferBytes = maxStreamBufferBytes
        self.allowBareLineFeed = allowBareLineFeed
    }

    /// The defaults above.
    public static let standard = Limits()
}
