import Bech32m
import HTTP1
import Ledger
@testable import Validator
import ZKPayCore

/// Targets for what a validator or a wallet reads from a socket.
enum NetworkTargets {
    /// The validator's limits (per-route body limits included).
    static let validatorLimits = Routes.limits()

    /// Input: a control byte (bit 7: accept bare LF; bits 0-6: size of the pieces the
    /// rest arrives in, 0 for all at once), then the bytes of a connection.
    static func http(_ data: [UInt8]) {
        guard let control = data.first else { return }
        var limits = validatorLimits
        limits.allowBareLineFeed = control & 0x80 != 0
        let piece = Int(control & 0x7f)
        var parser = RequestParser(limits: limits)
        var rest = data[1...]
        repeat {
            let chunk = piece == 0 ? rest : rest.prefix(piece)
            rest = rest.dropFirst(chunk.count)
            parser.append(chunk)
            do {
                while let request = try parser.next() { inspect(request, limits) }
            } catch {
                // After an error the parser stays failed, with the same error.
                do {
                    _ = try parser.next()
                    require(false, "the parser returned to work after \(error)")
                } catch let again {
                    require(again == error, "the parser failed with \(error), then with \(again)")
                }
                return
            }
            _ = parser.takeContinueRequest()
            require(parser.awaitedBodyBytes <= limits.maxBodyBytes,
                    "the parser awaits a body of \(parser.awaitedBodyBytes) bytes, over the limit")
        } while !rest.isEmpty
        do { try parser.finish() } catch {}
    }

    /// What the router reads from a request before it reaches a handler.
    static func inspect(_ request: Request, _ limits: Limits) {
        require(request.body.count <= limits.maxBodyBytes(method: request.method, target: request.target),
                "a body of \(request.body.count) bytes passed the route's limit")
        _ = request.path
        _ = request.keepAlive
        _ = Router.format(request)
        let query = Router.query(request.query)
        for key in ["owner", "address"] { _ = Router.address(query[key], key) }
    }

    /// Input: JSON text (a request body or a validator's answer).
    static func json(_ data: [UInt8]) {
        let value: JSONValue
        do { value = try JSONValue.parse(data) } catch { return }
        for pretty in [false, true] {
            let text = value.render(pretty: pretty)
            require((try? JSONValue.parse(Array(text.utf8))) == value, "render(pretty: \(pretty)) does not parse back")
        }
        roundTrip(value, "transfer", { try Transfer(json: $0) }, \.json)
        roundTrip(value, "mint", Mint.init(json:), \.json)
        roundTrip(value, "note", Note.init(json:), \.json)
        roundTrip(value, "output", { try Output(json: $0) }, \.json)
        roundTrip(value, "input", { try InputNote(json: $0) }, \.json)
        roundTrip(value, "receipt", { try Receipt(json: $0) }, \.json)
        roundTrip(value, "finalized", FinalizedBody.init(json:), \.json)
        roundTrip(value, "batch item", BatchItem.init(json:), \.json)
        roundTrip(value, "notes", NotesBody.init(json:), \.json)
        roundTrip(value, "transfer lookup", TransferLookupBody.init(json:), \.json)
        roundTrip(value, "event", EventBody.init(json:), \.json)
        roundTrip(value, "status", StatusBody.init(json:), \.json)
        roundTrip(value, "audit", AuditBody.init(json:), \.json)
        roundTrip(value, "error", { try APIErrorBody(errorObject: $0, status: 400) }, \.errorObject)
        _ = try? APIErrorBody(body: data, status: 503)
        _ = try? BatchBody.splitJSON(text: data)
        _ = try? BatchBody.results(json: value)
    }

    /// If `decode` accepts `value`, decoding its encoding gives the same object.
    static func roundTrip<T: Equatable>(_ value: JSONValue, _ name: String, _ decode: (JSONValue) throws -> T,
                                        _ encode: (T) -> JSONValue) {
        guard let object = try? decode(value) else { return }
        let again: T?
        do { again = try decode(encode(object)) } catch {
            require(false, "the JSON form of a decoded \(name) does not decode: \(error)")
            return
        }
        require(again == object, "the JSON form of a decoded \(name) decodes to another \(name)")
    }

    /// Input: a selector byte (0: binary batch request, 1: JSON batch request, 2: binary
    /// batch results, as a client reads them), then the body.
    static func batch(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let body = Array(data[1...])
        switch selector % 3 {
        case 0:
            if case let .success(items) = Router.splitBatch(body, .binary, backend: .portable) {
                require((1...BatchBody.maxTransfers).contains(items.count), "a batch of \(items.count) was split")
            }
        case 1:
            if case let .success(items) = Router.splitBatch(body, .json, backend: .portable) {
                require((1...BatchBody.maxTransfers).contains(items.count), "a batch of \(items.count) was split")
            }
        default:
            guard let items = try? BatchBody.results(binary: body) else { return }
            require((try? BatchBody.results(binary: BatchBody.binaryResults(items))) == items,
                    "binary batch results do not survive a round trip")
        }
    }

    /// Input: the text of an address (any bytes; invalid UTF-8 becomes U+FFFD).
    static func bech32m(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        if let decoded = try? Bech32.decodeAnyVariant(text, maximumLength: 200) {
            let encoded = try? Bech32.encode(humanReadablePart: decoded.humanReadablePart, data: decoded.data,
                                             variant: decoded.variant, maximumLength: 200)
            require(encoded == text.lowercased(), "a decoded bech32 string does not encode back to itself")
        }
        _ = try? Bech32.decodeBytes(text, expectedHumanReadablePart: Address.humanReadablePart, variant: .bech32m,
                                    maximumLength: Address.encodedLength)
        if let address = try? Address(parsing: text) {
            require(address.encoded == text.lowercased(), "a parsed address does not encode back to its text")
            require((try? Address(parsing: address.encoded)) == address, "an address's encoding parses to another")
        }
        _ = Router.address(text, "address")
        for hrp in ["bc", "tb"] {
            if let segwit = try? SegwitAddress(decoding: text, humanReadablePart: hrp) {
                require((try? segwit.encoded(humanReadablePart: hrp)) == text.lowercased(),
                        "a decoded segwit address does not encode back to its text")
            }
        }
    }
}
