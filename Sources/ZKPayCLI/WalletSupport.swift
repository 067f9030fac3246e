import Foundation
import Sodium
import Wallet
import ZKPayAPI
import ZKPayCore

/// The options every wallet command shares, parsed with the command's own.
///
/// `--wallet NAME` picks the wallet (default: `default`, else the only one);
/// `--validator URL` the validator (default `$ZKPAY_VALIDATOR`, else
/// http://127.0.0.1:7878); `--json` switches the report to one JSON object.
struct WalletContext {
    static let defaultValidator = "http://127.0.0.1:7878"

    let arguments: LedgerArguments
    let environment: [String: String]
    let console: Console

    var json: Bool { arguments.flags.contains("--json") }
    var requestedWallet: String? { arguments.options["--wallet"] }
    /// The validator: `--validator`, else $ZKPAY_VALIDATOR, else the default. Several
    /// comma-separated URLs name the validators of one cluster: a command uses the first
    /// one that answers (`reachableValidatorURL`).
    var validatorURL: String {
        let given = arguments.options["--validator"] ?? environment["ZKPAY_VALIDATOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultValidator
        return validatorURLs(given).first ?? given
    }

    /// Every URL given (one, or the comma-separated validators of a cluster).
    var validatorURLList: [String] {
        validatorURLs(arguments.options["--validator"] ?? environment["ZKPAY_VALIDATOR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultValidator)
    }

    /// The first of the given validators that answers `GET /v1/status` within a few
    /// seconds, tried in order; the first one when none answers (its error is then the
    /// command's). One URL is used as it is.
    func reachableValidatorURL() throws -> String {
        let urls = validatorURLList
        for text in urls { _ = try parseValidatorURL(text) }
        guard urls.count > 1 else { return validatorURL }
        for text in urls {
            let client = ValidatorClient(url: try parseValidatorURL(text), timeout: 3)
            defer { client.close() }
            if (try? client.status()) != nil { return text }
            console.progress("\(text) does not answer; trying the next validator")
        }
        return validatorURL
    }

    /// Parses `arguments` with the shared options added to the command's own.
    init(_ arguments: [String], valued: Set<String> = [], flags: Set<String> = [], repeatable: Set<String> = [],
         console: Console, positionals: ClosedRange<Int> = 0...0, positionalHint: String = "") throws {
        let parsed = try LedgerArguments(arguments, valued: valued.union(["--wallet", "--validator"]),
                                         flags: flags.union(["--json"]), repeatable: repeatable)
        guard positionals.contains(parsed.positionals.count) else {
            if parsed.positionals.count > positionals.upperBound {
                throw CLIError.usage("unexpected argument '\(parsed.positionals[positionals.upperBound])'")
            }
            throw CLIError.usage(positionalHint.isEmpty ? "missing argument" : positionalHint)
        }
        self.arguments = parsed
        environment = ProcessInfo.processInfo.environment
        self.console = console
    }

    /// The wallet home ($ZKPAY_HOME or ~/.zkpay), created on first use.
    func home() throws -> WalletHome {
        do { return try WalletHome(path: WalletHome.defaultPath(environment: environment)) } catch {
            throw CLIError.failure("\(error)", code: errorCode(error))
        }
    }

    /// The selected wallet's name.
    func walletName(in home: WalletHome) throws -> String {
        do { return try home.selectWallet(requestedWallet) } catch {
            if case .invalidWalletName = error { throw CLIError.usage("--wallet: \(error)") }
            throw CLIError.failure("\(error)", code: errorCode(error))
        }
    }

    /// Decrypts the selected wallet (passphrase from $ZKPAY_PASSPHRASE or the terminal).
    func unlock(_ home: WalletHome, _ name: String) throws -> (seed: SecretBytes, keys: WalletKeys) {
        let passphrase = try Passphrase.obtain(prompt: "passphrase for wallet '\(name)': ", confirm: false,
                                               environment: environment)
        console.progress("unlocking wallet '\(name)' (Argon2id)…")
        do { return try home.unlock(name, passphrase: passphrase) } catch { throw CLIError.failure("\(error)", code: errorCode(error)) }
    }

    /// The value of a required option.
    func required(_ option: String, _ what: String) throws -> String {
        guard let value = arguments.options[option] else { throw CLIError.usage("\(option) \(what) is required") }
        return value
    }

    /// How the ledger pinned for this command's validator writes amounts, from the genesis
    /// the wallet home saved when it pinned (the standard format before the first pin): lets
    /// a command reject a malformed amount before any passphrase prompt or request. After
    /// `session()`, `session.amounts` is the authority.
    func localAmounts(_ home: WalletHome) -> AmountFormat {
        guard let url = try? ValidatorURL(parsing: validatorURL),
              let chain = try? home.pinnedChain(for: url.description),
              let genesis = try? home.genesis(chain: chain) else { return .standard }
        return AmountFormat(genesis: genesis)
    }

    /// Parses an amount option (usage error with the reason when malformed).
    func amount(_ option: String, format: AmountFormat) throws -> UInt64? {
        guard let text = arguments.options[option] else { return nil }
        do { return try format.parse(text) } catch { throw CLIError.usage("\(option): \(error)") }
    }

    /// A payment amount: required, and more than 0. A negative amount and 0 get the same
    /// message.
    func paymentAmount(_ option: String = "--amount", format: AmountFormat) throws -> UInt64 {
        guard let text = arguments.options[option] else { throw CLIError.usage("\(option) DECIMAL is required") }
        let units: UInt64
        do { units = try format.parse(text) } catch {
            if case .negative = error { throw Self.notPositive(option, text, format) }
            throw CLIError.usage("\(option): \(error)")
        }
        guard units > 0 else { throw Self.notPositive(option, text, format) }
        return units
    }

    /// `--amount` (and `--fee`, when given) checked against the pinned ledger's saved decimals,
    /// so malformed text is a usage error before any passphrase prompt or request.
    func precheckAmounts(_ home: WalletHome, fee: Bool = true) throws {
        let local = localAmounts(home)
        _ = try paymentAmount(format: local)
        if fee { _ = try amount("--fee", format: local) }
    }

    /// `--amount` and `--fee` as the connected ledger means them (its decimals), the fee
    /// defaulting to and checked against the ledger's minimum fee.
    func paymentAndFee(_ session: WalletSession) throws -> (amount: UInt64, fee: UInt64) {
        let f = session.amounts
        let amount = try paymentAmount(format: f)
        let minimumFee = session.status?.minimumFee ?? 0
        let fee = try self.amount("--fee", format: f) ?? minimumFee
        if fee < minimumFee {
            throw CLIError.usage("--fee \(f.format(fee)) is below the ledger's minimum fee \(f.format(minimumFee))")
        }
        return (amount, fee)
    }

    static func notPositive(_ option: String, _ text: String, _ format: AmountFormat) -> CLIError {
        CLIError.usage("\(option) \(text): an amount must be more than 0; the smallest is \(format.smallest)")
    }

    /// A recipient: an address, a contact or a local wallet's name.
    func recipient(_ text: String, home: WalletHome, option: String = "--to") throws -> Address {
        if let named = try wrap({ try home.resolveRecipient(text) }) { return named }
        do { return try Address(parsing: text) } catch {
            if text.lowercased().hasPrefix("zkp1") {
                throw CLIError.usage("\(option): '\(abbreviated(text))' is not a valid zkpay address: \(error)")
            }
            let known = ((try? home.contacts().keys).map(Array.init) ?? []) + ((try? home.walletNames()) ?? [])
            if let near = nearestName(to: text, among: known) {
                throw CLIError.usage("\(option): no contact or wallet is named '\(text)'; did you mean '\(near)'?")
            }
            throw CLIError.usage("\(option): '\(text)' is neither a zkpay address (zkp1…) nor a contact or wallet name; "
                + "add it with `zkpay contacts add NAME ADDRESS`")
        }
    }

    /// The validator URL, parsed (a usage error when it does not parse).
    func parsedValidatorURL() throws -> ValidatorURL { try parseValidatorURL(validatorURL) }
}

/// The comma-separated URLs of `text`, trimmed, empty ones dropped.
func validatorURLs(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Parses a validator URL given with --validator or ZKPAY_VALIDATOR.
func parseValidatorURL(_ text: String) throws -> ValidatorURL {
    do { return try ValidatorURL(parsing: text) } catch { throw CLIError.usage("--validator: \(error)") }
}

/// The name of `names` closest to `text` when it is a near miss (at most two edits, or
/// one for short names): "did you mean …?".
func nearestName(to text: String, among names: [String]) -> String? {
    let limit = text.count <= 4 ? 1 : 2
    let scored = names.map { ($0, editDistance(text, $0)) }.filter { $0.1 <= limit }
    return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
}

/// Levenshtein distance (insertions, deletions, substitutions) between two short names.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var previous = Array(0...y.count)
    for i in 1...max(x.count, 1) where !x.isEmpty {
        var current = [i] + Array(repeating: 0, count: y.count)
        for j in 1...max(y.count, 1) where !y.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[y.count]
}

/// Runs `body`, turning wallet errors into CLI failures.
func wrap<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as CLIError { throw e } catch {
        throw CLIError.failure("\(error)", code: errorCode(error))
    }
}

/// The machine-readable kind of an error, for `--json` error objects.
func errorCode(_ error: Error) -> String {
    switch error {
    case let e as WalletOperationError:
        switch e {
        case .validatorDown: "validator_unreachable"
        case .invalidValidatorURL: "invalid_url"
        case .insufficientFunds: "insufficient_funds"
        case let .rejected(_, code, _): code
        case .unconfirmed: "unconfirmed"
        case .badReceipt: "bad_receipt"
        case .notesTaken: "notes_taken"
        case .notIssuer: "not_issuer"
        case .failed: "failed"
        }
    case let e as WalletError:
        switch e {
        case .wrongPassphrase: "wrong_passphrase"
        case .walletNotFound, .noWallet: "wallet_not_found"
        case .ambiguousWallet: "ambiguous_wallet"
        case .walletExists: "wallet_exists"
        case .noPassphrase, .badPassphrase: "passphrase"
        case .contactExists: "contact_exists"
        case .invalidContact: "invalid_contact"
        default: "wallet_error"
        }
    case is LedgerMismatch: "ledger_mismatch"
    case let e as ValidatorClientError:
        switch e {
        case .unreachable: "validator_unreachable"
        case let .rejected(body): body.code
        default: "failed"
        }
    default: "failed"
    }
}

/// The passphrase: `$ZKPAY_PASSPHRASE`, else typed on the terminal with echo off.
enum Passphrase {
    static func obtain(prompt: String, confirm: Bool, environment: [String: String]) throws -> SecretBytes {
        if let fromEnvironment = environment["ZKPAY_PASSPHRASE"] {
            guard !fromEnvironment.isEmpty else {
                throw CLIError.failure("ZKPAY_PASSPHRASE is empty; choose a non-empty passphrase")
            }
            var bytes = Array(fromEnvironment.utf8)
            defer { secureZero(&bytes) }
            return SecretBytes(copying: bytes)
        }
        let first = try readNoEcho(prompt)
        guard first.count > 0 else { throw CLIError.failure("the passphrase is empty; choose a non-empty passphrase") }
        if confirm {
            let second = try readNoEcho("repeat the passphrase: ")
            guard first.constantTimeEquals(second) else { throw CLIError.failure("the two passphrases differ; nothing was created") }
        }
        return first
    }

    /// Reads a line from the controlling terminal with echo off (termios), restoring the
    /// terminal afterwards. The bytes go straight into wiped memory.
    static func readNoEcho(_ prompt: String) throws -> SecretBytes {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError.failure(WalletError.noPassphrase.description) }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { throw CLIError.failure(WalletError.noPassphrase.description) }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        guard tcsetattr(fd, TCSAFLUSH, &quiet) == 0 else { throw CLIError.failure("cannot turn off terminal echo") }
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            _ = "\n".withCString { write(fd, $0, 1) }
        }
        let capacity = 1024
        var length = 0
        let buffer = SecretBytes(count: capacity) { out in
            var byte: UInt8 = 0
            while length < capacity {
                let n = read(fd, &byte, 1)
                if n < 0, errno == EINTR { continue }
                if n <= 0 || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                out[length] = byte
                length += 1
            }
            byte = 0
        }
        return buffer.withUnsafeBytes { SecretBytes(copying: $0.prefix(length)) }
    }
}

extension Console {
    /// Whether stdout is a terminal (colors only then).
    var colorful: Bool { !isCapturing && isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    /// `text` in an ANSI color when stdout is a terminal.
    func paint(_ text: String, _ color: ANSIColor) -> String {
        colorful ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }

    /// A progress line on stderr for steps that take a second or more: shown on a
    /// terminal (or with ZKPAY_PROGRESS=1), never mixed into stdout.
    func progress(_ line: String) {
        guard !isCapturing else { return }
        let env = ProcessInfo.processInfo.environment
        if isatty(STDERR_FILENO) == 1 || env["ZKPAY_PROGRESS"] == "1" { printError(line) }
    }
}

/// The few colors the wallet uses.
enum ANSIColor: String {
    case green = "32", yellow = "33", red = "31", bold = "1", dim = "2", cyan = "36"
}

/// A JSON string literal.
func jsonString(_ s: String) -> String { JSONValue.string(s).render() }

/// A JSON object written member by member, in order (u64 values stay exact).
struct JSONObjectText {
    private var members: [String] = []

    mutating func string(_ key: String, _ value: String) { members.append("\(jsonString(key)): \(jsonString(value))") }
    mutating func number(_ key: String, _ value: UInt64) { members.append("\(jsonString(key)): \(value)") }
    mutating func bool(_ key: String, _ value: Bool) { members.append("\(jsonString(key)): \(value)") }
    /// `value` must already be JSON.
    mutating func raw(_ key: String, _ value: String) { members.append("\(jsonString(key)): \(value)") }

    var text: String { "{" + members.joined(separator: ", ") + "}" }
}

/// The first 20 characters of a long input, for error messages.
func abbreviated(_ text: String) -> String { text.count > 20 ? String(text.prefix(20)) + "…" : text }
