#!/usr/bin/env bash
# bench/make-big-image.sh — builds the large, realistic image the SBOM benchmark (bench/sbom.sh) reads,
# without Docker.
#
# Usage:
#   bench/make-big-image.sh           # build if missing or stale, print the archive path and size
#   bench/make-big-image.sh --force   # rebuild even if the cached image is current
#   bench/make-big-image.sh --help
#
# What it builds: a Debian 12 image of real packages, at least 200 MB uncompressed, in 3 layers:
#   layer 1 "base":    the Debian base system (base-files, bash, coreutils, dpkg, apt, ... and every package
#                      apt needs to install them), with var/lib/dpkg/status + info/*.list and *.md5sums
#   layer 2 "toolchain": python3.11 + python3-pip, perl, git, curl, openssl, gcc-12, g++-12, make, libicu72
#                      and their dependencies; it rewrites var/lib/dpkg/status with all packages of layers 1+2,
#                      like `apt-get install` in a Dockerfile RUN step does
#   layer 3 "app":     /app/<project>/ with real lockfiles copied from the osv-scanner fixtures in the shared
#                      corpora: npm package-lock.json (lockfileVersion 3, converted from a v2 fixture by
#                      dropping the legacy "dependencies" tree), yarn.lock, pnpm-lock.yaml, Cargo.lock,
#                      poetry.lock, Pipfile.lock, requirements.txt (pip-compile output), go.mod, Gemfile.lock,
#                      composer.lock, pom.xml
# The package set is what `apt-get install --no-install-recommends` resolves against an empty dpkg status
# (`apt-get -s -o Dir::State::status=EMPTY`), so the status database is a real, consistent install set.
# .debs are fetched with `apt-get download` (Debian mirror) and unpacked with `dpkg-deb -x`; maintainer
# scripts are not run. umoci builds the OCI layout; skopeo exports it as a docker-archive (uncompressed
# layers), tagged vigil-bench/big:1.0.
#
# Output (cached; rebuilt when this script changes): ${VIGIL_BENCH_IMAGES:-~/.cache/vigil-bench-images}
#   debs/                        downloaded .debs (kept between builds)
#   big/docker-archive.tar       the image, docker-archive, vigil-bench/big:1.0
#   big/oci/                     the OCI layout umoci built (tag `latest`)
#   big/expected-dpkg.txt        `name version` of each installed Debian package
#   big/lockfiles.txt            /app path <- corpus fixture, one a line
#
# Environment: VIGIL_BENCH_IMAGES, VIGIL_CORPORA (default ../shared/corpora next to the repo).
# Needs: apt-get (package lists; runs `apt-get update` once if a download fails), dpkg-deb, umoci, skopeo, jq.
set -euo pipefail

die() {
    printf 'error: %s\n' "$1" >&2
    [[ $# -lt 2 ]] || printf '\nhint: %s\n' "$2" >&2
    exit 2
}

FORCE=0
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h | --help)
            sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
            exit 0
            ;;
        *) die "unknown argument \`$arg\`, expected --force or --help" ;;
    esac
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${VIGIL_BENCH_IMAGES:-$HOME/.cache/vigil-bench-images}"
CORPORA="${VIGIL_CORPORA:-$HERE/../../shared/corpora}"
FIXTURES="$CORPORA/lockfiles/osv-scanner/pkg/lockfile/fixtures"
IMG="$OUT/big"
ARCHIVE="$IMG/docker-archive.tar"
REF="vigil-bench/big:1.0"
MIN_BYTES=$((200 * 1000 * 1000))
STAMP="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"

if ((!FORCE)) && [[ -f "$IMG/.stamp" && "$(cat "$IMG/.stamp")" == "$STAMP" && -f "$ARCHIVE" ]]; then
    echo "$ARCHIVE ($(stat -c %s "$ARCHIVE") bytes, $(($(stat -c %s "$ARCHIVE") / 1000000)) MB, cached)"
    exit 0
fi

for cmd in apt-get dpkg-deb umoci skopeo jq sha256sum; do
    command -v "$cmd" >/dev/null 2>&1 || die "\`$cmd\` not found" "apt-get install -y apt dpkg umoci skopeo jq"
done
[[ -d "$FIXTURES" ]] || die "lockfile fixtures not found at $FIXTURES" \
    "set VIGIL_CORPORA to the shared corpora (default ../shared/corpora next to the repo)"

