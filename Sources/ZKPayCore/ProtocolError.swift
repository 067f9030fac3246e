/// Why a zkpay protocol object was rejected, or why a wallet operation cannot proceed.
///
/// Every case has a stable machine-readable `code` (the validator returns it over HTTP
/// and the fixtures name it; it never changes meaning) and a `description` that says
/// what failed, where, and what to do. Field names are paths into the JSON form of the
/// object (`outputs[1].commitment`), which the binary decoder uses too.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    // MARK: Encoding

    /// The encoding ends inside `field`.
    case truncated(field: String, needed: Int, remaining: Int)
    /// Bytes follow a complete object.
    case trailingBytes(count: Int)
    /// A count (inputs, outputs, a length) is outside what the protocol allows.
    case countOutOfRange(field: String, count: Int, allowed: String)
    /// 32 bytes that are not a canonical ristretto255 encoding (RFC 9496 §4.3.1).
    case nonCanonicalPoint(field: String)
    /// A point that must not be the identity is the identity (a public key, an owner).
    case identityPoint(field: String)
    /// 32 bytes whose little-endian value is not below the group order l.
    case nonCanonicalScalar(field: String)
    /// The object type byte names another object (e.g. a mint where a transfer was expected).
    case unexpectedObjectType(expected: String, found: Int)
    /// The version byte is one this implementation does not know.
    case unknownVersion(object: String, version: Int)
    /// A field is structurally wrong in a way no other case names (padding, a marker bit).
    case invalidEncoding(field: String, reason: String)
    /// The JSON form is malformed: a missing, extra or mistyped field, or bad hex.
    case invalidJSON(field: String, reason: String)
    /// A `zkp1…` address that does not parse.
    case invalidAddress(reason: String)
    /// A wallet seed that cannot give keys.
    case invalidSeed(reason: String)
    /// A `zkpaud1…` auditor key that does not parse.
    case invalidAuditorKey(reason: String)

    // MARK: Memos and notes

    /// A memo text longer than `Memo.maximumTextLength` bytes.
    case memoTextTooLong(length: Int)
    /// The memo does not decrypt under this view key: the note belongs to someone else,
    /// or the memo was altered.
    case memoNotForThisKey
    /// The memo decrypted but its plaintext is malformed (sender bug or malice).
    case memoMalformed(reason: String)
    /// The memo decrypted, but amount·B + blinding·B~ is not the note's commitment: the
    /// note must not be credited.
    case memoCommitmentMismatch
    /// The note is not owned by this wallet's spend key.
    case noteNotOwned

    // MARK: Transfer and mint validity

    /// Two inputs name the same note.
    case duplicateInput(index: Int)
    /// The input notes supplied to the verifier do not match the transfer's input ids.
    case inputNotesMismatch(index: Int)
    /// An input note is owned by a key other than the transfer's sender.
    case inputOwnerMismatch(index: Int)
    /// The excess E is not Σ outputs − Σ inputs + fee·B.
    case excessMismatch
    /// The aggregated range proof does not verify for the output commitments.
    case invalidRangeProof
    /// The balance signature (key E, generator B~) does not verify.
    case invalidBalanceSignature
    /// The sender's authorization signature does not verify.
    case invalidAuthorization
    /// The issuer's mint signature does not verify.
    case invalidMintSignature
    /// The mint is not signed by the expected issuer key.
    case unexpectedIssuer
    /// Amounts add up past 2^64 − 1.
    case amountOverflow(field: String)
    /// The transfer's auditor section serves `found` auditors where the ledger's genesis names
    /// `expected`: output `output` lacks (or has extra) handles.
    case auditorSectionMismatch(output: Int, expected: Int, found: Int)
    /// Output `output`'s auditor validity proof does not verify: a handle does not use the
    /// blinding of its commitment.
    case invalidAuditorProof(output: Int)

    // MARK: Wallet

    /// The spendable notes do not cover the amounts and the fee.
    case insufficientFunds(available: UInt64, needed: UInt64)
    /// A transfer request the protocol cannot express (too many recipients or inputs).
    case unsupportedRequest(reason: String)
    /// A redemption's bank reference breaks the rules of §7.11 (length, characters).
    case invalidReference(reason: String)
    /// A redemption's burned output is not one it may burn (index, owner, chain id).
    case invalidBurn(reason: String)
    /// A redemption's amount and blinding do not open its burned output's commitment.
    case burnOpeningMismatch(output: Int)
    /// A redemption's holder signature does not verify under the transfer's sender key.
    case invalidHolderSignature

    /// The stable code of this error (snake case; see docs/PROTOCOL.md §9).
    public var code: String {
        switch self {
        case .truncated: "truncated"
        case .trailingBytes: "trailing_bytes"
        case .countOutOfRange: "count_out_of_range"
        case .nonCanonicalPoint: "non_canonical_point"
        case .identityPoint: "identity_point"
        case .nonCanonicalScalar: "non_canonical_scalar"
        case .unexpectedObjectType: "unexpected_object_type"
        case .unknownVersion: "unknown_version"
        case .invalidEncoding: "invalid_encoding"
        case .invalidJSON: "invalid_json"
        case .invalidAddress: "invalid_address"
        case .invalidSeed: "invalid_seed"
        case .invalidAuditorKey: "invalid_auditor_key"
        case .memoTextTooLong: "memo_text_too_long"
        case .memoNotForThisKey: "memo_not_for_this_key"
        case .memoMalformed: "memo_malformed"
        case .memoCommitmentMismatch: "memo_commitment_mismatch"
        case .noteNotOwned: "note_not_owned"
        case .duplicateInput: "duplicate_input"
        case .inputNotesMismatch: "input_notes_mismatch"
        case .inputOwnerMismatch: "input_owner_mismatch"
        case .excessMismatch: "excess_mismatch"
        case .invalidRangeProof: "invalid_range_proof"
        case .invalidBalanceSignature: "invalid_balance_signature"
        case .invalidAuthorization: "invalid_authorization"
        case .invalidMintSignature: "invalid_mint_signature"
        case .unexpectedIssuer: "unexpected_issuer"
        case .amountOverflow: "amount_overflow"
        case .auditorSectionMismatch: "auditor_section_mismatch"
        case .invalidAuditorProof: "invalid_auditor_proof"
        case .insufficientFunds: "insufficient_funds"
        case .unsupportedRequest: "unsupported_request"
        case .invalidReference: "invalid_reference"
        case .invalidBurn: "invalid_burn"
        case .burnOpeningMismatch: "burn_opening_mismatch"
        case .invalidHolderSignature: "invalid_holder_signature"
        }
    }

    /// Every code, for documentation and tests.
    public static let allCodes: [String] = [
        "truncated", "trailing_bytes", "count_out_of_range", "non_canonical_point", "identity_point",
        "non_canonical_scalar", "unexpected_object_type", "unknown_version", "invalid_encoding", "invalid_json",
        "invalid_address", "invalid_seed", "memo_text_too_long", "memo_not_for_this_key", "memo_malformed",
        "memo_commitment_mismatch", "note_not_owned", "duplicate_input", "input_notes_mismatch",
        "input_owner_mismatch", "excess_mismatch", "invalid_range_proof", "invalid_balance_signature",
        "invalid_authorization", "invalid_mint_signature", "unexpected_issuer", "amount_overflow",
        "insufficient_funds", "unsupported_request", "invalid_auditor_key", "auditor_section_mismatch",
        "invalid_auditor_proof", "invalid_reference", "invalid_burn", "burn_opening_mismatch",
        "invalid_holder_signature",
    ]

    /// Whether the error is a fault of the encoding (decode-time) rather than of the
    /// cryptographic or ledger-independent validity rules.
    public var isEncodingError: Bool {
        switch self {
        case .truncated, .trailingBytes, .countOutOfRange, .nonCanonicalPoint, .identityPoint, .nonCanonicalScalar,
             .unexpectedObjectType, .unknownVersion, .invalidEncoding, .invalidJSON:
            true
        default: false
        }
    }

    public var description: String {
        switch self {
        case let .truncated(field, needed, remaining):
            "\(field) needs \(needed) bytes but only \(remaining) remain; the object is truncated, send the whole encoding"
        case let .trailingBytes(count):
            "\(count) unexpected bytes after the object; send exactly one encoded object"
        case let .countOutOfRange(field, count, allowed):
            "\(field) is \(count), outside the allowed \(allowed)"
        case let .nonCanonicalPoint(field):
            "\(field) is not a canonical ristretto255 point encoding (RFC 9496 §4.3.1); the data is corrupt or forged"
        case let .identityPoint(field):
            "\(field) is the identity point, which is not a usable key; use a properly generated key"
        case let .nonCanonicalScalar(field):
            "\(field) is not a canonical scalar (its value is not below the group order l); reduce it mod l"
        case let .unexpectedObjectType(expected, found):
            "object type byte is \(found), expected a \(expected); send the object the endpoint expects"
        case let .unknownVersion(object, version):
            "\(object) version \(version) is not supported (this implementation knows version 1); upgrade or re-encode"
        case let .invalidEncoding(field, reason):
            "\(field) is malformed: \(reason)"
        case let .invalidJSON(field, reason):
            "JSON field \(field): \(reason)"
        case let .invalidAddress(reason):
            "not a zkpay address: \(reason); an address is the 113-character bech32m string starting with zkp1"
        case let .invalidSeed(reason):
            "wallet seed unusable: \(reason)"
        case let .invalidAuditorKey(reason):
            "not a zkpay auditor key: \(reason); an auditor key is the 65-character bech32m string starting with zkpaud1"
        case let .memoTextTooLong(length):
            "memo text is \(length) bytes; at most \(Memo.maximumTextLength) bytes fit"
        case .memoNotForThisKey:
            "the memo does not decrypt with this view key: the note is not addressed to this wallet, or the memo was altered"
        case let .memoMalformed(reason):
            "the memo decrypted but is malformed (\(reason)); the note must not be credited, report it to the sender"
        case .memoCommitmentMismatch:
            "the memo's amount and blinding do not open the note's commitment; the note must not be credited, report it to the sender"
        case .noteNotOwned:
            "the note's owner is not this wallet's spend key; it cannot be spent from here"
        case let .duplicateInput(index):
            "inputs[\(index)] spends a note that an earlier input already spends; each note is spent once"
        case let .inputNotesMismatch(index):
            "the input note supplied for inputs[\(index)] has another id; supply the notes the transfer spends, in order"
        case let .inputOwnerMismatch(index):
            "inputs[\(index)] is owned by a key other than the transfer's sender; a transfer spends only the sender's notes"
        case .excessMismatch:
            "excess is not Σ outputs − Σ inputs + fee·B; the transfer is not balanced as encoded"
        case .invalidRangeProof:
            "the range proof does not verify for the output commitments; some output amount is not in [0, 2^64)"
        case .invalidBalanceSignature:
            "the balance signature does not verify under the excess with generator B~; the transfer creates or destroys value"
        case .invalidAuthorization:
            "the sender's authorization signature does not verify; the transfer was altered or not signed by the owner"
        case .invalidMintSignature:
            "the mint signature does not verify under the issuer key; the mint was altered or not signed by the issuer"
        case .unexpectedIssuer:
            "the mint is signed by a key other than the ledger's issuer key"
        case let .amountOverflow(field):
            "\(field) adds up past 2^64 − 1"
        case let .auditorSectionMismatch(output, expected, found):
            "outputs[\(output)] carries handles for \(found) auditor keys but the ledger's genesis names \(expected); "
                + "rebuild the transfer with the ledger's genesis (pin it again if it changed)"
        case let .invalidAuditorProof(output):
            "outputs[\(output)]'s auditor validity proof does not verify: its decryption handles do not use the "
                + "blinding of its commitment; the sender's wallet built a faulty transfer"
        case let .insufficientFunds(available, needed):
            "spendable notes hold \(available) but \(needed) (amounts plus fee) are needed"
        case let .unsupportedRequest(reason):
            "cannot build this transfer: \(reason)"
        case let .invalidReference(reason):
            "the redemption's bank reference is not usable: \(reason)"
        case let .invalidBurn(reason):
            "the redemption cannot burn this output: \(reason)"
        case let .burnOpeningMismatch(output):
            "the redemption's amount and blinding do not open the commitment of output \(output); it reveals another amount than it burns"
        case .invalidHolderSignature:
            "the holder signature does not verify under the transfer's sender key; the redemption was altered or not signed by the holder"
        }
    }
}
