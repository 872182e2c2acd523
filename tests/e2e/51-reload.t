#!/bin/bash
# Reloading the rules while serving: SIGHUP, and changes inotify sees in
# the rules directory - a file edited in place, written elsewhere and
# renamed over (editors, configuration management), added, removed, the
# directory itself replaced or removed and made again. A reload does what
# a start does: a bad file (syntax, mode) denies its own CN everything,
# with the error as the reason, and every other change is taken; only a
# missing directory leaves the old set in force. Errors are logged with
# file:line:col, with syslog priorities when stderr is the journal. Each step is checked by the decision the daemon gives
# over its socket and by the ruleset hash in its audit records, computed
# here independently from the directory's files (ruleset.h: SHA-256 over
# each file's name, NUL, length, NUL and content, in name order).
. "$(dirname "$0")/../lib/e2e.sh"

command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
R=$E2E_TMP/rules
CERT=$(base64 -w0 <"$E2E_TOP/tests/fixtures/certs/client.pem")
WAIT=${E2E_RELOAD_WAIT:-10} # seconds a change may take to show

# ask [CN] PATH: allow or deny, as the daemon answers GET /v1.41/PATH
# from the local caller or from CN "client" (with client.pem).
ask() {
	local body
	if [[ $1 == client ]]; then
		body='{"RequestMethod":"GET","RequestUri":"/v1.41'$2'","User":"client","UserAuthNMethod":"TLS","RequestPeerCertificates":["'$CERT'"]}'
	else
		body='{"RequestMethod":"GET","RequestUri":"/v1.41'$1'"}'
	fi
	case $(curl -s --max-time 5 --unix-socket "$SOCK" -X POST --data-binary "$body" \
		http://plugin/AuthZPlugin.AuthZReq) in
	*'"Allow":true'*) echo allow ;;
	*'"Allow":false'*) echo deny ;;
	*) echo error ;;
	esac
}

# settle WANT ARGS...: waits (at most WAIT s) until ask ARGS says WANT.
settle() {
	local want=$1 deadline=$((SECONDS + WAIT)) got
	shift
	while :; do
		got=$(ask "$@")
		[[ $got == "$want" ]] && return 0
		((SECONDS >= deadline)) && { echo "still $got after ${WAIT}s" >&2; return 1; }
		sleep 0.1
	done
}

# The hash of the set a directory holds, as ruleset.c computes it.
rs_hash() {
	local f n
	(
		cd "$1" || exit 1
		for n in $(LC_ALL=C ls -A | LC_ALL=C sort); do
			[[ $n == .* || $n == *~ || $n == *.swp || $n == *.tmp ]] && continue
			printf '%s\0%s\0' "$n" "$(stat -c %s "$n")"
			cat "$n"
		done
	) | sha256sum | cut -d' ' -f1
}
last_hash() { tail -n 1 "$LOG" | jq -r .ruleset; }
log_has() { grep -c -- "$1" "$E2E_TMP/plugin.log"; }

set_local() { # writes @local: a permit for each path given
	local p
	for p in "$@"; do printf 'sufficient permit GET %s\n' "$p"; done >"$R/@local.new"
	mv "$R/@local.new" "$R/@local"
}

start() { # start ARGS...: serve R on SOCK
	SOCK=$E2E_TMP/plugin-$1.sock
	LOG=$E2E_TMP/audit-$1.log
	shift
	"$BIN" serve --rules "$R" --socket "$SOCK" --audit "file:$LOG" \
		--pidfile "$E2E_TMP/plugin.pid" "$@" 2>>"$E2E_TMP/plugin.log" &
	PID=$!
	for _ in $(seq 50); do [[ -S $SOCK ]] && break; sleep 0.1; done
	[[ -S $SOCK ]]
}
stop() {
	kill -TERM "$PID"
	wait "$PID"
}

