/// What `zkpay COMMAND --help` shows after the usage and summary: details some commands
/// need, then one example as the last line.
enum HelpExamples {
    static let details: [String: String] = [
        "watch": "Prints each payment received or sent as it settles, resuming after the last one this wallet\n"
            + "showed (balance and send show new payments too, and move the same cursor).\n"
            + "Exit status: 0 after N events (--count), or when stopped; 124 with \"no payment within S s\"\n"
            + "when --timeout S passes before N events arrived (without --count: before any event).",
        "contacts": "Contacts belong to the wallet home: every wallet in $ZKPAY_HOME sees the same ones. A contact\n"
            + "may not take a wallet's name; changing a contact's address needs --replace and prints old and new.",
        "receipt": "receipt get ID prints the receipt of a payment (from the wallet's history, else fetched from the\n"
            + "validator and checked under the pinned key); ID is a transfer or mint id, or a prefix of one in history.",
        "validator": "--min-fee-units N is the ledger's minimum fee in units (1 coin = 1,000,000 units; default 1).\n"
            + "--issuer takes an address or the name of a wallet in $ZKPAY_HOME.",
        "demo": "Without --dir the demo works in a temporary folder and removes it at the end unless --keep.",
        "audit": "Without --data or --validator it asks $ZKPAY_VALIDATOR (else http://127.0.0.1:7878).",
        "pin": "Pins the validator's receipt key out of band: --genesis reads the genesis file `validator init` wrote\n"
            + "(or its data directory); --fingerprint pins the key the validator serves only if its fingerprint matches.\n"
            + "A pinned key is never replaced: a different one is an error and nothing is written.",
    ]

    static let byCommand: [String: String] = [
        "verify": "zkpay verify Fixtures/vectors/ristretto255.json Fixtures/transfers.json",
        "bench": "zkpay bench --filter scalarmult --samples 20",
        "validator": "zkpay validator init --data ./ledger --issuer issuer --min-fee-units 1000 && "
            + "zkpay validator run --data ./ledger --listen 127.0.0.1:7878",
        "audit": "ZKPAY_VALIDATOR=http://localhost:7878 zkpay audit",
        "authority": "zkpay authority draft --effective 5000 --auditor zkpaud1… --out change.zkpa && "
            + "zkpay authority sign change.zkpa --data ./ledger && zkpay authority sign change.zkpa --issuer --wallet issuer && "
            + "zkpay authority submit change.zkpa",
        "receipt": "zkpay receipt get 3f2a9c… --out rent.json && zkpay receipt verify rent.json",
        "wallet": "ZKPAY_PASSPHRASE='correct horse' zkpay wallet create alice",
        "address": "zkpay address --wallet alice",
        "balance": "zkpay balance --wallet bob",
        "send": "zkpay send --wallet alice --to bob --amount 12.5 --memo rent",
        "redeem": "zkpay redeem --wallet alice --amount 20 --reference \"INV-2026-0042 ACME BANK\"",
        "watch": "zkpay watch --wallet bob --count 1 --timeout 60",
        "history": "zkpay history --wallet alice",
        "contacts": "zkpay contacts add landlord zkp1…",
        "mint": "zkpay mint --wallet issuer --to alice --amount 1000 --memo welcome",
        "pin": "zkpay pin --validator http://ledger.example:7878 --fingerprint d6dec166…",
        "loadgen": "zkpay loadgen --validator http://127.0.0.1:7878 --issuer-seed HEX --transfers 10000 --concurrency 8",
        "demo": "zkpay demo --keep",
        "generate-fixtures": "zkpay generate-fixtures transfers --output Fixtures/transfers.json",
    ]
}
