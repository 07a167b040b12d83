#!/usr/bin/env bash
# bench/lint.sh — side-by-side throughput of `vigil lint` and Checkov on the same Kubernetes manifests.
#
# Usage:
#   bench/lint.sh                  # build vigil, generate the corpus, time vigil and Checkov, print the table
#   bench/lint.sh --skip-checkov   # vigil only
#   bench/lint.sh --skip-vigil     # corpus + Checkov only (e.g. before `vigil lint` exists)
#
# Steps:
#   1. `cargo build --release -p vigil --locked` (binary at $CARGO_TARGET_DIR/release/vigil).
#   2. Copies the YAML/JSON files of $VIGIL_CORPORA/manifests/kubernetes and $VIGIL_CORPORA/psa/test/testdata
#      into bench/out/lint-corpus/round-NNN/ until the corpus holds >= VIGIL_BENCH_OBJECTS (10000) objects.
#      An object is a YAML document (or JSON object) with top-level `apiVersion` and `kind`. Files with no
#      object (empty files, non-Kubernetes JSON) and unrendered templates (`{{ ... }}`, several of which are
#      not valid YAML) are left out, so any vigil exit code 2 is a real error.
#   3. Times `vigil lint CORPUS --format json` 5 times (median), on all cores and on one core
#      (`taskset -c 0`, RAYON_NUM_THREADS=1). Exit 1 (findings) is expected; 2 aborts the benchmark.
#   4. Times `checkov -d bench/out/lint-corpus/round-001 --framework kubernetes -o json --quiet` 3 times
#      (median) on the first round only: Checkov needs about a minute per round here. Checkov is installed
#      into ${VIGIL_PEERS:-$HOME/.cache/vigil-peers}/checkov-venv on first use (needs python3-venv and PyPI).
#   5. Prints objects per second for each run and the per-object ratio vigil/Checkov; the table is also
#      written to bench/out/lint-results.txt.
#
# Environment: VIGIL_CORPORA (default ../shared/corpora), VIGIL_PEERS (default ~/.cache/vigil-peers),
#   VIGIL_BENCH_OBJECTS (default 10000), CARGO_TARGET_DIR (default ~/.cache/vigil-target),
#   VIGIL_BIN (time this vigil binary instead of building one).
# Needs: cargo, python3 (+ python3-venv for Checkov), taskset (util-linux). No network except PyPI once.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

SKIP_CHECKOV=0
SKIP_VIGIL=0
for arg in "$@"; do
    case "$arg" in
        --skip-checkov) SKIP_CHECKOV=1 ;;
        --skip-vigil) SKIP_VIGIL=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *)
            echo "error: unknown argument \`$arg\`, expected --skip-checkov, --skip-vigil or --help" >&2
            exit 2
            ;;
    esac
done

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
CORPORA="${VIGIL_CORPORA:-$ROOT/../shared/corpora}"
PEERS="${VIGIL_PEERS:-$HOME/.cache/vigil-peers}"
TARGET_OBJECTS="${VIGIL_BENCH_OBJECTS:-10000}"
VIGIL_RUNS=5
CHECKOV_RUNS=3
OUT=$ROOT/bench/out
CORPUS=$OUT/lint-corpus
SUBSET=$CORPUS/round-001
RESULTS=$OUT/lint-results.txt

