#!/bin/bash
# Straight at the plugin socket: what dockerd never sends but an attacker
# on the host, a bug or a future dockerd might. Identity mismatches,
# malformed envelopes, HTTP that is pipelined, slow, cut short or piled
# up: each is denied or refused with a reason, and the daemon keeps
# serving throughout.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
RAW=$E2E_TOP/tests/tools/bin/unixraw
[ -x "$RAW" ] || e2e_skip_or_fail "tests/tools/bin/unixraw is not built (make tools)"
SOCK=$E2E_TMP/p.sock
"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" --max-connections 8 \
	--idle-timeout 2 2>"$E2E_TMP/log" &
PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

ask() { # ask JSON: the answer in $out, its Allow in $ALLOW
	out=$(curl -s --max-time 10 --unix-socket "$SOCK" -X POST --data-binary "$1" \
		http://p/AuthZPlugin.AuthZReq)
	ALLOW=$(sed -n 's/.*"Allow":\([a-z]*\).*/\1/p' <<<"$out")
}
alive() {
	curl -s --max-time 5 --unix-socket "$SOCK" -X POST http://p/Plugin.Activate | grep -q authz
}

# a real certificate from the captures: CN "client"
CERT=$(sed -n '3p' "$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl" |
	sed 's/.*"RequestPeerCertificates": \["\([^"]*\)"\].*/\1/')
t_ok "a captured client certificate is at hand" test ${#CERT} -gt 500
base='"RequestMethod":"GET","RequestUri":"/v1.41/containers/json"'

ask "{$base,\"User\":\"client\",\"UserAuthNMethod\":\"TLS\",\"RequestPeerCertificates\":[\"$CERT\"]}"
t_is "the genuine request is allowed (control)" "$ALLOW" true
ask "{$base,\"User\":\"admin\",\"UserAuthNMethod\":\"TLS\",\"RequestPeerCertificates\":[\"$CERT\"]}"
t_is "User naming another CN than the certificate's is denied" "$ALLOW" false
t_like "... saying so" "$out" 'does not match the certificate CN'
ask "{$base,\"UserAuthNMethod\":\"TLS\",\"RequestPeerCertificates\":[\"$CERT\"]}"
t_is "a certificate without User is denied, not local" "$ALLOW" false
ask "{$base,\"User\":\"client\",\"UserAuthNMethod\":\"TLS\"}"
t_is "a User without a certificate is denied" "$ALLOW" false
ask "{$base,\"UserAuthNMethod\":\"TLS\"}"
t_is "UserAuthNMethod without a certificate is denied" "$ALLOW" false
ask "{$base,\"User\":\"client\",\"UserAuthNMethod\":\"Basic\",\"RequestPeerCertificates\":[\"$CERT\"]}"
t_is "another UserAuthNMethod is denied" "$ALLOW" false
junk=$(printf 'not a certificate at all' | base64 -w0)
ask "{$base,\"User\":\"client\",\"UserAuthNMethod\":\"TLS\",\"RequestPeerCertificates\":[\"$junk\"]}"
t_is "certificate garbage is denied" "$ALLOW" false
t_like "... saying why" "$out" 'not PEM'
ask "{$base,\"User\":\"client\",\"UserAuthNMethod\":\"TLS\",\"RequestPeerCertificates\":[\"${CERT:0:100}\"]}"
t_is "a truncated certificate is denied" "$ALLOW" false
ask "{$base,\"RequestHeaders\":{\"Content-Type\":\"text/plain\",\"content-type\":\"application/json\"}}"
t_is "a header repeated in another case is denied" "$ALLOW" false
ask "{$base,$base}"
t_is "duplicate envelope keys are denied" "$ALLOW" false
ask "{\"RequestMethod\":7,\"RequestUri\":\"/x\"}"
t_is "a field of the wrong type is denied" "$ALLOW" false
t_like "... naming it" "$out" 'RequestMethod is not a string'
ask '[1,2,3]'
t_is "an envelope that is no object is denied" "$ALLOW" false
ask "{$base,\"RequestBody\":\"e30\"}"
t_is "base64 without its padding is denied" "$ALLOW" false
ask '{"RequestMethod":"GET","RequestUri":"/v1.41/containers/json","User":"client"'
t_is "a truncated envelope is denied" "$ALLOW" false
t_ok "the daemon still serves" alive

# HTTP the way a broken or hostile peer speaks it
req() { # req BODY: one HTTP request carrying BODY
	printf 'POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: p\r\nContent-Length: %d\r\n\r\n%s' "${#1}" "$1"
}
local_req='{"RequestMethod":"GET","RequestUri":"/_ping"}'
out=$( { req "$local_req"; req "$local_req"; req "$local_req"; } | "$RAW" "$SOCK" --wait-ms 1000)
t_is "three pipelined requests get three answers, in order" \
	"$(grep -o '"Allow":true' <<<"$out" | wc -l)" 3
out=$(req "$local_req" | "$RAW" "$SOCK" --chunk 1 --delay-ms 5 --wait-ms 1000)
t_like "a request sent one byte at a time is answered" "$out" '"Allow":true'
out=$(printf 'POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: p\r\nContent-Length: 500\r\n\r\n{"Requ' |
	"$RAW" "$SOCK" --wait-ms 5000)
rc=$?
t_is "a body cut short is dropped when the idle timeout passes (2 s)" "$rc" 0
t_unlike "... never judged as if complete" "$out" '"Allow":true'
out=$(printf 'POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHo' | "$RAW" "$SOCK" --wait-ms 5000)
t_is "a slow-loris header is dropped at the idle timeout" "$?" 0
out=$(printf 'GARBAGE\r\n\r\n' | "$RAW" "$SOCK" --wait-ms 2000)
t_is "a request line that is not HTTP gets its connection closed" "$?" 0
t_unlike "... and no decision" "$out" 'Allow'
t_ok "the daemon still serves" alive

fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
before=$(fds)
"$RAW" "$SOCK" --hold 40 --hold-ms 1500 >/dev/null &
HOLD=$!
sleep 0.8
during=$(fds)
wait "$HOLD"
t_ok "40 connections cost cnauthz at most --max-connections (8) descriptors ($before -> $during)" \
	test $((during - before)) -le 8
t_ok "the daemon serves again once they are gone" alive
out=$("$RAW" "$SOCK" --hold 4 --hold-ms 3500)
t_like "idle connections are closed after --idle-timeout (2 s)" "$out" 'held 0$'

kill -TERM "$PID"
wait "$PID"
t_is "and it still stops cleanly" "$?" 0
done_testing
