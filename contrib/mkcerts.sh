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
       mkcerts.sh --renew DIR CN...
       mkcerts.sh --revoke DIR CN...
       mkcerts.sh --crl DIR

Makes, with the openssl CLI, in DIR:
  ca.pem, ca-key.pem          a CA (CN "cnauthz-ca", CNAUTHZ_CA_DAYS); reused
                              when both exist, so clients can be added later
                              (serial: ca.srl). No certificate it signs
                              outlives it: a leaf ends at the CA's end at
                              the latest (and mkcerts says so)
  server-cert.pem,            dockerd's certificate (extendedKeyUsage
  server-key.pem              serverAuth), made only when missing; its
                              subjectAltName is DNS:$(hostname), DNS:localhost,
                              IP:127.0.0.1 and $CNAUTHZ_SERVER_SANS
  CN/cert.pem, CN/key.pem,    for each CN: a client certificate (subject
  CN/ca.pem                   CN=<CN>, extendedKeyUsage clientAuth) and a copy
                              of the CA, so DIR/CN can be used as
                              DOCKER_CERT_PATH; an existing pair is kept

A CN must be one cnauthz can have a rule file for, as "cnauthz check
--name CN" says (asked of $CNAUTHZ, the plugin/cnauthz built beside this
script, or cnauthz on PATH; without one, the same rule in this script):
1 to 64 of [A-Za-z0-9._@+-], starting with a letter or digit, not ending
in an editor's or package manager's suffix (.bak, .swp, .tmp, .dpkg-old...).
Keys are mode 0400, certificates 0444; directories it makes are 0700.

--renew DIR CN...   a new certificate for each CN that has one, from the
                    same CA, with the same key and subject (so only
                    DIR/CN/cert.pem changes), valid CNAUTHZ_CERT_DAYS
                    from now; the old one moves to DIR/renewed/CN.SERIAL.pem
                    and stays valid until it expires (--revoke needs it
                    back in DIR/CN to revoke it)
--revoke DIR CN...  revokes each CN's current certificate, DIR/CN/cert.pem,
                    in the CA's database (DIR/index.txt, as openssl ca keeps
                    it), moves DIR/CN aside to DIR/revoked/CN.SERIAL (so
                    that "mkcerts.sh DIR CN" can issue a new one), and
                    writes DIR/crl.pem
--crl DIR           (re)writes DIR/crl.pem, empty if nothing was revoked:
                    a CRL names its next update (CNAUTHZ_CRL_DAYS), so
                    re-issue it before then if other software reads it
The CA is never made in these modes: it must exist in DIR.

Environment:
  CNAUTHZ_CERT_DAYS    validity of new certificates in days (default 365),
                       at most to the CA's end
  CNAUTHZ_CA_DAYS      validity of a new CA in days (default 3650)
  CNAUTHZ_SERVER_SANS  extra server names, comma separated, each IP:x or DNS:x
  CNAUTHZ_OU           organizationalUnit for new client certificates
  CNAUTHZ_KEY_TYPE     "ec" (P-256, default) or "rsa" (2048 bits)
  CNAUTHZ_CRL_DAYS     days until the CRL's next update (default 30)
EOF
}

die() {
	printf 'mkcerts.sh: %s\n' "$*" >&2
	exit 1
}

mode=issue
case "${1-}" in
-h | --help)
	usage
	exit 0
	;;
--revoke | --crl | --renew)
	mode=${1#--}
	shift
	[[ -n ${1-} ]] || {
		usage >&2
		exit 2
	}
	;;
'')
	usage >&2
	exit 2
	;;
-*) die "unknown option: $1 (try --help)" ;;
esac

dir=$1
shift
case "$mode" in
revoke) (($# > 0)) || die "--revoke needs DIR and at least one CN" ;;
renew) (($# > 0)) || die "--renew needs DIR and at least one CN" ;;
crl) (($# == 0)) || die "--crl takes only DIR" ;;
esac

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
ca_days=${CNAUTHZ_CA_DAYS:-3650}
[[ $ca_days =~ ^[1-9][0-9]{0,5}$ ]] || die "CNAUTHZ_CA_DAYS must be a number of days, not '$ca_days'"

key_type=${CNAUTHZ_KEY_TYPE:-ec}
case "$key_type" in
ec) ku=digitalSignature ;;
# RSA key exchange (TLS 1.2 without ECDHE) needs keyEncipherment too.
rsa) ku=digitalSignature,keyEncipherment ;;
*) die "CNAUTHZ_KEY_TYPE must be ec or rsa, not '$key_type'" ;;
esac

crl_days=${CNAUTHZ_CRL_DAYS:-30}
[[ $crl_days =~ ^[1-9][0-9]{0,5}$ ]] || die "CNAUTHZ_CRL_DAYS must be a number of days, not '$crl_days'"

# Check every argument before making anything, so a typo in the last CN does
# not leave a half-done run behind. What a CN may be is cnauthz's rule
# (identity_name_valid): asked of the binary when there is one.
cnauthz_bin() {
	local here
	case "${CNAUTHZ-}" in
	none) return 1 ;; # the script's own copy of the rule (tests)
	?*) printf '%s' "$CNAUTHZ" && return 0 ;;
	esac
	here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
	if [[ -x $here/../plugin/cnauthz ]]; then
		printf '%s' "$here/../plugin/cnauthz"
	else
		command -v cnauthz
	fi
}
# The same rule, for when no cnauthz is at hand (mkcerts.sh before make).
cn_valid_here() {
	[[ $1 =~ ^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$ ]] || return 1
	[[ ! $1 =~ \.(swp|swx|bak|orig|rej|tmp|rpmnew|rpmsave|dpkg-(old|new|dist|tmp|bak)|ucf-(old|new|dist))$ ]]
}
if bin=$(cnauthz_bin); then
	for cn in "$@"; do
		out=$("$bin" check --name "$cn" 2>&1) ||
			die "refusing CN '$cn': ${out#cnauthz check: }"
	done
