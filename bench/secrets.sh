#!/usr/bin/env bash
# bench/secrets.sh — `vigil secrets` against gitleaks 8.16, on files and on a Git history.
#
# Usage: bench/secrets.sh [--quick] [--help]
#
# 1. Files: `vigil secrets DIR --format json -o … --no-ignore --config GITLEAKS_DEFAULT` against
#    `gitleaks detect --no-git -s DIR --config GITLEAKS_DEFAULT -f json -r …` on ~/.cargo/registry/src
#    (every crate source this machine has; --quick: the first 40 crate folders, copied), where
#    GITLEAKS_DEFAULT is the corpus' gitleaks.toml (secrets/gitleaks/config/gitleaks.toml);
#    gitleaks 8.16 loads it (keys it does not know are ignored). vigil is also run with
#    --max-decode-depth 0, as gitleaks 8.16 decodes nothing.
# 2. History: bench/out/secrets/history, a repository generated with `git fast-import` from the
#    same crate sources (SECRETS_BENCH_COMMITS commits, default 5,000; --quick 1,000: each adds the
#    next files and modifies a file of the previous commit), scanned by `vigil secrets git:REPO`
#    and `gitleaks detect -s REPO` (`git log -p -U0 --full-history --all`), same config.
# 3. Both again with that config's rules and no allowlists (bench/out/secrets/no-allowlists.toml,
#    generated): gitleaks 8.16 ignores v8.25's `[[rules.allowlists]]` and so reports more with the
#    corpus config; without allowlists (and vigil without decoding) both read the rules alike.
# 4. detect-secrets 1.5 (PyPI, installed into ~/.cache/vigil-peers/detect-secrets-venv) against
#    `vigil secrets` (built-in rules) on the first 40 crate folders, copied (detect-secrets is two
#    orders of magnitude slower; `cd DIR && detect-secrets -c 2 scan --all-files .`, as it must
#    run from inside the tree). Skipped, with the reason, when pip cannot install it.
# Each command under `/usr/bin/time -v` (wall clock, max RSS, both programs free to use every
# core), median of SECRETS_BENCH_RUNS runs (default 3; --quick 1). MB/s is the corpus' bytes (the
# files' apparent size; the history's blob bytes) over the wall time; ratio = gitleaks / vigil.
# Finding counts of both are printed (not a correctness check: see
# crates/vigil-secrets/tests/git_history.rs and gitleaks_corpus.rs for those).
# Environment: VIGIL_CORPORA (default ../shared/corpora), CARGO_TARGET_DIR (default
# ~/.cache/vigil-target), VIGIL_GITLEAKS (default: the binary scripts/test's ensure_gitleaks
# unpacks), VIGIL_BIN (a vigil binary to use instead of building one), SECRETS_BENCH_RUNS,
# SECRETS_BENCH_COMMITS, CARGO_HOME.
# Needs: python3, git, /usr/bin/time. Writes only under bench/out/secrets/ and
# bench/out/secrets-results.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
CORPORA="${VIGIL_CORPORA:-$PWD/../shared/corpora}"
CONFIG="$CORPORA/secrets/gitleaks/config/gitleaks.toml"
GITLEAKS="${VIGIL_GITLEAKS:-${VIGIL_PEERS:-$HOME/.cache/vigil-peers}/trixie-root/usr/bin/gitleaks}"
SRC="${CARGO_HOME:-$HOME/.cargo}/registry/src"
if ((QUICK)); then RUNS="${SECRETS_BENCH_RUNS:-1}" COMMITS="${SECRETS_BENCH_COMMITS:-1000}"; else
    RUNS="${SECRETS_BENCH_RUNS:-3}" COMMITS="${SECRETS_BENCH_COMMITS:-5000}"; fi
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found: apt-get install time" >&2; exit 2; }
[[ -f "$CONFIG" ]] || { echo "gitleaks corpus not found under $CORPORA (set VIGIL_CORPORA)" >&2; exit 2; }
[[ -x "$GITLEAKS" ]] || { echo "gitleaks not found at $GITLEAKS (scripts/test's ensure_gitleaks fetches it; or set VIGIL_GITLEAKS)" >&2; exit 2; }
[[ -d "$SRC" ]] || { echo "no crate sources under $SRC" >&2; exit 2; }
OUT=bench/out/secrets
rm -rf "$OUT" && mkdir -p "$OUT"
# The same rules without any allowlist: gitleaks 8.16 ignores v8.25's `[[rules.allowlists]]`, so
# with the corpus config it reports findings vigil's reading of that config allowlists; without
# allowlists both read the rules alike and their finding counts can be compared.
python3 - "$CONFIG" > "$OUT/no-allowlists.toml" <<'PY'
import json, sys, tomllib
config = tomllib.load(open(sys.argv[1], "rb"))
for rule in config["rules"]:
    print("[[rules]]")
    for key in ("id", "description", "regex", "secretGroup", "entropy", "keywords", "path"):
        if key in rule:
            value = rule[key]
            q = "'" * 3
            print(f"{key} = " + (q + value + q if key in ("regex", "path") else json.dumps(value)))
    print()
