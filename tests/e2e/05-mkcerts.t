#!/bin/bash
# contrib/mkcerts.sh does what Docker's TLS recipe does by hand.
. "$(dirname "$0")/../lib/e2e.sh"

command -v openssl >/dev/null || e2e_skip_or_fail "openssl is not installed"
e2e_setup
D=$E2E_TMP/pki
MK=$E2E_TOP/contrib/mkcerts.sh

t_ok "mkcerts makes a CA, a server and two clients" \
	env CNAUTHZ_SERVER_SANS=IP:192.0.2.7,DNS:docker.example "$MK" "$D" client admin
for f in ca.pem server-cert.pem client/cert.pem client/ca.pem admin/cert.pem; do
	t_is "$f is mode 0444" "$(stat -c %a "$D/$f")" 444
done
for f in ca-key.pem server-key.pem client/key.pem admin/key.pem; do
	t_is "$f is mode 0400" "$(stat -c %a "$D/$f")" 400
done
t_is "no CSR is left behind" "$(find "$D" -name '*.csr' | wc -l)" 0

srv=$(openssl x509 -in "$D/server-cert.pem" -noout -text)
t_like "the server certificate carries 127.0.0.1" "$srv" 'IP Address:127\.0\.0\.1'
t_like "... localhost and this host's name" "$srv" "DNS:localhost"
t_like "... and the extra SANs asked for" "$srv" 'IP Address:192\.0\.2\.7.*DNS:docker\.example|DNS:docker\.example.*IP Address:192\.0\.2\.7'
t_like "... for serverAuth" "$srv" 'TLS Web Server Authentication'
cli=$(openssl x509 -in "$D/client/cert.pem" -noout -text)
t_like "the client certificate's subject is CN=client" "$cli" 'Subject:.*CN ?= ?client'
t_like "... for clientAuth" "$cli" 'TLS Web Client Authentication'
t_ok "the CA verifies the server" openssl verify -CAfile "$D/ca.pem" -purpose sslserver "$D/server-cert.pem"
t_ok "the CA verifies the client" openssl verify -CAfile "$D/ca.pem" -purpose sslclient "$D/client/cert.pem"
t_fails "a client certificate is no server certificate" \
	openssl verify -CAfile "$D/ca.pem" -purpose sslserver "$D/client/cert.pem"

ca_before=$(openssl x509 -in "$D/ca.pem" -noout -fingerprint -sha256)
t_ok "running it again adds a CN" "$MK" "$D" ci
t_is "... under the same CA" "$(openssl x509 -in "$D/ca.pem" -noout -fingerprint -sha256)" "$ca_before"
t_ok "... which signs the new client" openssl verify -CAfile "$D/ca.pem" "$D/ci/cert.pem"

for bad in ../x a/b @other "two words" .hidden client.bak web.dpkg-old; do
	t_fails "a CN that is no rule-file name is refused: '$bad'" "$MK" "$D" "$bad"
