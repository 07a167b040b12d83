#!/usr/bin/env bash
# bench/audit.sh — `vigil audit` throughput on one core, and memory while following a growing log.
#
# Usage: bench/audit.sh [--quick] [--help]
#
# Input: bench/make-audit-log.py cycles the 51 real events of falco-tests'
# test/trace_files/k8s_audit/*.json (fal_01_003.json skipped) into 2,000,000 JSON lines (seed 1):
# 80% boring get/list/watch of pods and configmaps by system:serviceaccount users (response 200),
# 20% the real creates/deletes/patches/execs with new auditIDs, names, namespaces and timestamps.
# 1. Events/s and MB/s of the whole command under `taskset -c 0 /usr/bin/time -v` (wall clock, max
#    RSS), median of AUDIT_BENCH_RUNS runs (default 3), for: the Falco k8saudit plugin's
#    k8s_audit_rules.yaml alone (--no-builtin-rules --rules …), one rule that never matches (the
#    parse speed; ratio = rules time / parse time), and the built-in rules (no flags).
#    Target >= 200,000 events/s on one core (PASS/FAIL printed; a miss does not fail the script).
# 2. Falco as the peer, if a falco binary can be had (PATH, Debian bookworm, Debian trixie through
#    the machine's apt mirror as scripts/test fetches cosign); otherwise the reason is printed.
# 3. `vigil audit --follow` of grow.log while 500,000 generated lines (seed 2) are appended in 20
#    chunks a second apart; once it has read everything and gone idle, its VmHWM (peak RSS) from
#    /proc/PID/status. Target < 100 MiB.
# --quick: 200,000 events for 1., the same 500,000-line follow.
# Environment: VIGIL_CORPORA (default ../shared/corpora), CARGO_TARGET_DIR (default
# ~/.cache/vigil-target), AUDIT_BENCH_RUNS, VIGIL_DEBIAN_MIRROR (see scripts/test).
# Needs: python3, taskset, /usr/bin/time. Writes only under bench/out/audit/ (logs included) and
# bench/out/audit-results.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ "${1:-}" == "--help" || "${1:-}" == "-h" ]]; then sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0; fi
QUICK=0
[[ "${1:-}" == "--quick" ]] && QUICK=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vigil-target}"
CORPORA="${VIGIL_CORPORA:-$PWD/../shared/corpora}"
RULES="$CORPORA/k8s-audit/falco-plugins-k8saudit/plugins/k8saudit/rules/k8s_audit_rules.yaml"
TRACES="$CORPORA/k8s-audit/falco-tests/test/trace_files/k8s_audit"
RUNS="${AUDIT_BENCH_RUNS:-3}"
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time not found: apt-get install time" >&2; exit 2; }
command -v taskset >/dev/null || { echo "taskset not found: apt-get install util-linux" >&2; exit 2; }
[[ -f "$RULES" && -d "$TRACES" ]] || { echo "k8s-audit corpus not found under $CORPORA (set VIGIL_CORPORA)" >&2; exit 2; }
if ((QUICK)); then EVENTS=200000; else EVENTS=2000000; fi
GROW=500000 CHUNKS=20
OUT=bench/out/audit
rm -rf "$OUT" && mkdir -p "$OUT"
cargo build --release -q -p vigil --locked
VIGIL="$CARGO_TARGET_DIR/release/vigil"
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-start.txt"

echo "bench/make-audit-log.py $TRACES $EVENTS --seed 1 -o $OUT/big.log" > "$OUT/generate.cmd"
python3 bench/make-audit-log.py "$TRACES" "$EVENTS" --seed 1 -o "$OUT/big.log" 2> "$OUT/generate.txt"
printf -- '- rule: never\n  desc: x\n  condition: ka.verb = nonexistent-verb\n  output: x\n  priority: DEBUG\n  source: k8s_audit\n' \
    > "$OUT/never.yaml"

