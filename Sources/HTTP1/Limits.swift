/// Bounds on what one client may make the server hold or wait for.
///
/// Every limit has a definite answer when hit: request line too long 414, header
/// section or header count too large 431, body too large 413, a request that does not
/// arrive within `readTimeout` 408, too many connections 503, the bodies being received
/// on all connections together past `maxBufferedBodyBytes` 503 with Retry-After; an idle
/// keep-alive connection is closed silently after `idleTimeout`.
public struct Limits: Sendable, Equatable {
    /// Longest request line (method, target, version), without the line ending.
    public var maxRequestLineBytes: Int
    /// Largest header section (all field lines with their line endings).
    public var maxHeaderBytes: Int
    /// Most header field lines in one request.
    public var maxHeaderCount: Int
    /// Largest body (Content-Length) of any request.
    public var maxBodyBytes: Int
    /// Smaller limits for particular routes, keyed by "METHOD /path" (the target without
    /// its query). Checked against Content-Length before any body byte is buffered.
    public var routeBodyBytes: [String: Int]
    /// The limit for routes `routeBodyBytes` does not name, when it names any (a body sent
    /// to a route that takes none, or to no route at all, need not be buffered).
    public var otherRouteBodyBytes: Int
    /// Most body bytes the server reserves for requests being received, over all connections
    /// together; a request whose body would pass it is answered 503 with Retry-After.
    public var maxBufferedBodyBytes: Int
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
                maxConnections: Int = 4096, maxStreamBufferBytes: Int = 1 << 20, allowBareLineFeed: Bool = false,
                routeBodyBytes: [String: Int] = [:], otherRouteBodyBytes: Int = 64 * 1024,
                maxBufferedBodyBytes: Int = 256 << 20) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
        self.maxStreamBufferBytes = maxStreamBufferBytes
        self.allowBareLineFeed = allowBareLineFeed
        self.routeBodyBytes = routeBodyBytes
        self.otherRouteBodyBytes = otherRouteBodyBytes
        self.maxBufferedBodyBytes = maxBufferedBodyBytes
    }

    /// The largest body a request with `method` and `target` may declare.
    public func maxBodyBytes(method: String, target: String) -> Int {
        guard !routeBodyBytes.isEmpty else { return maxBodyBytes }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return min(maxBodyBytes, routeBodyBytes[method + " " + path] ?? otherRouteBodyBytes)
    }

    /// The defaults above.
    public static let standard = Limits()
}
