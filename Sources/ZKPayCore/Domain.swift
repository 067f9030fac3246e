// Every domain-separation string of the zkpay protocol, in one place (docs/PROTOCOL.md §2).
//
// Two mechanisms separate the uses of a hash or a signature:
// - BLAKE2b keys: libsodium's keyed BLAKE2b (RFC 7693 keyed mode) with the ASCII string
//   below as the key. A keyed BLAKE2b is a PRF per key, so outputs under different keys
//   are independent even for equal inputs. (libsodium 1.0.18 exposes personalisation only
//   for the 16-byte salt/personal API; a key of up to 64 bytes is the portable choice.)
// - schnorrkel signing contexts: the bytes of `SigningContext::new(ctx)` (Merlin
//   transcript "SigningContext", then the context as an empty-label message).
// Merlin transcript labels are `StaticString`s, as the Merlin API requires.
//
// Every string ends in a version; a new protocol version adds new strings instead of
// reusing these.

/// The zkpay protocol's domain-separation constants.
public enum Domain {
    // MARK: BLAKE2b keys

    /// Key of BLAKE2b-512(seed) reduced mod l: the spend secret x.
    public static let spendKey = "zkpay/spend-key/v1"
    /// Key of BLAKE2b-512(seed) reduced mod l: the view secret y.
    public static let viewKey = "zkpay/view-key/v1"
    /// Key of BLAKE2b-512(seed) reduced mod l: an auditor's secret s (its key is A = s⁻¹·B~).
    public static let auditorSecret = "zkpay/auditor-secret/v1"
    /// Key of BLAKE2b-512(random ‖ A ‖ chain id) reduced mod l: a transfer's ephemeral scalar
    /// e_k toward auditor k.
    public static let auditorEphemeral = "zkpay/auditor-ephemeral/v1"
    /// Key of BLAKE2b-512(shared ‖ R ‖ A ‖ chain id ‖ LE32(j) ‖ C_j ‖ D_jk): AEAD key (first 32
    /// bytes) and nonce (next 24) of output j's ciphertext to an auditor.
    public static let auditorKey = "zkpay/auditor-key/v1"
    /// Key of BLAKE2b-256(seed): the 32-byte nonce seed of the schnorrkel spend key.
    public static let spendNonce = "zkpay/spend-nonce/v1"
    /// Key of BLAKE2b-512(random ‖ V ‖ owner ‖ C) reduced mod l: a memo's ephemeral scalar e.
    public static let memoEphemeral = "zkpay/memo-ephemeral/v1"
    /// Key of BLAKE2b-512(shared ‖ R ‖ V ‖ owner ‖ C): memo AEAD key (first 32 bytes) and
    /// nonce (next 24 bytes).
    public static let memoKey = "zkpay/memo-key/v1"
    /// Key of BLAKE2b-256(canonical transfer encoding): the transfer id.
    public static let transferID = "zkpay/transfer-id/v3"
    /// Key of BLAKE2b-256(canonical mint encoding): the mint id.
    public static let mintID = "zkpay/mint-id/v2"
    /// Key of BLAKE2b-256(canonical redemption encoding): the redemption id.
    public static let redemptionID = "zkpay/redemption-id/v1"
    /// Key of BLAKE2b-256(parent id ‖ LE32(output index)): a note id.
    public static let noteID = "zkpay/note-id/v1"
    /// Key of BLAKE2b-256(genesis file without its last 32 bytes): the chain id, also the
    /// ledger's initial chain hash.
    public static let genesisChecksum = "zkpay/genesis/v2"
    /// Key of BLAKE2b-256(validator public key): the key's fingerprint, compared by people.
    public static let receiptKeyFingerprint = "zkpay/receipt-key-fingerprint/v1"
    /// Prefix of what a validator signs for a receipt batch:
    /// prefix ‖ chain id ‖ first u64 ‖ size u16 ‖ root ‖ state digest.
    public static let receiptBatch = "zkpay/receipt-batch/v4"
    /// Key of BLAKE2b-256(note id ‖ owner (32) ‖ commitment (32)): an unspent note's term of
    /// the state digest.
    public static let stateNote = "zkpay/state-note/v1"
    /// Key of BLAKE2b-256(LE64(position) ‖ excess (32)): a settled transfer's excess term of
    /// the state digest.
    public static let stateExcess = "zkpay/state-excess/v1"
    /// Key of BLAKE2b-256(the state's sums, totals, sequence and chain hash): the state digest.
    public static let stateDigest = "zkpay/state-digest/v1"
    /// Key of BLAKE2b-256(an authority statement's signed body): the statement's id.
    public static let authorityID = "zkpay/authority-id/v1"
    /// Prefix of what a validator signs for an authority statement: prefix ‖ signed body.
    public static let authorityStatement = "zkpay/authority-statement/v1"

    // MARK: schnorrkel signing contexts

    /// Context of the sender's authorization signature (spend key, generator B).
    public static let authorizationContext = "zkpay/transfer-authorization/v3"
    /// Context of the balance signature (key E, generator B~).
    public static let balanceContext = "zkpay/transfer-balance/v3"
    /// Context of the issuer's mint signature (issuer key, generator B).
    public static let mintContext = "zkpay/mint/v2"
    /// Context of the holder's redemption signature (the inner transfer's sender key, generator B).
    public static let redemptionContext = "zkpay/redemption/v1"
    /// Context of the issuer's signature of an authority statement (issuer key, generator B).
    public static let authorityContext = "zkpay/authority/v1"

    // MARK: Merlin transcript labels

    /// Application label of the Merlin transcript of a transfer's aggregated range proof;
    /// the chain id follows as the message "chain-id".
    public static let rangeProofTranscript: StaticString = "zkpay/range-proof/v2"
    /// Application label of the Merlin transcript of a transfer's auditor validity proofs.
    public static let auditorProofTranscript: StaticString = "zkpay/auditor-proof/v1"

    /// A BLAKE2b key as bytes.
    static func key(_ string: String) -> [UInt8] { Array(string.utf8) }

    /// `noteID` as key bytes, built once (note ids are derived for every output of every
    /// transfer the validator verifies, applies or replays).
    package static let noteIDKey = key(noteID)
}
