import Foundation
@testable import Ristretto255
import TestSupport
import Testing

/// The CPU detector and the backend choice.
@Suite("CPU features and backends")
struct BackendTests {
    /// /proc/cpuinfo's name of each feature the detector reports.
    static let cpuinfoNames: [(CPUFeatures, String)] = [
        (.sse42, "sse4_2"), (.popcnt, "popcnt"), (.avx, "avx"), (.avx2, "avx2"), (.fma, "fma"), (.f16c, "f16c"),
        (.movbe, "movbe"), (.bmi1, "bmi1"), (.bmi2, "bmi2"), (.adx, "adx"), (.avx512f, "avx512f"),
        (.avx512cd, "avx512cd"), (.avx512bw, "avx512bw"), (.avx512dq, "avx512dq"), (.avx512vl, "avx512vl"),
        (.avx512ifma, "avx512ifma"), (.avx512vbmi, "avx512vbmi"), (.sha, "sha_ni"), (.lzcnt, "abm"),
    ]

    /// The flags of the first processor in /proc/cpuinfo (the kernel lists a feature only
    /// where it also saves its register state), or nil where there is no such file.
    static func cpuinfoFlags() -> Set<Substring>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " "))
    }

    @Test("the CPUID/XGETBV detector agrees with the kernel's /proc/cpuinfo on every feature it reports",
          .enabled(if: cpuinfoFlags() != nil, "no /proc/cpuinfo on this system"))
    func detectorMatchesKernel() throws {
        let flags = try #require(Self.cpuinfoFlags())
        let detected = CPUFeatures.detect()
        print("detected: \(detected)")
        for (feature, name) in Self.cpuinfoNames {
            #expect(detected.contains(feature) == flags.contains(Substring(name)), "\(name)")
        }
    }

    @Test("portable runs everywhere; the fastest choice is one the CPU runs; the AVX2 set is inside the IFMA set")
    func choices() {
        let features = TestBackends.features
        #expect(Backend.portable.isSupported(by: []))
        #expect(TestBackends.supported.contains(.portable))
        #expect(TestBackends.fastest.isSupported(by: features))
        #expect(TestBackends.supported.first == TestBackends.fastest)
        #expect(CPUFeatures.ifmaSet.isSuperset(of: CPUFeatures.avx2Set))
        #if arch(x86_64)
        #expect(Backend.fastest(on: CPUFeatures.ifmaSet) == .ifma)
        #expect(Backend.ifma.isSupported(by: CPUFeatures.ifmaSet))
        #endif
        #if arch(x86_64)
        #expect(Backend.fastest(on: CPUFeatures.avx2Set) == .avx2)
        #expect(Backend.supported(on: CPUFeatures.ifmaSet) == [.ifma, .avx2, .portable])
        #expect(Backend.supported(on: CPUFeatures.avx2Set) == [.avx2, .portable])
        #else
        #expect(Backend.fastest(on: CPUFeatures.avx2Set) == .portable)
        #endif
        #expect(Backend.fastest(on: CPUFeatures.avx2Set.subtracting(.avx2)) == .portable)
        #expect(Backend.fastest(on: []) == .portable)
    }

    @Test("naming a backend: an unknown name and a backend the CPU lacks features for are typed errors")
    func naming() throws {
        #expect(throws: BackendError.unknown(name: "avx512")) { try Backend.named("avx512", on: CPUFeatures.ifmaSet) }
        #expect(throws: BackendError.unknown(name: "IFMA")) { try Backend.named("IFMA", on: CPUFeatures.ifmaSet) }
        #expect(try Backend.named("portable", on: []) == .portable)
        let lacking = CPUFeatures.ifmaSet.subtracting(.avx512ifma)
        do {
            _ = try Backend.named("ifma", on: lacking)
            Issue.record("ifma was accepted on a CPU without avx512ifma")
        } catch {
            #if arch(x86_64)
            #expect(error == .unsupported(backend: .ifma, missing: .avx512ifma, supported: [.avx2, .portable]))
            #endif
            #expect(error.description.contains("cannot run the ifma backend"))
        }
        #if arch(x86_64)
        #expect(try Backend.named("ifma", on: CPUFeatures.ifmaSet) == .ifma)
        #expect(try Backend.named("avx2", on: CPUFeatures.ifmaSet) == .avx2)
        #expect(try Backend.named("avx2", on: CPUFeatures.avx2Set) == .avx2)
        #endif
        for missing in [CPUFeatures.avx2, .lzcnt, .bmi2] {
            do {
                _ = try Backend.named("avx2", on: CPUFeatures.avx2Set.subtracting(missing))
                Issue.record("avx2 was accepted on a CPU without \(missing)")
            } catch {
                #if arch(x86_64)
                #expect(error == .unsupported(backend: .avx2, missing: missing, supported: [.portable]))
                #endif
                #expect(error.description.contains("cannot run the avx2 backend"))
            }
        }
    }
}

