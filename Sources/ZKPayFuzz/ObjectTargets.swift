@testable import Ledger
import Ristretto255
import Sodium
import ZKPayCore
import ZKPayTools

/// Targets for the canonical binary codecs of the protocol objects (request bodies, log
/// records, wallet files all carry them).
enum ObjectTargets {
    /// A wallet whose view key opens the memos the note target seals.
    static let wallet: WalletKeys = {
        do { return try WalletKeys(seed: SecretBytes(copying: Array("zkpay-fuzz memo wallet seed 0001".utf8))) } catch {
            fatalError("a 32-byte seed makes wallet keys: \(error)")
        }
    }()

    /// Input: a transfer's canonical encoding (a POST /v1/transfers body, a log record's object).
    static func transfer(_ data: [UInt8]) {
        // The replay parser reads logged transfers without decoding points: it must refuse
        // nothing the full decoder accepts, and read the same fields.
        let facts = try? TransferFacts.parse(data)
        if let facts {
            _ = facts.inputs
            _ = facts.outputIDs
            _ = facts.outputs
            _ = facts.excess
            _ = facts.sender
        }
        guard let t = try? Transfer(bytes: data) else { return }
        guard let facts else {
            require(false, "the replay parser refuses a transfer the decoder accepts")
            return
        }
        require(facts.id == t.id && facts.inputs == t.inputs && facts.outputIDs == t.outputIDs && facts.fee == t.fee,
                "the replay parser reads other ids or fee than the decoder")
        require(facts.outputs == t.outputs.map(outputBytes) && Array(facts.excess) == t.excessKey.bytes
                    && Array(facts.sender) == t.senderKey.bytes,
                "the replay parser reads other outputs or keys than the decoder")
        require(t.outputCommitmentEncodings == t.outputs.map(\.commitment.encoding),
                "the commitment encodings sliced from the bytes differ from the decoded commitments")
        _ = t.createdNotes
        require(t.bytes == data, "a decoded transfer holds other bytes than it was decoded from")
        require(jsonRoundTrip(t.json, { try Transfer(json: $0) }) == t, "a transfer's JSON form decodes to another transfer")
    }

    /// Input: a mint's canonical encoding.
    static func mint(_ data: [UInt8]) {
        guard let m = try? Mint(bytes: data) else { return }
        require(m.bytes == data, "a decoded mint holds other bytes than it was decoded from")
        require(m.outputs.reduce(UInt64(0)) { $0 &+ $1.amount } == m.total, "a mint's total is not the sum of its amounts")
        _ = m.createdNotes
        _ = m.signedMessage
        require(jsonRoundTrip(m.json, Mint.init(json:)) == m, "a mint's JSON form decodes to another mint")
    }

    /// Input: a redemption's canonical encoding (a POST /v1/redemptions body, a log record's
    /// object).
    static func redemption(_ data: [UInt8]) {
        guard let r = try? Redemption(bytes: data) else { return }
        require(r.bytes == data, "a decoded redemption holds other bytes than it was decoded from")
        require(r.transfer.chainID == r.chainID && r.burnedIndex < r.transfer.outputs.count,
                "a decoded redemption wraps a transfer of another chain or names a missing output")
        require(Redemption.referenceProblem(Array(r.reference.utf8)) == nil, "a decoded redemption has a bad reference")
        require(r.createdNotes.count == r.transfer.outputs.count - 1, "a redemption creates other notes than all but one")
        let facts = RedemptionFacts(r)
        require(facts.transfer.id == r.transfer.id && facts.idKey.bytes == r.id.bytes,
                "the ledger's facts of a redemption name other ids than the decoder")
        _ = r.ownStatements()
        require(jsonRoundTrip(r.json, { try Redemption(json: $0) }) == r,
                "a redemption's JSON form decodes to another redemption")
    }

