public import Merlin

/// A schnorrkel signing context: `Transcript("SigningContext")` with the context
/// bytes appended under the empty label. Binding a message clones it and appends the
/// message under "sign-bytes" (schnorrkel `SigningContext::bytes`).
///
/// sr25519 (Substrate) uses the context "substrate"; zkpay uses its own context
/// strings (one per purpose) so that a signature for one purpose is never valid for
/// another. See ../shared/reference/merlin-and-schnorrkel.md §4.1.
public struct SigningContext: Sendable {
    private let transcript: Transcript

    /// A context from a constant (protocol code).
    public init(_ context: StaticString) {
        self.init(bytes: context.withUTF8Buffer { Array($0) })
    }

    /// A context from bytes (vector files, configuration).
    public init(bytes context: some Collection<UInt8>) {
        var t = Transcript(label: "SigningContext")
        t.appendMessage("", context)
        transcript = t
    }

    /// The signing transcript of `message` in this context.
    public func bytes(_ message: some Collection<UInt8>) -> Transcript {
        var t = transcript
        t.appendMessage("sign-bytes", message)
        return t
    }
}
