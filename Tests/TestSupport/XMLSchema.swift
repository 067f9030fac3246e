public import Foundation

/// Validates XML against a schema in Fixtures with the real `xmllint` (Debian
/// `libxml2-utils`, which `make deps` installs).
public enum XMLSchema {
    /// The camt.053.001.08 schema (Fixtures/iso20022/README.md names its source).
    public static let camt053 = Fixtures.url("iso20022/camt.053.001.08.xsd").path

    /// `xmllint --noout --schema SCHEMA FILE`: whether the file is valid, and what xmllint said.
    public static func validate(xml: String, schema: String) throws -> (valid: Bool, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zkpay-xml-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let candidates = ["/usr/bin/xmllint", "/usr/local/bin/xmllint"]
        guard let tool = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw MissingTool(name: "xmllint (Debian libxml2-utils; `make deps` installs it)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--noout", "--nonet", "--schema", schema, file.path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus == 0, output)
    }

    public struct MissingTool: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) is not installed" }
    }
}
