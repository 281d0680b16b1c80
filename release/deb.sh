#!/bin/bash
# make deb: the Debian packages, with Debian's own tools (dpkg-shlibdeps, dpkg-gencontrol,
# dpkg-deb), then lintian.
#
#   volown_VERSION_ARCH.deb          for every architecture built by make cross: the static
#                                    binary, its man page; no dependency at all
#   volown-doctor_VERSION_HOST.deb   the doctor and its man page, for this machine's
#                                    architecture; its library dependencies from
#                                    dpkg-shlibdeps
#
# Run by `make deb` (which builds everything first) with VERSION, ARCHES, BUILD, DIST,
# DEB_MAINTAINER and SOURCE_DATE_EPOCH in the environment. Reproducible: every file's
# time is SOURCE_DATE_EPOCH, owners root, modes set here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
die() { echo "deb: $*" >&2; exit 1; }

: "${VERSION:?}" "${ARCHES:?}" "${BUILD:?}" "${DIST:?}" "${SOURCE_DATE_EPOCH:?}"
[ -n "${DEB_MAINTAINER:-}" ] || die "DEB_MAINTAINER is empty (make deb DEB_MAINTAINER='Name <address>')"
for tool in dpkg-gencontrol dpkg-shlibdeps dpkg-deb lintian; do
	command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs dpkg-dev and lintian)"
done

OUT=$(realpath -m "$DIST/deb")
WORK=$(realpath -m "$BUILD/deb")
HOST_ARCH=$(dpkg --print-architecture)
rm -rf "$WORK" "$OUT"
mkdir -p "$WORK/src/debian" "$OUT"
export TZ=UTC LC_ALL=C.UTF-8

# A source tree as Debian's tools expect it: debian/control and debian/changelog.
sed "s/@MAINTAINER@/$DEB_MAINTAINER/" release/debian/control >"$WORK/src/debian/control"
cat >"$WORK/src/debian/changelog" <<EOF
volown ($VERSION) unstable; urgency=medium

  * volown $VERSION, built by make deb from volown's own sources.

 -- $DEB_MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF

# built_using ARCH: the musl source version linked into ARCH's static binary: Debian's
# musl-dev:ARCH, or the one scripts/musl-cross.sh built from Debian's source package.
built_using() {
	local musl stamp
	if dpkg-query -W -f='${source:Package} (= ${source:Version})' "musl-dev:$1" 2>/dev/null; then
		return
	fi
	musl=$(awk -v a="$1" '$1 == a { print $3 }' release/arches)
	stamp=/usr/local/lib/$musl/.debian-source-version
	[ -f "$stamp" ] || die "no musl for $1: neither musl-dev:$1 nor $stamp"
	echo "musl (= $(cat "$stamp"))"
}

# stage PACKAGE ARCH: an empty package tree with its documentation.
stage() {
	local pkg=$1 arch=$2 dir=$WORK/$1_$2
	mkdir -p "$dir/DEBIAN" "$dir/usr/bin" "$dir/usr/share/man/man1" "$dir/usr/share/doc/$pkg"
	install -m 0644 release/debian/copyright "$dir/usr/share/doc/$pkg/copyright"
	gzip -9n <"$WORK/src/debian/changelog" >"$dir/usr/share/doc/$pkg/changelog.gz"
	echo "$dir"
}

# man PAGE DIR: the page, compressed as Debian does.
man_page() {
	gzip -9n <"docs/$1.1" >"$2/usr/share/man/man1/$1.1.gz"
	chmod 0644 "$2/usr/share/man/man1/$1.1.gz"
}

# build PACKAGE ARCH DIR [SUBSTVARS]: control file, md5sums, times, modes; dpkg-deb.
build() {
	local pkg=$1 arch=$2 dir=$3 subst=${4:-/dev/null}
	(cd "$dir" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) >"$dir/DEBIAN/md5sums"
	(cd "$WORK/src" && DEB_HOST_ARCH=$arch dpkg-gencontrol -p"$pkg" -P"$dir" \
		-T"$subst" -DArchitecture="$arch") || die "dpkg-gencontrol for $pkg ($arch) failed"
	find "$dir" -type d -exec chmod 0755 {} +
	chmod 0644 "$dir/DEBIAN/control" "$dir/DEBIAN/md5sums"
	find "$dir" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	dpkg-deb --root-owner-group -Zxz --build "$dir" "$OUT/${pkg}_${VERSION}_$arch.deb" >/dev/null ||
		die "dpkg-deb for $pkg ($arch) failed"
	echo "$OUT/${pkg}_${VERSION}_$arch.deb"
}

# volown, for every architecture
for arch in $ARCHES; do
	bin=$BUILD/$arch/volown
	[ -x "$bin" ] || die "$bin is missing (make cross)"
	dir=$(stage volown "$arch")
	install -m 0755 "$bin" "$dir/usr/bin/volown"
	man_page volown "$dir"
	mkdir -p "$dir/usr/share/lintian/overrides"
	install -m 0644 release/debian/volown.lintian-overrides "$dir/usr/share/lintian/overrides/volown"
	echo "volown:Built-Using=$(built_using "$arch")" >"$WORK/volown_$arch.substvars"
	build volown "$arch" "$dir" "$WORK/volown_$arch.substvars"
done

# volown-doctor, for this machine's architecture: stripped as dh_strip does, its
# dependencies from the libraries it links (dpkg-shlibdeps)
doctor=$(realpath -m "$BUILD/release/volown-doctor")
[ -x "$doctor" ] || die "$doctor is missing (make $doctor)"
dir=$(stage volown-doctor "$HOST_ARCH")
install -m 0755 "$doctor" "$dir/usr/bin/volown-doctor"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$dir/usr/bin/volown-doctor"
man_page volown-doctor "$dir"
subst=$WORK/volown-doctor.substvars
(cd "$WORK/src" && dpkg-shlibdeps -T"$subst" -e"$dir/usr/bin/volown-doctor") ||
	die "dpkg-shlibdeps failed"
echo "misc:Depends=" >>"$subst"
build volown-doctor "$HOST_ARCH" "$dir" "$subst"

# lintian: no error (its output is shown; warnings and notes do not fail the build)
echo "lintian:"
if ! lintian --fail-on error "$OUT"/*.deb; then
	die "lintian reports errors"
fi
echo "lintian: no error"
