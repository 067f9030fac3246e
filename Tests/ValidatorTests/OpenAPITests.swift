import Foundation
import HTTP1
import Testing
@testable import Validator

@Suite("docs/openapi.yaml")
struct OpenAPITests {
    /// The repository root, from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// (METHOD, path) pairs under `paths:`: a path is a two-space-indented key starting
    /// with '/', its operations the four-space-indented HTTP method keys under it.
    static func documentedRoutes() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var routes: [String] = []
        var inPaths = false
        var current: String?
        let methods: Set = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") && !line.isEmpty {
                inPaths = line.hasPrefix("paths:")
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), !line.hasPrefix("   "), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let path = current {
                let key = line.dropFirst(4).prefix { $0 != ":" }
                if methods.contains(String(key)) { routes.append("\(key.uppercased()) \(path)") }
            }
        }
        return routes
    }

    @Test("every route in the document is served and every served route is documented")
    func routesMatch() throws {
        let documented = try Self.documentedRoutes()
        #expect(documented.count == Set(documented).count)
        let served = Routes.all.map { "\($0.method) \($0.path)" }
        #expect(Set(documented) == Set(served))
        #expect(documented.count >= 11)
    }

    @Test("a live server answers every documented route with something other than 'no route' or 405")
    func liveRoutes() throws {
        let node = try Node()
        let c = node.client()
        for route in try Self.documentedRoutes() {
            let parts = route.split(separator: " ")
            let method = String(parts[0])
            var path = String(parts[1]).replacingOccurrences(of: "{id}", with: String(repeating: "0", count: 64))
            if path == "/v1/events" {
                // A stream never ends by itself: only check that it opens.
                let reader = try node.client().openEventStream(path + "?address=\(Pool.shared.bob.address.encoded)")
                _ = reader
                continue
            }
            if path == "/v1/stats/stream" {
                _ = try node.client().openEventStream(path)
                continue
            }
            if path == "/v1/notes" { path += "?owner=\(Pool.shared.bob.address.encoded)" }
            let r = try c.call(method, path, json: method == "POST" ? "{}" : nil)
            #expect(r.status != 405, "\(route)")
            #expect(!(r.status == 404 && r.text.contains("no route")), "\(route)")
        }
    }
}