# Layer 1: the base system. Layer 2: what a typical build/runtime image adds on top.
BASE_PKGS="base-files base-passwd bash coreutils dash debianutils diffutils findutils grep gzip hostname
  libc-bin login mawk ncurses-base sed tar util-linux dpkg apt ca-certificates"
TOOL_PKGS="python3.11 python3-pip perl git curl openssl gcc-12 g++-12 make libicu72"

# Lockfiles: /app path <- fixture (relative to $FIXTURES). The npm one is converted to lockfileVersion 3.
LOCKFILES=(
    "web/package-lock.json=npm/commits.v2.json"
    "frontend/yarn.lock=yarn/commits.v1.lock"
    "dashboard/pnpm-lock.yaml=pnpm/peer-dependencies-advanced.v9.yaml"
    "rust/Cargo.lock=cargo/two-packages.lock"
    "api/poetry.lock=poetry/two-packages.lock"
    "worker/Pipfile.lock=pipenv/multiple-packages.json"
    "django/requirements.txt=pip/multiple-packages-constrained.txt"
    "go/go.mod=go/indirect-packages.mod"
    "ruby/Gemfile.lock=bundler/rails.lock"
    "php/composer.lock=composer/two-packages.json"
    "java/pom.xml=maven/interpolation.xml"
)
for entry in "${LOCKFILES[@]}"; do
    [[ -f "$FIXTURES/${entry#*=}" ]] || die "fixture ${entry#*=} not found under $FIXTURES"
done

mkdir -p "$OUT/debs"
W="$(mktemp -d "$OUT/build.XXXXXX")"
trap 'rm -rf "$W"' EXIT

# resolve PKGS...: the packages apt would install on an empty system, as `name=version` lines.
resolve() {
    : >"$W/empty-status"
    apt-get -s -q -o Dir::State::status="$W/empty-status" -o APT::Sandbox::User=root \
        --no-install-recommends install "$@" 2>"$W/resolve.err" |
        awk '/^Inst /{v=$3; gsub(/[()]/, "", v); print $2 "=" v}' | sort -u
}
apt_ok() { resolve base-files >/dev/null && [[ -n "$(resolve base-files)" ]]; }
if ! apt_ok; then
    echo "== no usable package lists, running apt-get update"
    apt-get update -qq || die "apt-get update failed" "the Debian mirror must be reachable"
    apt_ok || die "apt cannot resolve base-files: $(cat "$W/resolve.err")"
fi

echo "== resolving package sets"
# shellcheck disable=SC2086
resolve $BASE_PKGS >"$W/layer1.txt"
# shellcheck disable=SC2086
resolve $BASE_PKGS $TOOL_PKGS >"$W/all.txt"
comm -13 "$W/layer1.txt" "$W/all.txt" >"$W/layer2.txt"
echo "layer 1: $(wc -l <"$W/layer1.txt") packages, layer 2: $(wc -l <"$W/layer2.txt") packages"

echo "== downloading .debs into $OUT/debs (cached)"
missing=()
while IFS='=' read -r name version; do
    # apt-get download names files NAME_VERSION_ARCH.deb with ':' in the version escaped as %3a.
    compgen -G "$OUT/debs/${name}_${version//:/%3a}_*.deb" >/dev/null || missing+=("$name=$version")
