public import Foundation

/// Locates and loads the JSON fixtures in `Fixtures/` (copies of ../shared/vectors, see
/// Fixtures/vectors/SOURCES.md).
public enum Fixtures {
    /// The package root, found from this source file's location.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/TestSupport/Fixtures.swift
        return url
    }()

    /// URL of `Fixtures/<relativePath>`.
    public static func url(_ relativePath: String) -> URL {
        packageRoot.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
    }

    /// Raw bytes of `Fixtures/<relativePath>`.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// The parsed JSON object of a vector file, e.g. `vector("ristretto255.json")`.
    public static func vector(_ name: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: data("vectors/" + name))
        guard let dict = object as? [String: Any] else { throw FixtureError.notAnObject(name) }
        return dict
    }

    /// The `cases` array of a vector file.
    public static func cases(_ name: String) throws -> [[String: Any]] {
        guard let cases = try vector(name)["cases"] as? [[String: Any]] else { throw FixtureError.noCases(name) }
        return cases
    }
}

/// Fixture loading failures (test-data bugs).
public enum FixtureError: Error, CustomStringConvertible {
    case notAnObject(String)
    case noCases(String)
    public var description: String {
        switch self {
        case let .notAnObject(n): "fixture \(n) is not a JSON object"
        case let .noCases(n): "fixture \(n) has no cases array"
        }
    }
}
