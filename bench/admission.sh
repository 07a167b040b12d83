#!/usr/bin/env bash
# bench/admission.sh — load test of `vigil serve` with h2load (nghttp2-client): 10,000 AdmissionReview
# requests at 100 and at 500 concurrent connections (HTTP/2 over TLS), policy = allowed registries +
# Pod Security restricted + a key signature check on a signed image in a local docker-registry (cached
# after the first request). Reports p50/p99/max latency (from h2load's per-request log), requests/s and
# the server's peak RSS (VmHWM), then the peak RSS after floods of 9 MiB bodies and of 3.4 MiB reviews.
#
# Usage: bench/admission.sh [--help]
# Needs: docker-registry, skopeo, h2load (apt-get install nghttp2-client), the test image
# (scripts/make-test-images.sh). Writes only under bench/out/admission/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
command -v h2load >/dev/null || { echo "h2load not found: apt-get install nghttp2-client" >&2; exit 2; }
IMAGES="${VIGIL_TEST_IMAGES:-$HOME/.cache/vigil-test-images}"
OUT=bench/out/admission
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build --release -q -p vigil --locked
VIGIL="$CARGO_TARGET_DIR/release/vigil"
scripts/make-test-images.sh >/dev/null
source bench/lib/admission-setup.sh
SPORT=$(free_port)
(cd "$OUT" && exec "$VIGIL" serve --policy policy.yaml --tls-cert certs/tls.crt --tls-key certs/tls.key \
    --listen "127.0.0.1:$SPORT" --plain-http 2> serve.log) &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 100); do grep -q '"listening"' "$OUT/serve.log" 2>/dev/null && break; sleep 0.05; done
SPID=$(pgrep -f "serve --policy policy.yaml --tls-cert certs/tls.crt" | head -1)
URL="https://127.0.0.1:$SPORT/validate"
# Warm the verification cache and check the verdict.
curl -s --cacert "$OUT/certs/ca.crt" -H 'Content-Type: application/json' --data-binary "@$OUT/review.json" "$URL" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["response"]; assert r["allowed"], r; print("warm-up: allowed")'
# Saturation (each connection sends its next request as soon as the previous is answered) at 100
# and 500 connections, then 500 connections paced at 4 requests/s each (2,000 req/s in total,
# measured after warm-up).
for run in 100 500 500-paced; do
    c=${run%-paced}
    count=(-n 10000)
    # Paced: 500 clients x 4 req/s for 5 s = 10,000 requests, measured after a 2 s warm-up (the
    # 500 TLS handshakes and first requests all start at once).
    [[ "$run" == *-paced ]] && count=(--rps=4 -D 5 --warm-up-time=2)
    h2load "${count[@]}" -c "$c" -m 1 -t 2 -d "$OUT/review.json" -H 'Content-Type: application/json' \
        --log-file="$OUT/h2load-$run.log" "$URL" > "$OUT/h2load-$run.txt" 2>&1 || true
    c=$run
    rps=$(grep -oE 'finished in [0-9.]+[a-z]+, [0-9.]+ req/s' "$OUT/h2load-$c.txt" | grep -oE '[0-9.]+ req/s' || echo "? req/s")
    ok=$(grep -oE 'requests: [0-9]+ total, [0-9]+ started, [0-9]+ done, [0-9]+ succeeded, [0-9]+ failed' "$OUT/h2load-$c.txt" || true)
    python3 - "$OUT/h2load-$c.log" "$c" "$rps" "$ok" <<'PY' | tee -a "$OUT/results.txt"
import sys, statistics
lat = sorted(int(line.split()[2]) / 1000.0 for line in open(sys.argv[1]) if line.strip())
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
print(f"{sys.argv[2]} connections: {len(lat)} responses, p50 {p(0.50):.2f} ms, p99 {p(0.99):.2f} ms, max {lat[-1]:.2f} ms, {sys.argv[3]} ({sys.argv[4]})")
PY
done
rss=$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0)
echo "vigil serve peak RSS: $((rss / 1024)) MiB (VmHWM ${rss} kB)" | tee -a "$OUT/results.txt"
# Memory under body floods, after the load runs: 64 connections posting 9 MiB bodies (refused,
# 413), then 64 posting valid 3.4 MiB reviews (decided or refused 429 by the review memory).
# The peak must stay under the generated Deployment's 256 MiB limit.
python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
open(f"{out}/nine.json", "wb").write(b" " * (9 * 1024 * 1024))
review = json.load(open(f"{out}/review.json"))
review["request"]["object"]["metadata"]["annotations"] = {"note": "x" * 3_400_000}
open(f"{out}/big.json", "w").write(json.dumps(review))
PY
for attack in nine big; do
    h2load -n 640 -c 64 -m 1 -t 2 -d "$OUT/$attack.json" -H 'Content-Type: application/json' "$URL" \
        > "$OUT/h2load-$attack.txt" 2>&1 || true
    codes=$(grep -E 'status codes:' "$OUT/h2load-$attack.txt" | sed 's/^ *//' || echo "?")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$SPID/status" 2>/dev/null || echo 0)
    echo "after 640 x $([[ $attack == nine ]] && echo '9 MiB bodies' || echo '3.4 MiB reviews') on 64 connections ($codes): peak RSS $((rss / 1024)) MiB" | tee -a "$OUT/results.txt"
done
curl -s --cacert "$OUT/certs/ca.crt" "https://127.0.0.1:$SPORT/metrics" > "$OUT/metrics.txt"
grep -E '^vigil_(admission_decisions_total|verification_cache_total)' "$OUT/metrics.txt" | tee -a "$OUT/results.txt"
# Server-side time to answer (parse, policies, cache, response), from vigil's own histogram, all runs.
python3 - "$OUT/metrics.txt" <<'PY' | tee -a "$OUT/results.txt"
import re, sys
buckets = [(float(m.group(1)), int(m.group(2))) for m in re.finditer(r'duration_seconds_bucket\{le="([0-9.]+)"\} (\d+)', open(sys.argv[1]).read())]
total = int(re.search(r'duration_seconds_count (\d+)', open(sys.argv[1]).read()).group(1))
def q(p):
    return next((f"<= {b * 1000:g} ms" for b, n in buckets if n >= p * total), "> 10 s")
print(f"server-side answer time over {total} reviews: p50 {q(0.5)}, p99 {q(0.99)}, p99.9 {q(0.999)}")
PY
cp "$OUT/results.txt" bench/out/admission-results.txt
