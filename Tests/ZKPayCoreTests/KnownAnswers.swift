/// Our own known answers, pinned so that an unintended change of the derivations shows.
/// They are also printed in docs/PROTOCOL.md §10 as interoperability test vectors.
enum KnownAnswers {
    /// `WalletKeys(seed: 00 01 02 … 1f).address`.
    static let addressOfSeed0to31 =
        "zkp1qe23w9cxesyn9f03rplypwuk3ml8pccy2lt99l8h779jpx9akymw9kh7lnmz6h8ed5s3hp70xpnvn9ywxg5cfl7ee5u698hqvqems5scc24wf"
}