PY
NOALLOW="$OUT/no-allowlists.toml"
if [[ -n "${VIGIL_BIN:-}" ]]; then VIGIL="$VIGIL_BIN"; else
    cargo build --release -q -p vigil --locked
    VIGIL="$CARGO_TARGET_DIR/release/vigil"
fi
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-start.txt"

# The files corpus: ~/.cargo/registry/src as it is (--quick: its first 40 crate folders, copied).
if ((QUICK)); then
    FILES_DIR="$OUT/files"
    mkdir -p "$FILES_DIR"
    mapfile -t CRATES < <(find "$SRC" -mindepth 2 -maxdepth 2 -type d | LC_ALL=C sort)
    for c in "${CRATES[@]:0:40}"; do cp -r "$c" "$FILES_DIR/"; done
else
    FILES_DIR="$SRC"
fi
du -sb --apparent-size "$FILES_DIR" | cut -f1 > "$OUT/files-bytes.txt"
# detect-secrets' tree: the first 40 crate folders, copied (the quick files corpus itself).
DS_DIR="$OUT/ds-files"
mkdir -p "$DS_DIR"
mapfile -t DS_CRATES < <(find "$SRC" -mindepth 2 -maxdepth 2 -type d | LC_ALL=C sort)
for c in "${DS_CRATES[@]:0:40}"; do cp -r "$c" "$DS_DIR/"; done
du -sb --apparent-size "$DS_DIR" | cut -f1 > "$OUT/ds-bytes.txt"
DS_VENV="${VIGIL_PEERS:-$HOME/.cache/vigil-peers}/detect-secrets-venv"
if [[ ! -x "$DS_VENV/bin/detect-secrets" ]]; then
    python3 -m venv "$DS_VENV" >/dev/null 2>&1 && "$DS_VENV/bin/pip" install -q detect-secrets==1.5.0 >/dev/null 2>&1 || true
fi
DETECT_SECRETS=""
[[ -x "$DS_VENV/bin/detect-secrets" ]] && DETECT_SECRETS="$DS_VENV/bin/detect-secrets"
find "$FILES_DIR" -type f | wc -l > "$OUT/files-count.txt"

# The history: git fast-import of the crate sources, COMMITS commits.
HIST="$OUT/history"
git init -q -b main "$HIST"
echo "python3 (inline in bench/secrets.sh) $FILES_DIR $COMMITS | git -C $HIST fast-import --quiet" > "$OUT/generate.cmd"
python3 - "$FILES_DIR" "$COMMITS" <<'PY' | git -C "$HIST" -c core.autocrlf=false fast-import --quiet
import os, sys
root, commits = sys.argv[1], int(sys.argv[2])
files = []
for d, dirs, names in os.walk(root, followlinks=True):
    dirs.sort()
    for n in sorted(names):
        p = os.path.join(d, n)
        try:
            if os.path.isfile(p) and not os.path.islink(p) and os.path.getsize(p) <= 1 << 20:
                files.append(p)
        except OSError:
            pass
