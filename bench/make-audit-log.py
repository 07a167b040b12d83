#!/usr/bin/env python3
"""bench/make-audit-log.py — a large, realistic Kubernetes audit log (JSON lines) for bench/audit.sh.

Usage: bench/make-audit-log.py TRACE_DIR COUNT [--seed N] [--start I] [--boring FRACTION] [-o FILE]

Reads the real audit events of TRACE_DIR (falco-tests' test/trace_files/k8s_audit/*.json, one
event a line; fal_01_003.json, which is not an event, is skipped) and writes COUNT events, one a
line, streaming (memory does not grow with COUNT), deterministic for a seed:

- about FRACTION (default 0.8) are the boring bulk of a real cluster's log: each is a real event
  rewritten to a `get`, `list` or `watch` of pods or configmaps in one of 24 namespaces by a
  `system:serviceaccount:*` user, response 200, at the Metadata level (no request/response bodies);
- the rest cycle through the real events in file order (the creates, deletes, patches, execs and
  attaches Falco's k8saudit rules are about), each with a fresh auditID, its object's name given a
  suffix (names starting with `system:` are kept, as rules match them) and `default` namespaces
  spread over the pool (kube-system, kube-public and cluster-scoped objects keep theirs);
- every event gets a new auditID (a UUID from the seeded generator) and timestamps that advance
  100 to 900 microseconds an event from 2024-03-01T00:00:00Z (plus --start events' worth).

--start I numbers the events from I (for a second batch that continues the first's clock and
auditIDs' sequence with a different seed). Prints the number of events and bytes to standard error.
"""

import argparse
import copy
import glob
import json
import os
import random
import sys
import time

NAMESPACES = [
    "default", "payments", "checkout", "frontend", "backend", "search", "billing", "auth", "ingress-nginx",
    "monitoring", "logging", "cert-manager", "argocd", "istio-system", "kube-system", "data", "ml-serving",
    "batch", "staging", "orders", "inventory", "notifications", "gateway", "cache",
]
APPS = ["api", "web", "worker", "redis", "postgres", "nginx", "prometheus", "fluent-bit", "coredns", "envoy",
        "grafana", "kafka", "zookeeper", "celery", "scheduler", "sidecar-injector", "metrics-server"]
AGENTS = ["kube-controller-manager/v1.28.3 (linux/amd64) kubernetes/a8a1abc/system:serviceaccount:kube-system:",
          "kubelet/v1.28.3 (linux/amd64) kubernetes/a8a1abc", "argocd-application-controller/v0.0.0",
          "Go-http-client/2.0", "prometheus/2.48.0", "fluent-bit/2.2.0", "cert-manager-controller/v1.13.2"]
ALNUM = "bcdfghjklmnpqrstvwxz2456789"
EPOCH = 1709251200  # 2024-03-01T00:00:00Z


def load_events(trace_dir):
    events = []
    for path in sorted(glob.glob(os.path.join(trace_dir, "*.json"))):
        if os.path.basename(path) == "fal_01_003.json":
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    events.append(json.loads(line))
    return events


def rename(ev, old, new, key):
    """The object's KEY (name or namespace) OLD -> NEW: in objectRef, the request and response
    objects' metadata, and the paths naming it (requestURI, selfLink)."""
    seg = f"/namespaces/{old}" if key == "namespace" else f"/{old}"
    def path(p):
        if p.endswith(seg):
            return p[: len(p) - len(old)] + new
        return p.replace(seg + "/", seg[: len(seg) - len(old)] + new + "/").replace(seg + "?", seg[: len(seg) - len(old)] + new + "?")
    if ev.get("objectRef", {}).get(key) == old:
        ev["objectRef"][key] = new
    if "requestURI" in ev:
        ev["requestURI"] = path(ev["requestURI"])
    for body in ("requestObject", "responseObject"):
        meta = ev.get(body, {}).get("metadata") if isinstance(ev.get(body), dict) else None
        if isinstance(meta, dict):
            if meta.get(key) == old:
                meta[key] = new
            if isinstance(meta.get("selfLink"), str):
                meta["selfLink"] = path(meta["selfLink"])


def set_times(ev):
    for key in ("timestamp", "requestReceivedTimestamp"):
        if key in ev or key == "requestReceivedTimestamp":
            ev[key] = "__V_TS__"
    ev["stageTimestamp"] = "__V_TS2__"
    if "metadata" in ev:
        ev["metadata"]["creationTimestamp"] = "__V_TSS__"
    ev["auditID"] = "__V_ID__"


def to_template(ev):
    text = json.dumps(ev, separators=(",", ":"), ensure_ascii=False).replace("%", "%%")
    for token, key in (("__V_TS2__", "ts2"), ("__V_TSS__", "tss"), ("__V_TS__", "ts"), ("__V_ID__", "id"),
                       ("__V_NS__", "ns"), ("__V_SFX__", "sfx"), ("__V_NAME__", "name"), ("__V_USER__", "user"),
                       ("__V_UA__", "ua"), ("__V_RV__", "rv")):
        text = text.replace(token, f"%({key})s")
    return text


