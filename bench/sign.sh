#!/usr/bin/env bash
# bench/sign.sh — `vigil verify --key` vs `cosign verify --key` on the same signed image in a local
# registry (Debian's docker-registry on 127.0.0.1), median of 7 runs each.
#
# Usage: bench/sign.sh [--help]
# Needs: docker-registry, skopeo, umoci (scripts/test installs them), cosign ($VIGIL_COSIGN or
# ~/.cache/vigil-peers/trixie-root/usr/bin/cosign, fetched by scripts/test), the test image
# (scripts/make-test-images.sh). Writes only under bench/out/sign/ and stops the registry at exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
COSIGN="${VIGIL_COSIGN:-$HOME/.cache/vigil-peers/trixie-root/usr/bin/cosign}"
IMAGES="${VIGIL_TEST_IMAGES:-$HOME/.cache/vigil-test-images}"
OUT=bench/out/sign
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build --release -q -p vigil --locked
VIGIL="$CARGO_TARGET_DIR/release/vigil"
scripts/make-test-images.sh
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$OUT/registry.yml" <<CFG
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $PWD/$OUT/data}}
http: {addr: 127.0.0.1:$PORT}
CFG
docker-registry serve "$OUT/registry.yml" >/dev/null 2>&1 &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
IMAGE="127.0.0.1:$PORT/bench/debian:1.0"
skopeo copy -q --dest-tls-verify=false "oci:$IMAGES/debian/oci:latest" "docker://$IMAGE"
export VIGIL_PASSWORD=bench COSIGN_PASSWORD=bench
(cd "$OUT" && "$VIGIL" key generate --output-key-prefix bench >/dev/null 2>&1)
"$VIGIL" sign "$IMAGE" --key "$OUT/bench.key" --plain-http >/dev/null 2>&1
median() { python3 -c 'import sys,statistics; print(f"{statistics.median(float(x) for x in sys.argv[1:]):.3f}")' "$@"; }
time_runs() {
    local times=() start end
    for _ in 1 2 3 4 5 6 7; do
        start=$(date +%s.%N); "$@" >/dev/null 2>&1; end=$(date +%s.%N)
        times+=("$(python3 -c "print($end - $start)")")
    done
    median "${times[@]}"
}
v=$(time_runs "$VIGIL" verify "$IMAGE" --key "$OUT/bench.pub" --plain-http)
c=$(time_runs "$COSIGN" verify --key "$OUT/bench.pub" --insecure-ignore-tlog=true --allow-insecure-registry --allow-http-registry "$IMAGE")
python3 - "$v" "$c" <<'PY' | tee bench/out/sign-results.txt
import sys
v, c = float(sys.argv[1]), float(sys.argv[2])
print(f"verify (key, local registry, median of 7): vigil {v * 1000:.0f} ms, cosign {c * 1000:.0f} ms, ratio {c / v:.1f}x")
PY
