#!/bin/bash
# cnauthz killed under a busy dockerd: every API call is refused while it
# is gone (dockerd fails closed) and works again once it is back; with a
# socket held by a supervisor, as systemd's socket activation holds it, no
# call is lost across the restart. And a loaded module that hangs costs
# one call its answer (denied at the deadline), not dockerd its API.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
SOCKACT=$E2E_TOP/tests/tools/bin/sockact
[ -x "$SOCKACT" ] || e2e_skip_or_fail "tests/tools/bin/sockact is not built (make tools)"
NAME=$E2E_PLUGIN
slow() { local E2E_TIMEOUT=90; "$@"; } # dockerd retries a missing plugin ~15 s
SOCK=/run/docker/plugins/$NAME.sock
e2e_start_plugin "$NAME" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$NAME"

t_ok "control: admin creates a volume" dk_as admin volume create e2e-before

pid=${_e2e_plugin_pids[$NAME]}
kill -KILL "$pid"
wait "$pid" 2>/dev/null
t_ok "cnauthz is killed (its socket file is left behind)" test -S "$SOCK"
start=$SECONDS
t_fails "an API call while it is gone is refused" \
	slow dk_as admin volume create e2e-while-down
t_like "... by dockerd, naming the plugin" "$E2E_OUT" "plugin $NAME"
diag "refused after $((SECONDS - start)) s of dockerd's retries"
unset "_e2e_plugin_pids[$NAME]"

e2e_start_plugin "$NAME" --rules "$E2E_TOP/rules"
t_ok "a new cnauthz replaces the stale socket and calls work again" \
	dk_as admin volume ls -q
t_unlike "... and the call made while it was gone never happened" "$E2E_OUT" 'e2e-while-down'
t_fails "... with the rules enforced again" dk_as client container prune -f
t_like "... (client is denied by cnauthz)" "$E2E_OUT" 'authorization denied by plugin'

# Socket activation: the listening socket outlives each cnauthz.
e2e_stop_plugin "$NAME"
rm -f "$SOCK"
"$SOCKACT" "$SOCK" 1500 "$E2E_TOP/plugin/cnauthz" serve --rules "$E2E_TOP/rules" \
	2>>"$E2E_TMP/plugin.log" &
_e2e_plugin_pids[$NAME]=$! # the teardown stops the supervisor (and its child)
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
t_ok "under the supervisor, calls work" dk_as admin volume ls -q
child=$(pgrep -P "${_e2e_plugin_pids[$NAME]}" -f 'cnauthz serve')
t_ok "cnauthz runs as the supervisor's child" test -n "$child"
kill -KILL "$child"
start=$SECONDS
t_ok "a call made right after cnauthz was killed succeeds once it is back" \
	dk_as admin volume create e2e-across-restart
diag "answered after $((SECONDS - start)) s (restart delay 1.5 s)"
t_ok "... and really happened" dk_as admin volume inspect e2e-across-restart
t_ok "... by a new cnauthz" test "$(pgrep -P "${_e2e_plugin_pids[$NAME]}" -f 'cnauthz serve')" != "$child"
t_fails "client is still judged" dk_as client container prune -f
t_like "... and denied" "$E2E_OUT" 'authorization denied by plugin'

# A module that never answers: the deadline answers for it.
kill -TERM "${_e2e_plugin_pids[$NAME]}"
wait "${_e2e_plugin_pids[$NAME]}" 2>/dev/null
unset "_e2e_plugin_pids[$NAME]"
mkdir -m 0755 -p "$E2E_TMP/mods" "$E2E_TMP/rules"
cat >"$E2E_TMP/hang.c" <<'EOF2'
#include <string.h>
#include <unistd.h>
#include "cnauthz_module.h"
static int init(const struct cnauthz_api *a, int c, const char *const *v,
		void **s, struct cnauthz_init_error *e)
{ (void)a; (void)c; (void)v; (void)e; *s = NULL; return 0; }
/* hangs on volume creation; ignores everything else */
static enum cnauthz_result eval(const void *s, const struct cnauthz_api *a,
				const struct cnauthz_request *r, char *m, size_t n)
{ (void)s; (void)m; (void)n;
  if (strcmp(a->path(r), "/volumes/create") == 0) for (;;) pause();
  return CNAUTHZ_IGNORE; }
const struct cnauthz_module cnauthz_module = {
	CNAUTHZ_MODULE_ABI, "hang", init, eval, NULL };
EOF2
t_ok "a module that hangs builds" cc -shared -fPIC -I"$E2E_TOP/plugin/modules" \
	-o "$E2E_TMP/mods/hang.so" "$E2E_TMP/hang.c"
cp "$E2E_TOP/rules/"* "$E2E_TMP/rules/"
printf 'requisite hang\nsufficient permit\n' >"$E2E_TMP/rules/admin"
e2e_start_plugin "$NAME" --rules "$E2E_TMP/rules" --module-dir "$E2E_TMP/mods" \
	--eval-timeout 800
start=$SECONDS
t_fails "a call the module hangs on is denied" dk_as admin volume create e2e-hung
t_like "... at the deadline, saying so" "$E2E_OUT" 'module hang did not answer within 800 ms'
t_ok "... promptly" test $((SECONDS - start)) -le 10
for i in 1 2 3; do
	t_fails "hung call $i is denied too" dk_as admin volume create "e2e-hung-$i"
done
t_ok "other calls go on being served meanwhile" dk_as admin volume ls -q
t_ok "... and judged" dk_as client ps

done_testing