# 1. One core, the whole command, AUDIT_BENCH_RUNS times per rule set.
measure() { # NAME ARGS…: runs `vigil audit ARGS… big.log --format json -o /dev/null`, records each run
    local name=$1 run rc; shift
    echo "taskset -c 0 /usr/bin/time -v $VIGIL audit ${*:+$* }$OUT/big.log --format json -o /dev/null" > "$OUT/$name.cmd"
    for run in $(seq "$RUNS"); do
        rc=0
        taskset -c 0 /usr/bin/time -v "$VIGIL" audit "$@" "$OUT/big.log" --format json -o /dev/null \
            2> "$OUT/$name-$run.time" || rc=$?
        echo "$rc" > "$OUT/$name-$run.rc"
    done
}
measure k8saudit --no-builtin-rules --rules "$RULES"
measure parse --no-builtin-rules --rules "$OUT/never.yaml"
measure builtin
# What fired, untimed, over the first 200,000 events (the log cycles, so they are representative).
head -n 200000 "$OUT/big.log" | "$VIGIL" audit --no-builtin-rules --rules "$RULES" - --format json 2>/dev/null \
    | python3 -c 'import collections, json, sys; c = collections.Counter(json.loads(l)["rule"] for l in sys.stdin); print(json.dumps(c.most_common()))' \
    > "$OUT/k8saudit-alerts.json" || true

# 2. Falco.
falco_reason="" falco_found=no
if command -v falco >/dev/null; then
    falco_found=yes falco_reason="a falco binary is on PATH ($(command -v falco)), but this script does not drive it yet"
else
    bookworm=$(apt-cache policy falco 2>/dev/null | sed -n 's/^ *Candidate: //p')
    trixie="" base="${VIGIL_PEERS:-$HOME/.cache/vigil-peers}/apt-trixie"
    if [[ ! -d "$base/lists" ]]; then
        # As scripts/test's ensure_cosign: trixie's lists through the machine's own Debian mirror.
        source <(sed -n '/^debian_mirror()/,/^}/p' scripts/test)
        base="$OUT/apt-trixie"
        mirror=$(debian_mirror || true)
        if [[ -n "$mirror" ]]; then
            read -r uri signed <<<"$mirror"
            mkdir -p "$base/lists/partial"
            echo "deb ${signed:+[$signed] }$uri trixie main" > "$base/trixie.list"
        fi
    fi
    if [[ -f "$base/trixie.list" ]]; then
        opts=(-o Dir::Etc::SourceList="$base/trixie.list" -o Dir::Etc::SourceParts=/dev/null
            -o Dir::State::Lists="$base/lists" -o APT::Sandbox::User=root)
        [[ -n "$(ls "$base/lists"/*Packages* 2>/dev/null)" ]] || timeout 600 apt-get "${opts[@]}" update -qq || true
        trixie=$(apt-cache "${opts[@]}" policy falco 2>/dev/null | sed -n 's/^ *Candidate: //p')
        libs=$(apt-cache "${opts[@]}" search '^libfalcosecurity' 2>/dev/null | cut -d' ' -f1 | paste -sd' ')
    fi
    if [[ -n "$bookworm$trixie" && "$bookworm$trixie" != "(none)" ]]; then
        falco_found=yes
        falco_reason="a falco package exists (bookworm ${bookworm:-none}, trixie ${trixie:-none}), but this script does not drive it yet"
    else
        falco_reason="no falco package in Debian bookworm or trixie (trixie has only ${libs:-no} falcosecurity libraries), no Docker, and nothing outside the package registries can be fetched here"
    fi
fi
printf '%s\n%s\n' "$falco_found" "$falco_reason" > "$OUT/falco.txt"

# 3. Following a growing log.
echo "bench/make-audit-log.py $TRACES $GROW --seed 2 -o $OUT/grow-source.log" > "$OUT/grow-generate.cmd"
python3 bench/make-audit-log.py "$TRACES" "$GROW" --seed 2 -o "$OUT/grow-source.log" 2> "$OUT/grow-generate.txt"
mkdir -p "$OUT/chunks"
split -n "l/$CHUNKS" -d -a 2 "$OUT/grow-source.log" "$OUT/chunks/part-"
: > "$OUT/grow.log"
echo "$VIGIL audit --follow --format json -o /dev/null --no-builtin-rules --rules $RULES $OUT/grow.log" > "$OUT/follow.cmd"
"$VIGIL" audit --follow --format json -o /dev/null --no-builtin-rules --rules "$RULES" "$OUT/grow.log" \
    2> "$OUT/follow.stderr" &
