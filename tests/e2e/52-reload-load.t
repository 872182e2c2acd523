#!/bin/bash
# Reloads under load: at least 100 reloads (SIGHUP), alternating between
# two valid rule sets A and B, while tests/tools/authz-load keeps several
# kept-alive connections busy with one request that A allows and B
# denies. No call may fail or go unanswered, and every answer must be
# exactly what A or what B gives - checked in each audit record against
# the hash of the set that decided it, so a request judged half by one
# set and half by the other, or by a set that was never whole, shows.
# Both answers must appear, mixed through the run, not only at its ends.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
R=$E2E_TMP/rules
SOCK=$E2E_TMP/plugin.sock
LOG=$E2E_TMP/audit.log
RELOADS=${E2E_RELOADS:-120}
CONNS=${E2E_RELOAD_CONNS:-6}
BATCH=${E2E_RELOAD_BATCH:-3000}
LIMIT=${E2E_RELOAD_LIMIT:-120} # seconds for the whole reload loop

# Two whole rule sets: the shipped rules, with @local either allowing
# GET /probe (A) or denying it by a rule of its own (B). B also differs
# in another file, so that a set half A and half B would have a hash of
# neither.
mkdir -m 0755 "$R" "$E2E_TMP/A" "$E2E_TMP/B"
for s in A B; do
	cp "$E2E_TOP"/rules/@developer "$E2E_TOP"/rules/@readonly "$E2E_TOP"/rules/@other \
		"$E2E_TOP"/rules/admin "$E2E_TOP"/rules/client "$E2E_TMP/$s/"
done
printf 'sufficient permit GET /probe\nrequisite deny *\n' >"$E2E_TMP/A/@local"
printf 'requisite deny GET /probe\nsufficient permit *\n' >"$E2E_TMP/B/@local"
printf '# set B\ninclude @readonly\n' >"$E2E_TMP/B/client"
cp "$E2E_TMP"/A/* "$R/"

# The hash of a set (ruleset.h), from its files.
rs_hash() {
	(
		cd "$1" || exit 1
		for n in $(LC_ALL=C ls -A | LC_ALL=C sort); do
			printf '%s\0%s\0' "$n" "$(stat -c %s "$n")"
			cat "$n"
		done
	) | sha256sum | cut -d' ' -f1
}
HA=$(rs_hash "$E2E_TMP/A")
HB=$(rs_hash "$E2E_TMP/B")
t_is "(the directory holds set A)" "$(rs_hash "$R")" "$HA"

# Switch the directory to set S: each file replaced by rename, as
# configuration management does (one process: the machine is busy).
switch() {
	perl -MFile::Copy -e 'my ($from, $to) = @ARGV;
		for my $f (glob("$from/*")) { (my $n = $f) =~ s{.*/}{};
			copy($f, "$to/.$n.new") && rename("$to/.$n.new", "$to/$n") or die "$n: $!" }' \
		"$E2E_TMP/$1" "$R"
}
# The number of reloads logged so far (bash alone: no process to fork).
reloads() {
	local -a l
	mapfile -t l <"$E2E_TMP/plugin.log"
	l=("${l[@]/*info: reloaded*/1}")
	local n=0 x
	for x in "${l[@]}"; do [[ $x == 1 ]] && n=$((n + 1)); done
	echo "$n"
}

# (every denial is logged too: keep only the rest, so that counting the
# reloads stays cheap)
"$BIN" serve --rules "$R" --socket "$SOCK" --no-watch --threads 4 \
	--audit "file:$LOG" --pidfile "$E2E_TMP/plugin.pid" \
	2> >(grep --line-buffered -v ': deny: AuthZReq ' >"$E2E_TMP/plugin.log") &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
t_ok "the plugin serves" test -S "$SOCK"

printf '%s\n' '/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/v1.41/probe","RequestHeaders":{"User-Agent":"reload-load"}}' >"$E2E_TMP/calls"