/// Every vector backend against the portable reference, on random and edge inputs: scalars
/// 0, 1, l - 1 and powers of two; identity points, 4-torsion (small-order) components,
/// coordinates near p and unreduced limbs. One test per backend, enabled where the CPU runs it.
@Suite("Backends against portable")
struct BackendDifferentialTests {
    /// Random points and every edge representative of a few of them and of the identity.
    static func edgePoints(_ rng: inout SeededRNG) -> [RistrettoPoint] {
        var points: [RistrettoPoint] = [.identity, .basepoint, -RistrettoPoint.basepoint]
        for _ in 0..<3 { points += EdgePoints.representatives(of: MSMTests.randomPoint(&rng)) }
        points += EdgePoints.representatives(of: .identity)
        points += EdgePoints.representatives(of: .basepoint)
        return points
    }

    /// `n` terms mixing edge scalars and points with random ones.
    static func terms(_ n: Int, _ rng: inout SeededRNG) -> ([Scalar], [RistrettoPoint]) {
        let scalars = MSMTests.edgeScalars(), points = edgePoints(&rng)
        var s: [Scalar] = [], p: [RistrettoPoint] = []
        for i in 0..<n {
            switch rng.next() % 3 {
            case 0: s.append(scalars[i % scalars.count])
            default: s.append(MSMTests.randomScalar(&rng))
            }
            switch rng.next() % 3 {
            case 0: p.append(points[Int(rng.next() % UInt64(points.count))])
            default: p.append(MSMTests.randomPoint(&rng))
            }
        }
        return (s, p)
    }

    /// Runs every comparison for `backend`.
    static func compare(_ backend: Backend, seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        print("BackendDifferentialTests \(backend) seed \(rng.seed)")
        let portable = VartimeMSM(backend: .portable), engine = VartimeMSM(backend: backend)
        // Sizes around every dispatch threshold of both engines.
        for n in [0, 1, 2, 7, 8, 9, 63, 64, 65, 189, 190, 191, 300, 513, 1024] {
            let (s, p) = terms(n, &rng)
            #expect(engine.vartimeMultiscalarMul(s, p) == portable.vartimeMultiscalarMul(s, p), "\(backend) MSM, n = \(n)")
        }
        // Every point an edge point, every scalar an edge scalar.
        let edge = edgePoints(&rng), scalars = MSMTests.edgeScalars()
        let allEdge = (0..<max(edge.count, scalars.count) * 3).map { (scalars[$0 % scalars.count], edge[$0 % edge.count]) }
        #expect(engine.vartimeMultiscalarMul(allEdge.map(\.0), allEdge.map(\.1))
                == portable.vartimeMultiscalarMul(allEdge.map(\.0), allEdge.map(\.1)), "\(backend) MSM, edge terms")

