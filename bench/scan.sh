#!/usr/bin/env bash
# bench/scan.sh — vulnerability database import and scan throughput.
#
# Usage: bench/scan.sh [--help]
#
# 1. Builds vigil (release).
# 2. Imports every OSV record of the shared advisory corpora (go-vulndb, pypa YAML, rustsec OSV)
#    into a fresh database under bench/out/scan/, 3 times (fresh each time): median seconds and
#    records/second, plus the database size on disk.
# 3. Writes a vigil JSON SBOM of up to 3,000 distinct packages drawn from the advisories' package names
#    (crates.io, PyPI, Go) with versions inside and outside their ranges, and times
#    `vigil scan sbom:FILE --format json` 5 times (median; the whole command: opening the
#    database, reading the SBOM, matching, rendering).
# No peer runs here: grype, trivy's DB and osv-scanner cannot be installed offline on this machine,
# so there is no side-by-side ratio; compare with their published figures.
# Environment: VIGIL_CORPORA (default ../shared/corpora), CARGO_TARGET_DIR (default ~/.cache/vigil-target).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
CORPORA="${VIGIL_CORPORA:-$PWD/../shared/corpora}"
OUT=bench/out/scan
mkdir -p "$OUT"
cargo build --release -q -p vigil --locked
VIGIL="$CARGO_TARGET_DIR/release/vigil"
SOURCES=("$CORPORA/advisories/go-vulndb/data/osv" "$CORPORA/advisories/pypa/vulns" "$CORPORA/advisories/rustsec/osv/crates")
times=()
for run in 1 2 3; do
    rm -f "$OUT/vuln.db" "$OUT/vuln.db-wal" "$OUT/vuln.db-shm"
    start=$(date +%s.%N)
    "$VIGIL" db import --db "$OUT/vuln.db" --quiet "${SOURCES[@]}"
    end=$(date +%s.%N)
    times+=("$(python3 -c "print($end - $start)")")
done
records=$("$VIGIL" db status --db "$OUT/vuln.db" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["advisories"])')
size=$(stat -c %s "$OUT/vuln.db")
python3 - "$CORPORA" "$OUT/sbom.json" <<'PY'
import json, sys, glob, random, os
random.seed(7)
corpora, out = sys.argv[1], sys.argv[2]
pkgs = []
for path in sorted(glob.glob(os.path.join(corpora, "advisories/rustsec/osv/crates/*.json")))[:1000]:
    d = json.load(open(path))
    for a in d.get("affected", []):
        p = a["package"]; ev = [e for r in a.get("ranges", []) for e in r.get("events", [])]
        v = next((e.get("fixed") for e in ev if e.get("fixed")), "1.0.0")
        pkgs.append((p["name"], random.choice([v, "0.1.0", "1.0.0"]), "crates.io", f"pkg:cargo/{p['name']}"))
for path in sorted(glob.glob(os.path.join(corpora, "advisories/go-vulndb/data/osv/*.json"))):
    d = json.load(open(path))
    for a in d.get("affected", [])[:1]:
        p = a["package"]; pkgs.append((p["name"], random.choice(["0.1.0", "1.2.3", "1.20.0"]), "Go", "pkg:golang/" + p["name"]))
for name in sorted(os.listdir(os.path.join(corpora, "advisories/pypa/vulns"))):
    pkgs.append((name, random.choice(["0.1", "1.0", "2.0.1"]), "PyPI", f"pkg:pypi/{name}"))
# One version per package name, as a real SBOM mostly has.
seen = set(); unique = []
for p in pkgs:
    if (p[2], p[0]) not in seen:
        seen.add((p[2], p[0])); unique.append(p)
pkgs = unique[:3000]
doc = {"version": 1, "source": {"kind": "bench", "target": "synthetic"}, "distro": None,
       "packages": [{"name": n, "version": v, "ecosystem": e, "purl": f"{purl}@{v}", "source": None, "locations": []} for n, v, e, purl in pkgs]}
json.dump(doc, open(out, "w"))
print(f"sbom: {len(pkgs)} packages", file=sys.stderr)
PY
match_ms=()
scan_times=()
for run in 1 2 3 4 5; do
    match_ms+=("$(VIGIL_TIMINGS=1 "$VIGIL" scan "sbom:$OUT/sbom.json" --db "$OUT/vuln.db" --format json --quiet 2>&1 >/dev/null | sed -n 's/.*match \([0-9.]*\) ms.*/\1/p')")
    start=$(date +%s.%N)
    "$VIGIL" scan "sbom:$OUT/sbom.json" --db "$OUT/vuln.db" --format json --quiet > "$OUT/findings.json"
    end=$(date +%s.%N)
    scan_times+=("$(python3 -c "print($end - $start)")")
done
findings=$(python3 -c "import json; print(len(json.load(open('$OUT/findings.json'))['findings']))")
packages=$(python3 -c "import json; print(len(json.load(open('$OUT/sbom.json'))['packages']))")
python3 - "$records" "$size" "$findings" "$packages" "${times[@]}" -- "${scan_times[@]}" -- "${match_ms[@]}" <<'PY' | tee "$OUT/../scan-results.txt"
import sys, statistics
args = sys.argv[1:]
records, size, findings, packages = int(args[0]), int(args[1]), int(args[2]), int(args[3])
sep = args.index("--"); sep2 = args.index("--", sep + 1)
imports = [float(x) for x in args[4:sep]]; scans = [float(x) for x in args[sep + 1:sep2]]; matches = [float(x) for x in args[sep2 + 1:] if x]
imp = statistics.median(imports); scan = statistics.median(scans)
print(f"import: {records} records in {imp:.2f} s median ({records / imp:.0f} records/s), database {size / 1e6:.1f} MB on disk")
print(f"scan:   {packages}-package SBOM in {scan * 1000:.0f} ms median for the whole command ({findings} findings); match step {statistics.median(matches):.1f} ms median")
print("peer:   none runnable offline here (grype, trivy DB, osv-scanner); no ratio")
PY
