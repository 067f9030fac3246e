#!/usr/bin/env bash
# `make demo`: the zkpay story against a real validator on loopback.
# Creates a throwaway wallet home and ledger under /tmp, starts `zkpay validator run`,
# mints, pays with a memo while the payee watches, verifies the receipt offline, cashes
# out to a bank reference, lets the supervisor named in the genesis read every amount,
# audits, stops the validator and says where everything is. Needs the release binary
# (`make build`); ZKPAY overrides its path.
set -euo pipefail
cd "$(dirname "$0")/.."
ZKPAY=${ZKPAY:-$PWD/.build/release/zkpay}
[ -x "$ZKPAY" ] || { echo "error: $ZKPAY is missing; run \`make build\` first" >&2; exit 1; }

WORK=$(mktemp -d /tmp/zkpay-demo.XXXXXX)
export ZKPAY_HOME="$WORK/home"
export ZKPAY_PASSPHRASE="${ZKPAY_PASSPHRASE:-demo passphrase}"
# Real wallets use Argon2id "moderate" (256 MiB); the demo unlocks a wallet a dozen
# times, so it uses libsodium's "interactive" level (64 MiB) unless told otherwise.
export ZKPAY_KDF="${ZKPAY_KDF:-interactive}"
unset ZKPAY_VALIDATOR
DATA="$WORK/ledger"
VALIDATOR_LOG="$WORK/validator.log"
WATCH_LOG="$WORK/bob-watch.log"
VALIDATOR_PID=""
WATCH_PID=""

if [ -t 1 ]; then B=$'\e[1m'; D=$'\e[2m'; R=$'\e[0m'; else B=""; D=""; R=""; fi
say() { printf '\n%s\n' "${B}$*${R}"; }
run() { printf '%s\n' "${D}\$ zkpay $*${R}"; "$ZKPAY" "$@"; }

cleanup() {
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null || true
  [ -n "$VALIDATOR_PID" ] && kill -TERM "$VALIDATOR_PID" 2>/dev/null || true
}
trap cleanup EXIT

echo "${B}zkpay demo${R}: a confidential payment, told end to end."
echo "Everything lives in $WORK (wallet home, ledger, logs); nothing else is touched."

say "1. Three people get wallets."
echo "Each wallet is one 32-byte seed, kept in a keystore file encrypted with a passphrase"
echo "(Argon2id + XChaCha20-Poly1305). Its address holds two public keys: one to spend, one to read memos."
for who in alice bob issuer; do run wallet create "$who" | sed -n '1,3p'; done
echo "A supervisor (an auditor) gets a key too: it will read amounts that everyone else sees hidden."
printf '%s\n' "${D}\$ zkpay auditor create supervisor${R}"
"$ZKPAY" auditor create supervisor >"$WORK/auditor.txt"
sed -n '2p' "$WORK/auditor.txt"
AUDITOR=$(sed -n 's/^auditor: //p' "$WORK/auditor.txt")
ISSUER=$("$ZKPAY" address --wallet issuer)
ALICE=$("$ZKPAY" address --wallet alice)

say "2. A ledger is created and its validator started."
echo "The ledger's genesis names the issuer, the only key allowed to create money, and the supervisor:"
echo "every payment must carry the amounts sealed to that key, with a proof the validator checks."
run validator init --data "$DATA" --issuer "$ISSUER" --min-fee-units 1000 --auditor "$AUDITOR" | sed -n '1,2p;4p'
"$ZKPAY" validator run --data "$DATA" --listen 127.0.0.1:0 >"$VALIDATOR_LOG" 2>&1 &
VALIDATOR_PID=$!
URL=""
for _ in $(seq 1 200); do
  URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$VALIDATOR_LOG" 2>/dev/null | head -n1 || true)
  [ -n "$URL" ] && break
  kill -0 "$VALIDATOR_PID" 2>/dev/null || { cat "$VALIDATOR_LOG" >&2; echo "error: the validator did not start" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "error: the validator did not report its address" >&2; exit 1; }
export ZKPAY_VALIDATOR="$URL"
echo "validator running at $URL (pid $VALIDATOR_PID); the wallets talk to it over HTTP."

say "3. The issuer mints 1,000 coins to alice."
echo "Mint amounts are public; from here on, every amount is hidden in a Pedersen commitment."
run mint --wallet issuer --to alice --amount 1000 --memo welcome

say "4. Bob starts watching for payments."
"$ZKPAY" watch --wallet bob --count 1 --timeout 60 >"$WATCH_LOG" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 100); do grep -q watching "$WATCH_LOG" 2>/dev/null && break; sleep 0.1; done
sed -n '1p' "$WATCH_LOG"

say "5. Alice pays bob 250 coins for the rent."
echo "Her wallet picks a note, builds a transfer (range proof that no amount is negative, balance"
echo "signature that no money is created, her authorization) and the validator verifies and settles it."
run send --wallet alice --to "$("$ZKPAY" address --wallet bob)" --amount 250 --memo rent | tee "$WORK/send.txt"
sed -n 's/^receipt //p' "$WORK/send.txt" >"$WORK/receipt.json"

say "6. Bob's watch prints the payment the moment it settles."
wait "$WATCH_PID" || true
WATCH_PID=""
sed -n '2,$p' "$WATCH_LOG"

say "7. Both balances, read from the ledger's notes with each wallet's view key."
run balance --wallet alice
run balance --wallet bob
echo "The ledger itself only ever saw commitments: it cannot tell 250 from any other amount."

say "8. Anyone can check the receipt offline."
echo "It is certified by the ledger's validators, whose genesis the wallet pinned (by its chain id) the first time it met the validator."
run receipt verify "$WORK/receipt.json"
echo "Bob, who was paid, can fetch the receipt of the same transfer by its id and keep it too."
run receipt get "$(sed -n 's/^transfer //p' "$WORK/send.txt")" --wallet bob --out "$WORK/bob-receipt.json"

say "9. Bob cashes 100 coins out to his bank account."
echo "A redemption burns a note: it reveals that one amount (and the bank reference) so the issuer can pay it out."
run redeem --wallet bob --amount 100 --reference "DE89370400440532013000 rent payout"
run balance --wallet bob

say "10. The supervisor reads every amount, and would flag a sender who lied to it."
run auditor scan --auditor supervisor

say "11. And anyone can audit the whole ledger: minted - burned - fees = outstanding."
run audit --validator "$URL" --genesis "$DATA/genesis.zkpg"

say "12. The validator stops (SIGTERM: it finishes what is in flight and syncs the log)."
kill -TERM "$VALIDATOR_PID"
wait "$VALIDATOR_PID" || true
VALIDATOR_PID=""
tail -n 2 "$VALIDATOR_LOG" | sed 's/^/  /'

say "Where everything is"
echo "  wallet home (keystores, state)  $ZKPAY_HOME"
echo "  ledger data directory           $DATA"
echo "  validator log                   $VALIDATOR_LOG"
echo "  bob's watch output              $WATCH_LOG"
echo "  alice's receipt                 $WORK/receipt.json"
echo "Try: ZKPAY_HOME=$ZKPAY_HOME ZKPAY_PASSPHRASE='$ZKPAY_PASSPHRASE' $ZKPAY history --wallet alice"
echo "Remove it all with: rm -rf $WORK"
