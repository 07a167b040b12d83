#!/usr/bin/env bash
# bench/log.sh — the decision log: append throughput, proof time, verify time, and admission latency
# with logging on.
#
# Usage: bench/log.sh [--quick] [--help]
#
# 1. Appends/s through the group-commit Writer (one process, SQLite, admission-sized entries of
#    about 700 bytes shaped like `vigil serve`'s): 200,000 entries from 64 producer threads, each
#    appending 8 and waiting on their receipts (concurrent reviews), then one burst of 200,000
#    queued at once and then waited on. Target >= 50,000 entries/s (PASS/FAIL is printed; a miss
#    does not fail the script).
# 2. Proofs at 10,000,000 entries: builds the log with store::append_batch directly (100,000
#    entries per transaction, 100-byte entries), then times 1,000 `vigil log prove`-path inclusion
#    proofs (proof::prove) of random indices, 1,000 bare inclusion paths (merkle::inclusion_proof)
#    and 100 consistency proofs between random sizes, every proof checked untimed. Target < 1 ms.
# 3. `vigil log verify` of a 1,000,000-entry admission-sized log (built 1,000 entries per
#    transaction, so a signed checkpoint kept per 1,024 entries), under /usr/bin/time -v (wall
#    time, max RSS). Target < 5 s.
# 4. bench/admission.sh's paced load (500 connections x 4 req/s for 5 s after a 2 s warm-up,
#    h2load over HTTP/2+TLS, signed image in a local docker-registry) against `vigil serve`
#    without and with `--log DB --log-key K`: p50/p99 and the ratio. Target p99 < 10 ms.
# --quick: 20,000 appends, a 1,000,000-entry proof log, a 100,000-entry verify log.
# Environment: LOG_BENCH_PROOF_SIZE (the proof log's size), CARGO_TARGET_DIR (default
# ~/.cache/vigil-target), VIGIL_TEST_IMAGES. Needs: h2load (apt-get install nghttp2-client),
# docker-registry, skopeo, /usr/bin/time, the test image (scripts/make-test-images.sh).
# Writes only under bench/out/log/ (databases included) and bench/out/log-results.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
command -v h2load >/dev/null || { echo "h2load not found: apt-get install nghttp2-client" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found: apt-get install time" >&2; exit 2; }
if ((QUICK)); then
    APPENDS=20000 PROOF_SIZE=${LOG_BENCH_PROOF_SIZE:-1000000} VERIFY_SIZE=100000
else
    APPENDS=200000 PROOF_SIZE=${LOG_BENCH_PROOF_SIZE:-10000000} VERIFY_SIZE=1000000
fi
THREADS=64 WINDOW=8
IMAGES="${VIGIL_TEST_IMAGES:-$HOME/.cache/vigil-test-images}"
OUT=bench/out/log
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build --release -q -p vigil --locked
cargo build --release -q -p vigil-log --example log_bench --locked
VIGIL="$CARGO_TARGET_DIR/release/vigil"
BENCH="$CARGO_TARGET_DIR/release/examples/log_bench"
# Each command is recorded with what it measured (the summary prints them).
run() { # NAME COMMAND…: stdout (one JSON object) to $OUT/NAME.json, the command to $OUT/NAME.cmd
    local name=$1; shift
    echo "$*" > "$OUT/$name.cmd"
    "$@" > "$OUT/$name.json"
}
"$BENCH" keygen "$OUT/bench" >/dev/null
# The machine's load (other work on it skews every figure): at the start and at the end.
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-start.txt"

# 1. Group-commit appends.
run appends "$BENCH" appends "$OUT/appends.db" "$OUT/bench.key" "$APPENDS" "$THREADS" "$WINDOW"
run burst "$BENCH" burst "$OUT/burst.db" "$OUT/bench.key" "$APPENDS"
rm -f "$OUT"/appends.db* "$OUT"/burst.db*
# Each section starts with the previous one's writes on disk, not in the kernel's writeback
# queue (gigabytes of a deleted proof log would otherwise throttle the next section's writes).
sync

# 2. Proofs over a large log.
run build-proof "$BENCH" build "$OUT/proof.db" "$OUT/bench.key" "$PROOF_SIZE" small 100000
run proofs "$BENCH" proofs "$OUT/proof.db" "$OUT/bench.pub" 1000 100
rm -f "$OUT"/proof.db*
sync

# 3. vigil log verify.
# 1,000 entries per transaction: a kept checkpoint per 1,024 entries, as a busy writer leaves.
run build-verify "$BENCH" build "$OUT/verify.db" "$OUT/bench.key" "$VERIFY_SIZE" admission 1000
sync
echo "/usr/bin/time -v $VIGIL log verify --log $OUT/verify.db --key $OUT/bench.pub" > "$OUT/verify.cmd"
verify_rc=0
/usr/bin/time -v "$VIGIL" log verify --log "$OUT/verify.db" --key "$OUT/bench.pub" > "$OUT/verify.txt" 2> "$OUT/verify.time" \
    || verify_rc=$?
echo "$verify_rc" > "$OUT/verify.rc"
rm -f "$OUT"/verify.db*
sync

# 4. Admission latency without and with the log (the parts of bench/admission.sh it needs).
scripts/make-test-images.sh >/dev/null
source bench/lib/admission-setup.sh
(cd "$OUT" && "$VIGIL" log key generate --name bench.example/admission --output-key-prefix admission >/dev/null)
for mode in nolog log; do
    SPORT=$(free_port)
    extra=()
    [[ $mode == log ]] && extra=(--log admission.db --log-key admission.key)
    echo "(cd $OUT && $VIGIL serve --policy policy.yaml --tls-cert certs/tls.crt --tls-key certs/tls.key --listen 127.0.0.1:$SPORT --plain-http ${extra[*]})" \
        > "$OUT/serve-$mode.cmd"
    (cd "$OUT" && exec "$VIGIL" serve --policy policy.yaml --tls-cert certs/tls.crt --tls-key certs/tls.key \
        --listen "127.0.0.1:$SPORT" --plain-http "${extra[@]}" 2> "serve-$mode.log") &
    SERVER=$!
    PIDS+=("$SERVER")
    for _ in $(seq 100); do grep -q '"listening"' "$OUT/serve-$mode.log" 2>/dev/null && break; sleep 0.05; done
    URL="https://127.0.0.1:$SPORT/validate"
    curl -s --cacert "$OUT/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@$OUT/review.json" "$URL" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; assert r["allowed"], r'
    # As bench/admission.sh's paced run: 500 clients x 4 req/s for 5 s after a 2 s warm-up.
    echo "h2load --rps=4 -D 5 --warm-up-time=2 -c 500 -m 1 -t 2 -d $OUT/review.json -H 'Content-Type: application/json' --log-file=$OUT/h2load-$mode.log $URL" \
        > "$OUT/h2load-$mode.cmd"
    h2load --rps=4 -D 5 --warm-up-time=2 -c 500 -m 1 -t 2 -d "$OUT/review.json" -H 'Content-Type: application/json' \
        --log-file="$OUT/h2load-$mode.log" "$URL" > "$OUT/h2load-$mode.txt" 2>&1 || true
    curl -s --cacert "$OUT/certs/ca.crt" "https://127.0.0.1:$SPORT/metrics" > "$OUT/metrics-$mode.txt" || true
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
done
# Every logged review must be in a log that verifies.
"$VIGIL" log verify --log "$OUT/admission.db" --key "$OUT/admission.pub" > "$OUT/admission-verify.txt" 2>&1 \
    && echo 0 > "$OUT/admission-verify.rc" || echo $? > "$OUT/admission-verify.rc"
python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from entries').fetchone()[0])" \
    "$OUT/admission.db" > "$OUT/admission-entries.txt"
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-end.txt"

python3 - "$OUT" "$QUICK" <<'PY' | tee "$OUT/results.txt"
import json, re, sys
out, quick = sys.argv[1], sys.argv[2] == "1"
load = lambda n: json.load(open(f"{out}/{n}.json"))
cmd = lambda n: open(f"{out}/{n}.cmd").read().strip()
verdict = lambda ok: "PASS" if ok else "FAIL"
rows = []
print(f"vigil decision log benchmark ({'quick' if quick else 'full'} mode), {__import__('os').cpu_count()} CPUs, "
      f"load average {open(out + '/load-start.txt').read().strip()} at the start, {open(out + '/load-end.txt').read().strip()} at the end\n")
a, b = load("appends"), load("burst")
print("1. group-commit appends (one process, SQLite, admission-sized entries), target >= 50,000 entries/s")
print(f"   concurrent: {a['committed']:,} entries ({a['entry_bytes']:.0f} bytes mean), {a['threads']} threads x windows of {a['window']}: "
      f"{a['seconds']:.2f} s = {a['per_second']:,.0f} entries/s, {a['transactions']} transactions "
      f"(mean {a['mean_batch']:.0f}), window p50 {a['window_ms']['p50']:.1f} ms p99 {a['window_ms']['p99']:.1f} ms, "
      f"{a['refused']} refused  {verdict(a['per_second'] >= 50000 and a['refused'] == 0)}")
print(f"     $ {cmd('appends')}")
print(f"   burst: {b['committed']:,} entries queued in {b['queued_seconds']:.2f} s (queue {b['queue']:,}), all acknowledged "
      f"in {b['seconds']:.2f} s = {b['per_second']:,.0f} entries/s, {b['transactions']} transactions, "
      f"{b['refused']} refused  {verdict(b['per_second'] >= 50000 and b['refused'] == 0)}")
print(f"   (encoding one of these entries: {b['encode_us']:.1f} us, on the appending thread, not the committing one)")
print(f"     $ {cmd('burst')}")
rows += [("appends/s, 64 threads", f"{a['per_second']:,.0f}", ">= 50,000", verdict(a['per_second'] >= 50000)),
         ("appends/s, burst", f"{b['per_second']:,.0f}", ">= 50,000", verdict(b['per_second'] >= 50000))]
g, p = load("build-proof"), load("proofs")
print(f"\n2. proofs over {p['size']:,} entries, target < 1 ms per proof")
print(f"   log built with store::append_batch: {g['entries']:,} entries of {g['entry_bytes']:.0f} bytes (small bodies, not "
      f"admission-sized), {g['batch']:,} per transaction, {g['seconds']:.1f} s = {g['per_second']:,.0f} entries/s, "
      f"{g['file_bytes'] / 2**20:,.0f} MiB")
print(f"     $ {cmd('build-proof')}")
for key, what, n in [("prove_ms", "inclusion, proof::prove (vigil log prove's path, JSON)", p['inclusion']),
                     ("inclusion_ms", "inclusion, merkle::inclusion_proof (hashes only)", p['inclusion']),
                     ("consistency_ms", "consistency, merkle::consistency_proof", p['consistency'])]:
    s = p[key]
    print(f"   {n:>5} x {what}: mean {s['mean']:.3f} ms, p50 {s['p50']:.3f} ms, p99 {s['p99']:.3f} ms, max {s['max']:.3f} ms  "
          f"{verdict(s['p99'] < 1)}")
    rows.append((f"{key.split('_')[0]} proof p99 @ {p['size']:,}", f"{s['p99']:.3f} ms", "< 1 ms", verdict(s['p99'] < 1)))
print(f"     $ {cmd('proofs')}  (every proof checked against the signed checkpoint, untimed)")
v = load("build-verify")
t = open(f"{out}/verify.time").read()
rc = int(open(f"{out}/verify.rc").read())
wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else float("nan")
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
print(f"\n3. vigil log verify of {v['entries']:,} admission-sized entries ({v['entry_bytes']:.0f} bytes mean, "
      f"{v['file_bytes'] / 2**20:,.0f} MiB), target < 5 s")
print(f"   {secs:.2f} s wall, {v['entries'] / secs:,.0f} entries/s, max RSS {rss / 1024:.0f} MiB, exit {rc}  "
      f"{verdict(secs < 5 and rc == 0)}")
print(f"     $ {cmd('verify')}")
print("     " + open(f"{out}/verify.txt").read().strip().replace("\n", "\n     "))
rows.append((f"log verify {v['entries']:,}", f"{secs:.2f} s", "< 5 s", verdict(secs < 5 and rc == 0)))
def lat(mode):
    lat = sorted(int(line.split()[2]) / 1000.0 for line in open(f"{out}/h2load-{mode}.log") if line.strip())
    q = lambda x: lat[min(len(lat) - 1, int(x * len(lat)))]
    txt = open(f"{out}/h2load-{mode}.txt").read()
    ok = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed", txt)
    codes = re.search(r"status codes: (.*)", txt)
    return len(lat), q(0.5), q(0.99), lat[-1], ok.groups() if ok else ("?", "?"), codes.group(1) if codes else "?"
print("\n4. vigil serve, 500 connections paced at 4 req/s each (2,000 req/s), target p99 < 10 ms")
res = {}
for mode in ("nolog", "log"):
    n, p50, p99, mx, (succ, fail), codes = lat(mode)
    res[mode] = p99
    m = re.search(r'vigil_admission_refused_total\{reason="reviews"\} (\d+)', open(f"{out}/metrics-{mode}.txt").read())
    refused = m.group(1) if m else "?"
    print(f"   {'without' if mode == 'nolog' else 'with'} the log: {n:,} responses, p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"max {mx:.2f} ms ({succ} succeeded, {fail} failed; {codes}); server refused {refused} reviews as over "
          f"its in-flight limit, warm-up included  {verdict(p99 < 10)}")
    print(f"     $ {cmd('serve-' + mode)}")
    print(f"     $ {cmd('h2load-' + mode)}")
entries = int(open(f"{out}/admission-entries.txt").read())
vrc = int(open(f"{out}/admission-verify.rc").read())
ratio = res["log"] / res["nolog"] if res["nolog"] else float("nan")
print(f"   p99 with / without the log: {ratio:.2f}x; the log holds {entries:,} entries, "
      f"vigil log verify exit {vrc}")
rows += [("serve p99, no log", f"{res['nolog']:.2f} ms", "< 10 ms", verdict(res['nolog'] < 10)),
         ("serve p99, --log", f"{res['log']:.2f} ms", "< 10 ms", verdict(res['log'] < 10 and vrc == 0))]
print("\nsummary")
w = max(len(r[0]) for r in rows)
print(f"  {'measure':<{w}}  {'result':>12}  {'target':>10}  verdict")
for name, value, target, ok in rows:
    print(f"  {name:<{w}}  {value:>12}  {target:>10}  {ok}")
PY
cp "$OUT/results.txt" bench/out/log-results.txt
