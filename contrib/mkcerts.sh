#!/usr/bin/env bash
# mkcerts.sh - make a small PKI for dockerd's TLS client authentication.
#
# This is Docker's "Protect the Docker daemon socket" recipe, scripted, so
# that cnauthz (which authorizes by the client certificate's CN that dockerd
# hands to authz plugins) can be tried and tested without typing openssl
# incantations by hand.  See usage() for what it makes.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: mkcerts.sh DIR [CN...]

Makes, with the openssl CLI, in DIR:
  ca.pem, ca-key.pem          a CA (CN "cnauthz-ca"); reused when both exist,
                              so clients can be added later (serial: ca.srl)
  server-cert.pem,            dockerd's certificate (extendedKeyUsage
  server-key.pem              serverAuth), made only when missing; its
                              subjectAltName is DNS:$(hostname), DNS:localhost,
                              IP:127.0.0.1 and $CNAUTHZ_SERVER_SANS
  CN/cert.pem, CN/key.pem,    for each CN: a client certificate (subject
  CN/ca.pem                   CN=<CN>, extendedKeyUsage clientAuth) and a copy
                              of the CA, so DIR/CN can be used as
                              DOCKER_CERT_PATH; an existing pair is kept

A CN must match [A-Za-z0-9][A-Za-z0-9._@+-]{0,63}.
Keys are mode 0400, certificates 0444; directories it makes are 0700.

Environment:
  CNAUTHZ_CERT_DAYS    validity of new certificates in days (default 365)
  CNAUTHZ_SERVER_SANS  extra server names, comma separated, each IP:x or DNS:x
  CNAUTHZ_OU           organizationalUnit for new client certificates
  CNAUTHZ_KEY_TYPE     "ec" (P-256, default) or "rsa" (2048 bits)
EOF
}

die() {
	printf 'mkcerts.sh: %s\n' "$*" >&2
	exit 1
}

case "${1-}" in
-h | --help)
	usage
	exit 0
	;;
'')
	usage >&2
	exit 2
	;;
-*) die "unknown option: $1 (try --help)" ;;
esac

dir=$1
shift

# Bracket ranges in [[ =~ ]] follow the locale's collation; pin them to ASCII.
export LC_ALL=C
# Keys are written by openssl with the process umask, before we get a chance
# to chmod them: 077 keeps them private from the first byte on.
umask 077
# Only our own configuration: a system OPENSSL_CONF or openssl.cnf could add
# extensions (req -x509 adds v3_ca by default) or demand a passphrase.
export OPENSSL_CONF=/dev/null

command -v openssl >/dev/null || die "openssl not found"

days=${CNAUTHZ_CERT_DAYS:-365}
[[ $days =~ ^[1-9][0-9]{0,5}$ ]] || die "CNAUTHZ_CERT_DAYS must be a number of days, not '$days'"

key_type=${CNAUTHZ_KEY_TYPE:-ec}
case "$key_type" in
ec) ku=digitalSignature ;;
# RSA key exchange (TLS 1.2 without ECDHE) needs keyEncipherment too.
rsa) ku=digitalSignature,keyEncipherment ;;
*) die "CNAUTHZ_KEY_TYPE must be ec or rsa, not '$key_type'" ;;
esac

# Check every argument before making anything, so a typo in the last CN does
# not leave a half-done run behind.
for cn in "$@"; do
	[[ $cn != . && $cn != .. && $cn =~ ^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$ ]] ||
		die "refusing CN '$cn': it must match [A-Za-z0-9][A-Za-z0-9._@+-]{0,63}"
done

ou=${CNAUTHZ_OU-}
if [[ -n $ou ]]; then
	[[ $ou =~ ^[[:print:]]{1,64}$ ]] || die "CNAUTHZ_OU must be 1-64 printable ASCII characters"
fi

