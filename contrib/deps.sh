#!/bin/sh
# contrib/deps.sh - install what cnauthz needs from Debian 12's packages.
#
#   contrib/deps.sh build   the compiler and the three libraries
#   contrib/deps.sh test    build + what the tests drive: a real dockerd,
#                           a static busybox for a local image, curl, ...
#   contrib/deps.sh fuzz    build + clang with libFuzzer (make fuzz), jq for
#                           tests/fuzz/seed.sh
#
# Installs only what is missing. Not root: prints the exact apt-get line
# to run and fails, rather than half-working.
set -eu

build="gcc make pkg-config libmicrohttpd-dev libjansson-dev libssl-dev"
test="$build docker.io busybox-static curl openssl iproute2 procps perl mandoc systemd logrotate jq valgrind prometheus rsyslog rsyslog-relp"
fuzz="$build clang libclang-rt-14-dev jq"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
fuzz) want=$fuzz ;;
*)
	echo "usage: $0 build|test|fuzz" >&2
	exit 2
	;;
esac

missing=
for p in $want; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
	echo "cnauthz: missing packages:$missing" >&2
	echo "cnauthz: as root, run: apt-get update && $line" >&2
	exit 1
fi
echo "cnauthz: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; refresh once, then install.
if ! $line >/dev/null 2>&1; then
	apt-get update -qq
	$line
fi
