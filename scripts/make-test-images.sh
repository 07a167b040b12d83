#!/usr/bin/env bash
# scripts/make-test-images.sh — builds the real test images the image/SBOM tests read, without Docker.
#
# From real Debian packages (apt-get download + dpkg-deb -x, with a dpkg status database written from
# the packages' control files) and real lockfiles from the shared corpora, umoci builds a 3-layer OCI
# image; skopeo exports it as an OCI archive and a docker archive:
#   layer 1: Debian packages (base-files, zlib1g, libbz2-1.0, liblzma5, libzstd1) + var/lib/dpkg/status
#   layer 2: /app with lockfiles (npm, Cargo, Python requirements) and a file that layer 3 deletes
#   layer 3: a whiteout of /app/remove-me.txt and of /usr/share/doc/zlib1g
# Output (cached; rebuilt when this script changes): $VIGIL_TEST_IMAGES (default ~/.cache/vigil-test-images)
#   debian/oci/                 OCI layout, tag `latest`
#   debian/oci-archive.tar      skopeo oci-archive
#   debian/docker-archive.tar   skopeo docker-archive, tagged vigil-test/debian:1.0
#   debian/expected-dpkg.txt    `name version` of each installed Debian package, for the tests
# Needs: apt-get (with package lists), dpkg-deb, umoci, skopeo.
set -euo pipefail

OUT="${VIGIL_TEST_IMAGES:-$HOME/.cache/vigil-test-images}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CORPORA="${VIGIL_CORPORA:-$HERE/../../shared/corpora}"
STAMP="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
IMG="$OUT/debian"
if [[ -f "$IMG/.stamp" && "$(cat "$IMG/.stamp")" == "$STAMP" ]]; then
    exit 0
fi
PKGS="base-files zlib1g libbz2-1.0 liblzma5 libzstd1"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/debs" "$W/rootfs/var/lib/dpkg/info" "$W/app" "$W/empty"
if ! (cd "$W/debs" && apt-get -q -o APT::Sandbox::User=root download $PKGS >/dev/null 2>&1); then
    # A fresh machine may have no package lists yet.
    apt-get update -qq
    (cd "$W/debs" && apt-get -q -o APT::Sandbox::User=root download $PKGS >/dev/null)
fi
: > "$W/rootfs/var/lib/dpkg/status"
: > "$W/expected-dpkg.txt"
for deb in "$W"/debs/*.deb; do
    dpkg-deb -x "$deb" "$W/rootfs"
    dpkg-deb -f "$deb" | awk '{print} /^Package:/{print "Status: install ok installed"}' >> "$W/rootfs/var/lib/dpkg/status"
    echo >> "$W/rootfs/var/lib/dpkg/status"
    echo "$(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version)" >> "$W/expected-dpkg.txt"
done
cp "$CORPORA/lockfiles/osv-scanner/pkg/lockfile/fixtures/npm/one-package.v2.json" "$W/app/package-lock.json"
cp "$CORPORA/lockfiles/osv-scanner/pkg/lockfile/fixtures/cargo/two-packages.lock" "$W/app/Cargo.lock"
printf 'flask==2.0.1\nrequests==2.26.0\n' > "$W/app/requirements.txt"
echo "this file is deleted by the top layer" > "$W/app/remove-me.txt"
cd "$W"
umoci init --layout oci >/dev/null
umoci new --image oci:latest
umoci insert --image oci:latest rootfs / >/dev/null
umoci insert --image oci:latest app /app >/dev/null
umoci insert --image oci:latest --whiteout /app/remove-me.txt >/dev/null
umoci insert --image oci:latest --whiteout /usr/share/doc/zlib1g >/dev/null
umoci config --image oci:latest --os linux --architecture amd64 --config.cmd /bin/sh >/dev/null
umoci gc --layout oci
rm -rf "$IMG"
mkdir -p "$IMG"
skopeo copy -q oci:oci:latest "oci-archive:$IMG/oci-archive.tar:latest"
skopeo copy -q oci:oci:latest "docker-archive:$IMG/docker-archive.tar:vigil-test/debian:1.0"
cp -r oci "$IMG/oci"
sort expected-dpkg.txt > "$IMG/expected-dpkg.txt"
echo "$STAMP" > "$IMG/.stamp"
echo "scripts/make-test-images.sh: built $IMG" >&2