host=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
sans=("DNS:localhost" "IP:127.0.0.1")
[[ -n $host && $host != localhost ]] && sans=("DNS:$host" "${sans[@]}")
if [[ -n ${CNAUTHZ_SERVER_SANS-} ]]; then
	IFS=, read -r -a extra <<<"$CNAUTHZ_SERVER_SANS"
	for san in "${extra[@]}"; do
		san=${san//[[:space:]]/}
		[[ -z $san ]] && continue
		# Checked here because openssl's own message for a bad SAN is cryptic
		# and, for DNS, it accepts almost anything.
		[[ $san =~ ^IP:[0-9A-Fa-f.:]+$ || $san =~ ^DNS:[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] ||
			die "bad entry '$san' in CNAUTHZ_SERVER_SANS (want IP:addr or DNS:name)"
		sans+=("$san")
	done
fi

# Escape a value for openssl's -subj syntax, where "/" separates RDNs and "+"
# joins multi-valued ones (a CN like "a+b" would otherwise be split).
subj_escape() {
	local s=${1//\\/\\\\}
	s=${s//\//\\/}
	s=${s//+/\\+}
	printf '%s' "$s"
}

if [[ ! -d $dir ]]; then
	mkdir -p -- "$dir"
	echo "made $dir/"
fi
# Serialize concurrent runs on the same DIR (the CA serial file and the
# "only if missing" checks are read-modify-write).  flock(1) works on a
# directory fd, so no lock file is left behind.
if command -v flock >/dev/null; then
	exec 9<"$dir"
	flock 9
fi

# Everything is made in a scratch dir inside DIR (same filesystem, so the
# final mv is an atomic rename) and only moved into place when complete: an
# interrupted run leaves no key without its certificate, and CSRs and
# extension files never land in DIR proper.
work=$(mktemp -d "$dir/.mkcerts.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
# Without these, a signal would kill bash before the EXIT trap runs.
trap 'exit 130' INT
trap 'exit 143' TERM HUP

genkey() {
	case "$key_type" in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
	esac
}

# sign NAME SUBJ EXTFILE: make $work/NAME-key.pem and $work/NAME-cert.pem,
# signed by the CA with the extensions in EXTFILE.
sign() {
	local name=$1 subj=$2 ext=$3
	genkey "$work/$name-key.pem"
	openssl req -new -key "$work/$name-key.pem" -subj "$subj" -out "$work/$name.csr"
	# -CAserial keeps the serial in DIR so every certificate from this CA,
	# across runs, gets a distinct serial.
	openssl x509 -req -in "$work/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
		-CAserial "$dir/ca.srl" -CAcreateserial -days "$days" -sha256 \
		-extfile "$ext" -out "$work/$name-cert.pem" 2>/dev/null
	chmod 0400 "$work/$name-key.pem"
	chmod 0444 "$work/$name-cert.pem"
}

# A lone key or certificate means something went wrong earlier (or someone is
# mid-way through replacing it by hand): better stop than overwrite a key.
pair_exists() { # KEY CERT
	if [[ -e $1 && -e $2 ]]; then
		return 0
	elif [[ -e $1 || -e $2 ]]; then
		die "only one of $1 and $2 exists; remove it or supply the other"
	fi
	return 1
}

# --- CA ---------------------------------------------------------------------
if pair_exists "$dir/ca-key.pem" "$dir/ca.pem"; then
	echo "kept $dir/ca.pem (existing CA)"
else
	cat >"$work/ca.cnf" <<-'EOF'
		[req]
		distinguished_name = dn
		x509_extensions = v3_ca
		[dn]
		[v3_ca]
		basicConstraints = critical, CA:TRUE, pathlen:0
		keyUsage = critical, keyCertSign, cRLSign
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid:always
	EOF
	genkey "$work/ca-key.pem"
	openssl req -new -x509 -config "$work/ca.cnf" -key "$work/ca-key.pem" \
		-subj "/CN=cnauthz-ca" -days "$days" -sha256 -out "$work/ca.pem"
	chmod 0400 "$work/ca-key.pem"
	chmod 0444 "$work/ca.pem"
	# A serial file left from an older CA would still work, but start afresh
	# so serials are per CA.
	rm -f -- "$dir/ca.srl"
	mv -- "$work/ca-key.pem" "$dir/ca-key.pem"
	mv -- "$work/ca.pem" "$dir/ca.pem"
	echo "made $dir/ca-key.pem"
	echo "made $dir/ca.pem"
fi

# --- server -----------------------------------------------------------------
if pair_exists "$dir/server-key.pem" "$dir/server-cert.pem"; then
	echo "kept $dir/server-cert.pem (existing)"
else
	san_list=$(
		IFS=,
		printf '%s' "${sans[*]}"
	)
	cat >"$work/server.ext" <<-EOF
		basicConstraints = critical, CA:FALSE
		keyUsage = critical, $ku
		extendedKeyUsage = serverAuth
		subjectAltName = $san_list
		subjectKeyIdentifier = hash
		authorityKeyIdentifier = keyid
	EOF
	sign server "/CN=$(subj_escape "${host:-localhost}")" "$work/server.ext"
	mv -- "$work/server-key.pem" "$dir/server-key.pem"
	mv -- "$work/server-cert.pem" "$dir/server-cert.pem"
	echo "made $dir/server-key.pem"
	echo "made $dir/server-cert.pem ($san_list)"
fi

# --- clients ----------------------------------------------------------------
cat >"$work/client.ext" <<-EOF
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, $ku
	extendedKeyUsage = clientAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
EOF
for cn in "$@"; do
	cdir=$dir/$cn
	mkdir -p -- "$cdir"
	if pair_exists "$cdir/key.pem" "$cdir/cert.pem"; then
		echo "kept $cdir/cert.pem (existing)"
	else
		subj=
		[[ -n $ou ]] && subj="/OU=$(subj_escape "$ou")"
		subj+="/CN=$(subj_escape "$cn")"
		sign client "$subj" "$work/client.ext"
		mv -- "$work/client-key.pem" "$cdir/key.pem"
		mv -- "$work/client-cert.pem" "$cdir/cert.pem"
		echo "made $cdir/key.pem"
		echo "made $cdir/cert.pem ($subj)"
	fi
	# Always refreshed: the docker CLI wants the CA next to the client pair.
	cp -- "$dir/ca.pem" "$work/ca-copy.pem"
	chmod 0444 "$work/ca-copy.pem"
	mv -f -- "$work/ca-copy.pem" "$cdir/ca.pem"
done
