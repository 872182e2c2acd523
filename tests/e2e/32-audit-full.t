#!/bin/bash
# No decision without a record. The audit file on a full disk (a small
# tmpfs this test mounts; where mounting is not allowed, a file size limit
# on the daemon instead): requests are denied with a clear Msg while the
# record cannot be written and allowed again once it can, and the file
# holds no torn line and verifies. --audit-failure=allow answers anyway
# and tells stderr. A syslog socket that is gone fails the same way.
. "$(dirname "$0")/../lib/e2e.sh"

((EUID == 0)) || e2e_skip_or_fail "not root (the test mounts a tmpfs)"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
RECV=$E2E_TOP/tests/tools/bin/syslog-recv
[[ -x $RECV ]] || e2e_skip_or_fail "$RECV is not built (make tools)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
SOCK=$E2E_TMP/plugin.sock
FULL=$E2E_TMP/full
LOG=$FULL/audit.log
REQ='{"RequestMethod":"GET","RequestUri":"/v1.41/containers/json"}'
PID=

post() { # post [BODY]: the plugin's answer to an AuthZReq in $BODY
	BODY=$(curl -s --max-time 10 --unix-socket "$SOCK" -X POST \
		--data-binary "${1-$REQ}" http://plugin/AuthZPlugin.AuthZReq)
}

start() { # start ARGS...: the plugin, stderr to $E2E_TMP/plugin.log
	if [[ $MODE == fsize ]]; then
		# 64 KiB; bash counts ulimit -f in 1024-byte blocks
		(ulimit -f 64 && exec "$BIN" serve --rules "$E2E_TOP/rules" \
			--socket "$SOCK" "$@") 2>>"$E2E_TMP/plugin.log" &
	else
		"$BIN" serve --rules "$E2E_TOP/rules" --socket "$SOCK" "$@" \
			2>>"$E2E_TMP/plugin.log" &
	fi
	PID=$!
	for _ in $(seq 50); do
		curl -s --max-time 2 --unix-socket "$SOCK" -X POST \
			http://plugin/Plugin.Activate 2>/dev/null | grep -q authz && return 0
		sleep 0.1
	done
	return 1
}

stop() {
	[[ -n $PID ]] || return 0
	kill -TERM "$PID"
	wait "$PID"
	PID=
}

fill() { # fill the disk: tmpfs, a file that takes what is left
	[[ $MODE == fsize ]] && return 0
	dd if=/dev/zero of="$FULL/filler" bs=4k >/dev/null 2>&1
	return 0
}

room() { # make room again: on the tmpfs free the space, under the file
	# size limit rotate (the new file starts empty)
	if [[ $MODE == fsize ]]; then
		mv "$LOG" "$LOG.1" && kill -USR1 "$PID" && sleep 0.3
	else
		rm -f "$FULL/filler"
	fi
}

# Posts until the answer is a denial (a record may still fit in the last
# page of the file, or under the limit); at most 2000 tries.
until_denied() {
	allowed_before=0
	for _ in $(seq 2000); do
		post
		[[ $BODY == *'"Allow":false'* ]] && return 0
		allowed_before=$((allowed_before + 1))
	done
	return 1
}

mkdir -m 0700 "$FULL"
# E2E_AUDIT_FULL=fsize tries the fallback where mounting works too.
if [[ ${E2E_AUDIT_FULL-} != fsize ]] && mount -t tmpfs -o size=256k,mode=0700 cnauthz-e2e-full "$FULL" 2>"$E2E_TMP/mount.err"; then
	MODE=tmpfs
	note "audit file on a 256 KiB tmpfs"
else
	MODE=fsize
	note "no tmpfs ($(cat "$E2E_TMP/mount.err" 2>/dev/null)): a 64 KiB file size limit instead"
fi

# --- fail closed (the default) ---------------------------------------------
t_ok "the plugin starts with --audit file:$LOG" start --audit "file:$LOG"
post
t_like "a request is allowed while the record can be written" "$BODY" '"Allow":true'
fill
t_ok "the disk full: a request is denied" until_denied
t_like "... with a clear Msg" "$BODY" \
	'"Allow":false,"Msg":"cnauthz: audit trail cannot be written \(file:[^)]*: (No space left on device|File too large)\); request denied \(fail closed\)"'
recorded=$((1 + allowed_before))
post
t_like "... and the next one too" "$BODY" '"Allow":false'
post '{"RequestMethod":"DELETE","RequestUri":"/v1.41/containers/x"}'
t_like "... and any other" "$BODY" 'audit trail cannot be written'
t_like "stderr says the sink failed, once" \
	"$(grep -c 'audit sink failed: file:' "$E2E_TMP/plugin.log")" '^1$'
room
post
t_like "space freed: requests are allowed again" "$BODY" '"Allow":true'
post
t_like "... and stay so" "$BODY" '"Allow":true'
t_like "stderr says the sink writes again" "$(cat "$E2E_TMP/plugin.log")" \
	"audit sink file:$LOG writes again"
stop
files=("$LOG")
[[ $MODE == fsize ]] && files=("$LOG.1" "$LOG")
t_is "no torn line: every line is a whole record" \
	"$(cat "${files[@]}" | grep -cv '^{"seq":[0-9]*,.*,"hash":"[0-9a-f]\{64\}"}$')" 0
t_is "one record per allowed request: the denied ones had none to write" \
	"$(cat "${files[@]}" | wc -l)" "$((recorded + 2))"
t_ok "audit verify --strict passes: nothing missing, nothing torn" \
	"$BIN" audit verify --strict "${files[@]}"

# --- --audit-failure=allow ------------------------------------------------------
rm -f "$LOG" "$LOG.1"
t_ok "the plugin starts with --audit-failure=allow" \
	start --audit "file:$LOG" --audit-failure=allow
fill
for _ in $(seq 2000); do
	post
	grep -q 'audit trail not written' "$E2E_TMP/plugin.log" && break
done
t_like "the disk full: the request is answered as decided, allowed" "$BODY" '"Allow":true'
t_like "... and stderr has the unrecorded decision" "$(cat "$E2E_TMP/plugin.log")" \
	'error: audit trail not written \(file:[^)]*\); AuthZReq local GET /containers/json answered allow anyway \(--audit-failure=allow\)'
room
stop

# --- syslog: the socket gone -------------------------------------------------
t_ok "the plugin starts with a syslog sink whose socket is not there" \
	start --audit "syslog:auth@$E2E_TMP/log.sock"
post
t_like "a request is denied" "$BODY" \
	'"Allow":false,"Msg":"cnauthz: audit trail cannot be written \(syslog:auth@[^:]*: (No such file or directory|Connection refused)\)'
"$RECV" "$E2E_TMP/log.sock" "$E2E_TMP/syslog.out" 2>>"$E2E_TMP/syslog-recv.log" &
RPID=$!
for _ in $(seq 50); do [[ -e $E2E_TMP/syslog.out ]] && break; sleep 0.1; done
post
t_like "syslog back: allowed" "$BODY" '"Allow":true'
sleep 0.2
t_like "... and the record is there, at auth.info (<38>)" \
	"$(cat "$E2E_TMP/syslog.out")" '^<38>1 .* AuthZReq - \{"seq":1,"start":'
kill -TERM "$RPID"
wait "$RPID" 2>/dev/null
post
t_like "syslog gone again: denied" "$BODY" 'audit trail cannot be written \(syslog:auth@'
stop

done_testing
