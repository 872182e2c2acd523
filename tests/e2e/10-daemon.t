#!/bin/bash
# The plugin daemon on its own socket, without dockerd: how it binds, what
# it answers to every kind of HTTP call, and how it stops.
. "$(dirname "$0")/../lib/e2e.sh"

command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
SOCK=$E2E_TMP/run/plugins/cnauthz.sock
post() { # post PATH [DATA]: body of the answer; HTTP status in $CODE
	local out
	out=$(curl -s --max-time 10 --unix-socket "$SOCK" -X POST \
		-w '\n%{http_code}' --data-binary "${2-}" "http://plugin$1")
	CODE=${out##*$'\n'}
	BODY=${out%$'\n'*}
}

t_fails "a socket whose directory is missing, outside /run: refused" \
	"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK"
t_like "... saying so" "$E2E_OUT" "error: --socket $SOCK: its directory $E2E_TMP/run/plugins does not exist \\(cnauthz makes missing directories only under /run\\)"
t_ok "... and the directory is not made" test ! -e "$E2E_TMP/run"
RUNSOCK=/run/cnauthz-e2e-$$/plugins/x.sock
"$BIN" serve --rules "$E2E_TOP/rules" --socket "$RUNSOCK" --pidfile "$E2E_TMP/run.pid" 2>>"$E2E_TMP/log" &
for _ in $(seq 50); do [ -S "$RUNSOCK" ] && break; sleep 0.1; done
t_ok "under /run, missing directories are made (as for /run/docker/plugins at boot)" test -S "$RUNSOCK"
t_is "... mode 0755" "$(stat -c %a "/run/cnauthz-e2e-$$" "/run/cnauthz-e2e-$$/plugins" | tr '\n' ' ')" "755 755 "
kill -TERM "$(cat "$E2E_TMP/run.pid")"
wait $!
rm -rf "/run/cnauthz-e2e-$$"
mkdir -p "$E2E_TMP/run/plugins"
"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" 2>"$E2E_TMP/log" &
PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

t_ok "the socket is made" test -S "$SOCK"
t_is "the socket is mode 0600: only root may ask" "$(stat -c %a "$SOCK")" 600

post /Plugin.Activate
t_is "Plugin.Activate answers 200" "$CODE" 200
t_is "... and implements authz" "$BODY" '{"Implements":["authz"]}'

req='{"RequestMethod":"GET","RequestUri":"/v1.41/containers/json"}'
post /AuthZPlugin.AuthZReq "$req"
t_is "a local AuthZReq is answered 200" "$CODE" 200
t_like "... allowed by @local" "$BODY" '"Allow":true'
post /AuthZPlugin.AuthZRes "$req"
t_like "the AuthZRes of an allowed request is allowed" "$BODY" '"Allow":true'

post /AuthZPlugin.AuthZReq '{"RequestMethod":"GET","RequestUri":"/_ping","User":"client"}'
t_like "a User without a certificate is denied" "$BODY" '"Allow":false'
t_like "... saying why" "$BODY" 'without a client certificate'

post /AuthZPlugin.AuthZReq 'not json'
t_like "a body that is not JSON is denied, not an error" "$BODY" '"Allow":false,"Msg":"malformed AuthZReq'
post /AuthZPlugin.AuthZReq '{"RequestUri":"/x","RequestBody":"%%%%"}'
t_like "invalid base64 in RequestBody is denied" "$BODY" 'RequestBody: invalid base64'
post /AuthZPlugin.AuthZReq '{"RequestMethod":"GET","RequestUri":"/v1.41/containers/../images/json"}'
t_like "a dot segment in the path is denied" "$BODY" 'dot segment'

post /AuthZPlugin.Nope '{}'
t_is "an unknown endpoint is 404" "$CODE" 404
t_like "... with a JSON Err" "$BODY" '"Err":'
out=$(curl -s --max-time 10 --unix-socket "$SOCK" -w '%{http_code}' http://plugin/Plugin.Activate -o /dev/null)
t_is "GET on an endpoint is 405" "$out" 405

head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' > "$E2E_TMP/big"
out=$(curl -s --max-time 20 --unix-socket "$SOCK" -X POST -w '%{http_code}' \
	--data-binary @"$E2E_TMP/big" http://plugin/AuthZPlugin.AuthZReq -o /dev/null)
t_is "a body over the 16 MiB cap is refused with 413" "$out" 413
out=$(head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'a' | curl -s --max-time 20 \
	--unix-socket "$SOCK" -X POST -H 'Transfer-Encoding: chunked' -w '%{http_code}' \
	--data-binary @- http://plugin/AuthZPlugin.AuthZReq -o /dev/null)
t_is "... also when it comes chunked, without a length" "$out" 413
post /Plugin.Activate
t_is "the daemon still serves after refusing it" "$CODE" 200

# dockerd keeps connections alive; several requests on one connection
out=$(curl -s --max-time 10 --unix-socket "$SOCK" -X POST -d "$req" -o /dev/null \
	http://plugin/AuthZPlugin.AuthZReq --next -X POST -d "$req" -o /dev/null \
	-w '%{num_connects}' http://plugin/AuthZPlugin.AuthZReq)
t_is "two requests share one kept-alive connection" "$out" 0

t_fails "a second instance on a live socket is refused" \
	timeout 10 "$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK"
t_like "... with a clear error" "$E2E_OUT" 'another process is listening on this socket'
t_ok "... and the first instance's socket is untouched" test -S "$SOCK"
post /Plugin.Activate
t_is "... and still answers" "$CODE" 200

kill -TERM "$PID"
wait "$PID"
t_is "SIGTERM stops it with status 0" "$?" 0
t_ok "... and removes the socket" test ! -e "$SOCK"

# A stale socket file (its owner killed) is replaced, not a reason to fail.
"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" 2>>"$E2E_TMP/log" &
PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
kill -KILL "$PID"
wait "$PID" 2>/dev/null
t_ok "a killed instance leaves its socket behind" test -S "$SOCK"
"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" 2>>"$E2E_TMP/log" &
PID=$!
for _ in $(seq 50); do post /Plugin.Activate; [ "$CODE" = 200 ] && break; sleep 0.1; done
t_is "a new instance replaces the stale socket and serves" "$CODE" 200
kill -INT "$PID"
wait "$PID"
t_is "SIGINT stops it with status 0 too" "$?" 0

: > "$E2E_TMP/notasocket"
t_fails "a path that is not a socket is never replaced" \
	timeout 10 "$BIN" serve --rules "$E2E_TOP/rules" --socket "$E2E_TMP/notasocket"
t_like "... and the error says so" "$E2E_OUT" 'not a socket'
t_fails "a missing rules directory fails the start" \
	timeout 10 "$BIN" serve --rules "$E2E_TMP/nope" --socket "$E2E_TMP/x.sock"
t_like "... with a clear message" "$E2E_OUT" 'cannot open rules directory'
t_ok "... and leaves no socket" test ! -e "$E2E_TMP/x.sock"

done_testing