die() {
    printf 'error: %s\n' "$1" >&2
    [[ $# -lt 2 ]] || printf '\nhint: %s\n' "$2" >&2
    exit 2
}

for cmd in python3 taskset; do
    command -v "$cmd" >/dev/null 2>&1 || die "\`$cmd\` not found" "apt-get install -y python3 util-linux"
done

# python3 helpers: elapsed seconds, median, objects/s, ratio.
calc() { python3 -c "import statistics as st, sys; a = [float(x) for x in sys.argv[1:]]; print($1)" "${@:2}"; }

# count_objects DIR: prints "<objects> <files>" for the YAML/JSON files under DIR.
count_objects() {
    python3 - "$1" <<'PY'
import json, os, re, sys
API = re.compile(r"^apiVersion\s*:", re.M)
KIND = re.compile(r"^kind\s*:", re.M)
SEP = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
objects = files = 0
for dirpath, _, names in os.walk(sys.argv[1]):
    for name in names:
        if not name.endswith((".yaml", ".yml", ".json")):
            continue
        files += 1
        text = open(os.path.join(dirpath, name), encoding="utf-8", errors="replace").read()
        if name.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError:
                continue
            docs = doc if isinstance(doc, list) else [doc]
            objects += sum(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs)
        else:
            objects += sum(bool(API.search(d) and KIND.search(d)) for d in SEP.split(text))
print(objects, files)
PY
}

# select_files: NUL-separated list (relative to $CORPORA) of the manifest files that go into one round,
# plus a summary of what was left out on stderr.
select_files() {
    python3 - "$CORPORA" manifests/kubernetes psa/test/testdata <<'PY'
import json, os, re, sys
API = re.compile(r"^apiVersion\s*:", re.M)
KIND = re.compile(r"^kind\s*:", re.M)
SEP = re.compile(r"^---[ \t]*(?:#.*)?$", re.M)
base, roots = sys.argv[1], sys.argv[2:]
empty = template = 0
out = sys.stdout.buffer
for root in roots:
    for dirpath, dirnames, names in os.walk(os.path.join(base, root)):
        dirnames.sort()
        for name in sorted(names):
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            path = os.path.join(dirpath, name)
            text = open(path, encoding="utf-8", errors="replace").read()
            if "{{" in text:
                template += 1
                continue
            if name.endswith(".json"):
                try:
                    doc = json.loads(text)
                except ValueError:
                    doc = None
                docs = doc if isinstance(doc, list) else [doc]
                n = sum(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs)
            else:
                n = sum(bool(API.search(d) and KIND.search(d)) for d in SEP.split(text))
            if n == 0:
                empty += 1
                continue
            out.write(os.path.relpath(path, base).encode() + b"\0")
print(f"left out per round: {empty} files without a Kubernetes object, {template} unrendered templates",
      file=sys.stderr)
PY
}

make_corpus() {
    local root
    for root in manifests/kubernetes psa/test/testdata; do
        [[ -d "$CORPORA/$root" ]] || die "corpus folder $CORPORA/$root not found" \
            "set VIGIL_CORPORA to the shared corpora (default ../shared/corpora next to the repo)"
    done
    CORPORA=$(cd "$CORPORA" && pwd)
    echo "== generating corpus from $CORPORA"
    rm -rf "$CORPUS"
    mkdir -p "$SUBSET"
    select_files >"$OUT/lint-files.list"
    (cd "$CORPORA" && xargs -0 -r cp --parents -t "$SUBSET") <"$OUT/lint-files.list"
    local per_round objects files round=1
    read -r per_round files < <(count_objects "$SUBSET")
    ((per_round > 0)) || die "no Kubernetes objects found under $CORPORA"
    echo "round 1: $per_round objects in $files files"
    objects=$per_round
    while ((objects < TARGET_OBJECTS)); do
        round=$((round + 1))
        cp -r "$SUBSET" "$CORPUS/$(printf 'round-%03d' "$round")"
        objects=$((objects + per_round))
    done
    read -r CORPUS_OBJECTS CORPUS_FILES < <(count_objects "$CORPUS")
    read -r SUBSET_OBJECTS SUBSET_FILES < <(count_objects "$SUBSET")
    echo "corpus: $CORPUS_OBJECTS objects in $CORPUS_FILES files ($round rounds) at ${CORPUS#"$ROOT"/}"
}

# timed NAME RUNS LOG CMD...: runs CMD RUNS times (stdout discarded, stderr to LOG), sets MEDIAN (seconds).
# Exit 0 (clean) and 1 (findings) are fine; anything else aborts with the tail of LOG.
timed() {
    local name=$1 runs=$2 log=$3 i start end rc t times=()
    shift 3
    for ((i = 1; i <= runs; i++)); do
        rc=0
        start=$(date +%s.%N)
        "$@" >/dev/null 2>"$log" || rc=$?
        end=$(date +%s.%N)
        if ((rc > 1)); then
            tail -n 20 "$log" >&2
            die "$name exited $rc on run $i, expected 0 (clean) or 1 (findings); stderr is in ${log#"$ROOT"/}"
        fi
        t=$(calc 'f"{a[1] - a[0]:.3f}"' "$start" "$end")
        printf '  %-16s run %d/%d: %8.3f s (exit %d)\n' "$name" "$i" "$runs" "$t" "$rc"
        times+=("$t")
    done
    MEDIAN=$(calc 'f"{st.median(a):.3f}"' "${times[@]}")
}

ensure_checkov() {
    local venv=$PEERS/checkov-venv
    if [[ ! -x "$venv/bin/checkov" ]]; then
        python3 -c 'import ensurepip' 2>/dev/null || die "python3 cannot create a venv" "apt-get install -y python3-venv"
        echo "installing Checkov into $venv (takes a minute)"
        python3 -m venv "$venv"
        "$venv/bin/pip" install -q checkov
    fi
    CHECKOV=$venv/bin/checkov
}

mkdir -p "$OUT"

if ((!SKIP_VIGIL)); then
    if [[ -n "${VIGIL_BIN:-}" ]]; then
        VIGIL=$VIGIL_BIN
    else
        echo "== building vigil (release)"
        cargo build --release -p vigil --locked
        VIGIL=$CARGO_TARGET_DIR/release/vigil
    fi
    [[ -x "$VIGIL" ]] || die "vigil binary not found at $VIGIL"
fi

make_corpus

rows=()
oneline=()
if ((!SKIP_VIGIL)); then
    echo "== vigil lint, $(nproc) cores"
    timed vigil $VIGIL_RUNS "$OUT/vigil.stderr" "$VIGIL" lint "$CORPUS" --format json
    V_ALL=$MEDIAN
    echo "== vigil lint, 1 core (taskset -c 0, RAYON_NUM_THREADS=1)"
    timed "vigil 1 core" $VIGIL_RUNS "$OUT/vigil-1core.stderr" \
        env RAYON_NUM_THREADS=1 taskset -c 0 "$VIGIL" lint "$CORPUS" --format json
    V_ONE=$MEDIAN
    V_ALL_RATE=$(calc 'f"{a[0] / a[1]:.0f}"' "$CORPUS_OBJECTS" "$V_ALL")
    V_ONE_RATE=$(calc 'f"{a[0] / a[1]:.0f}"' "$CORPUS_OBJECTS" "$V_ONE")
    rows+=("$(printf '%-22s %8s %8s %10s %10s' "vigil ($(nproc) cores)" "$CORPUS_OBJECTS" "$CORPUS_FILES" "$V_ALL" "$V_ALL_RATE")")
    rows+=("$(printf '%-22s %8s %8s %10s %10s' "vigil (1 core)" "$CORPUS_OBJECTS" "$CORPUS_FILES" "$V_ONE" "$V_ONE_RATE")")
    oneline+=("vigil $CORPUS_OBJECTS objects $V_ALL s $V_ALL_RATE obj/s" "vigil 1 core $CORPUS_OBJECTS objects $V_ONE s $V_ONE_RATE obj/s")
fi

if ((!SKIP_CHECKOV)); then
    ensure_checkov
    CHECKOV_VERSION=$("$CHECKOV" --version 2>/dev/null || echo '?')
    echo "== checkov $CHECKOV_VERSION on ${SUBSET#"$ROOT"/} ($SUBSET_OBJECTS objects)"
    # Checkov prints a traceback when it cannot reach api0.prismacloud.io (offline); that goes to the log.
    timed checkov $CHECKOV_RUNS "$OUT/checkov.stderr" \
        "$CHECKOV" -d "$SUBSET" --framework kubernetes -o json --quiet
    C_TIME=$MEDIAN
    C_RATE=$(calc 'f"{a[0] / a[1]:.1f}"' "$SUBSET_OBJECTS" "$C_TIME")
    rows+=("$(printf '%-22s %8s %8s %10s %10s' "checkov $CHECKOV_VERSION" "$SUBSET_OBJECTS" "$SUBSET_FILES" "$C_TIME" "$C_RATE")")
    oneline+=("checkov $SUBSET_OBJECTS objects $C_TIME s $C_RATE obj/s")
fi

{
    echo
    echo "vigil lint vs Checkov — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, medians of $VIGIL_RUNS (vigil) / $CHECKOV_RUNS (checkov) runs"
    printf '%-22s %8s %8s %10s %10s\n' tool objects files "median s" "obj/s"
    printf '%s\n' "${rows[@]}"
    if ((!SKIP_VIGIL && !SKIP_CHECKOV)); then
        R_ALL=$(calc 'f"{a[0] / a[1]:.0f}"' "$V_ALL_RATE" "$C_RATE")
        R_ONE=$(calc 'f"{a[0] / a[1]:.0f}"' "$V_ONE_RATE" "$C_RATE")
        echo "ratio vigil/checkov per object: ${R_ALL}x all cores, ${R_ONE}x one core"
        oneline+=("ratio ${R_ALL}x (1 core ${R_ONE}x)")
    fi
    joined=$(IFS='|'; echo "${oneline[*]}")
    echo "${joined//|/ | }"
} | tee "$RESULTS"