done
t_ok "a CN that ends in .<digit> is a CN like any other" "$MK" "$D" web.1 10.0.0.5
t_like "... issued" "$(openssl x509 -in "$D/10.0.0.5/cert.pem" -noout -subject)" 'CN ?= ?10\.0\.0\.5'
if [[ -x $E2E_TOP/plugin/cnauthz ]]; then
	R=$E2E_TMP/rules
	mkdir -m 0755 "$R"
	chmod 0755 "$E2E_TMP"
	printf 'requisite deny\n' >"$R/@other"
	printf 'sufficient permit GET /_ping\n' >"$R/10.0.0.5"
	chmod 0644 "$R"/*
	t_ok "... and judged by its own rule file, not @other" \
		"$E2E_TOP/plugin/cnauthz" test --rules "$R" --cert "$D/10.0.0.5/cert.pem" --method GET --uri /v1.41/_ping
	t_is "..." "$E2E_OUT" "allow 10.0.0.5:1"
fi

# --- lifetimes ---------------------------------------------------------------
end() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
now=$(date -u +%s)
t_ok "the CA lives ten years by default" test $(( ($(end "$D/ca.pem") - now) / 86400 )) -ge 3649
t_ok "... a client one year" test $(( ($(end "$D/client/cert.pem") - now) / 86400 )) -ge 364 -a \
	$(( ($(end "$D/client/cert.pem") - now) / 86400 )) -le 365
t_ok "CNAUTHZ_CERT_DAYS=5000 under a ten-year CA" env CNAUTHZ_CERT_DAYS=5000 "$MK" "$D" longlived
t_like "... says the certificate is cut to the CA's end" "$E2E_OUT" \
	"note: longlived's certificate valid [0-9]+ days, not 5000: no longer than the CA, which ends "
t_ok "... and it ends no later than the CA" test "$(end "$D/longlived/cert.pem")" -le "$(end "$D/ca.pem")"
S=$E2E_TMP/short
t_ok "a CA of 30 days (CNAUTHZ_CA_DAYS), default leaves" env CNAUTHZ_CA_DAYS=30 "$MK" "$S" x
t_ok "... the server's certificate ends no later than the CA" test "$(end "$S/server-cert.pem")" -le "$(end "$S/ca.pem")"
t_ok "... nor x's" test "$(end "$S/x/cert.pem")" -le "$(end "$S/ca.pem")"
t_ok "... which verifies" openssl verify -CAfile "$S/ca.pem" "$S/x/cert.pem"

# --- renewal -------------------------------------------------------------------
t_ok "a client with an OU and an RSA key" env CNAUTHZ_OU=devs CNAUTHZ_KEY_TYPE=rsa "$MK" "$D" rsa-user
old=$(openssl x509 -in "$D/rsa-user/cert.pem" -noout -serial -subject -ext keyUsage)
pub=$(openssl pkey -in "$D/rsa-user/key.pem" -pubout)
ca_before=$(openssl x509 -in "$D/ca.pem" -noout -fingerprint -sha256)
t_ok "--renew DIR CN" env CNAUTHZ_CERT_DAYS=30 "$MK" --renew "$D" rsa-user
new=$(openssl x509 -in "$D/rsa-user/cert.pem" -noout -serial -subject -ext keyUsage)
t_ok "... a new serial" test "$(head -n 1 <<<"$new")" != "$(head -n 1 <<<"$old")"
t_is "... the same subject (OU too) and key usage" "$(tail -n +2 <<<"$new")" "$(tail -n +2 <<<"$old")"
t_is "... the same key" "$(openssl pkey -in "$D/rsa-user/key.pem" -pubout)" "$pub"
t_is "... the same CA" "$(openssl x509 -in "$D/ca.pem" -noout -fingerprint -sha256)" "$ca_before"
t_ok "... which verifies it" openssl verify -CAfile "$D/ca.pem" -purpose sslclient "$D/rsa-user/cert.pem"
t_ok "... for the days asked" test $(( ($(end "$D/rsa-user/cert.pem") - now) / 86400 )) -le 30
t_ok "... the old certificate kept aside" test -s "$D/renewed/rsa-user.$(head -n 1 <<<"$old" | cut -d= -f2).pem"
t_is "... modes as before: key 0400, certificate 0444" "$(stat -c %a "$D/rsa-user/key.pem" "$D/rsa-user/cert.pem" | tr '\n' ' ')" "400 444 "
t_fails "--renew of a CN without a certificate" "$MK" --renew "$D" nobody-yet
t_like "... says so" "$E2E_OUT" "no certificate for CN 'nobody-yet' to renew"
t_fails "--renew without a CA" "$MK" --renew "$E2E_TMP/empty" x
t_like "... says so" "$E2E_OUT" "no CA in $E2E_TMP/empty"

# What a CN may be is cnauthz's one rule (identity_name_valid): mkcerts.sh
# asks the binary ("cnauthz check --name"), and without one uses its own
# copy of the rule. All three agree on every name here. "../x" after the
# name makes mkcerts stop before it issues anything: which name it
# refuses says what it thought of the first.
BIN=$E2E_TOP/plugin/cnauthz
if [[ -x $BIN ]]; then
	names=(client web.1 10.0.0.5 a x. a..b user@example.com a+b ci-01_x
		cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
		ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
		.x -x _x @x x~ '#x#' 'a b' a/b 'a:b' x.bak x.swp x.swx x.orig x.rej x.tmp
		x.rpmnew x.rpmsave x.dpkg-old x.dpkg-new x.dpkg-dist x.dpkg-tmp
		x.dpkg-bak x.ucf-old x.ucf-new x.ucf-dist x.bak.1 x.BAK x.bakx caf$'\xc3\xa9')
	disagree=()
	for n in "${names[@]}"; do
		"$BIN" check --name "$n" 2>/dev/null && c=valid || c=invalid
		for how in "$BIN" none; do
			out=$(CNAUTHZ=$how "$MK" "$E2E_TMP/never" "$n" ../x 2>&1)
			if [[ $out == *"refusing CN '../x'"* ]]; then m=valid; else m=invalid; fi
			[[ $m == "$c" ]] || disagree+=("$n: cnauthz says $c, mkcerts (CNAUTHZ=${how##*/}) $m")
		done
	done
	t_is "cnauthz and mkcerts.sh (with and without the binary) agree on ${#names[@]} names" \
		"$(printf '%s\n' "${disagree[@]}")" ""
	t_ok "... and made nothing while asking" test ! -e "$E2E_TMP/never"
	t_fails "mkcerts.sh says why, in cnauthz's words" "$MK" "$D" web.tmp
	t_like "..." "$E2E_OUT" "refusing CN 'web.tmp': \"web.tmp\" is not a valid CN: it ends in \".tmp\""
else
	t_skip "cnauthz and mkcerts.sh agree on what a CN may be" "$BIN is not built"
fi
done_testing