FOLLOWER=$!
trap 'kill "$FOLLOWER" 2>/dev/null || true' EXIT
sleep 0.5
start=$(date +%s.%N)
for part in "$OUT"/chunks/part-*; do
    cat "$part" >> "$OUT/grow.log"
    sleep 1
done
appended=$(date +%s.%N)
size=$(stat -c %s "$OUT/grow.log")
# Caught up: it has read at least the whole log (rchar also counts the rules file) and its CPU time
# stands still over half a second (idle polling).
cpu() { awk '{print $14 + $15}' "/proc/$FOLLOWER/stat"; }
caught=no
for _ in $(seq 240); do
    rchar=$(sed -n 's/^rchar: //p' "/proc/$FOLLOWER/io")
    if ((rchar >= size)); then
        a=$(cpu); sleep 0.5; b=$(cpu)
        if [[ "$a" == "$b" ]]; then caught=yes; break; fi
    else
        sleep 0.25
    fi
done
idle=$(date +%s.%N)
grep -E '^(VmHWM|VmRSS):' "/proc/$FOLLOWER/status" > "$OUT/follow-status.txt"
alive=yes
kill -0 "$FOLLOWER" 2>/dev/null || alive=no
kill "$FOLLOWER" 2>/dev/null || true
wait "$FOLLOWER" 2>/dev/null || true
trap - EXIT
python3 -c "import sys; s, a, i = map(float, sys.argv[1:]); print(f'{a - s:.2f} {i - a:.2f}')" "$start" "$appended" "$idle" \
    > "$OUT/follow-times.txt"
echo "$caught $alive $size $(wc -l < "$OUT/grow.log")" > "$OUT/follow-state.txt"
rm -rf "$OUT/chunks" "$OUT/grow-source.log"
cut -d' ' -f1-3 /proc/loadavg > "$OUT/load-end.txt"

python3 - "$OUT" "$QUICK" "$RUNS" <<'PY' | tee "$OUT/results.txt"
import json, os, re, statistics, sys
out, quick, runs = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3])
cmd = lambda n: open(f"{out}/{n}.cmd").read().strip()
verdict = lambda ok: "PASS" if ok else "FAIL"
size = os.path.getsize(f"{out}/big.log")
def timed(name):
    res = []
    for run in range(1, runs + 1):
        t = open(f"{out}/{name}-{run}.time").read()
        rc = int(open(f"{out}/{name}-{run}.rc").read())
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
        secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
        rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
        summary = re.search(r"vigil audit: (\d+) event\(s\), (\d+) alert\(s\).*?; (\d+) rule\(s\)", t)
        events, alerts, rules = map(int, summary.groups()) if summary else (0, -1, 0)
        res.append((secs, rss, rc, events, alerts, rules))
    secs = statistics.median(r[0] for r in res)
    return {"secs": secs, "all": [r[0] for r in res], "rss": max(r[1] for r in res),
            "ok": all(r[2] in (0, 1) for r in res), "rc": sorted({r[2] for r in res}),
            "events": res[0][3], "alerts": res[0][4], "rules": res[0][5]}
gen = open(f"{out}/generate.txt").read().strip()
print(f"vigil audit benchmark ({'quick' if quick else 'full'} mode), {os.cpu_count()} CPUs (one used: taskset -c 0), "
      f"load average {open(out + '/load-start.txt').read().strip()} at the start, "
      f"{open(out + '/load-end.txt').read().strip()} at the end\n")
