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

for bad in ../x a/b @other "two words" .hidden; do
	t_fails "a CN that is no rule-file name is refused: '$bad'" "$MK" "$D" "$bad"
done
done_testing