mkdir -m 0755 "$R"
printf 'requisite deny *\n' >"$R/@other"
set_local /a
: >"$E2E_TMP/plugin.log"

# --- SIGHUP, without the watch ------------------------------------------
t_ok "serve --no-watch starts" start hup --no-watch
t_is "set A: /a is allowed" "$(ask /a)" allow
t_is "... /b is not" "$(ask /b)" deny
A=$(rs_hash "$R")
t_is "... and the audit record carries set A's hash" "$(last_hash)" "$A"
set_local /b
sleep 1.5
t_is "--no-watch: an edit alone changes nothing" "$(ask /a)" allow
t_is "... the record still names set A" "$(last_hash)" "$A"
kill -HUP "$PID"
t_ok "after SIGHUP, set B: /b is allowed" settle allow /b
t_is "... /a no longer" "$(ask /a)" deny
B=$(rs_hash "$R")
t_is "... the record carries set B's hash" "$(last_hash)" "$B"
t_ok "... which is another hash" test "$A" != "$B"
t_is "... the reload is logged with the new set" \
	"$(log_has "reloaded 2 rule file(s) from $R, set ${B:0:12}")" 1
# nice of each thread: field 19 of /proc/PID/task/TID/stat (after the
# name in parentheses, which may hold spaces)
nices() {
	local t
	for t in /proc/"$PID"/task/*; do
		sed 's/^.*) //' "$t/stat" | awk '{ print $17 }'
	done | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}
t_is "the reload thread and ownership's two run at nice 10, the two pool threads at 0, the heavy lane's at 5" \
	"$(nices)" "0:2 10:3 5:1 "
stop
t_is "serve --no-watch stops cleanly" "$?" 0

# --- inotify ------------------------------------------------------------
t_ok "serve (watching the directory) starts" start watch
t_is "set B: /b is allowed" "$(ask /b)" allow

# an edit in place (truncate and write: IN_CLOSE_WRITE)
printf 'sufficient permit GET /c\n' >"$R/@local"
t_ok "an in-place edit is picked up: /c allowed" settle allow /c
t_is "... /b no longer" "$(ask /b)" deny
t_is "... the record carries the edited set's hash" "$(last_hash)" "$(rs_hash "$R")"

# an editor: a swap file, then the new content renamed over the old
printf 'junk' >"$R/.@local.swp"
printf 'sufficient permit GET /d\n' >"$R/@local.tmp"
mv "$R/@local.tmp" "$R/@local"
rm -f "$R/.@local.swp"
t_ok "write + rename over (an editor's save) is picked up: /d allowed" settle allow /d
t_is "... /c no longer" "$(ask /c)" deny
t_is "... the hash is the directory's (swap files ignored)" "$(last_hash)" "$(rs_hash "$R")"

# a file added and removed
t_is "CN client has no file: @other denies it" "$(ask client /x)" deny
printf 'sufficient permit GET /x\n' >"$R/client.tmp"
mv "$R/client.tmp" "$R/client"
t_ok "a file added: client now judged by its own file" settle allow client /x
t_is "... the hash covers the new file" "$(last_hash)" "$(rs_hash "$R")"
rm "$R/client"
t_ok "the file removed: client falls back to @other" settle deny client /x
t_is "... the hash is the set without it" "$(last_hash)" "$(rs_hash "$R")"

# the directory replaced: a new one made beside it and moved in
mkdir -m 0755 "$E2E_TMP/rules.new"
cp "$R/@other" "$E2E_TMP/rules.new/"
printf 'sufficient permit GET /e\n' >"$E2E_TMP/rules.new/@local"
mv "$R" "$E2E_TMP/rules.old"
mv "$E2E_TMP/rules.new" "$R"
t_ok "the directory replaced (mv away, mv new in): /e allowed" settle allow /e
t_is "... /d no longer" "$(ask /d)" deny
t_is "... the hash is the new directory's" "$(last_hash)" "$(rs_hash "$R")"
printf 'sufficient permit GET /f\n' >"$R/@local"
t_ok "... and the new directory is watched: an edit in it is picked up" settle allow /f
rm -rf "$E2E_TMP/rules.old"
GOOD=$(rs_hash "$R")

# a bad file: the new set is taken, as at start - the bad file's CN is
# denied everything, with the error as the reason; every other change in
# the same reload takes effect (a refusal would keep them all out, a
# file removed to take access away among them)
printf 'sufficient permit GET /x\n' >"$R/client"
t_ok "client has a file of its own: /x allowed" settle allow client /x
printf 'sufficient permit GET /g\n' >"$R/@local.new"
printf 'sufficient permit GET /x\nbogus permit GET /y\n' >"$R/client.new"
mv "$R/@local.new" "$R/@local"
mv "$R/client.new" "$R/client"
t_ok "a reload with one bad file (client) and one good change (@local): the change is taken (/g allowed)" \
	settle allow /g
t_is "... /f no longer" "$(ask /f)" deny
t_is "... the bad file's CN is denied, even what its old file allowed" "$(ask client /x)" deny
t_is "... and not judged by @other: the error is the reason" \
	"$(curl -s --max-time 5 --unix-socket "$SOCK" -X POST --data-binary \
		'{"RequestMethod":"GET","RequestUri":"/v1.41/x","User":"client","UserAuthNMethod":"TLS","RequestPeerCertificates":["'$CERT'"]}' \
		http://plugin/AuthZPlugin.AuthZReq | jq -r .Msg)" \
	"client may not GET /x: rule file client is invalid: $R/client:2:1: unknown control \"bogus\" (want required, requisite, sufficient, optional, include, substack or [...])"
t_is "... the records carry the new set's hash" "$(last_hash)" "$(rs_hash "$R")"
t_ok "... the error is logged with file:line:col, and what it means" \
	grep -q "error: $R/client:2:1: unknown control \"bogus\".* (this file's CN is denied everything)" "$E2E_TMP/plugin.log"
t_ok "... and so is the reload, as an error" \
	grep -q "error: reloaded 3 rule file(s) from $R, set [0-9a-f]\{12\}: 1 file(s) with errors, their CNs are denied everything" "$E2E_TMP/plugin.log"
printf 'sufficient permit GET /x\n' >"$R/client"
t_ok "fixed: client is judged by its file again (/x allowed)" settle allow client /x
t_is "... with the set's hash" "$(last_hash)" "$(rs_hash "$R")"

# a file others may write: an error of that file, like a bad one
printf 'sufficient permit GET /h\n' >"$R/@local"
chmod 0666 "$R/@local"
t_ok "a world-writable @local: local callers are denied everything (/g)" settle deny /g
t_is "... /h too" "$(ask /h)" deny
t_is "... client, whose file is fine, is not" "$(ask client /x)" allow
t_ok "... the refusal is logged, naming the file" \
	grep -q "error: $R/@local is writable by others (mode 0666): refused" "$E2E_TMP/plugin.log"
chmod 0644 "$R/@local"
t_ok "chmod 0644 (an attribute change) is seen: /h allowed" settle allow /h

# names that are no rule-file name are logged at every load; a CN that
# ends in .<digit> is a CN
printf 'junk\n' >"$R/client.bak"
printf 'sufficient permit GET /x\n' >"$R/web.1.new"
mv "$R/web.1.new" "$R/web.1"
for _ in $(seq 100); do grep -q "web.1" "$E2E_TMP/plugin.log" && break; grep -q client.bak "$E2E_TMP/plugin.log" && sleep 0.5 && break; sleep 0.1; done
sleep 0.5
t_ok "a leftover (client.bak) is logged at the reload, saying why it is skipped" \
	grep -q "warning: $R/client.bak: skipped, not a rule file: it ends in \".bak\"" "$E2E_TMP/plugin.log"
rm -f "$R/client.bak" "$R/web.1"
sleep 0.5
GOOD=$(rs_hash "$R")
t_ok "... and the set is the directory's" settle allow /h

# the directory gone: the old set stays; made again, it is watched again
mv "$R" "$E2E_TMP/gone"
sleep 1.5
t_is "the directory removed: the old set stays (/h allowed)" "$(ask /h)" allow
t_ok "... the failed reload is logged" grep -q "reload failed, old rules stay in force: $R: cannot open rules directory" "$E2E_TMP/plugin.log"
mkdir -m 0755 "$R"
cp "$E2E_TMP/gone/@other" "$R/"
printf 'sufficient permit GET /i\n' >"$R/@local"
rm -rf "$E2E_TMP/gone"
t_ok "made again: the new directory is loaded (/i allowed)" settle allow /i
t_is "... with its hash" "$(last_hash)" "$(rs_hash "$R")"
t_is "the log has no line that is not one event (cnauthz[PID]: LEVEL: ...)" \
	"$(grep -vc '^cnauthz\[[0-9]*\]: \(info\|warning\|error\|deny\|allow\): ' "$E2E_TMP/plugin.log")" 0

# SIGHUP still works alongside the watch, and a reload with no change
# keeps the hash
H=$(rs_hash "$R")
kill -HUP "$PID"
sleep 0.5
t_is "SIGHUP without a change: same decision" "$(ask /i)" allow
t_is "... same hash" "$(last_hash)" "$H"

stop
t_is "the daemon stops cleanly" "$?" 0
t_ok "its audit chain, across every reload, verifies" "$BIN" audit verify "$LOG"

# --- stderr is the journal (JOURNAL_STREAM) --------------------------------
# systemd names the stream it connects a service's stderr to; the lines
# then carry their syslog priority, "<3>" for an error, which journald
# files them under ("journalctl -p err"), and no name or pid.
JL=$E2E_TMP/journal.log
: >"$JL"
printf 'sufficient permit GET /x\nbogus\n' >"$R/client"
(exec 2>>"$JL"; JOURNAL_STREAM=$(stat -c '%d:%i' "$JL") exec "$BIN" serve --rules "$R" \
	--socket "$E2E_TMP/j.sock" --no-watch --pidfile "$E2E_TMP/j.pid") &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/j.pid ]] && break; sleep 0.1; done
SOCK=$E2E_TMP/j.sock
t_is "under the journal: a denial" "$(ask /nope)" deny
kill -HUP "$PID"
for _ in $(seq 50); do grep -q reloaded "$JL" && break; sleep 0.1; done
stop
t_like "... a file's error at start is priority 3 (err)" "$(cat "$JL")" "(^|"$'\n'")<3>error: $R/client:2:1: "
t_like "... a denial 5 (notice)" "$(cat "$JL")" $'\n''<5>deny: AuthZReq local GET /nope: '
t_like "... the reload with errors 3" "$(cat "$JL")" $'\n''<3>error: reloaded 3 rule file\(s\)'
t_like "... serving 6 (info)" "$(cat "$JL")" $'\n''<6>info: serving '
t_is "... every line starts with a priority" "$(grep -vc '^<[3-6]>' "$JL")" 0
: >"$E2E_TMP/plain.log"
(exec 2>>"$E2E_TMP/plain.log"; JOURNAL_STREAM=$(stat -c '%d:%i' "$JL") exec "$BIN" serve --rules "$R" \
	--socket "$E2E_TMP/j.sock" --no-watch --pidfile "$E2E_TMP/j.pid") &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/j.pid ]] && break; sleep 0.1; done
stop
t_like "a JOURNAL_STREAM that names another file: plain lines" "$(cat "$E2E_TMP/plain.log")" $'\n''cnauthz\[[0-9]+\]: info: serving'
t_is "... each of them" "$(grep -vc '^cnauthz\[[0-9]*\]: ' "$E2E_TMP/plain.log")" 0

done_testing
