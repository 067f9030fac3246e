// swift-tools-version:6.0
// zkpay: confidential payments on ristretto255. No Swift package dependencies;
// libsodium and GMP come in as system libraries (see Sources/CSodium, Sources/CGMP).
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
// Arithmetic targets: exclusivity checks cost ~10-20% in the hot loops and the
// code in them never holds overlapping accesses (reviewed per file).
let fast: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
// The vector kernels (Ristretto255SIMD) are compiled for AVX-512 with the 52-bit
// multiply-add (IFMA; cannonlake is skylake-avx512 + IFMA + VBMI + SHA) on x86-64; module
// Ristretto255 calls them only for `Backend.ifma`, which the executable chooses only on a
// CPU that has them (CPUFeatures), so the binary still runs, on the portable backend, on an
// x86-64 machine without them.
// The AVX2 kernels (Ristretto255AVX2) are compiled for x86-64-v3 (AVX2, FMA, BMI1/2, F16C,
// MOVBE, LZCNT: `CPUFeatures.avx2Set`) and called only for `Backend.avx2`, chosen only on a
// CPU that has that set; IFMA's module keeps its own flags.
#if arch(x86_64)
let vector: [SwiftSetting] = fast + [.unsafeFlags(["-target-cpu", "cannonlake"])]
let vectorAVX2: [SwiftSetting] = fast + [.unsafeFlags(["-Xcc", "-march=x86-64-v3"])]
#else
let vector: [SwiftSetting] = fast
let vectorAVX2: [SwiftSetting] = fast
#endif

