#!/bin/bash
# The TLS workflow around contrib/mkcerts.sh, as docs/certificates.md tells
# it, end to end: a user's ~/.docker (owner and modes) and DOCKER_HOST +
# DOCKER_TLS_VERIFY, the curl form, a new CN (certificate and rule file)
# taken without restarting anything, and revoking one (mkcerts.sh
# --revoke, the CRL, "requisite revoked" first in the stacks, a reload), and
# renewing one (mkcerts.sh --renew: same key, a new certificate dockerd
# takes):
# the revoked CN is denied, saying so; the others are not; a new
# certificate for the same CN works.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
command -v setpriv >/dev/null || e2e_skip_or_fail "setpriv is not installed (package util-linux)"
e2e_setup
MK=$E2E_TOP/contrib/mkcerts.sh
PKI=$E2E_TMP/pki
ETC=$E2E_TMP/etc-cnauthz # stands for /etc/cnauthz
RULES=$ETC/rules
U=65534 # the user whose ~/.docker this is: nobody

# The rules: the shipped ones, each CN's stack starting with the shared
# revocation check, as docs/certificates.md shows.
mkdir -p "$ETC"
cp -a "$E2E_TOP/rules" "$RULES"
printf '# @revoked - refuse certificates the CA revoked, before anything else.\nrequisite revoked crl=%s\n' \
	"$ETC/crl.pem" >"$RULES/@revoked"
for cn in client admin; do
	{ echo 'include @revoked'; cat "$E2E_TOP/rules/$cn"; } >"$RULES/$cn"
