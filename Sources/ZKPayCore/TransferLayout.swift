import Bulletproofs

/// Where each field of a transfer encoding lies (docs/PROTOCOL.md §7.4): the one place that
/// knows the byte offsets. The codec (`Transfer`), the ledger's facts read from verified
/// records, the fixture generator and the benchmarks all take offsets from here.
///
/// A layout follows from four counts: inputs k, outputs m (which fixes the range proof's
/// length) and auditors K; every field after the counts has a fixed size.
public struct TransferLayout: Sendable, Equatable {
    /// Offset of the chain id (after type and version).
    public static let chainID = 2
    /// Offset of the input count byte.
    public static let inputCountOffset = 34

    /// Inputs k (1...16).
    public let inputCount: Int
    /// Outputs m (1, 2, 4, 8 or 16).
    public let outputCount: Int
    /// Auditors K (0...8).
    public let auditorCount: Int
    /// The range proof's length, fixed by m.
    public let proofLength: Int

    /// The layout of a transfer with these counts.
    /// - Precondition: `outputs` is one of `Transfer.outputCounts`.
    public init(inputs: Int, outputs: Int, auditors: Int) {
        inputCount = inputs
        outputCount = outputs
        auditorCount = auditors
        proofLength = Self.proofLength(outputs: outputs)
    }

    /// The range proof's length for `outputs` outputs (an aggregated 64-bit proof).
    public static func proofLength(outputs: Int) -> Int {
        RangeProof.encodedLength(bitSize: Transfer.rangeBits, aggregation: outputs)
    }

    /// The layout of the encoding `bytes`, read from its counts without decoding any point,
    /// proof or signature (replay of records verified before they were logged).
    /// - Throws: `unexpectedObjectType`, `unknownVersion`, `countOutOfRange`, `truncated`,
    ///   `invalidEncoding` (a range proof length other than m's) or `trailingBytes`.
    public init(reading bytes: some Collection<UInt8>) throws(ProtocolError) {
        var r = ByteReader(bytes)
        let type = try r.u8("type")
        guard type == Transfer.objectType else { throw .unexpectedObjectType(expected: "transfer", found: Int(type)) }
        let version = try r.u8("version")
        guard version == Transfer.version else { throw .unknownVersion(object: "transfer", version: Int(version)) }
        try r.skip(32, "chain_id")
        let k = try r.count("inputs count", allowed: Transfer.inputCounts)
        try r.skip(32 * k, "inputs")
        let m = try r.count("outputs count", oneOf: Transfer.outputCounts)
        try r.skip(Output.encodedLength * m + 8, "outputs")
        let expected = Self.proofLength(outputs: m)
        guard Int(try r.u16("range_proof length")) == expected else {
            throw .invalidEncoding(field: "range_proof", reason: "its length must be \(expected) bytes for \(m) outputs")
        }
        try r.skip(expected, "range_proof")
        let auditors = try r.count("auditors count", allowed: 0...Auditing.maxAuditors)
        self.init(inputs: k, outputs: m, auditors: auditors)
        try r.skip(length - auditorSection - 1, "the fields after the auditor count")
        try r.finish()
    }

    /// Offset of input note id `k`.
    public func input(_ k: Int) -> Int { Self.inputCountOffset + 1 + 32 * k }
    /// Offset of the output count byte.
    public var outputCountOffset: Int { input(inputCount) }
    /// Offset of output `j` (owner 32 ‖ commitment 32 ‖ memo 153).
    public func output(_ j: Int) -> Int { outputCountOffset + 1 + Output.encodedLength * j }
    /// Offset of output `j`'s commitment.
    public func commitment(_ j: Int) -> Int { output(j) + 32 }
    /// Offset of the fee (LE64).
    public var fee: Int { output(outputCount) }
    /// Offset of the range proof (after its LE16 length).
    public var proof: Int { fee + 8 + 2 }
    /// Offset of the auditor section (its count byte).
    public var auditorSection: Int { proof + proofLength }
    /// Length of the auditor section, count byte included.
    public var auditorSectionLength: Int { Auditing.sectionLength(auditors: auditorCount, outputs: outputCount) }
    /// Offset of the excess E.
    public var excess: Int { auditorSection + auditorSectionLength }
    /// Offset of the balance signature.
    public var balanceSignature: Int { excess + 32 }
    /// Offset of the sender P.
    public var sender: Int { balanceSignature + 64 }
    /// Offset of the authorization.
    public var authorization: Int { sender + 32 }
    /// The whole encoding's length.
    public var length: Int { authorization + 64 }
}
