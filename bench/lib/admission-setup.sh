# bench/lib/admission-setup.sh — sourced by bench/admission.sh and bench/log.sh: what a paced
# admission load needs. Expects OUT (the output folder), VIGIL (the release binary) and IMAGES
# (the test images); starts a docker-registry on a free port (its pid in PIDS, killed on exit),
# pushes the Debian test image to it and signs it with a fresh key, and writes under $OUT the
# policy (registries + Pod Security restricted + that key's signature), an AdmissionReview of a
# Pod running the image (review.json) and the webhook's certificates (certs/). Sets REG, IMAGE.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
cat > "$OUT/registry.yml" <<CFG
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $PWD/$OUT/data}}
http: {addr: 127.0.0.1:$PORT}
CFG
docker-registry serve "$OUT/registry.yml" >/dev/null 2>&1 &
PIDS=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
REG="127.0.0.1:$PORT"
IMAGE="$REG/bench/app:1.0"
skopeo copy -q --dest-tls-verify=false "oci:$IMAGES/debian/oci:latest" "docker://$IMAGE"
export VIGIL_PASSWORD=bench
(cd "$OUT" && "$VIGIL" key generate --output-key-prefix team >/dev/null 2>&1)
"$VIGIL" sign "$IMAGE" --key "$OUT/team.key" --plain-http >/dev/null 2>&1
cat > "$OUT/policy.yaml" <<POLICY
apiVersion: vigil.dev/v1alpha1
kind: Policy
metadata: {name: bench}
spec:
  mode: enforce
  namespaces: {exclude: [kube-system]}
  registries: {allow: ["$REG/**"]}
  podSecurity: {level: restricted, version: latest}
  images:
    - match: ["$REG/bench/**"]
      signatures:
        - key: {path: team.pub}
POLICY
python3 - "$IMAGE" > "$OUT/review.json" <<'PY'
import json, sys
pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
       "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [{"name": "app", "image": sys.argv[1],
                                "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}}
print(json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
    "uid": "bench", "kind": {"group": "", "version": "v1", "kind": "Pod"},
    "resource": {"group": "", "version": "v1", "resource": "pods"}, "namespace": "shop", "name": "web",
    "operation": "CREATE", "userInfo": {"username": "bench"}, "object": pod, "dryRun": False}}))
PY
(cd "$OUT" && "$VIGIL" webhook certs --out certs --extra-name 127.0.0.1 >/dev/null 2>&1)