per = max(1, -(-len(files) // commits))
out = sys.stdout.buffer
t = 1_600_000_000
prev = {}
for i in range(commits):
    batch = files[i * per:(i + 1) * per]
    if not batch and not prev:
        break
    msg = f"commit {i}\n".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(f"author Bench <bench@example.test> {t + i * 60} +0000\n".encode())
    out.write(f"committer Bench <bench@example.test> {t + i * 60} +0000\n".encode())
    out.write(b"data %d\n%s" % (len(msg), msg))
    cur = {}
    for p in batch:
        data = open(p, "rb").read()
        rel = os.path.relpath(p, root)
        cur[rel] = data
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(data), data))
    if prev:  # modify one file of the previous commit: lines added in the middle and at the end
        rel, data = sorted(prev.items())[i % len(prev)]
        lines = data.split(b"\n")
        mid = len(lines) // 2
        new = b"\n".join(lines[:mid] + [b"// edited in commit %d" % i] + lines[mid:]) + b"\n// end %d\n" % i
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (rel.encode(), len(new), new))
        cur.setdefault(rel, new)
    prev = cur
PY
git -C "$HIST" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' \
    | awk '$1 == "blob" { s += $2; n++ } END { print s, n }' > "$OUT/history-blobs.txt"
git -C "$HIST" rev-list --count --all > "$OUT/history-commits.txt"

measure() { # NAME PROGRAM ARGS…: runs it RUNS times under /usr/bin/time -v
    local name=$1 run rc; shift
    echo "/usr/bin/time -v $*" > "$OUT/$name.cmd"
    for run in $(seq "$RUNS"); do
        rc=0
        /usr/bin/time -v "$@" > "$OUT/$name-$run.out" 2> "$OUT/$name-$run.time" || rc=$?
        echo "$rc" > "$OUT/$name-$run.rc"
    done
}
measure files-vigil "$VIGIL" secrets "$FILES_DIR" --format json -o "$OUT/files-vigil.json" --no-ignore --config "$CONFIG"
measure files-vigil-nodecode "$VIGIL" secrets "$FILES_DIR" --format json -o "$OUT/files-vigil-nodecode.json" --no-ignore \
    --config "$CONFIG" --max-decode-depth 0
measure files-gitleaks "$GITLEAKS" detect --no-banner --no-git -s "$FILES_DIR" --config "$CONFIG" -f json -r "$OUT/files-gitleaks.json"
measure files-vigil-noallow "$VIGIL" secrets "$FILES_DIR" --format json -o "$OUT/files-vigil-noallow.json" --no-ignore --config "$NOALLOW" \
    --max-decode-depth 0
measure files-gitleaks-noallow "$GITLEAKS" detect --no-banner --no-git -s "$FILES_DIR" --config "$NOALLOW" -f json -r "$OUT/files-gitleaks-noallow.json"
measure git-vigil "$VIGIL" secrets "git:$HIST" --format json -o "$OUT/git-vigil.json" --config "$CONFIG"
measure git-gitleaks "$GITLEAKS" detect --no-banner -s "$HIST" --config "$CONFIG" -f json -r "$OUT/git-gitleaks.json"
measure git-vigil-noallow "$VIGIL" secrets "git:$HIST" --format json -o "$OUT/git-vigil-noallow.json" --config "$NOALLOW" --max-decode-depth 0
measure git-gitleaks-noallow "$GITLEAKS" detect --no-banner -s "$HIST" --config "$NOALLOW" -f json -r "$OUT/git-gitleaks-noallow.json"
if [[ -n "$DETECT_SECRETS" ]]; then
    measure ds-vigil "$VIGIL" secrets "$DS_DIR" --format json -o "$OUT/ds-vigil.json" --no-ignore
    ds_abs=$(cd "$DS_DIR" && pwd)
    measure ds-detect-secrets bash -c "cd '$ds_abs' && '$DETECT_SECRETS' -c 2 scan --all-files . > '$PWD/$OUT/ds-detect-secrets.json'"
else
    echo "detect-secrets could not be installed with pip into $DS_VENV" > "$OUT/ds-skipped.txt"
fi
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-end.txt"

python3 - "$OUT" "$QUICK" "$RUNS" <<'PY' | tee "$OUT/results.txt"
import json, os, re, statistics, sys
out, quick, runs = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
def cmd(name): return open(f"{out}/{name}.cmd").read().strip().replace("/usr/bin/time -v ", "")
def timed(name):
    res = []
    for run in range(1, runs + 1):
        t = open(f"{out}/{name}-{run}.time").read()
        rc = int(open(f"{out}/{name}-{run}.rc").read())
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
        secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
        res.append((secs, rss, rc))
    return {"secs": statistics.median(r[0] for r in res), "all": [r[0] for r in res],
            "rss": max(r[1] for r in res), "rc": sorted({r[2] for r in res}), "ok": all(r[2] in (0, 1) for r in res)}