print(f"input: {gen}; {size / 1e6:,.0f} MB")
print(f"  $ {cmd('generate')}")
rows = []
r = {n: timed(n) for n in ("k8saudit", "parse", "builtin")}
print(f"\n1. one core, whole command, median of {runs} runs, target >= 200,000 events/s")
for name, what in (("k8saudit", "Falco k8s_audit_rules.yaml"), ("parse", "one never-matching rule (parse speed)"),
                   ("builtin", "built-in rules (no flags)")):
    x = r[name]
    eps, mbs = x["events"] / x["secs"], size / 1e6 / x["secs"]
    ok = x["ok"] and x["events"] > 0
    print(f"   {what}: {x['rules']} rules, {x['events']:,} events, {x['alerts']:,} alerts, "
          f"{x['secs']:.2f} s ({', '.join(f'{s:.2f}' for s in x['all'])}) = {eps:,.0f} events/s, {mbs:,.1f} MB/s, "
          f"max RSS {x['rss'] / 1024:.0f} MiB, exit {x['rc']}" + ("" if name == "parse" else f"  {verdict(ok and eps >= 200000)}"))
    print(f"     $ {cmd(name)}")
    label = {"k8saudit": "events/s, k8s_audit_rules", "parse": "events/s, parse only", "builtin": "events/s, built-in"}[name]
    rows.append((label, f"{eps:,.0f}", ">= 200,000" if name != "parse" else "-",
                 verdict(ok and eps >= 200000) if name != "parse" else ("ok" if ok else "ERROR")))
    rows.append((label.replace("events/s", "MB/s"), f"{mbs:,.1f}", "-", "-"))
ratio = r["k8saudit"]["secs"] / r["parse"]["secs"]
ratio_b = r["builtin"]["secs"] / r["parse"]["secs"]
print(f"   ratio rules time / parse time: k8s_audit_rules {ratio:.2f}x, built-in {ratio_b:.2f}x")
rows.append(("ratio k8s rules / parse", f"{ratio:.2f}x", "-", "-"))
fired = json.load(open(f"{out}/k8saudit-alerts.json")) if os.path.getsize(f"{out}/k8saudit-alerts.json") else []
print(f"   k8s_audit_rules alerts by rule over the first 200,000 events ({len(fired)} rules fired): "
      + ", ".join(f"{n} {c:,}" for n, c in fired[:8]) + (", ..." if len(fired) > 8 else ""))
found, falco = open(f"{out}/falco.txt").read().strip().split("\n", 1)
print(f"\n2. peer: Falco: {'not available on this machine (' + falco + ')' if found == 'no' else falco}; no ratio")
rows.append(("Falco events/s", "n/a", "-", "not available" if found == "no" else "not run"))
caught, alive, gsize, glines = open(f"{out}/follow-state.txt").read().split()
appending, catchup = open(f"{out}/follow-times.txt").read().split()
st = dict(l.split(":", 1) for l in open(f"{out}/follow-status.txt"))
hwm = int(st["VmHWM"].split()[0]) / 1024
rss_now = int(st["VmRSS"].split()[0]) / 1024
ok = caught == "yes" and alive == "yes"
print(f"\n3. --follow while {int(glines):,} lines ({int(gsize) / 1e6:,.0f} MB) were appended in 20 chunks over {appending} s, "
      f"target peak RSS < 100 MiB")
print(f"   caught up and idle {catchup} s after the last append: {caught}; still running: {alive}; "
      f"VmHWM {hwm:.1f} MiB, VmRSS {rss_now:.1f} MiB  {verdict(ok and hwm < 100)}")
print(f"     $ {cmd('follow')}")
rows.append(("follow peak RSS (VmHWM)", f"{hwm:.1f} MiB", "< 100 MiB", verdict(ok and hwm < 100)))
print("\nsummary")
w = max(len(x[0]) for x in rows)
print(f"  {'measure':<{w}}  {'result':>12}  {'target':>10}  verdict")
for name, value, target, v in rows:
    print(f"  {name:<{w}}  {value:>12}  {target:>10}  {v}")
PY
cp "$OUT/results.txt" bench/out/audit-results.txt
rm -f "$OUT/big.log" "$OUT/grow.log"
