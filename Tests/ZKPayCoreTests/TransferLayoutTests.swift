import Foundation
import Ristretto255
import Testing
import TestSupport
@testable import ZKPayCore

@Suite("Transfer layout")
struct TransferLayoutTests {
    /// The fixture transfers (no auditors) and honest ones with 1 and 3 auditors.
    static func encodings() throws -> [[UInt8]] {
        var rng = SeededRNG(seed: 0x1a70_0001)
        var out = TransferCase.validCases.map(\.transfer)
        for k in [1, 3] {
            let keys = (0..<k).map { AuditorFixtures.secret(UInt8(40 + $0)).publicKey }
            let (draft, alice, _) = try AuditorFixtures.draft(amounts: [5, 6], auditors: keys, &rng)
            out.append(try AuditorFixtures.sign(draft, alice, &rng).bytes)
        }
        return out
    }

    @Test("the offsets read from the counts hold exactly the fields the codec decodes, for 0 to 3 auditors")
    func offsetsMatchTheCodec() throws {
        for bytes in try Self.encodings() {
            let t = try Transfer(bytes: bytes)
            let layout = try TransferLayout(reading: bytes)
            #expect(layout == t.layout && layout.length == bytes.count)
            for (k, input) in t.inputs.enumerated() {
                #expect(Array(bytes[layout.input(k)..<(layout.input(k) + 32)]) == input.bytes)
            }
            #expect(Int(bytes[TransferLayout.inputCountOffset]) == t.inputs.count)
            #expect(Int(bytes[layout.outputCountOffset]) == t.outputs.count)
            for (j, o) in t.outputs.enumerated() {
                var w = ByteWriter()
                o.encode(to: &w)
                #expect(Array(bytes[layout.output(j)..<(layout.output(j) + Output.encodedLength)]) == w.bytes)
                #expect(Array(bytes[layout.commitment(j)..<(layout.commitment(j) + 32)]) == o.commitment.encoding)
            }
            #expect(bytes[layout.fee..<(layout.fee + 8)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == t.fee)
            #expect(Array(bytes[layout.proof..<layout.auditorSection]) == t.rangeProof.bytes)
            #expect(Array(bytes[layout.auditorSection..<layout.excess]) == t.auditorSection.encoded)
            #expect(Array(bytes[layout.excess..<(layout.excess + 32)]) == t.excess.encoding)
            #expect(layout.balanceSignature == t.balanceMessage.count)
            #expect(Array(bytes[layout.sender..<(layout.sender + 32)]) == t.sender.encoding)
            #expect(layout.authorization == t.authorizationMessage.count)
        }
    }

    @Test("a truncated or extended encoding, or a range proof length other than the outputs', is refused")
    func malformed() throws {
        let bytes = try #require(try Self.encodings().first)
        #expect(throws: ProtocolError.self) { try TransferLayout(reading: bytes.dropLast()) }
        #expect(throws: ProtocolError.self) { try TransferLayout(reading: bytes + [0]) }
        let layout = try TransferLayout(reading: bytes)
        var wrongLength = bytes
        wrongLength[layout.proof - 2] &+= 32
        #expect(throws: ProtocolError.self) { try TransferLayout(reading: wrongLength) }
        var wrongType = bytes
        wrongType[0] = 2
        #expect(throws: ProtocolError.self) { try TransferLayout(reading: wrongType) }
    }

    @Test("decoding finds every point of a valid transfer in one batch, auditor section included (none left to decode one by one)")
    func batchDecodingCoversEveryPoint() throws {
        for bytes in try Self.encodings() {
            let layout = try TransferLayout(reading: bytes)
            let pre = Transfer.predecodePoints(bytes, inputCount: layout.inputCount, outputCount: layout.outputCount,
                                               backend: .portable)
            let proofPoints = 4 + 2 * (6 + layout.outputCount.trailingZeroBitCount)
            #expect(pre.proofStart == layout.proof && pre.proof?.count == proofPoints)
            #expect(pre.proof?.allSatisfy { $0 != nil } == true)
            let k = layout.auditorCount, m = layout.outputCount
            #expect(pre.points.count == 3 * m + 4 + (k == 0 ? 0 : k + m * (2 * k + 1)), "K = \(k), m = \(m)")
        }
    }
}
