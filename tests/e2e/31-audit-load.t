#!/bin/bash
# The audit trail under load: 100,000+ recorded decisions from several
# concurrent kept-alive connections straight to the plugin socket, with
# the log rotated (mv + SIGUSR1) at least three times in the middle. No
# record lost or doubled (records == decisions to record), no torn line,
# and one unbroken chain across the rotated files.
#
# The calls are dockerd's own (tests/fixtures/captures), cycled: AuthZReq
# and AuthZRes bodies with client and admin certificates and without. An
# AuthZRes without a status is not recorded (t-audit.c checks that); the
# load leaves them out so that its time goes into recorded decisions.
. "$(dirname "$0")/../lib/e2e.sh"

perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
SOCK=$E2E_TMP/plugin.sock
LOG=$E2E_TMP/audit.log
CALLS=${E2E_AUDIT_LOAD_CALLS:-102000}
ROTATE_BYTES=$((12 * 1024 * 1024)) # ~17,000 records of ~720 bytes

perl -MJSON::PP -ne '$r = decode_json($_);
	next if $r->{endpoint} eq "/Plugin.Activate";
	next if $r->{endpoint} eq "/AuthZPlugin.AuthZRes" && !$r->{body}{ResponseStatusCode};
	print "$r->{endpoint} ", JSON::PP->new->canonical->encode($r->{body}), "\n"' \
	"$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl" >"$E2E_TMP/calls"

"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" --threads 4 \
	--audit "file:$LOG" --pidfile "$E2E_TMP/plugin.pid" 2>"$E2E_TMP/plugin.log" &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
t_ok "the plugin serves with a file audit sink" test -S "$SOCK"

start=$SECONDS
"$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" --count "$CALLS" --conns 8 \
	>"$E2E_TMP/load.out" 2>"$E2E_TMP/load.err" &
LOADPID=$!

# Rotate as logrotate does (mv, then postrotate's kill -USR1) whenever the
# live file has grown to ROTATE_BYTES, while the load runs.
rotations=0
while _e2e_alive "$LOADPID"; do
	n=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
	if ((n >= ROTATE_BYTES)); then
		rotations=$((rotations + 1))
		mv "$LOG" "$LOG.$rotations"
		kill -USR1 "$PID"
	fi
	sleep 0.1
done
wait "$LOADPID"
rc=$?
secs=$((SECONDS - start))
out=$(cat "$E2E_TMP/load.out")
note "load: $out"
t_is "every call was answered (authz-load exit 0)" "$rc" 0
[[ -s $E2E_TMP/load.err ]] && diag "$(head -n 5 "$E2E_TMP/load.err")"
read -r -a kv <<<"$out"
declare -A got=()
for ((i = 0; i + 1 < ${#kv[@]}; i += 2)); do got[${kv[i]}]=${kv[i + 1]}; done
t_is "... $CALLS of them" "${got[answered]}" "$CALLS"
t_is "... none failed" "${got[errors]}" 0
t_ok "at least 3 rotations in the middle of the load ($rotations)" test "$rotations" -ge 3
t_ok "... and records after the last one" test -s "$LOG"

kill -TERM "$PID"
wait "$PID"
t_is "the plugin stops cleanly" "$?" 0

files=()
for ((i = 1; i <= rotations; i++)); do files+=("$LOG.$i"); done
files+=("$LOG")
want=$((got[req] + got[res_status] + got[res_nostatus_deny]))
total=$(cat "${files[@]}" | wc -l)
t_ok "over 100,000 decisions recorded ($want)" test "$want" -ge 100000
t_is "records == decisions to record (every AuthZReq, every AuthZRes with a status or denied)" \
	"$total" "$want"
t_is "AuthZReq records == AuthZReq answered" \
	"$(cat "${files[@]}" | grep -c '"call":"AuthZReq"')" "${got[req]}"
t_is "no torn line: every line is one whole record" \
	"$(cat "${files[@]}" | grep -cv '^{"seq":[0-9]*,.*,"hash":"[0-9a-f]\{64\}"}$')" 0
t_ok "audit verify --strict passes across the $((rotations + 1)) files" \
	"$BIN" audit verify --strict "${files[@]}"
t_like "... one chain, seq 1..$total" "$E2E_OUT" "seq [0-9]+\\.\\.$total, "
t_is "the daemon reopened its file at each SIGUSR1" \
	"$(grep -c 'audit files reopened' "$E2E_TMP/plugin.log")" "$rotations"
rate=$((want / (secs > 0 ? secs : 1)))
note "audit load: $want records of $CALLS calls in ${secs}s (~$rate records/s), $rotations rotations"

done_testing
