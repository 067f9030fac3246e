import Foundation
public import Sodium
public import ZKPayCore

/// The wallet home: `$ZKPAY_HOME`, default `~/.zkpay`, mode 0700.
///
///     wallets/NAME.wallet     keystore (0600), see `Keystore`
///     state/NAME/state.json   note cache, reservations, history, watch cursor (0600)
///     state/NAME/lock         flock serializing the wallet's state updates
///     contacts.json           {"name": "zkp1…"}
///     validators.json         pinned ledgers: {"http://host:port": "chain id hex"}
///     ledgers/CHAINID.zkpg    the genesis of each pinned ledger
public struct WalletHome: Sendable {
    /// The home directory.
    public let path: String

    /// `$ZKPAY_HOME`, else `$HOME/.zkpay`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let home = environment["ZKPAY_HOME"], !home.isEmpty { return home }
        let user = environment["HOME"] ?? NSHomeDirectory()
        return (user as NSString).appendingPathComponent(".zkpay")
    }

    /// Opens the home at `path`, creating it (0700) with its subdirectories if missing.
    public init(path: String) throws(WalletError) {
        self.path = path
        try Files.ensureDirectory(path)
        try Files.ensureDirectory(walletsDirectory)
        try Files.ensureDirectory(path + "/state")
    }

    var walletsDirectory: String { path + "/wallets" }
    var contactsPath: String { path + "/contacts.json" }
    var pinsPath: String { path + "/validators.json" }

    /// The keystore file of wallet `name`.
    public func keystorePath(_ name: String) -> String { walletsDirectory + "/" + name + ".wallet" }

    /// The state directory of wallet `name`.
    public func stateDirectory(_ name: String) -> String { path + "/state/" + name }

    /// Checks a wallet or contact name: 1 to 32 of `a-z 0-9 _ -`, not starting with `-`.
    public static func validateName(_ name: String) throws(WalletError) {
        let allowed = name.utf8.allSatisfy { b in
            (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
        guard allowed, (1...32).contains(name.utf8.count), !name.hasPrefix("-") else { throw .invalidWalletName(name) }
    }

    /// Names of the wallets in the home, sorted.
    public func walletNames() throws(WalletError) -> [String] {
        let entries: [String]
        do { entries = try FileManager.default.contentsOfDirectory(atPath: walletsDirectory) } catch {
            throw .io(path: walletsDirectory, operation: "list", errno: EIO)
        }
        return entries.filter { $0.hasSuffix(".wallet") }.map { String($0.dropLast(7)) }
            .filter { (try? Self.validateName($0)) != nil }.sorted()
    }

    /// The wallet a command uses: `requested`, else the one named `default`, else the only one.
    public func selectWallet(_ requested: String?) throws(WalletError) -> String {
        if let requested {
            try Self.validateName(requested)
            guard Files.exists(keystorePath(requested)) else { throw .walletNotFound(name: requested, home: path) }
            return requested
        }
        let names = try walletNames()
        if names.contains("default") { return "default" }
        if names.count == 1 { return names[0] }
        if names.isEmpty { throw .noWallet(home: path) }
        throw .ambiguousWallet(names: names)
    }

    /// Writes a new keystore for `seed`; refuses to replace an existing wallet.
    /// - Returns: the wallet's address.
    @discardableResult
    public func createWallet(name: String, seed: SecretBytes, passphrase: SecretBytes,
                             parameters: Argon2idParameters) throws(WalletError) -> Address {
        try Self.validateName(name)
        let file = keystorePath(name)
        guard !Files.exists(file) else { throw .walletExists(name) }
        let sealed = try Keystore.seal(seed: seed, passphrase: passphrase, parameters: parameters)
        do { try Files.writeAtomically(sealed, to: file, exclusive: true) } catch {
            if case let .io(_, _, code) = error, code == EEXIST { throw .walletExists(name) }
            throw error
        }
        return try Keystore.header(of: sealed, path: file).address
    }

    /// The header of wallet `name`'s keystore (its address; no passphrase needed).
    public func keystoreHeader(_ name: String) throws(WalletError) -> Keystore.Header {
        let file = keystorePath(name)
        guard let bytes = try Files.read(file) else { throw .walletNotFound(name: name, home: path) }
        return try Keystore.header(of: bytes, path: file)
    }

    /// Decrypts wallet `name`. Reads only: a wrong passphrase changes nothing.
    public func unlock(_ name: String, passphrase: SecretBytes) throws(WalletError) -> (seed: SecretBytes, keys: WalletKeys) {
        let file = keystorePath(name)
        guard let bytes = try Files.read(file) else { throw .walletNotFound(name: name, home: path) }
        return try Keystore.open(bytes, passphrase: passphrase, wallet: name, path: file)
    }

    /// The state store of wallet `name`.
    public func state(_ name: String) throws(WalletError) -> WalletStore {
        try Files.ensureDirectory(stateDirectory(name))
        return WalletStore(directory: stateDirectory(name))
    }

    // MARK: contacts

    /// Contacts by name.
    public func contacts() throws(WalletError) -> [String: Address] {
        let raw: [String: String] = try readJSON(contactsPath) ?? [:]
        var out: [String: Address] = [:]
        for (name, text) in raw {
            do { out[name] = try Address(parsing: text) } catch {
                throw .stateCorrupt(path: contactsPath, reason: "contact '\(name)' has an invalid address")
            }
        }
        return out
    }

    /// Adds a contact, or changes its address when `replace` is true.
    ///
    /// A contact may not take the name of a wallet in this home: `send --to NAME` would
    /// otherwise pay whichever the lookup found first. Contacts belong to the home, not to
    /// one wallet: every wallet of the home sees the same contacts.
    /// - Returns: the address the contact had before (nil for a new contact).
    /// - Throws: `invalidContact` for a bad name or a wallet's name; `contactExists` when
    ///   the contact names another address and `replace` is false.
    @discardableResult
    public func addContact(name: String, address: Address, replace: Bool = false) throws(WalletError) -> Address? {
        do { try Self.validateName(name) } catch {
            throw .invalidContact("'\(name)' is not a contact name; use 1 to 32 characters of a-z, 0-9, _ and -")
        }
        if Files.exists(keystorePath(name)) {
            throw .invalidContact("'\(name)' is the name of a wallet in \(path); a contact may not shadow a wallet "
                + "(`send --to \(name)` pays that wallet), so choose another contact name")
        }
        return try Files.withLockTyped(path + "/contacts.lock") { () throws(WalletError) -> Address? in
            var raw: [String: String] = try readJSON(contactsPath) ?? [:]
            let previous = raw[name].flatMap { try? Address(parsing: $0) }
            if let previous, previous != address, !replace {
                throw .contactExists(name: name, address: previous.encoded)
            }
            raw[name] = address.encoded
            try writeJSON(raw, to: contactsPath)
            return previous
        }
    }

    /// `text` as an address, or the address of the contact or local wallet named `text`.
    /// - Returns: nil when it is none of these.
    /// - Throws: `invalidContact` when a contact and a wallet share the name (a home from
    ///   before contacts were kept apart from wallet names) with different addresses.
    public func resolveRecipient(_ text: String) throws(WalletError) -> Address? {
        if text.lowercased().hasPrefix(Address.humanReadablePart + "1") { return nil }
        let contact = try contacts()[text]
        var wallet: Address?
        if (try? Self.validateName(text)) != nil, Files.exists(keystorePath(text)) {
            wallet = try keystoreHeader(text).address
        }
        if let contact, let wallet, contact != wallet {
            throw .invalidContact("'\(text)' is both a wallet and a contact with another address; pay the address "
                + "itself, or remove the contact from \(contactsPath)")
        }
        return contact ?? wallet
    }

    /// A short name for the spend key `spendKey`: a contact's or a local wallet's name.
    public func name(forSpendKey spendKey: [UInt8]) -> String? {
        if let contacts = try? contacts() {
            for (name, address) in contacts.sorted(by: { $0.key < $1.key })
            where address.spendKey.encoding == spendKey { return name }
        }
        for name in (try? walletNames()) ?? [] {
            if let header = try? keystoreHeader(name), header.address.spendKey.encoding == spendKey { return name }
        }
        return nil
    }

    /// The name for a full address: a contact's or a local wallet's.
    public func name(for address: Address) -> String? {
        name(forSpendKey: address.spendKey.encoding).flatMap { n in
            // The spend key matched; make sure the whole address does (a view key could differ).
            if let c = try? contacts()[n], c == address { return n }
            if let h = try? keystoreHeader(n), h.address == address { return n }
            return nil
        }
    }

    // MARK: pinned ledgers

    /// The chain id (genesis hash) pinned for `validator` (its URL), if any.
    public func pinnedChain(for validator: String) throws(WalletError) -> ChainID? {
        let pins: [String: String] = try readJSON(pinsPath) ?? [:]
        guard let hex = pins[validator] else { return nil }
        guard let bytes = ProtocolHex.decode(hex), bytes.count == 32 else {
            throw .stateCorrupt(path: pinsPath, reason: "the chain id pinned for \(validator) is not 64 hex digits")
        }
        return ChainID(uncheckedBytes: bytes)
    }

    /// Pins the ledger `chain` for `validator` on first use; afterwards `chain` must equal the pin.
    /// - Returns: true when the ledger was pinned now (first use).
    /// - Throws: `LedgerMismatch` when a different ledger is pinned.
    @discardableResult
    public func pin(chain: ChainID, for validator: String) throws -> Bool {
        try Files.withLock(path + "/validators.lock") {
            var pins: [String: String] = try readJSON(pinsPath) ?? [:]
            if let existing = pins[validator] {
                guard existing == chain.hex else {
                    throw LedgerMismatch(validator: validator, pinned: existing, presented: chain.hex, pinsPath: pinsPath)
                }
                return false
            }
            pins[validator] = chain.hex
            try writeJSON(pins, to: pinsPath)
            return true
        }
    }

    /// Keeps a pinned ledger's genesis (its validator set, to check certificates offline) as
    /// `ledgers/CHAINID.zkpg`.
    public func save(genesis: Genesis) throws(WalletError) {
        try Files.ensureDirectory(path + "/ledgers")
        let file = path + "/ledgers/" + genesis.chainID.hex + ".zkpg"
        guard !Files.exists(file) else { return }
        try Files.writeAtomically(genesis.bytes, to: file)
    }

    /// The saved genesis of the ledger `chain`, if any.
    public func genesis(chain: ChainID) throws(WalletError) -> Genesis? {
        let file = path + "/ledgers/" + chain.hex + ".zkpg"
        guard let bytes = try Files.read(file) else { return nil }
        guard let g = try? Genesis(bytes: bytes), g.chainID == chain else {
            throw .stateCorrupt(path: file, reason: "not the genesis of chain \(chain.hex)")
        }
        return g
    }

    /// Every pin: validator URL to chain id (hex).
    public func pinnedChains() throws(WalletError) -> [String: String] { try readJSON(pinsPath) ?? [:] }
}

/// The validator serves a ledger other than the one pinned for its URL.
public struct LedgerMismatch: Error, CustomStringConvertible {
    public let validator: String, pinned: String, presented: String, pinsPath: String
    public var description: String {
        "the validator at \(validator) serves the ledger with chain id \(presented), but this wallet home pinned "
            + "chain id \(pinned) for it; it may be a different ledger or an impostor, so nothing was trusted. If the "
            + "ledger was really re-created, remove its entry from \(pinsPath) and pin the new one with "
            + "`zkpay pin --validator \(validator) --chain-id HEX`"
    }
}

extension Files {
    /// `withLock` for bodies with typed `WalletError` throws.
    static func withLockTyped<R>(_ path: String, _ body: () throws(WalletError) -> R) throws(WalletError) -> R {
        do { return try withLock(path) { try body() } } catch let e as WalletError { throw e } catch {
            throw .io(path: path, operation: "lock", errno: EIO)
        }
    }
}

/// Reads a JSON state file (nil if missing).
func readJSON<T: Decodable>(_ path: String) throws(WalletError) -> T? {
    guard let bytes = try Files.read(path) else { return nil }
    do { return try JSONDecoder().decode(T.self, from: Data(bytes)) } catch {
        throw .stateCorrupt(path: path, reason: "not the expected JSON")
    }
}

/// Writes a JSON state file atomically (0600).
func writeJSON<T: Encodable>(_ value: T, to path: String) throws(WalletError) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let data: Data
    do { data = try encoder.encode(value) } catch { throw .stateCorrupt(path: path, reason: "cannot encode") }
    try Files.writeAtomically(Array(data), to: path)
}
