#!/bin/bash
# cnauthz audit show: the audit trail as a person reads it. The daemon is
# fed dockerd's captured traffic (tests/fixtures/captures) with an audit
# file; show prints one line per AuthZReq record - what the demo's table
# shows - and its filters (--cn, --deny, --since, --json) pick exactly the
# records jq picks from the same file.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
umask 022
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
CAP=$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl
S=$E2E_TMP/shipped
mkdir -m 0755 "$S"
cp "$E2E_TOP"/rules/@* "$E2E_TOP"/rules/admin "$E2E_TOP"/rules/client "$S/"
jq -c 'select(.endpoint == "/AuthZPlugin.AuthZReq" or .endpoint == "/AuthZPlugin.AuthZRes") | "\(.endpoint) \(.body | tojson)"' -r "$CAP" >"$E2E_TMP/calls"
SOCK=$E2E_TMP/plugin.sock
LOG=$E2E_TMP/audit.log
"$BIN" serve --rules "$S" --socket "$SOCK" --no-watch --audit "file:$LOG" \
	--pidfile "$E2E_TMP/plugin.pid" 2>"$E2E_TMP/plugin.log" &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
t_ok "serve --audit answers dockerd's captured calls" \
	"$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" --count "$(wc -l <"$E2E_TMP/calls")" --conns 1
kill -TERM "$PID"
wait "$PID"
reqs=$(jq -s '[.[] | select(.call == "AuthZReq")] | length' "$LOG")
t_ok "... which recorded AuthZReqs ($reqs) and AuthZRes" test "$reqs" -gt 50 -a "$(wc -l <"$LOG")" -gt "$reqs"

t_ok "audit show" "$BIN" audit show "$LOG"
SHOW=$E2E_OUT
t_like "a header line" "$(head -n 1 <<<"$SHOW")" '^TIME \(UTC\) +SEQ WHO +DECISION METHOD PATH +RULE +MESSAGE$'
t_is "one line per AuthZReq record" "$(($(wc -l <<<"$SHOW") - 1))" "$reqs"
# each line: time, seq, who, decision, method, path, rule [message]
want=$(jq -r 'select(.call == "AuthZReq") | "\(.time[0:10]) \(.time[11:19]) \(.seq) \(.who.cn // (if .who.local then "local" else "-" end)) \(.decision) \(.method // "-") \(.rule // "-")"' "$LOG")
got=$(tail -n +2 <<<"$SHOW" | awk '{ print $1, $2, $3, $4, $5, $6, $8 }')
t_is "... its time, seq, who, decision, method and rule are the record's" "$got" "$want"
t_like "a denial carries its message" "$SHOW" \
	$'\n''[0-9 :-]+ +[0-9]+ client +deny +POST +/containers/create +@developer:[0-9]+ +client may not POST /containers/create: HostConfig.Privileged is true'
t_like "container IDs are cut as docker ps cuts them" "$SHOW" ' /containers/[0-9a-f]{12}\.\.\./[a-z]+ '

t_ok "--cn client" "$BIN" audit show --cn client "$LOG"
t_is "... only client's records" "$(tail -n +2 <<<"$E2E_OUT" | awk '{ print $4 }' | sort -u)" client
t_is "... all of them" "$(($(wc -l <<<"$E2E_OUT") - 1))" \
	"$(jq -s '[.[] | select(.call == "AuthZReq" and .who.cn == "client")] | length' "$LOG")"
t_ok "--cn client --cn admin" "$BIN" audit show --cn client --cn admin "$LOG"
t_is "... both" "$(tail -n +2 <<<"$E2E_OUT" | awk '{ print $4 }' | sort -u | tr '\n' ' ')" "admin client "
t_ok "--deny" "$BIN" audit show --deny "$LOG"
t_is "... only denials" "$(tail -n +2 <<<"$E2E_OUT" | awk '{ print $5 }' | sort -u)" deny
t_is "... all of them" "$(($(wc -l <<<"$E2E_OUT") - 1))" \
	"$(jq -s '[.[] | select(.call == "AuthZReq" and .decision == "deny")] | length' "$LOG")"

# --since: the time of the middle record, to the second
mid=$(jq -r 'select(.call == "AuthZReq") | .time' "$LOG" | sed -n "$((reqs / 2))p")
since=${mid:0:19}Z
t_ok "--since $since" "$BIN" audit show --since "$since" --json "$LOG"
t_is "... the records from that second on, as --json lines" "$E2E_OUT" \
	"$(jq -c --arg s "$since" 'select(.call == "AuthZReq" and .time[0:19] + "Z" >= $s)' "$LOG")"
t_ok "--since 1h: the whole file (it was written just now)" "$BIN" audit show --since 1h --json "$LOG"
t_is "..." "$(wc -l <<<"$E2E_OUT")" "$reqs"
t_ok "--since 2999-01-01: nothing but the header" "$BIN" audit show --since 2999-01-01 "$LOG"
t_is "..." "$(wc -l <<<"$E2E_OUT")" 1
t_ok "--json: the records as written, byte for byte" "$BIN" audit show --json "$LOG"
t_is "..." "$E2E_OUT" "$(grep '"call":"AuthZReq"' "$LOG")"
t_ok "- reads standard input" bash -c "'$BIN' audit show --deny - <'$LOG'"
t_is "... as the file" "$(($(wc -l <<<"$E2E_OUT") - 1))" \
	"$(jq -s '[.[] | select(.call == "AuthZReq" and .decision == "deny")] | length' "$LOG")"

# a tampered or damaged file
{ head -n 3 "$LOG"; printf 'torn {"seq\n'; printf '{"seq":99,"time":"2026-12-05T10:00:00Z","call":"AuthZReq","who":{"cn":"x\\u001b]0;pwned\\u0007"},"method":"GET","path":"/x","decision":"deny","msg":"\\u001b[2J","rule":null}\n'; } >"$E2E_TMP/bad.log"
t_fails "a line that is not a record: exit 1" "$BIN" audit show "$E2E_TMP/bad.log"
t_is "... exactly 1" "$E2E_RC" 1
t_like "... naming file:line" "$E2E_OUT" "cnauthz audit show: $E2E_TMP/bad.log:4: not a JSON object"
t_like "... the rest still shown" "$E2E_OUT" ' 99 x\\x1b\]0;pwned\\x07 '
t_ok "... and no control byte reaches the terminal" bash -c "! '$BIN' audit show '$E2E_TMP/bad.log' 2>&1 | grep -q \$'[\\x01-\\x08\\x0b-\\x1f]'"

# usage
t_fails "no FILE: a usage error" "$BIN" audit show --deny
t_is "... exit 2, saying what is missing" "$E2E_RC $(head -n 1 <<<"$E2E_OUT")" \
	"2 cnauthz audit show: no FILE to show (\"-\" for standard input)"
t_fails "--since that is no time" "$BIN" audit show --since yesterday "$LOG"
t_like "... exit 2, saying what it takes" "$E2E_RC $E2E_OUT" \
	'^2 cnauthz audit show: --since "yesterday" is not a time: give 2026-12-05, 2026-12-05T10:00:00Z or an age such as 90m or 7d'
t_fails "a missing file" "$BIN" audit show "$E2E_TMP/nope"
t_is "... exit 2" "$E2E_RC" 2

done_testing
