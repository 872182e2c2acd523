#!/bin/bash
# Memory stays flat: a million decisions over kept-alive connections, the
# real traffic of the captures (with certificates, bodies, denials), and
# the daemon's resident size measured after a warm-up and at the end.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[ -x "$LOAD" ] || e2e_skip_or_fail "tests/tools/bin/authz-load is not built (make tools)"
SOCK=$E2E_TMP/p.sock
N=${CNAUTHZ_MEMORY_CALLS:-1000000}

# the captures as "<endpoint> <AuthZ body>" lines
sed -n 's/^{"accept": "[^"]*", "body": \(.*\), "endpoint": "\([^"]*\)"}$/\2 \1/p' \
	"$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl" >"$E2E_TMP/calls"
t_ok "the captures give the load its calls" test "$(wc -l <"$E2E_TMP/calls")" -gt 200

"$E2E_TOP/plugin/cnauthz" serve --rules "$E2E_TOP/rules" --socket "$SOCK" \
	--audit file:/dev/null 2>"$E2E_TMP/log" &
PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }

t_ok "a warm-up of 50,000 calls" "$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" \
	--count 50000 --conns 4
before=$(rss)
t_ok "$N more calls over 4 connections, every one answered" \
	"$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" --count "$N" --conns 4
note "$E2E_OUT"
after=$(rss)
note "VmRSS ${before} kB after the warm-up, ${after} kB after $N more calls"
t_ok "resident memory grew by less than 4 MiB ($before -> $after kB)" \
	test $((after - before)) -lt 4096
kill -TERM "$PID"
wait "$PID"
t_is "the daemon stops cleanly after them" "$?" 0
done_testing
