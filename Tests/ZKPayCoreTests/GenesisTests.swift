import Sodium
import Ristretto255
import Testing
@testable import ZKPayCore

@Suite("Genesis (format 2)")
struct GenesisTests {
    static func validators(_ n: Int) throws -> [GenesisValidator] {
        try (0..<n).map { try GenesisValidator(name: "v\($0 + 1)", publicKey: [UInt8](repeating: UInt8($0 + 1), count: 32)) }
    }

    @Test("the layout round-trips; the chain id is BLAKE2b-256 keyed zkpay/genesis/v2 of the bytes before it")
    func roundTrip() throws {
        let issuer = TestKeys.wallet(3).address
        let g = try Genesis(issuer: issuer, minimumFee: 7, currency: "EUR", decimals: 2, validators: try Self.validators(4))
        let bytes = g.bytes
        #expect(bytes.count == 8 + 4 + 64 + 8 + 3 + 1 + 1 + 4 * (1 + 2 + 32) + 1 + 32)
        #expect(Array(bytes[84..<88]) == Array("EUR".utf8) + [2])
        let body = Array(bytes.dropLast(32))
        #expect(g.chainID.bytes == Hash.blake2b(body, outputLength: 32, key: Array("zkpay/genesis/v2".utf8)))
        let back = try Genesis(bytes: bytes)
        #expect(back == g && back.currency == "EUR" && back.decimals == 2 && back.quorum == 3 && back.faultTolerance == 1)
        #expect(back.validatorIndex(name: "v3") == 2 && back.validatorIndex(publicKey: [UInt8](repeating: 4, count: 32)) == 3)
        // Every changed byte is refused (checksum, or the field it lands in).
        for i in bytes.indices {
            var b = bytes
            b[i] ^= 0x01
            #expect((try? Genesis(bytes: b)) == nil, "byte \(i)")
        }
        #expect(throws: GenesisFormatError.self) { try Genesis(bytes: Array(bytes.dropLast())) }
        #expect(throws: GenesisFormatError.self) { try Genesis(bytes: bytes + [0]) }
    }

    @Test("invalid parameters are refused with the reason: names, duplicate keys, set size, currency, decimals, auditors")
    func invalid() throws {
        let issuer = TestKeys.wallet(3).address
        for name in ["", "V1", "a b", String(repeating: "a", count: 33), "é"] {
            #expect(throws: GenesisFormatError.self, "\(name)") { try GenesisValidator(name: name, publicKey: [UInt8](repeating: 1, count: 32)) }
        }
        #expect(throws: GenesisFormatError.self) { try GenesisValidator(name: "v1", publicKey: [1]) }
        let twins = [try GenesisValidator(name: "a", publicKey: [UInt8](repeating: 1, count: 32)),
                     try GenesisValidator(name: "b", publicKey: [UInt8](repeating: 1, count: 32))]
        #expect(throws: GenesisFormatError.self) { try Genesis(issuer: issuer, minimumFee: 1, validators: twins) }
        #expect(throws: GenesisFormatError.self) { try Genesis(issuer: issuer, minimumFee: 1, validators: []) }
        #expect(throws: GenesisFormatError.self) { try Genesis(issuer: issuer, minimumFee: 1, validators: try Self.validators(65)) }
        for code in ["eur", "EU", "EURO", "E1R"] {
            #expect(throws: GenesisFormatError.self, "\(code)") {
                try Genesis(issuer: issuer, minimumFee: 1, currency: code, validators: try Self.validators(1))
            }
        }
        #expect(throws: GenesisFormatError.self) { try Genesis(issuer: issuer, minimumFee: 1, decimals: 19, validators: try Self.validators(1)) }
        // An auditor key that is not a canonical point is refused, naming it.
        let g = try Genesis(issuer: issuer, minimumFee: 1, validators: try Self.validators(1))
        var body = Array(g.bytes.dropLast(32))
        body[body.count - 1] = 1
        body += [UInt8](repeating: 9, count: 32)
        let withAuditor = body + Hash.blake2b(body, outputLength: 32, key: Array("zkpay/genesis/v2".utf8))
        #expect(throws: GenesisFormatError.self) { try Genesis(bytes: withAuditor) }
        #expect(throws: GenesisFormatError.self) {
            try Genesis(issuer: issuer, minimumFee: 1, validators: try Self.validators(1),
                        auditors: (0..<9).map { try AuditorKey(point: RistrettoPoint.basepoint.vartimeMultiply(Scalar(UInt64($0 + 1)))) })
        }
        var v1 = g.bytes
        v1[8] = 1
        #expect(throws: GenesisFormatError.unsupportedVersion(found: 1)) { try Genesis(bytes: v1) }
    }
}