def interesting_template(ev):
    ev = copy.deepcopy(ev)
    ref = ev.get("objectRef", {})
    name = ref.get("name")
    if name and not name.startswith("system:"):
        rename(ev, name, name + "-__V_SFX__", "name")
    if ref.get("namespace") == "default":
        rename(ev, "default", "__V_NS__", "namespace")
    set_times(ev)
    return to_template(ev)


def boring_template(ev, verb, resource):
    ev = copy.deepcopy(ev)
    ev.pop("requestObject", None)
    ev.pop("responseObject", None)
    ev["level"] = "Metadata"
    ev["verb"] = verb
    ev["stage"] = "ResponseComplete"
    ref = {"apiVersion": "v1", "namespace": "__V_NS__", "resource": resource}
    base = f"/api/v1/namespaces/__V_NS__/{resource}"
    if verb == "get":
        ref["name"] = "__V_NAME__"
        ev["requestURI"] = base + "/__V_NAME__"
    elif verb == "list":
        ev["requestURI"] = base + "?limit=500"
    else:
        ev["requestURI"] = base + "?allowWatchBookmarks=true&resourceVersion=__V_RV__&watch=true"
    ev["objectRef"] = ref
    ev["user"] = {"username": "__V_USER__",
                  "groups": ["system:serviceaccounts", "system:serviceaccounts:__V_NS__", "system:authenticated"]}
    ev["userAgent"] = "__V_UA__"
    ev["responseStatus"] = {"metadata": {}, "code": 200}
    ev["annotations"] = {"authorization.k8s.io/decision": "allow",
                         "authorization.k8s.io/reason": "RBAC: allowed by RoleBinding \"__V_NAME__-reader/__V_NS__\""}
    set_times(ev)
    return to_template(ev)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace_dir")
    ap.add_argument("count", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--boring", type=float, default=0.8)
    ap.add_argument("-o", "--output")
    args = ap.parse_args()
    events = load_events(args.trace_dir)
    if len(events) != 51:
        sys.exit(f"expected the 51 events of falco-tests' k8s_audit traces, found {len(events)} in {args.trace_dir}")
    rng = random.Random(args.seed)
    interesting = [interesting_template(ev) for ev in events]
    boring = {}
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout
    t_us = EPOCH * 1_000_000 + args.start * 500
    sec_cache = (None, "")
    buf, written, n_interesting = [], 0, args.start // 5
    for i in range(args.start, args.start + args.count):
        t_us += rng.randint(100, 900)
        sec, micro = divmod(t_us, 1_000_000)
        if sec != sec_cache[0]:
            sec_cache = (sec, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)))
        stamp = sec_cache[1]
        sec2, micro2 = divmod(t_us + rng.randint(300, 8000), 1_000_000)
        stamp2 = stamp if sec2 == sec else time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec2))
        ns = rng.choice(NAMESPACES)
        fields = {
            "ts": f"{stamp}.{micro:06d}Z", "ts2": f"{stamp2}.{micro2:06d}Z", "tss": stamp + "Z",
            "id": "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
                                                  0x8000 | rng.getrandbits(14), rng.getrandbits(48)),
            "ns": ns,
        }
        if rng.random() < args.boring:
            base = i % len(events)
            r = rng.random()
            verb = "get" if r < 0.5 else "list" if r < 0.85 else "watch"
            resource = "pods" if rng.random() < 0.5 else "configmaps"
            key = (base, verb, resource)
            tmpl = boring.get(key)
            if tmpl is None:
                tmpl = boring[key] = boring_template(events[base], verb, resource)
            app = rng.choice(APPS)
            if resource == "pods":
                fields["name"] = f"{app}-{rng.getrandbits(36):09x}-" + "".join(rng.choice(ALNUM) for _ in range(5))
            else:
                fields["name"] = f"{app}-config"
            sa = rng.choice(("default", app, app + "-controller"))
            fields["user"] = f"system:serviceaccount:{ns}:{sa}"
            agent = rng.choice(AGENTS)
            fields["ua"] = agent + sa if agent.endswith(":") else agent
            fields["rv"] = str(1_000_000 + rng.getrandbits(24))
        else:
            tmpl = interesting[n_interesting % len(interesting)]
            n_interesting += 1
            fields["sfx"] = "".join(rng.choice(ALNUM) for _ in range(5))
        line = tmpl % fields
        buf.append(line)
        if len(buf) >= 4096:
            chunk = "\n".join(buf) + "\n"
            out.write(chunk)
            written += len(chunk.encode("utf-8"))
            buf.clear()
    if buf:
        chunk = "\n".join(buf) + "\n"
        out.write(chunk)
        written += len(chunk.encode("utf-8"))
    out.flush()
    print(f"make-audit-log: {args.count} events, {written} bytes (seed {args.seed}, start {args.start})", file=sys.stderr)


if __name__ == "__main__":
    main()
