import Foundation
import ZKPayCLI
import ZKPayCore

/// The outcome of one vector case.
struct CaseResult {
    let name: String
    /// nil when the case passed, else why it did not.
    let failure: String?

    static func pass(_ name: String) -> CaseResult { CaseResult(name: name, failure: nil) }
    static func fail(_ name: String, _ why: String) -> CaseResult { CaseResult(name: name, failure: why) }
}

/// A malformed vector file: the file, not a case, is wrong.
struct VectorFileError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// `zkpay verify FILE...`: checks every case of known-answer vector files.
///
/// Each file is a JSON object with a top-level `kind` and `cases` (see
/// Fixtures/vectors/README.md). Every failing case is named; the command ends with
/// `N passed, M failed` and exits 0 only if M is 0. A file of an unknown kind or
/// malformed JSON is an error (exit 1).
enum VerifyCommand {
    /// Checkers by vector-file kind. Each lives in its own `VerifyCommand+Kind.swift`.
    static var checkers: [String: ([String: Any]) throws -> [CaseResult]] { kindCheckers() }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let files = arguments.filter { !$0.hasPrefix("-") }
        if let flag = arguments.first(where: { $0.hasPrefix("-") }) {
            throw CLIError.usage("unknown option \(flag)")
        }
        guard !files.isEmpty else { throw CLIError.usage("name at least one vector file") }
        var passed = 0
        var failed = 0
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CLIError.failure("cannot read \(path): no such file or not readable")
            }
            let object: Any
            do { object = try JSONSerialization.jsonObject(with: data) } catch {
                throw CLIError.failure("\(path) is not valid JSON; a vector file is one JSON object with `kind` and `cases`")
            }
            guard let file = object as? [String: Any], let kind = file["kind"] as? String else {
                throw CLIError.failure("\(path) has no top-level string `kind`; cannot tell which checks apply")
            }
            guard let checker = checkers[kind] else {
                let known = checkers.keys.sorted().joined(separator: ", ")
                throw CLIError.failure("\(path): unknown vector kind '\(kind)' (this zkpay knows: \(known))")
            }
            let results: [CaseResult]
            do { results = try checker(file) } catch {
                throw CLIError.failure("\(path): malformed \(kind) vector file: \(error)")
            }
            var filePassed = 0
            for r in results {
                if let why = r.failure {
                    failed += 1
                    console.print("FAIL \(path): \(r.name): \(why)")
                } else {
                    passed += 1
                    filePassed += 1
                }
            }
            console.print("\(path): \(kind): \(filePassed)/\(results.count) cases passed")
        }
        console.print("\(passed) passed, \(failed) failed")
        return failed == 0 ? ExitCode.success : ExitCode.failure
    }
}

/// Helpers for reading vector JSON with errors that name the field.
extension Dictionary where Key == String, Value == Any {
    func string(_ key: String) throws -> String {
        guard let v = self[key] as? String else { throw VectorFileError("missing string field `\(key)`") }
        return v
    }

    func hex(_ key: String) throws -> [UInt8] {
        let s = try string(key)
        guard let bytes = HexCoding.decode(s) else { throw VectorFileError("field `\(key)` is not hex") }
        return bytes
    }

    func int(_ key: String) throws -> Int {
        guard let v = self[key] as? Int else { throw VectorFileError("missing integer field `\(key)`") }
        return v
    }

    func bool(_ key: String) throws -> Bool {
        guard let v = self[key] as? Bool else { throw VectorFileError("missing boolean field `\(key)`") }
        return v
    }

    func objects(_ key: String) throws -> [[String: Any]] {
        guard let v = self[key] as? [[String: Any]] else { throw VectorFileError("missing array of objects `\(key)`") }
        return v
    }
}

/// Hex for the CLI: lowercase out (the protocol's encoder), either case in (vector files
/// written by other tools), unlike the protocol's strict lowercase-only decoder.
enum HexCoding {
    static func decode(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    static func encode(_ bytes: some Sequence<UInt8>) -> String { ProtocolHex.encode(bytes) }
}