done
chmod 0644 "$RULES"/*

t_ok "mkcerts.sh makes the CA, the server and clients client, admin" "$MK" "$PKI" client admin
t_ok "mkcerts.sh --crl writes an empty CRL to start with" "$MK" --crl "$PKI"
t_like "..." "$E2E_OUT" "made $PKI/crl.pem \(0 revoked"
t_ok "... which installs beside the rules" install -m 0444 "$PKI/crl.pem" "$ETC/crl.pem"
t_ok "the rules check" "$E2E_TOP/plugin/cnauthz" check --rules "$RULES"
e2e_start_plugin "$E2E_PLUGIN" --rules "$RULES" --pidfile "$E2E_TMP/plugin.pid"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox
PLUGIN_PID=$(cat "$E2E_TMP/plugin.pid")
DOCKERD_PID=$(cat "$E2E_TMP/dockerd.pid")

# --- ~/.docker ---------------------------------------------------------------
# The user's home, reachable for the user through the test's directory.
chmod 0711 "$E2E_TMP"
H=$E2E_TMP/home
install -d -m 0755 -o "$U" -g "$U" "$H"
t_ok "~/.docker: the directory, 0700, the user's" install -d -m 0700 -o "$U" -g "$U" "$H/.docker"
t_ok "... ca.pem and cert.pem, 0444" \
	install -m 0444 -o "$U" -g "$U" "$PKI/client/ca.pem" "$PKI/client/cert.pem" "$H/.docker/"
t_ok "... key.pem, 0400" install -m 0400 -o "$U" -g "$U" "$PKI/client/key.pem" "$H/.docker/key.pem"
t_is "... owner and modes" "$(cd "$H/.docker" && stat -c '%n %a %u' . ca.pem cert.pem key.pem | tr '\n' ' ')" \
	". 700 $U ca.pem 444 $U cert.pem 444 $U key.pem 400 $U "
as_user() { # CMD...: as the user, with only the environment a login has
	timeout -k 5 "$E2E_TIMEOUT" setpriv --reuid "$U" --regid "$U" --clear-groups \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$H" DOCKER_CLI_HINTS=false "$@"
}
TLS=(DOCKER_HOST="tcp://127.0.0.1:$E2E_PORT" DOCKER_TLS_VERIFY=1)
t_ok "the user runs a container: DOCKER_HOST=tcp://HOST:PORT DOCKER_TLS_VERIFY=1 docker run" \
	as_user "${TLS[@]}" docker run --rm --network none e2e-busybox /bin/echo hi-from-home
t_is "... which ran" "$E2E_OUT" hi-from-home
t_fails "... and is denied --privileged, as client" \
	as_user "${TLS[@]}" docker run --rm --privileged --network none e2e-busybox /bin/true
t_like "..." "$E2E_OUT" "authorization denied by plugin $E2E_PLUGIN: client may not POST /containers/create: HostConfig.Privileged is true"
t_fails "without DOCKER_TLS_VERIFY the daemon refuses the user" \
	as_user DOCKER_HOST="tcp://127.0.0.1:$E2E_PORT" docker ps
t_ok "the curl form: curl --cacert ca.pem --cert cert.pem --key key.pem" \
	as_user curl -sS --noproxy '*' --max-time 20 --cacert "$H/.docker/ca.pem" \
	--cert "$H/.docker/cert.pem" --key "$H/.docker/key.pem" "https://127.0.0.1:$E2E_PORT/version"
t_like "..." "$E2E_OUT" '"ApiVersion"'

# --- a new CN, nothing restarted --------------------------------------------
t_ok "mkcerts.sh adds CN carol under the same CA" "$MK" "$PKI" carol
t_fails "carol, without a rule file, is judged by @other" dk_as carol ps
t_like "..." "$E2E_OUT" "carol may not GET /containers/json"
n=$(grep -c 'reloaded' "$E2E_TMP/plugin.log")
printf 'include @revoked\ninclude @readonly\n' >"$RULES/carol.tmp"
chmod 0644 "$RULES/carol.tmp"
mv "$RULES/carol.tmp" "$RULES/carol"
for _ in {1..50}; do (($(grep -c 'reloaded' "$E2E_TMP/plugin.log") > n)) && break; sleep 0.1; done
t_ok "her rule file is picked up by itself" eval '(($(grep -c reloaded "$E2E_TMP/plugin.log") > n))'
t_ok "carol lists containers" dk_as carol ps
t_fails "... but runs none (@readonly)" dk_as carol run --rm --network none e2e-busybox /bin/true
t_like "..." "$E2E_OUT" "carol may not POST /containers/create"
t_is "cnauthz was not restarted" "$(cat "$E2E_TMP/plugin.pid")" "$PLUGIN_PID"
t_is "dockerd was not restarted" "$(cat "$E2E_TMP/dockerd.pid")" "$DOCKERD_PID"

# --- renewing carol --------------------------------------------------------------
old=$(openssl x509 -in "$PKI/carol/cert.pem" -noout -serial)
pub=$(openssl pkey -in "$PKI/carol/key.pem" -pubout)
t_ok "mkcerts.sh --renew carol" "$MK" --renew "$PKI" carol
t_like "... says what it did" "$E2E_OUT" "renewed carol: serial ${old#serial=} -> [0-9A-F]+, valid until "
t_ok "... a new certificate" test "$(openssl x509 -in "$PKI/carol/cert.pem" -noout -serial)" != "$old"
t_is "... for the same key" "$(openssl pkey -in "$PKI/carol/key.pem" -pubout)" "$pub"
t_ok "dockerd takes the renewed certificate (carol lists containers)" dk_as carol ps
t_is "... nothing restarted" "$(cat "$E2E_TMP/dockerd.pid") $(cat "$E2E_TMP/plugin.pid")" "$DOCKERD_PID $PLUGIN_PID"

# --- revoking client ----------------------------------------------------------
serial=$(openssl x509 -in "$PKI/client/cert.pem" -noout -serial)
serial=${serial#serial=}
t_ok "mkcerts.sh --revoke revokes client" "$MK" --revoke "$PKI" client
t_like "... naming the serial" "$E2E_OUT" "revoked client \(serial $serial\)"
t_ok "... puts it on the CRL" openssl crl -in "$PKI/crl.pem" -noout -text
t_like "..." "$E2E_OUT" "Serial Number: $serial"
t_ok "... which the CA signed" openssl crl -in "$PKI/crl.pem" -noout -CAfile "$PKI/ca.pem"
t_ok "... and moves client's files aside" test ! -e "$PKI/client" -a -d "$PKI/revoked/client.$serial"
t_ok "the new CRL is installed" install -m 0444 "$PKI/crl.pem" "$ETC/crl.pem"
n=$(grep -c 'reloaded' "$E2E_TMP/plugin.log")
t_ok "... and the rules reloaded (systemctl reload cnauthz)" kill -HUP "$PLUGIN_PID"
for _ in {1..50}; do (($(grep -c 'reloaded' "$E2E_TMP/plugin.log") > n)) && break; sleep 0.1; done
t_fails "the revoked certificate is denied" as_user "${TLS[@]}" docker ps
t_like "... saying it is revoked" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: .*client certificate \(serial [0-9A-Fa-f:]+\) is revoked"
t_ok "admin is still allowed" dk_as admin ps
t_ok "carol is still allowed" dk_as carol ps
t_ok "mkcerts.sh issues client a new certificate" "$MK" "$PKI" client
t_ok "... which is allowed" dk_as client run --rm --network none e2e-busybox /bin/echo new-client
t_is "..." "$E2E_OUT" new-client
t_ok "mkcerts.sh --revoke refuses a CN it has no certificate for" eval '! "$MK" --revoke "$PKI" nobody-here'

done_testing
