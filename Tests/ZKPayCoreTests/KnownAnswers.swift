/// Our own known answers, pinned so that an unintended change of the derivations shows.
/// They are also printed in docs/PROTOCOL.md §10 as interoperability test vectors.
enum KnownAnswers {
    /// `WalletKeys(seed: 00 01 02 … 1f).address`.
    static let addressOfSeed0to31 =
        "zkp1qe23w9cxesyn9f03rplypwuk3ml8pccy2lt99l8h779jpx9akymw9kh7lnmz6h8ed5s3hp70xpnvn9ywxg5cfl7ee5u698hqvqems5scc24wf"
}

extension KnownAnswers {
    /// A memo to `WalletKeys(seed: 00 … 1f)` (docs/PROTOCOL.md §10): amount 1234, blinding
    /// 7 (scalar), text "hello zkpay", sealed with `FixtureRandomness(seed: "zkpay/memo-vector/v1")`.
    static let memoVectorCommitment = "c6c3e7fdceb0d9261dd28e10be35f972e8802cb6f43293d495a5232ab8a85d30"
    static let memoVectorEncoding =
        "f6f24b3b775e75181b25af88f38532d9b239b806f99f99ef476617fa07736744e7166f7058269fc67f5425f4455e7d2736f1e7807babc8b4"
        + "1cfe5240209a704d28dba8f6fd458a75c9ee966ad76312cede917b625fcfa15d267b57f68a04e3e784486ea9fef02d5c84fde2e320b1cd60"
        + "b643b3f323393bbb12b4dd91ee4554ad21c3d6e4d7647526ba5bd047f3f9113db7e0f700bd0015e8bf"
}
