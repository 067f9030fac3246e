import BatchVerify
import Foundation
import Ristretto255
import Testing
import TestSupport

/// Known answers for the generators of the dalek `bulletproofs` crate, from
/// Fixtures/vectors/dalek-bulletproofs.json (`generators`, recomputed there with hashlib
/// + libsodium and cross-checked against third-party code).
@Suite("Generators")
struct GeneratorsTests {
    var generators: [String: Any] {
        (try? Fixtures.vector("dalek-bulletproofs.json")["generators"] as? [String: Any]) ?? [:]
    }

    @Test("B is the ristretto255 basepoint and B~ the element derivation of SHA3-512 of its encoding")
    func pedersenGenerators() throws {
        let gens = Generators.standard
        let expected = try #require(generators["B"] as? String)
        let expectedBlinding = try #require(generators["B_blinding"] as? String)
        let expectedHash = try #require(generators["sha3_512_of_B_encoding"] as? String)
        // B~ is derived from exactly this digest (RFC 9496 element derivation).
        #expect(Hex.encode(RistrettoPoint.fromUniformBytes(Hex.decode(expectedHash)).encoding) == expectedBlinding)
        #expect(Hex.encode(gens.B.encoding) == expected)
        #expect(Hex.encode(gens.blinding.encoding) == expectedBlinding)
    }

    @Test("G and H chains match the crate for parties 0, 1, 7, 8 and 15 (first 8 and index 63)")
    func bulletproofGenerators() throws {
        let gens = Generators.standard
        #expect(gens.g.count == 1024 && gens.h.count == 1024)
        let chains = try #require(generators["bulletproof_gens"] as? [String: Any])
        var checked = 0
        for party in [0, 1, 7, 8, 15] {
            for (letter, table) in [("G", gens.g), ("H", gens.h)] {
                let chain = try #require(chains["\(letter)[party \(party)]"] as? [String: Any], "missing \(letter)[party \(party)]")
                let first = try #require(chain["first_8"] as? [String])
                for (i, hex) in first.enumerated() {
                    #expect(Hex.encode(table[Generators.index(party: party, bit: i)].encoding) == hex,
                            "\(letter)[\(party)][\(i)]")
                    checked += 1
                }
                let last = try #require(chain["index_63"] as? String)
                #expect(Hex.encode(table[Generators.index(party: party, bit: 63)].encoding) == last,
                        "\(letter)[\(party)][63]")
                checked += 1
                let input = try #require(chain["shake256_input_hex"] as? String)
                #expect(input == Hex.encode(Array("GeneratorsChain".utf8) + Array(letter.utf8) + [UInt8(party), 0, 0, 0]))
            }
        }
        #expect(checked == 5 * 2 * 9)
    }

    @Test("all 2048 bulletproof generators are distinct and none is the identity")
    func generatorsDistinct() {
        let gens = Generators.standard
        let encodings = Set((gens.g + gens.h + [gens.B, gens.blinding]).map { Hex.encode($0.encoding) })
        #expect(encodings.count == 2050)
        #expect(!encodings.contains(String(repeating: "0", count: 64)))
    }
}
