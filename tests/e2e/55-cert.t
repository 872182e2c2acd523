#!/bin/bash
# The certificate filter "cert" end to end. Before a real TLS dockerd:
# "requisite cert ou=devs" lets a CN whose certificate has OU=devs
# (contrib/mkcerts.sh with CNAUTHZ_OU) through to its profile and denies
# one with OU=ops, saying why; a certificate pinned by serial or SHA-256
# fingerprint after a reload. With "cnauthz test --request" on AuthZReq
# bodies built as dockerd builds them from this test's certificates: SAN
# entries of each kind, issuer, serial, fingerprint, remaining validity.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
R=$E2E_TMP/rules
PKI=$E2E_TMP/pki
PLOG=$E2E_TMP/plugin.log
mkdir -m 0755 "$R"
cp "$E2E_TOP"/rules/@* "$E2E_TOP"/rules/admin "$R/"
printf 'requisite cert ou=devs\ninclude @developer\n' >"$R/@team"
printf 'include @team\n' >"$R/alice"
printf 'include @team\n' >"$R/bob"

e2e_certs admin
t_ok "mkcerts: alice with OU=devs" env CNAUTHZ_OU=devs "$E2E_TOP/contrib/mkcerts.sh" "$PKI" alice
t_ok "mkcerts: bob with OU=ops" env CNAUTHZ_OU=ops "$E2E_TOP/contrib/mkcerts.sh" "$PKI" bob
t_like "(alice's subject)" "$(openssl x509 -noout -subject -nameopt RFC2253 -in "$PKI/alice/cert.pem")" 'CN=alice,OU=devs'