# The load: batches of BATCH calls over CONNS kept-alive connections, one
# after the other, until told to stop; one summary line per batch.
(
	while [[ ! -e $E2E_TMP/stop ]]; do
		"$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" --count "$BATCH" \
			--conns "$CONNS" >>"$E2E_TMP/load.out" 2>>"$E2E_TMP/load.err" ||
			echo "batch failed: $?" >>"$E2E_TMP/load.err"
	done
) &
LOADER=$!

# Wait for the first answers, then reload RELOADS times, each time
# waiting for the daemon to log that it reloaded.
for _ in $(seq 100); do [[ -s $LOG ]] && break; sleep 0.05; done
start=$SECONDS
done_reloads=0
cur=A
for ((i = 1; i <= RELOADS; i++)); do
	if [[ $cur == A ]]; then cur=B; else cur=A; fi
	switch "$cur"
	kill -HUP "$PID"
	while (($(reloads) < i)); do
		((SECONDS - start > LIMIT)) && break 2
		sleep 0.01
	done
	done_reloads=$i
	sleep 0.0$((RANDOM % 5))
done
secs=$((SECONDS - start))
touch "$E2E_TMP/stop"
wait "$LOADER"
t_ok "$RELOADS reloads within ${LIMIT}s ($done_reloads in ${secs}s)" test "$done_reloads" -eq "$RELOADS"
t_is "... every one of them taken (none refused)" "$(grep -c 'reload failed\|file(s) with errors' "$E2E_TMP/plugin.log")" 0

# --- the answers, as authz-load counted them ---------------------------
batches=$(wc -l <"$E2E_TMP/load.out")
sum() { awk -v k="$1" '{ for (i = 1; i < NF; i += 2) if ($i == k) s += $(i + 1) } END { print s + 0 }' "$E2E_TMP/load.out"; }
calls=$(sum calls) answered=$(sum answered) errors=$(sum errors)
allow=$(sum allow) deny=$(sum deny)
note "load: $batches batches, $calls calls, $allow allowed, $deny denied, $errors errors"
t_ok "the load ran through the reloads ($batches batches of $BATCH)" test "$batches" -ge 2
t_is "no batch failed" "$(cat "$E2E_TMP/load.err")" ""
t_is "every call answered 200" "$answered" "$calls"
t_is "no error and no broken connection" "$errors" 0
t_ok "both answers seen: A's allow ($allow)" test "$allow" -gt 0
t_ok "... and B's deny ($deny)" test "$deny" -gt 0

kill -TERM "$PID"
wait "$PID"
t_is "the plugin stops cleanly" "$?" 0

# --- each answer, in the audit records ----------------------------------
t_is "one record per call" "$(wc -l <"$LOG")" "$calls"
jq -r '[.ruleset, .decision, (.rule // "-"), .msg] | join("|")' "$LOG" | sort | uniq -c |
	sed 's/^ *//' >"$E2E_TMP/kinds"
note "$(cat "$E2E_TMP/kinds")"
t_is "every record is A's allow or B's deny, nothing else" \
	"$(cut -d' ' -f2- "$E2E_TMP/kinds" | sort)" \
	"$(printf '%s\n' "$HA|allow|@local:1|allowed by @local:1" \
		"$HB|deny|@local:1|local may not GET /probe: rule \"deny GET /probe\" (@local:1)" | sort)"
t_is "the records' allows are the load's allows" \
	"$(grep -c '"decision":"allow"' "$LOG")" "$allow"
# How often the deciding set changes along the records: the answers are
# mixed through the run, one reload after another.
flips=$(jq -r .ruleset "$LOG" | uniq | wc -l)
t_ok "the deciding set changes along the records at least $((RELOADS / 2)) times ($flips)" \
	test "$flips" -ge $((RELOADS / 2))
t_ok "the audit chain verifies" "$BIN" audit verify "$LOG"

done_testing
