#!/bin/bash
# Build and install musl for an architecture that Debian's release has no musl-dev for
# (Debian 12 has none for riscv64: riscv64 became a release architecture after it),
# from Debian's own musl source package, with Debian's cross compiler for it.
#
#   scripts/musl-cross.sh ARCH      e.g. riscv64 (run as root; scripts/setup.sh does)
#
# It installs what musl-dev:ARCH would, under /usr/local instead of /usr:
#   /usr/local/include/TRIPLET/         musl's headers
#   /usr/local/lib/TRIPLET/             libc.a, crt1.o, ... and musl-gcc.specs
#   /usr/local/bin/TRIPLET-gcc          the wrapper (as Debian's: the cross gcc + specs)
# where TRIPLET is the musl triplet of release/arches (riscv64-linux-musl). The source
# comes through apt from the machine's own Debian mirror, with a private list of
# sources (deb-src of the release's main component), so apt checks it against the
# release's signed index; the machine's apt configuration is left as it is.
# Idempotent: does nothing when the same source version is installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "musl-cross: $*"; }
die() { echo "musl-cross: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: scripts/musl-cross.sh ARCH"
ARCH=$1
read -r GNU MUSL < <(awk -v a="$ARCH" '$1 == a { print $2, $3 }' "$ROOT/release/arches")
[ -n "${MUSL:-}" ] || die "unknown architecture '$ARCH' (see release/arches)"
PREFIX=${MUSL_PREFIX:-/usr/local}
LIBDIR=$PREFIX/lib/$MUSL
INCDIR=$PREFIX/include/$MUSL
WRAPPER=$PREFIX/bin/$MUSL-gcc
STAMP=$LIBDIR/.debian-source-version
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

command -v "$GNU-gcc" >/dev/null || die "$GNU-gcc not found (Debian's package gcc-$GNU)"
[ -r "$KEYRING" ] || die "$KEYRING is missing (package debian-archive-keyring)"
command -v dpkg-source >/dev/null || die "dpkg-source not found (package dpkg-dev)"

# The machine's Debian mirror and release, from apt's own configuration.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "cannot tell the Debian release from /etc/os-release"
mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 'Identifier: Packages' |
	awk -v r="$codename" '$2 == r && $3 == "main" { print $1; exit }')
[ -n "$mirror" ] || die "no Debian mirror for $codename main in apt's sources"

work=$(mktemp -d /tmp/musl-cross.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
echo "deb-src [signed-by=$KEYRING] $mirror $codename main" >"$work/sources.list"
apt_private=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/none"
	-o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o "Debug::NoLocking=1"
	-o "APT::Sandbox::User=root")
apt-get -qq "${apt_private[@]}" update >/dev/null || die "apt-get update of $mirror $codename (sources) failed"
version=$(apt-cache "${apt_private[@]}" showsrc musl | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$version" ] || die "Debian's $codename has no musl source package"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$version" ] && [ -x "$WRAPPER" ]; then
	exit 0
fi
say "building musl $version for $ARCH from Debian's source package with $GNU-gcc, into $PREFIX"
(cd "$work/src" && apt-get -qq "${apt_private[@]}" source --download-only "musl=$version" >/dev/null) ||
	die "apt-get source musl=$version failed"
dsc=$(ls "$work/src"/musl_*.dsc)
# The .dsc and its files were checked by apt against the signed Sources index; the
# maintainers' keyring is not needed for that, so dpkg-source is not asked to check.
dpkg-source --no-check -x "$dsc" "$work/src/musl" >/dev/null || die "dpkg-source -x $dsc failed"

cd "$work/src/musl"
# As Debian's rules configure it, static only (the container binary is static).
CROSS_COMPILE=$GNU- CC=$GNU-gcc ./configure --host="$GNU" --prefix="$PREFIX" \
	--libdir="$LIBDIR" --includedir="$INCDIR" --syslibdir="$LIBDIR" \
	--disable-shared --disable-wrapper >"$work/configure.log" 2>&1 ||
	{ tail -n 20 "$work/configure.log" >&2; die "musl's configure failed"; }
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -n 20 "$work/make.log" >&2; die "building musl failed"; }
make install >"$work/install.log" 2>&1 || { tail -n 20 "$work/install.log" >&2; die "installing musl failed"; }

# The specs and the wrapper, as Debian's musl-dev writes them for its architectures.
cat >"$LIBDIR/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $INCDIR -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $INCDIR -isystem include%s

*link_libgcc:
-L$LIBDIR -L .%s

*libgcc:
libgcc.a%s %:if-exists(libgcc_eh.a%s)

*startfile:
%{!shared: $LIBDIR/Scrt1.o} $LIBDIR/crti.o crtbeginS.o%s

*endfile:
crtendS.o%s $LIBDIR/crtn.o

*link:
-dynamic-linker /lib/ld-musl-$ARCH.so.1 -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

*esp_link:


*esp_options:


*esp_cpp_options:


EOF
mkdir -p "$(dirname "$WRAPPER")"
cat >"$WRAPPER" <<EOF
#!/bin/sh
# musl for $ARCH, built by volown's scripts/musl-cross.sh from Debian's musl $version
exec "\${REALGCC:-$GNU-gcc}" "\$@" -specs "$LIBDIR/musl-gcc.specs"
EOF
chmod 0755 "$WRAPPER"
echo "$version" >"$STAMP"
say "installed $WRAPPER"