    /// Input: an authority statement's canonical encoding (a POST /v1/authority body, a log
    /// record's object, a statement of a snapshot): decoded, encoded back, checked as the next
    /// step of a chain of its own validators, and applied to a ledger state with no validator
    /// set (which must refuse it and stay as it was).
    static func authority(_ data: [UInt8]) {
        guard let s = try? AuthorityStatement(bytes: data) else { return }
        require(s.bytes == data, "a decoded authority statement holds other bytes than it was decoded from")
        require(data.starts(with: s.body) && s.id.count == 32, "a statement's signed body is not the start of its bytes")
        require(zip(s.signers, s.signers.dropFirst()).allSatisfy { $0.index < $1.index }, "signer indices not increasing")
        var chain = AuthorityChain(chainID: s.chainID, issuer: wallet.spend.publicKey, validators: s.validators,
                                   auditors: s.auditors)
        if (try? chain.append(s)) != nil {
            require(chain.current.number == s.number && chain.authority(at: s.effective).id == s.id,
                    "an appended statement is not the authority in office from its effective sequence")
        }
        var state = LedgerState(issuer: wallet.spend.publicKey, minimumFee: 1, chainID: s.chainID)
        let applied = state.apply(OrderedBatch(time: 1, authorities: [s]))
        guard case .rejected = applied.outcomes.first else {
            require(false, "a ledger without a validator set settled an authority statement")
            return
        }
        require(state.sequence == 0 && state.authorities.statements.isEmpty, "a refused statement changed the state")
    }

    /// Input: a selector byte, then (0) a note's canonical encoding, (1) an encrypted memo,
    /// (2) a memo plaintext, sealed to a fixed wallet and opened again: what a payer
    /// controls entirely and the payee's wallet parses after decryption.
    static func note(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let body = Array(data[1...])
        switch selector % 3 {
        case 0:
            guard let n = try? Note(bytes: body) else { return }
            require(n.bytes == body, "a note does not encode back to its bytes")
            require(jsonRoundTrip(n.json, Note.init(json:)) == n, "a note's JSON form decodes to another note")
        case 1:
            guard let memo = try? EncryptedMemo(bytes: body) else { return }
            require(memo.bytes == body, "a memo does not encode back to its bytes")
            _ = try? memo.open(with: wallet.view, owner: wallet.spend.publicKey, commitment: .basepoint)
        default:
            var plaintext = Array(body.prefix(Memo.plaintextLength))
            plaintext += [UInt8](repeating: 0, count: Memo.plaintextLength - plaintext.count)
            var rng = FixtureRandomness(seed: body)
            let commitment = RistrettoPoint.basepoint
            let memo = EncryptedMemo.seal(plaintext: plaintext, to: wallet.view.publicKey, owner: wallet.spend.publicKey,
                                          commitment: commitment, using: &rng)
            do {
                let contents = try memo.open(with: wallet.view, owner: wallet.spend.publicKey, commitment: commitment)
                require(contents.commitment == commitment, "an opened memo does not open its commitment")
            } catch {
                switch error {
                case .memoMalformed, .memoCommitmentMismatch: break
                default: require(false, "a memo sealed to this wallet does not open: \(error)")
                }
            }
        }
    }

    /// Input: receipt bytes (alone, or at the start of a log record or a snapshot's list).
    static func receipt(_ data: [UInt8]) {
        _ = try? Receipt(bytes: data)
        let claimed = Receipt.encodedLength(atStartOf: data[...])
        guard let (r, length) = try? Receipt.decodePrefix(of: data) else { return }
        require(claimed == length, "a receipt claims \(claimed.map(String.init) ?? "nil") bytes but decodes from \(length)")
        require(r.bytes == Array(data[..<length]), "a decoded receipt holds other bytes than it was decoded from")
        require((try? Receipt(bytes: r.bytes)) == r, "a receipt's bytes decode to another receipt")
        _ = r.verify(genesis: StorageTargets.genesis)
        _ = (r.id, r.chainHash, r.entry, r.leafIndex, r.path, r.signers, r.batchRoot)
        require(r.adding(r.signers) == r, "adding a receipt's own signers changes it")
        require((try? Receipt(json: r.json)) == r, "a receipt's JSON form decodes to another receipt")
    }

    /// Decodes the rendered and parsed JSON form of an object.
    static func jsonRoundTrip<T>(_ json: JSONValue, _ decode: (JSONValue) throws -> T) -> T? {
        guard let value = try? JSONValue.parse(Array(json.render().utf8)) else { return nil }
        return try? decode(value)
    }
}