# facts as openssl reads them
fpr() { local v; v=$(openssl x509 -noout -fingerprint -sha256 -in "$PKI/$1/cert.pem"); v=${v#*=}; printf '%s' "${v//:/}"; }
serial() { local v; v=$(openssl x509 -noout -serial -in "$PKI/$1/cert.pem"); printf '%s' "${v#*=}"; }

e2e_start_plugin "$E2E_PLUGIN" --rules "$R"
PID=${_e2e_plugin_pids[$E2E_PLUGIN]}
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox

t_ok "OU=devs: alice may list containers" dk_as alice ps
t_ok "... and run one (her profile decides)" dk_as alice run --rm --network none e2e-busybox /bin/echo devs-ok
t_like "... which ran" "$E2E_OUT" devs-ok
t_fails "... but not a privileged one (still her profile)" \
	dk_as alice run --rm --privileged --network none e2e-busybox /bin/true
t_fails "OU=ops: bob may not list containers" dk_as bob ps
t_like "... denied by the cert filter, saying which field" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: bob may not GET /containers/json: the client certificate's OU is not devs \\(@team:1\\)"
t_fails "... nor run one" dk_as bob run --rm --network none e2e-busybox /bin/true
t_like "... for the same reason (already at its first call)" "$E2E_OUT" "bob may not [A-Z]+ /[a-z_/]+: the client certificate.s OU is not devs"
t_ok "admin's stack has no filter" dk_as admin ps
# cnauthz test --cert: the certificate file judged as dockerd's calls were
t_fails "test --cert bob's cert.pem: denied as through dockerd" \
	"$BIN" test --rules "$R" --cert "$PKI/bob/cert.pem" --method GET --uri /v1.41/containers/json
t_is "... with the same reason, exit 1" "$E2E_RC $E2E_OUT" \
	"1 deny @team:1: bob may not GET /containers/json: the client certificate's OU is not devs (@team:1)"
t_ok "test --cert alice's cert.pem: allowed as through dockerd" \
	"$BIN" test --rules "$R" --cert "$PKI/alice/cert.pem" --method GET --uri /v1.41/containers/json
t_like "... by her profile" "$E2E_OUT" '^allow @developer:[0-9]+$'

# pin one certificate by serial, the other by fingerprint
# put FILE TEXT: replace a rule file by rename; wait for the reload
put() {
	local n
	n=$(grep -c 'info: reloaded' "$PLOG")
	printf '%s' "$2" >"$R/.$1.new"
	mv "$R/.$1.new" "$R/$1"
	for _ in $(seq 150); do (($(grep -c 'info: reloaded' "$PLOG") > n)) && return 0; sleep 0.1; done
	return 1
}
t_ok "@team pinned to alice's serial (either OU)" \
	put @team "requisite cert ou=devs ou=ops serial=$(serial alice)"$'\ninclude @developer\n'
t_ok "... alice's certificate passes" dk_as alice ps
t_fails "... bob's (OU=ops now allowed) is denied by the serial" dk_as bob ps
t_like "... saying so" "$E2E_OUT" "bob may not GET /containers/json: the client certificate's serial is not "
t_ok "bob's own file pinned to his fingerprint" \
	put bob "requisite cert fingerprint=$(fpr bob)"$'\ninclude @developer\n'
t_ok "... bob passes" dk_as bob ps
t_ok "bob's file pinned to alice's fingerprint" \
	put bob "requisite cert fingerprint=$(fpr alice)"$'\ninclude @developer\n'
t_fails "... bob is denied" dk_as bob ps
t_like "... naming the fingerprint wanted" "$E2E_OUT" \
	"bob may not GET /containers/json: the client certificate's SHA-256 fingerprint is not $(fpr alice | tr 'A-F' 'a-f') \\(bob:1\\)"

# --- a CRL written after start takes effect: no restart, no SIGHUP -------
CRLD=$E2E_TMP/crl
mkdir -m 0755 "$CRLD"
t_ok "mkcerts --crl: the CA's CRL, nothing revoked yet" "$E2E_TOP/contrib/mkcerts.sh" --crl "$PKI"
install -m 0644 "$PKI/crl.pem" "$CRLD/crl.pem"
cp "$PKI/crl.pem" "$E2E_TMP/empty-crl.pem"
t_ok "alice's file checks the CRL" put alice "requisite revoked crl=$CRLD/crl.pem"$'\ninclude @team\n'
t_ok "... alice passes" dk_as alice ps
cp -a "$PKI/alice" "$E2E_TMP/alice.keep" # --revoke moves her directory aside
t_ok "mkcerts --revoke alice: a new CRL, written after start" "$E2E_TOP/contrib/mkcerts.sh" --revoke "$PKI" alice
rm -rf "$PKI/alice"
mv "$E2E_TMP/alice.keep" "$PKI/alice"
# crl FILE: FILE dropped in as the CRL (renamed into place); waits for the reload
crl_drop() {
	local n
	n=$(grep -c 'info: reloaded' "$PLOG")
	install -m 0644 "$1" "$CRLD/.crl.new"
	mv "$CRLD/.crl.new" "$CRLD/crl.pem"
	for _ in $(seq 50); do (($(grep -c 'info: reloaded' "$PLOG") > n)) && return 0; sleep 0.1; done
	return 1
}
t_ok "the new CRL renamed into place: reloaded by itself" crl_drop "$PKI/crl.pem"
t_like "... logged as the CRL's change" "$(grep 'changed: reloading' "$PLOG" | tail -n 1)" "info: $CRLD/crl.pem changed: reloading"
t_fails "... alice is denied" dk_as alice ps
t_like "... her certificate revoked by that CRL" "$E2E_OUT" \
	"alice may not GET /containers/json: the client certificate \\(serial [0-9a-f]+\\) is revoked by the CRL $CRLD/crl.pem \\(alice:1\\)"
n=$(grep -c 'info: reloaded' "$PLOG")
cat "$E2E_TMP/empty-crl.pem" >"$CRLD/crl.pem"
for _ in $(seq 50); do (($(grep -c 'info: reloaded' "$PLOG") > n)) && break; sleep 0.1; done
t_ok "the old CRL written over it in place: reloaded too" test "$(grep -c 'info: reloaded' "$PLOG")" -gt "$n"
t_ok "... alice passes again" dk_as alice ps

e2e_stop_dockerd

# --- the rest through cnauthz test --request --------------------------------
# A client certificate with a SAN of each kind, from the test's CA.
cat >"$E2E_TMP/carol.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:carol.example.com, IP:192.0.2.7, email:carol@example.com, URI:spiffe://example.com/ci/carol
EOF
mkdir -m 0700 "$PKI/carol"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/carol/key.pem" 2>/dev/null
openssl req -new -key "$PKI/carol/key.pem" -subj "/O=Example/OU=ci/CN=carol" -out "$E2E_TMP/carol.csr"
t_ok "a client certificate with SANs from the same CA" \
	openssl x509 -req -in "$E2E_TMP/carol.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca-key.pem" \
	-CAserial "$PKI/ca.srl" -days 30 -sha256 -extfile "$E2E_TMP/carol.ext" -out "$PKI/carol/cert.pem"

# authzreq CN: what dockerd sends for `docker ps` by CN's certificate
authzreq() {
	printf '{"RequestMethod":"GET","RequestUri":"/v1.41/containers/json","RequestHeaders":{"User-Agent":"Docker-Client/28.2.2 (linux)"},"User":"%s","UserAuthNMethod":"TLS","RequestPeerCertificates":["%s"]}' \
		"$1" "$(base64 -w0 <"$PKI/$1/cert.pem")" >"$E2E_TMP/$1.req"
	printf '%s' "$E2E_TMP/$1.req"
}
for cn in alice bob carol admin; do authzreq "$cn" >/dev/null; done
# judge CN LINE: cnauthz test with "LINE" then a permit, for CN's request
judge() {
	mkdir -p -m 0755 "$E2E_TMP/t"
	printf '%s\nsufficient permit *\n' "$2" >"$E2E_TMP/t/$1"
	"$BIN" test --rules "$E2E_TMP/t" --request "$E2E_TMP/$1.req"
}

t_ok "san=DNS:*.example.com: carol passes" judge carol 'requisite cert san=DNS:*.example.com'
t_ok "san=IP:192.0.2.7" judge carol 'requisite cert san=IP:192.0.2.7'
t_ok "san=email:carol@example.com" judge carol 'requisite cert san=email:carol@example.com'
t_ok "san=URI:spiffe://example.com/ci/*" judge carol 'requisite cert san=URI:spiffe://example.com/ci/*'
t_fails "san=DNS:*.example.org: denied" judge carol 'requisite cert san=DNS:*.example.org'
t_like "... naming the SAN wanted" "$E2E_OUT" \
	'^deny carol:1: carol may not GET /containers/json: the client certificate.s subject alternative name is not DNS:\*\.example\.org \(carol:1\)$'
t_fails "san=*: alice, whose certificate has none, is denied" judge alice 'requisite cert san=*'
t_ok "o= and ou= together" judge carol 'requisite cert o=Example ou=ci'
t_ok "issuer=CN=cnauthz-ca (mkcerts' CA)" judge carol 'requisite cert issuer=CN=cnauthz-ca'
t_fails "issuer=CN=someone-else: denied" judge carol 'requisite cert issuer=CN=someone-else'
t_like "... naming the issuer" "$E2E_OUT" 'issuer is not CN=someone-else'
t_ok "serial= as openssl prints it" judge carol "requisite cert serial=$(serial carol)"
t_ok "serial= in lower case with colons" \
	judge carol "requisite cert serial=$(serial carol | tr 'A-F' 'a-f' | sed 's/../&:/g; s/:$//')"
t_fails "serial= of another certificate: denied" judge carol "requisite cert serial=$(serial alice)"
t_ok "fingerprint= as openssl prints it (colons)" \
	judge carol "requisite cert fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$PKI/carol/cert.pem" | cut -d= -f2)"
t_fails "fingerprint= of another certificate: denied" judge carol "requisite cert fingerprint=$(fpr bob)"
t_ok "min-validity=7d: carol (30 days) passes" judge carol 'requisite cert min-validity=7d'
t_fails "min-validity=60d: carol (30 days) is denied" judge carol 'requisite cert min-validity=60d'
t_like "... saying it expires too soon" "$E2E_OUT" 'the client certificate expires within 5184000 seconds \(carol:1\)'
t_ok "min-validity=60d: alice (365 days) passes" judge alice 'requisite cert min-validity=60d'
# judge_cert CN LINE: the same with cnauthz test --cert CN's cert.pem
judge_cert() {
	mkdir -p -m 0755 "$E2E_TMP/t"
	printf '%s\nsufficient permit *\n' "$2" >"$E2E_TMP/t/$1"
	"$BIN" test --rules "$E2E_TMP/t" --cert "$PKI/$1/cert.pem" --method GET --uri /v1.41/containers/json
}
differ=()
for line in 'requisite cert san=DNS:*.example.com' 'requisite cert san=DNS:*.example.org' \
	'requisite cert o=Example ou=ci' "requisite cert serial=$(serial carol)" \
	"requisite cert fingerprint=$(fpr bob)" 'requisite cert min-validity=60d' \
	'requisite cert issuer=CN=cnauthz-ca'; do
	a=$(judge carol "$line" 2>&1; echo "rc=$?")
	b=$(judge_cert carol "$line" 2>&1; echo "rc=$?")
	[[ $a == "$b" ]] || differ+=("$line: --request says $a, --cert says $b")
done
t_is "test --cert FILE and --request of dockerd's AuthZReq agree, line by line" "$(printf '%s\n' "${differ[@]}")" ""
printf 'requisite cert cn=x\n' >"$E2E_TMP/t/@other"
openssl req -x509 -new -key "$PKI/carol/key.pem" -subj "/CN=the client" -days 1 -out "$E2E_TMP/space.pem" 2>/dev/null
t_fails "test --cert with a CN no rule file can have: denied, as dockerd's call would be" \
	"$BIN" test --rules "$E2E_TMP/t" --cert "$E2E_TMP/space.pem" --method GET --uri /v1.41/_ping
t_like "... saying why" "$E2E_OUT" 'identity refused: client certificate CN "the client" is not a valid rule-file name: it holds a blank'
t_fails "test --cert with a file that holds no certificate: exit 2" \
	"$BIN" test --rules "$E2E_TMP/t" --cert "$PKI/carol/key.pem" --method GET --uri /v1.41/_ping
t_is "... saying so" "$E2E_RC $E2E_OUT" "2 cnauthz test: $PKI/carol/key.pem: no PEM certificate in it"
t_fails "a --cn without a certificate is denied by cert" \
	"$BIN" test --rules "$R" --cn alice --method GET --uri /v1.41/_ping
t_like "... saying there is none" "$E2E_OUT" 'no client certificate to check \(@team:1\)'
t_fails "a request whose User is not its certificate's CN is refused before any rule" \
	"$BIN" test --rules "$E2E_TMP/t" --request <(sed 's/"User":"carol"/"User":"alice"/' "$E2E_TMP/carol.req")
t_like "... saying so" "$E2E_OUT" 'identity refused'

done_testing