done <"$W/all.txt"
if ((${#missing[@]})); then
    (cd "$OUT/debs" && apt-get -q -o APT::Sandbox::User=root download "${missing[@]}" >/dev/null) ||
        die "apt-get download failed for some of: ${missing[*]}" "run \`apt-get update\` and retry"
fi

# unpack LIST ROOTFS: dpkg-deb -x each package of LIST into ROOTFS, append its status stanza to
# $W/status and write info/<pkg>.list and .md5sums into ROOTFS.
: >"$W/status"
: >"$W/expected-dpkg.txt"
unpack() {
    local list=$1 root=$2 name version deb pkg arch info
    mkdir -p "$root/var/lib/dpkg/info"
    while IFS='=' read -r name version; do
        deb=$(compgen -G "$OUT/debs/${name}_${version//:/%3a}_*.deb" | head -n 1) ||
            die "no .deb for $name $version in $OUT/debs"
        dpkg-deb -x "$deb" "$root"
        pkg=$(dpkg-deb -f "$deb" Package)
        arch=$(dpkg-deb -f "$deb" Architecture)
        dpkg-deb -f "$deb" | awk '{print} /^Package:/{print "Status: install ok installed"}' >>"$W/status"
        echo >>"$W/status"
        echo "$pkg $(dpkg-deb -f "$deb" Version)" >>"$W/expected-dpkg.txt"
        info=$pkg
        [[ "$(dpkg-deb -f "$deb" Multi-Arch 2>/dev/null)" == same ]] && info="$pkg:$arch"
        dpkg-deb -c "$deb" | awk '{print $6}' | sed 's#^\./#/#; s#/$##; s#^$#/.#' \
            >"$root/var/lib/dpkg/info/$info.list"
        dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./md5sums >"$root/var/lib/dpkg/info/$info.md5sums" 2>/dev/null ||
            rm -f "$root/var/lib/dpkg/info/$info.md5sums"
    done <"$list"
    cp "$W/status" "$root/var/lib/dpkg/status"
}

echo "== unpacking layer 1 (base)"
unpack "$W/layer1.txt" "$W/layer1"
echo "== unpacking layer 2 (toolchain)"
unpack "$W/layer2.txt" "$W/layer2"

echo "== layer 3 (app lockfiles)"
: >"$W/lockfiles.txt"
for entry in "${LOCKFILES[@]}"; do
    dest="$W/app/${entry%%=*}"
    src="$FIXTURES/${entry#*=}"
    mkdir -p "$(dirname "$dest")"
    if [[ "$dest" == */package-lock.json ]]; then
        jq 'del(.dependencies) | .lockfileVersion = 3' "$src" >"$dest"
    else
        cp "$src" "$dest"
    fi
    echo "/app/${entry%%=*} <- ${entry#*=}" >>"$W/lockfiles.txt"
done

echo "== umoci (3 layers)"
# The layer tars are written by GNU tar and added verbatim with `umoci raw add-layer`: `umoci insert` in
# umoci 0.4.7 (Debian 12) never closes its tar writer, so its layers lack the 1 KiB end-of-archive footer
# and the last file's padding (umoci issue #436, fixed upstream by PR #534). GNU tar and Python's tarfile
# then stop with "Unexpected EOF" and truncate that file, which would skew a comparison of SBOM tools.
cd "$W"
# layer_tar DIR OUT: DIR's entries (no "./" prefix, sorted, root-owned) as an uncompressed tar.
layer_tar() {
    local entries=()
    mapfile -t entries < <(cd "$1" && ls -A)
    tar -C "$1" --sort=name --numeric-owner --owner=0 --group=0 -cf "$2" "${entries[@]}"
}
mkdir -p "$W/layer3"
mv "$W/app" "$W/layer3/app"
umoci init --layout oci >/dev/null
umoci new --image oci:latest
for n in 1 2 3; do
    layer_tar "$W/layer$n" "$W/layer$n.tar"
    what=$(case $n in 1) echo "base: $BASE_PKGS" ;; 2) echo "toolchain: $TOOL_PKGS" ;; 3) echo "app lockfiles" ;; esac)
    umoci raw add-layer --image oci:latest --history.created_by "vigil bench/make-big-image.sh layer $n ($(echo $what))" \
        "$W/layer$n.tar" >/dev/null
    rm -f "$W/layer$n.tar"
done
umoci config --image oci:latest --os linux --architecture amd64 --config.workingdir /app \
    --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --config.cmd /bin/bash >/dev/null
umoci gc --layout oci

echo "== skopeo docker-archive"
rm -rf "$IMG"
mkdir -p "$IMG"
skopeo copy -q oci:oci:latest "docker-archive:$ARCHIVE:$REF"
mv oci "$IMG/oci"
sort "$W/expected-dpkg.txt" >"$IMG/expected-dpkg.txt"
cp "$W/lockfiles.txt" "$IMG/lockfiles.txt"

bytes=$(stat -c %s "$ARCHIVE")
((bytes >= MIN_BYTES)) || die "the archive is only $bytes bytes, below 200 MB" "add heavier packages to TOOL_PKGS"
echo "$STAMP" >"$IMG/.stamp"
echo "built $ARCHIVE ($REF): $bytes bytes ($((bytes / 1000000)) MB), $(wc -l <"$IMG/expected-dpkg.txt") Debian packages, ${#LOCKFILES[@]} lockfiles"
