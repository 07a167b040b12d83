#!/usr/bin/env bash
# bench/sign.sh — `vigil verify --key` vs `cosign verify --key` on the same signed image in a local
# registry (Debian's docker-registry on 127.0.0.1), median of 7 runs each; then `vigil verify-bundle`
# vs `cosign verify-blob --new-bundle-format` on a real public-good bundle (offline, the conformance
# suite's happy-path v0.3 bundle bundled in crates/vigil/tests/fixtures/sigstore), median of 7.
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
FIX=crates/vigil/tests/fixtures/sigstore
ID=https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main
ISS=https://token.actions.githubusercontent.com
# cosign needs the production trusted root as a file; vigil embeds it.
ROOT="${VIGIL_CORPORA:-../shared/corpora}/sigstore/sigstore-python/sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json"
vb=$(time_runs "$VIGIL" verify-bundle --bundle "$FIX/a.txt.v03.sigstore.json" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$FIX/a.txt")
if [[ -f "$ROOT" ]]; then
    cb=$(HOME="$PWD/$OUT" time_runs "$COSIGN" verify-blob --new-bundle-format --bundle "$FIX/a.txt.v03.sigstore.json" --trusted-root "$ROOT" --certificate-identity "$ID" --certificate-oidc-issuer "$ISS" "$FIX/a.txt")
    python3 -c "import sys; v, c = float(sys.argv[1]), float(sys.argv[2]); print(f'verify-bundle (keyless v0.3, offline, median of 7): vigil {v*1000:.1f} ms, cosign verify-blob {c*1000:.1f} ms, ratio {c/v:.1f}x')" "$vb" "$cb" | tee -a bench/out/sign-results.txt
else
    echo "verify-bundle: vigil $(python3 -c "print(f'{float(\"$vb\")*1000:.1f}')") ms; cosign skipped: no trusted_root.json at $ROOT (set VIGIL_CORPORA)" | tee -a bench/out/sign-results.txt
fi