        // Fixed-base engines over one table of edge and random points.
        let fixed = edge + (0..<(300 - edge.count)).map { _ in MSMTests.randomPoint(&rng) }
        let table = VartimePrecomputedTable(points: fixed)
        let fixedPortable = VartimePrecomputedMSM(table: table, backend: .portable)
        let fixedEngine = VartimePrecomputedMSM(table: table, backend: backend)
        for (ns, nd) in [(0, 0), (1, 0), (2, 1), (17, 5), (64, 0), (258, 3), (300, 70), (5, 250)] {
            let ss = terms(ns, &rng).0
            let (ds, dp) = terms(nd, &rng)
            #expect(fixedEngine.vartimeMultiscalarMul(staticScalars: ss, dynamicScalars: ds, dynamicPoints: dp)
                    == fixedPortable.vartimeMultiscalarMul(staticScalars: ss, dynamicScalars: ds, dynamicPoints: dp),
                    "\(backend) precomputed MSM, static \(ns), dynamic \(nd)")
        }

        // Batch encoding and decoding: the same bytes and the same points (or rejections).
        for n in [0, 1, 2, 3, 8, 16, 17, 40] {
            let points = (0..<n).map { _ in edge[Int(rng.next() % UInt64(edge.count))] }
            let bytes = RistrettoPoint.batchEncode(points, backend: backend)
            #expect(bytes == RistrettoPoint.batchEncode(points, backend: .portable), "\(backend) encode, n = \(n)")
            var encodings = bytes.map { $0[...] }
            // Values near p and at p (not canonical), bit 255 set, damaged bytes.
            encodings.append(([0xec] + [UInt8](repeating: 0xff, count: 30) + [0x7f])[...])
            encodings.append(([0xed] + [UInt8](repeating: 0xff, count: 30) + [0x7f])[...])
            encodings.append(([0xee] + [UInt8](repeating: 0xff, count: 30) + [0x7f])[...])
            if let first = bytes.first {
                var high = first
                high[31] |= 0x80
                encodings.append(high[...])
                var flipped = first
                flipped[Int(rng.next() % 32)] ^= 1 << UInt8(rng.next() % 8)
                encodings.append(flipped[...])
            }
            #expect(RistrettoPoint.decodeBatch(encodings, backend: backend)
                    == RistrettoPoint.decodeBatch(encodings, backend: .portable), "\(backend) decode, n = \(n)")
        }

        // Batched scalar products.
        let multiplier = ScalarMultiplier(MSMTests.randomScalar(&rng))
        for n in [0, 7, 8, 9, 64, 129] {
            let input = terms(n, &rng).0
            var a = [Scalar](repeating: .zero, count: n), b = a
            input.withUnsafeBufferPointer { i in
                a.withUnsafeMutableBufferPointer { multiplier.times(i, into: $0, backend: backend) }
                b.withUnsafeMutableBufferPointer { multiplier.times(i, into: $0, backend: .portable) }
            }
            #expect(a == b, "\(backend) scalar products, n = \(n)")
        }
    }

    @Test("the ifma backend computes what the portable one computes: MSMs, fixed-base MSMs, batch encoding and decoding, scalar products",
          .enabled(if: TestBackends.runs(.ifma), "this CPU lacks AVX-512 IFMA: the ifma backend cannot run here"))
    func ifmaMatchesPortable() {
        Self.compare(.ifma, seed: 0xbac_0001)
    }

    @Test("the avx2 backend computes what the portable one computes: MSMs, fixed-base MSMs, batch encoding and decoding, scalar products",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func avx2MatchesPortable() {
        Self.compare(.avx2, seed: 0xbac_0003)
    }

    @Test("the four-lane Pippenger kernel equals portable Pippenger for every size 1...80 and window widths 2...12",
          .enabled(if: TestBackends.runs(.avx2), "this CPU lacks the AVX2 set: the avx2 backend cannot run here"))
    func avx2PippengerSizes() {
        var rng = SeededRNG(seed: 0xbac_0004)
        print("seed \(rng.seed)")
        for n in 1...80 {
            let (s, p) = Self.terms(n, &rng)
            let expected = VartimePippenger.multiscalarMul(s, p)
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMulAVX2(s, p)) == RistrettoPoint(edwards: expected),
                    "n = \(n)")
        }
        for c in 2...12 {
            let (s, p) = Self.terms(Int(rng.next() % 200) + 1, &rng)
            #expect(RistrettoPoint(edwards: VartimePippenger.multiscalarMulAVX2(s, p, windowBits: c))
                    == RistrettoPoint(edwards: VartimePippenger.multiscalarMul(s, p)), "c = \(c), n = \(s.count)")
        }
        // One bucket only: every scalar the same, every point the same (long runs per lane).
        let point = MSMTests.randomPoint(&rng), scalar = MSMTests.randomScalar(&rng)
        let same = VartimePippenger.multiscalarMulAVX2([Scalar](repeating: scalar, count: 300),
                                                       [RistrettoPoint](repeating: point, count: 300))
        #expect(RistrettoPoint(edwards: same)
                == RistrettoPoint.vartimeMultiscalarMul([Scalar](repeating: scalar, count: 300),
                                                        [RistrettoPoint](repeating: point, count: 300)))
    }
}
