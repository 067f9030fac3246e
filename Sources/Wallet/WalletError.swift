/// What can go wrong in the wallet. Each description says what failed and what to do;
/// none contains a secret.
public enum WalletError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A wallet name outside `[a-z0-9_-]`, empty, too long or starting with `-`.
    case invalidWalletName(String)
    /// `wallet create` / `import` of a name that exists.
    case walletExists(String)
    /// No wallet of that name in the home.
    case walletNotFound(name: String, home: String)
    /// No `--wallet` and no single or `default` wallet to fall back to.
    case noWallet(home: String)
    /// No `--wallet` and several wallets, none called `default`.
    case ambiguousWallet(names: [String])
    /// The keystore did not authenticate: wrong passphrase, or the file was changed.
    case wrongPassphrase(wallet: String)
    /// The keystore is not a keystore of a version this zkpay reads.
    case keystoreMalformed(path: String, reason: String)
    /// No passphrase in $ZKPAY_PASSPHRASE and no terminal to ask on.
    case noPassphrase
    /// An empty passphrase, or two prompts that differ.
    case badPassphrase(String)
    /// The seed text is neither 64 hex digits nor a `zkpseed1…` bech32m string.
    case invalidSeed(String)
    /// A file or directory operation failed.
    case io(path: String, operation: String, errno: Int32)
    /// A state file that does not parse.
    case stateCorrupt(path: String, reason: String)
    /// A contact name that is not a valid name, or a duplicate.
    case invalidContact(String)
    /// `contacts add` of a name that already names another address (without `--replace`).
    case contactExists(name: String, address: String)
    /// ZKPAY_KDF names no known level.
    case unknownKDFLevel(String)

    public var description: String {
        switch self {
        case let .invalidWalletName(name):
            "'\(name)' is not a wallet name; use 1 to 32 characters of a-z, 0-9, _ and -, not starting with -"
        case let .walletExists(name):
            "a wallet named '\(name)' already exists; choose another name (or remove its keystore file yourself)"
        case let .walletNotFound(name, home):
            "no wallet named '\(name)' in \(home); see `zkpay wallet list`"
        case let .noWallet(home):
            "no wallet in \(home); create one with `zkpay wallet create NAME`"
        case let .ambiguousWallet(names):
            "several wallets (\(names.joined(separator: ", "))) and none is named 'default'; choose one with --wallet NAME"
        case let .wrongPassphrase(wallet):
            "wrong passphrase for wallet '\(wallet)' (or its keystore file was modified); nothing was changed"
        case let .keystoreMalformed(path, reason):
            "\(path) is not a zkpay keystore this version reads: \(reason)"
        case .noPassphrase:
            "no passphrase: set ZKPAY_PASSPHRASE or run zkpay on a terminal to be asked"
        case let .badPassphrase(reason):
            reason
        case let .invalidSeed(reason):
            "invalid seed: \(reason); give 64 hex digits or a zkpseed1… string from `zkpay wallet export-seed`"
        case let .io(path, operation, code):
            "cannot \(operation) \(path): \(errnoText(code))"
        case let .stateCorrupt(path, reason):
            "\(path) is damaged (\(reason)); move it aside and run the command again to rebuild it from the validator"
        case let .invalidContact(reason):
            reason
        case let .contactExists(name, address):
            "contact '\(name)' already names \(address); give --replace to change its address"
        case let .unknownKDFLevel(name):
            "ZKPAY_KDF=\(name) is not a key-derivation level; use moderate (default), sensitive, interactive or test"
        }
    }
}