else
	for cn in "$@"; do
		cn_valid_here "$cn" ||
			die "refusing CN '$cn': not a valid CN: 1 to 64 of [A-Za-z0-9._@+-], starting with a letter or digit, not ending in .bak, .swp, .tmp, .dpkg-old and the like"
	done
fi

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

# --- revocation -------------------------------------------------------------
# openssl ca keeps the CA's database (index.txt: one line per certificate it
# knows, V valid or R revoked) and the CRL number; -revoke adds a
# certificate it did not sign itself (mkcerts signs with openssl x509) to
# the database as it revokes it. Run in DIR, so the configuration names
# files relatively and DIR's name needs no quoting in it.
ca_cnf() {
	cat >"$work/ca-db.cnf" <<-EOF
		[ca]
		default_ca = cnauthz
		[cnauthz]
		database = index.txt
		certificate = ca.pem
		private_key = ca-key.pem
		crlnumber = crlnumber
		default_md = sha256
		default_crl_days = $crl_days
		crl_extensions = crl_ext
		unique_subject = no
		[crl_ext]
		authorityKeyIdentifier = keyid:always
	EOF
}

# openssl ca, in DIR, quiet unless it fails.
ca_run() {
	local out
	if ! out=$(cd -- "$dir" && openssl ca -config "$work_abs/ca-db.cnf" "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		return 1
	fi
}

gencrl() {
	ca_run -gencrl -out "$work_abs/crl.pem" || die "openssl ca -gencrl failed"
	chmod 0444 "$work/crl.pem"
	mv -f -- "$work/crl.pem" "$dir/crl.pem"
	# openssl ca keeps the previous database and number as *.old
	rm -f -- "$dir/index.txt.old" "$dir/index.txt.attr.old" "$dir/crlnumber.old"
	local n
	n=$(openssl crl -in "$dir/crl.pem" -noout -text | grep -c 'Serial Number:' || true)
	echo "made $dir/crl.pem ($n revoked, next update in $crl_days days)"
}

if [[ $mode == revoke || $mode == crl ]]; then
	[[ -e $dir/ca.pem && -e $dir/ca-key.pem ]] ||
		die "no CA in $dir (make one first: mkcerts.sh $dir)"
	work_abs=$(cd -- "$work" && pwd -P)
	dir_abs=$(cd -- "$dir" && pwd -P)
	ca_cnf
	[[ -e $dir/index.txt ]] || : >"$dir/index.txt"
	[[ -e $dir/crlnumber ]] || echo 01 >"$dir/crlnumber" # hexadecimal, as openssl ca keeps it
	if [[ $mode == revoke ]]; then
		for cn in "$@"; do
			[[ -r $dir/$cn/cert.pem ]] || die "no certificate for CN '$cn' ($dir/$cn/cert.pem)"
		done
		mkdir -p -- "$dir/revoked"
		for cn in "$@"; do
			serial=$(openssl x509 -in "$dir/$cn/cert.pem" -noout -serial)
			serial=${serial#serial=}
			# Already in the database as revoked (say, a run interrupted
			# before the move): just move it aside.
			if ! awk -F '\t' -v s="$serial" '$1 == "R" && toupper($4) == toupper(s) { f = 1 } END { exit !f }' "$dir/index.txt"; then
				ca_run -revoke "$dir_abs/$cn/cert.pem" || die "openssl ca -revoke failed for '$cn'"
			fi
			dest=$dir/revoked/$cn.$serial
			[[ -e $dest ]] && dest=$dest.$(date +%s)
			mv -- "$dir/$cn" "$dest"
			echo "revoked $cn (serial $serial), moved to $dest/"
		done
	fi
	gencrl
	exit 0
fi

genkey() {
	case "$key_type" in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
	esac
}

# leaf_days WHAT: the days a new leaf gets: CNAUTHZ_CERT_DAYS, or fewer, so
# that it ends no later than the CA (a certificate that outlives its CA
# stops verifying the day the CA expires, whatever it says).
leaf_days() {
	local end now left
	end=$(openssl x509 -in "$dir/ca.pem" -noout -enddate) || die "cannot read $dir/ca.pem"
	end=$(date -u -d "${end#notAfter=}" +%s) || die "cannot read the CA's end date"
	now=$(date -u +%s)
	left=$(((end - now) / 86400))
	((left >= 1)) || die "the CA in $dir ends within a day ($(date -u -d "@$end" '+%F %T') UTC): no certificate it signs could outlive it; make a new CA in a new DIR"
	if ((days > left)); then
		echo "note: $1 valid $left days, not $days: no longer than the CA, which ends $(date -u -d "@$end" '+%F') (CNAUTHZ_CA_DAYS for a new CA)" >&2
		printf '%s' "$left"
	else
		printf '%s' "$days"
	fi
}

# sign_csr NAME CSR EXTFILE WHAT: $work/NAME-cert.pem from CSR, signed by the
# CA with the extensions in EXTFILE, for at most the CA's remaining days.
sign_csr() {
	local name=$1 csr=$2 ext=$3 n
	n=$(leaf_days "$4") || exit 1
	# -CAserial keeps the serial in DIR so every certificate from this CA,
	# across runs, gets a distinct serial.
	openssl x509 -req -in "$csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
		-CAserial "$dir/ca.srl" -CAcreateserial -days "$n" -sha256 \
		-extfile "$ext" -out "$work/$name-cert.pem" 2>/dev/null
	chmod 0444 "$work/$name-cert.pem"
}

# sign NAME SUBJ EXTFILE WHAT: make $work/NAME-key.pem and
# $work/NAME-cert.pem, signed by the CA with the extensions in EXTFILE.
sign() {
	local name=$1 subj=$2 ext=$3
	genkey "$work/$name-key.pem"
	openssl req -new -key "$work/$name-key.pem" -subj "$subj" -out "$work/$name.csr"
	sign_csr "$name" "$work/$name.csr" "$ext" "$4"
	chmod 0400 "$work/$name-key.pem"
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

# --- renewal ------------------------------------------------------------------
# A client's new certificate: same CA, same key, same subject, a new serial
# and validity. The request is made from the old certificate and its key
# (openssl x509 -x509toreq), so nothing of the subject is retyped.
if [[ $mode == renew ]]; then
	[[ -e $dir/ca.pem && -e $dir/ca-key.pem ]] ||
		die "no CA in $dir (make one first: mkcerts.sh $dir)"
	for cn in "$@"; do
		[[ -r $dir/$cn/cert.pem && -r $dir/$cn/key.pem ]] ||
			die "no certificate for CN '$cn' to renew ($dir/$cn/cert.pem): issue one with mkcerts.sh $dir $cn"
	done
	mkdir -p -- "$dir/renewed"
	for cn in "$@"; do
		cdir=$dir/$cn
		old=$(openssl x509 -in "$cdir/cert.pem" -noout -serial)
		old=${old#serial=}
		# the key usage of the old certificate: its key's type decides it
		rku=digitalSignature
		openssl x509 -in "$cdir/cert.pem" -noout -ext keyUsage 2>/dev/null |
			grep -q 'Key Encipherment' && rku=digitalSignature,keyEncipherment
		cat >"$work/renew.ext" <<-EOF
			basicConstraints = critical, CA:FALSE
			keyUsage = critical, $rku
			extendedKeyUsage = clientAuth
			subjectKeyIdentifier = hash
			authorityKeyIdentifier = keyid
		EOF
		openssl x509 -x509toreq -in "$cdir/cert.pem" -signkey "$cdir/key.pem" \
			-out "$work/renew.csr" 2>/dev/null ||
			die "cannot make a request from $cdir/cert.pem and its key (do they belong together?)"
		sign_csr renew "$work/renew.csr" "$work/renew.ext" "$cn's certificate"
		new=$(openssl x509 -in "$work/renew-cert.pem" -noout -serial)
		new=${new#serial=}
		end=$(openssl x509 -in "$work/renew-cert.pem" -noout -enddate)
		dest=$dir/renewed/$cn.$old.pem
		[[ -e $dest ]] && dest=$dir/renewed/$cn.$old.$(date +%s).pem
		cp -- "$cdir/cert.pem" "$dest"
		mv -f -- "$work/renew-cert.pem" "$cdir/cert.pem"
		cp -- "$dir/ca.pem" "$work/ca-copy.pem"
		chmod 0444 "$work/ca-copy.pem"
		mv -f -- "$work/ca-copy.pem" "$cdir/ca.pem"
		echo "renewed $cn: serial $old -> $new, valid until ${end#notAfter=} (key kept; the old certificate, still valid until it ends, is $dest)"
	done
	exit 0
fi

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
		-subj "/CN=cnauthz-ca" -days "$ca_days" -sha256 -out "$work/ca.pem"
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
	sign server "/CN=$(subj_escape "${host:-localhost}")" "$work/server.ext" "the server certificate"
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
		sign client "$subj" "$work/client.ext" "$cn's certificate"
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
