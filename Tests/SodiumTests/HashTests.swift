import Testing
import Sodium
import TestSupport

/// Known answers: SHA-512 from FIPS 180-2 (appendix C, "abc") and the empty string;
/// BLAKE2b from RFC 7693 appendix A ("abc") and the BLAKE2 reference KAT file
/// (blake2b-kat.txt, keyed with 00..3f); all re-checked with Python's hashlib.
@Suite("Sodium hashes")
struct HashTests {
    @Test("SHA-512 of 'abc' and of the empty string match FIPS 180-2")
    func sha512() {
        #expect(Hex.encode(Hash.sha512(Array("abc".utf8))) ==
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(Hex.encode(Hash.sha512([UInt8]())) ==
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e")
    }

    @Test("SHA-256 of 'abc' and of the empty string match FIPS 180-2")
    func sha256() {
        #expect(Hex.encode(Hash.sha256(Array("abc".utf8))) ==
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Hash.sha256([UInt8]())) ==
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("BLAKE2b-512 of 'abc' matches RFC 7693 and BLAKE2b-256 of '' the reference")
    func blake2b() {
        #expect(Hex.encode(Hash.blake2b(Array("abc".utf8), outputLength: 64)) ==
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        #expect(Hex.encode(Hash.blake2b([UInt8]())) ==
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(Hex.encode(Hash.blake2b(Array("zkpay".utf8), outputLength: 16)) == "e3fdea7a5f104828d3585effb83aad46")
    }

    @Test("keyed BLAKE2b-512 matches the BLAKE2 KAT for key 00..3f")
    func keyedBlake2b() {
        let key = (0..<64).map { UInt8($0) }
        #expect(Hex.encode(Hash.blake2b([UInt8](), outputLength: 64, key: key)) ==
            "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568")
        #expect(Hex.encode(Hash.blake2b((0..<255).map { UInt8($0) }, outputLength: 64, key: key)) ==
            "142709d62e28fcccd0af97fad0f8465b971e82201dc51070faa0372aa43e92484be1c1e73ba10906d5d1853db6a4106e0a7bf9800d373d6dee2d46d62ef2a461")
    }

    @Test("changing any input byte changes the hash")
    func avalanche() {
        var rng = SeededRNG(seed: 0x50d1_0001)
        print("HashTests avalanche seed \(rng.seed)")
        let input = rng.bytes(64)
        let sha = Hash.sha512(input)
        let b2 = Hash.blake2b(input)
        for i in input.indices {
            var t = input
            t[i] ^= UInt8(1) << UInt8(i % 8)
            #expect(Hash.sha512(t) != sha)
            #expect(Hash.blake2b(t) != b2)
        }
    }

    @Test("the buffer form of BLAKE2b equals the array form, keyed and unkeyed, at every output length")
    func blake2bIntoBuffer() {
        var rng = SeededRNG(seed: 0x50d1_0002)
        print("HashTests blake2bIntoBuffer seed \(rng.seed)")
        for length in [0, 1, 64, 83, 200] {
            let input = rng.bytes(length)
            for key in [[UInt8](), Array("zkpay/receipt-leaf/v2".utf8), rng.bytes(64)] {
                for outputLength in [16, 32, 64] {
                    var out = [UInt8](repeating: 0, count: outputLength)
                    input.withUnsafeBytes { i in
                        key.withUnsafeBytes { k in out.withUnsafeMutableBytes { Hash.blake2b(i, key: k, into: $0) } }
                    }
                    #expect(out == Hash.blake2b(input, outputLength: outputLength, key: key))
                }
            }
        }
    }
}