def count(path):
    try:
        j = json.load(open(path))
    except (OSError, ValueError):
        return "?"
    if isinstance(j, dict) and "results" in j:
        return sum(len(v) for v in j["results"].values())
    return len(j["findings"] if isinstance(j, dict) else j)
fbytes = int(open(f"{out}/files-bytes.txt").read())
nfiles = int(open(f"{out}/files-count.txt").read())
hbytes, nblobs = map(int, open(f"{out}/history-blobs.txt").read().split())
ncommits = int(open(f"{out}/history-commits.txt").read())
print(f"vigil secrets benchmark ({'quick' if quick else 'full'} mode), {os.cpu_count()} CPUs, median of {runs} run(s), "
      f"load average {open(out + '/load-start.txt').read().strip()} at the start, "
      f"{open(out + '/load-end.txt').read().strip()} at the end")
rows = []
def section(title, size, names):
    print(f"\n{title}")
    r = {n: timed(n) for n in names}
    for n in names:
        x = r[n]
        print(f"   {n}: {x['secs']:.2f} s ({', '.join(f'{s:.2f}' for s in x['all'])}), {size / 1e6 / x['secs']:,.1f} MB/s, "
              f"max RSS {x['rss'] / 1024:.0f} MiB, exit {x['rc']}, {count(f'{out}/{n}.json')} findings"
              + ("" if x["ok"] else "  ERROR"))
        print(f"     $ {cmd(n)}")
        rows.append((n, f"{x['secs']:.2f} s", f"{size / 1e6 / x['secs']:,.1f}", f"{x['rss'] / 1024:.0f} MiB"))
    return r
r1 = section(f"1. files: {nfiles:,} files, {fbytes / 1e6:,.0f} MB", fbytes, ["files-vigil", "files-vigil-nodecode", "files-gitleaks",
                                                                      "files-vigil-noallow", "files-gitleaks-noallow"])
r2 = section(f"2. history: {ncommits:,} commits, {nblobs:,} blobs, {hbytes / 1e6:,.0f} MB of blobs "
             f"(generated: $ {open(out + '/generate.cmd').read().strip()})", hbytes, ["git-vigil", "git-gitleaks", "git-vigil-noallow", "git-gitleaks-noallow"])
def ratio(a, b, what):
    t = a[b[0]]["secs"] / max(a[b[1]]["secs"], 1e-9)
    m = a[b[0]]["rss"] / a[b[1]]["rss"]
    print(f"   ratio {what}: time {t:.2f}x, max RSS {m:.2f}x")
    rows.append((f"ratio {what}", f"{t:.2f}x", "-", f"{m:.2f}x"))
r3 = None
if os.path.exists(f"{out}/ds-skipped.txt"):
    print("\n3. detect-secrets: not run: " + open(f"{out}/ds-skipped.txt").read().strip())
else:
    dsbytes = int(open(f"{out}/ds-bytes.txt").read())
    r3 = section(f"3. detect-secrets: the first 40 crate folders, {dsbytes / 1e6:,.1f} MB (vigil with its built-in rules)",
                 dsbytes, ["ds-vigil", "ds-detect-secrets"])
print("\nratios (gitleaks / vigil; > 1: vigil faster or smaller)")
ratio(r1, ("files-gitleaks", "files-vigil"), "files")
ratio(r1, ("files-gitleaks", "files-vigil-nodecode"), "files, vigil without decoding")
ratio(r1, ("files-gitleaks-noallow", "files-vigil-noallow"), "files, no allowlists, no decoding")
ratio(r2, ("git-gitleaks", "git-vigil"), "history")
ratio(r2, ("git-gitleaks-noallow", "git-vigil-noallow"), "history, no allowlists, no decoding")
if r3:
    ratio(r3, ("ds-detect-secrets", "ds-vigil"), "detect-secrets / vigil, 40 crates")
print("\nsummary")
w = max(len(x[0]) for x in rows)
print(f"  {'measure':<{w}}  {'wall':>10}  {'MB/s':>8}  {'max RSS':>9}")
for name, a, b, c in rows:
    print(f"  {name:<{w}}  {a:>10}  {b:>8}  {c:>9}")
PY
cp "$OUT/results.txt" bench/out/secrets-results.txt