let package = Package(
    name: "zkpay",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "zkpay", targets: ["zkpay"]),
    ],
    targets: [
        .systemLibrary(name: "CSodium", path: "Sources/CSodium", pkgConfig: "libsodium",
                       providers: [.apt(["libsodium-dev"])]),
        .systemLibrary(name: "CGMP", path: "Sources/CGMP", providers: [.apt(["libgmp-dev"])]),
        // Header-only: instructions Swift cannot spell (the vector kernels' 52-bit
        // multiply-adds, the log checksum's CRC-32C, CPUID/XGETBV for the CPU detector).
        .systemLibrary(name: "CIntrinsics", path: "Sources/CIntrinsics"),
        // Header-only: glibc allocator thresholds for the zkpay process.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        .target(name: "Sodium", dependencies: ["CSodium"], swiftSettings: strict),
        .target(name: "Ristretto255SIMD", dependencies: ["CIntrinsics"], swiftSettings: vector),
        .target(name: "Ristretto255AVX2", dependencies: ["CIntrinsics"], swiftSettings: vectorAVX2),
        .target(name: "Ristretto255", dependencies: ["Sodium", "Ristretto255SIMD", "Ristretto255AVX2", "CIntrinsics"],
                swiftSettings: fast),
        .target(name: "Keccak", swiftSettings: fast),
        .target(name: "Merlin", dependencies: ["Keccak"], swiftSettings: fast),
        .target(name: "Bech32m", swiftSettings: strict),
        .target(name: "HTTP1", swiftSettings: strict),
        .target(name: "BatchVerify", dependencies: ["Ristretto255", "Keccak", "Sodium"], swiftSettings: fast),
        .target(name: "Schnorr", dependencies: ["Ristretto255", "Merlin", "BatchVerify", "Sodium"], swiftSettings: fast),
        .target(name: "Bulletproofs",
                dependencies: ["Ristretto255", "Merlin", "Keccak", "BatchVerify", "Sodium"], swiftSettings: fast),
        // etcd's JSON gateway client (node layer): the replicated log's transport.
        .target(name: "Etcd", dependencies: ["HTTP1"], swiftSettings: strict),
        .target(name: "Ledger",
                dependencies: ["Sodium", "ZKPayCore", "BatchVerify", "Ristretto255", "Ristretto255SIMD", "Ristretto255AVX2",
                               "CIntrinsics"],
                swiftSettings: strict),
        .target(name: "ZKPayCore",
                dependencies: ["Sodium", "Ristretto255", "Bech32m", "Merlin", "BatchVerify", "Schnorr", "Bulletproofs"],
                swiftSettings: strict),
        .target(name: "ZKPayAPI", dependencies: ["HTTP1", "ZKPayCore"], swiftSettings: strict),
        .target(name: "Validator",
                dependencies: ["HTTP1", "Etcd", "Ledger", "ZKPayCore", "BatchVerify", "Ristretto255", "Sodium"],
                swiftSettings: strict),
        .target(name: "Wallet", dependencies: ["ZKPayCore", "ZKPayAPI", "Sodium", "Bech32m", "Ristretto255"],
                swiftSettings: strict),
        // The user commands of `zkpay`.
        .target(name: "ZKPayCLI",
                dependencies: ["Sodium", "ZKPayCore", "Ledger", "ZKPayAPI", "HTTP1", "Etcd", "Validator", "Wallet"],
                swiftSettings: strict),
        // The tool commands of `zkpay` (verify, bench, loadgen, generate-fixtures): benchmarks,
        // fixtures and fixed-seed randomness live here and in no product module.
        .target(name: "ZKPayTools",
                dependencies: ["ZKPayCLI", "Sodium", "Ristretto255", "Keccak", "Merlin", "Bech32m", "BatchVerify",
                               "ZKPayCore", "Schnorr", "Bulletproofs", "Ledger", "ZKPayAPI", "HTTP1", "Validator"],
                swiftSettings: strict),
        .executableTarget(name: "zkpay", dependencies: ["ZKPayCLI", "ZKPayTools", "CMalloc"], swiftSettings: strict),

        .target(name: "TestSupport", dependencies: ["CGMP", "Sodium", "Ristretto255", "HTTP1"], path: "Tests/TestSupport",
                swiftSettings: strict),
        .target(name: "SimulationSupport", dependencies: ["Ledger", "ZKPayCore", "ZKPayTools"], path: "Tests/SimulationSupport",
                swiftSettings: strict),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "Ristretto255Tests", dependencies: ["Ristretto255", "Ristretto255SIMD", "Ristretto255AVX2", "Sodium", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "KeccakTests", dependencies: ["Keccak", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "MerlinTests", dependencies: ["Merlin", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "Bech32mTests", dependencies: ["Bech32m", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "EtcdTests", dependencies: ["Etcd", "HTTP1", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "BatchVerifyTests", dependencies: ["BatchVerify", "Ristretto255", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "SchnorrTests", dependencies: ["Schnorr", "BatchVerify", "Ristretto255", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "BulletproofsTests",
                    dependencies: ["Bulletproofs", "BatchVerify", "Ristretto255", "Merlin", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "ZKPayCore", "BatchVerify", "Ristretto255", "Sodium", "Validator", "ZKPayTools",
                                                  "TestSupport", "SimulationSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ZKPayCoreTests",
                    dependencies: ["ZKPayCore", "Ristretto255", "Keccak", "Bech32m", "Sodium", "Merlin", "BatchVerify", "Schnorr",
                                   "Bulletproofs", "ZKPayTools", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "WalletTests", dependencies: ["Wallet", "ZKPayCore", "Sodium", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ZKPayAPITests", dependencies: ["ZKPayAPI", "Ledger", "ZKPayCore", "HTTP1", "Sodium", "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ValidatorTests",
                    dependencies: ["Validator", "ZKPayAPI", "HTTP1", "Ledger", "ZKPayCore", "Ristretto255", "Sodium",
                                   "ZKPayTools", "TestSupport", "SimulationSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ZKPayCLITests", dependencies: ["ZKPayCLI", "Ledger", "ZKPayCore", "ZKPayAPI", "Sodium", "HTTP1", "Ristretto255",
                                                   "TestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "ZKPayToolsTests",
                    dependencies: ["ZKPayTools", "ZKPayCLI", "Ledger", "ZKPayCore", "ZKPayAPI", "Sodium", "HTTP1", "TestSupport"],
                    swiftSettings: strict),
    ]
)

// `make test-assertions` (ZKPAY_ASSERTIONS=1, scratch path .build-assertions): the ledger and
// protocol modules keep their `assert`s in an optimized build (-assert-config Debug), so the
// apply path's consistency checks run under the tests. Only these modules: the flag on every
// target crashes this toolchain's compiler on a test file. The field arithmetic checks its
// limb bounds at every multiplication and subtraction (ZKPAY_VERIFY, FieldElement.swift).
if Context.environment["ZKPAY_ASSERTIONS"] != nil {
    for target in package.targets where ["Ledger", "ZKPayCore"].contains(target.name) {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-assert-config", "Debug"])]
    }
    for target in package.targets where target.name == "Ristretto255" {
        target.swiftSettings = (target.swiftSettings ?? []) + [.define("ZKPAY_VERIFY")]
    }
}

// The libFuzzer targets (Sources/ZKPayFuzz, docs/notes/fuzzing.md) exist only in the build
// `make fuzz` runs (ZKPAY_FUZZ=1, scratch path .build-fuzz, -sanitize=fuzzer,address): the
// normal build and `make test` neither compile nor link them.
if Context.environment["ZKPAY_FUZZ"] != nil {
    package.products.append(.executable(name: "zkpay-fuzz", targets: ["ZKPayFuzz"]))
    package.targets.append(
        .executableTarget(name: "ZKPayFuzz",
                          dependencies: ["HTTP1", "Bech32m", "Ristretto255", "Sodium", "ZKPayCore", "Ledger",
                                         "Validator", "ZKPayTools"],
                          swiftSettings: strict))
}
