@testable import Etcd
import Foundation
import Testing

/// The gateway request encoder (written directly, not through JSONSerialization): what it
/// writes parses back to the object it was given.
@Suite("Gateway JSON encoding")
struct GatewayJSONTests {
    static func parsed(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
    }

    @Test("a txn with a large base64 value, compares, booleans and integers round-trips")
    func txnRoundTrips() throws {
        let value = [UInt8]((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let body: [String: Any] = [
            "compare": [["key": GatewayJSON.base64(Array("leader".utf8)), "target": "LEASE", "lease": "123", "result": "EQUAL"]],
            "success": [["request_put": GatewayJSON.putRequest(key: Array("/zkpay/log/1".utf8), value: value, lease: 7)]],
            "failure": [[String: Any]](),
            "flag": true, "off": false, "count": 42, "big": Int64(1) << 40,
        ]
        let expected = try Self.parsed([UInt8](JSONSerialization.data(withJSONObject: body)))
        #expect(try Self.parsed(GatewayJSON.encode(body)) == expected)
    }

    @Test("quotes, backslashes, control characters and non-ASCII text are escaped or kept as UTF-8")
    func stringsEscape() throws {
        for s in ["plain", "a\"quote", "back\\slash", "tab\tnew\nline\u{1}\u{1f}", "é ü 日本", "", "\"\\\"", "/"] {
            let decoded = try Self.parsed(GatewayJSON.encode(["k\"ey\n": s]))
            #expect(decoded["k\"ey\n"] as? String == s, "\(s.debugDescription)")
        }
    }
}
