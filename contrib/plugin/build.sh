#!/bin/sh
# contrib/plugin/build.sh BINARY DIR [MODULE.so...] - a Docker managed (v2)
# plugin of cnauthz in DIR, ready for "docker plugin create NAME DIR":
#
#   DIR/config.json   contrib/plugin/config.json (docker.authz/1.0)
#   DIR/rootfs/       the binary as /cnauthz, the shared libraries it and
#                     the modules need at the paths ldd names and the
#                     dynamic loader (none when the binary is static), the
#                     modules in the module directory ($CNAUTHZ_MODULE_DIR,
#                     default /usr/local/lib/cnauthz/modules: where rules
#                     find them by name, as on the host), and the mount
#                     points (/etc/cnauthz, /var/log/cnauthz)
#
# A plugin sees only its rootfs and its mounts: the host's /etc/cnauthz
# is mounted (rules/, the CRLs and deny-lists rules name), and loadable
# modules, code that runs in the plugin, are part of its rootfs.
#
# DIR is replaced. Run as root, so the rootfs is root-owned, as cnauthz's
# strict file checks want every directory above the rules to be.
set -eu

die() {
	echo "contrib/plugin/build.sh: $*" >&2
	exit 1
}

[ $# -ge 2 ] || {
	echo "usage: $0 BINARY DIR [MODULE.so...]" >&2
	exit 2
}
bin=$1
out=$2
shift 2
moddir=${CNAUTHZ_MODULE_DIR:-/usr/local/lib/cnauthz/modules}
case "$moddir" in
/*) ;;
*) die "CNAUTHZ_MODULE_DIR must be absolute, not '$moddir'" ;;
esac
for m in "$@"; do
	[ -f "$m" ] || die "$m: no such module (make first)"
done
here=$(cd "$(dirname "$0")" && pwd -P)
[ -x "$bin" ] || die "$bin: not an executable (make first)"
command -v ldd >/dev/null || die "ldd not found (package libc-bin)"
case "$out" in
'' | / | /usr | /etc | /var | /tmp) die "refusing to replace '$out'" ;;
esac

umask 022
rm -rf -- "$out"
mkdir -p -- "$out/rootfs"
root=$out/rootfs
for d in dev proc sys tmp etc/cnauthz var/log/cnauthz var/lib/cnauthz var/run run/docker/plugins "${moddir#/}"; do
	mkdir -p "$root/$d"
done
chmod 1777 "$root/tmp"
install -m 0755 "$bin" "$root/cnauthz"
for m in "$@"; do
	install -m 0755 "$m" "$root$moddir/$(basename "$m")"
done

# ldd prints "name => /path (addr)" for each library and "/path (addr)"
# for the loader; a static binary, "not a dynamic executable".
n=0
for f in "$bin" "$@"; do
	libs=$(ldd "$f" 2>&1 || true)
	case "$libs" in
	*"not a dynamic executable"* | *"statically linked"*) libs= ;;
	*"not found"*) die "a library of $f is missing: $libs" ;;
	esac
	for lib in $(printf '%s\n' "$libs" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		# -L: the file itself, not the symlink to it, under the name asked for
		cp -L "$lib" "$root$lib"
		chmod 0755 "$root$lib"
		n=$((n + 1))
	done
done

install -m 0644 "$here/config.json" "$out/config.json"
echo "made $out: rootfs with $(basename "$bin"), $# module(s) in $moddir and $n libraries, config.json"
echo "next: docker plugin create cnauthz $out && docker plugin enable cnauthz"
