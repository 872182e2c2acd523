#!/bin/bash
# One integration run with the daemon under valgrind (memcheck): a real
# TLS dockerd asks it about allowed and denied calls, with bodies,
# certificates, the audit trail and a reload; then it is stopped and the
# report must show no error and no leak.
. "$(dirname "$0")/../lib/e2e.sh"

command -v valgrind >/dev/null || e2e_skip_or_fail "valgrind is not installed"
e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
VG=$E2E_TMP/valgrind.log
cat >"$E2E_TMP/cnauthz-vg" <<EOF2
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
	--log-file="$VG" "$E2E_TOP/plugin/cnauthz" "\$@"
EOF2
chmod +x "$E2E_TMP/cnauthz-vg"
E2E_PLUGIN_BIN=$E2E_TMP/cnauthz-vg E2E_PLUGIN_WAIT=60 \
	e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules" \
	--audit "file:$E2E_TMP/audit.log"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox

t_ok "admin runs a container that binds the host" \
	dk_as admin run --rm --network none -v /:/h e2e-busybox true
t_ok "client runs an ordinary one" dk_as client run --rm --network none e2e-busybox true
t_fails "client is denied --privileged" \
	dk_as client run --rm --network none --privileged e2e-busybox true
t_fails "client is denied a host bind" \
	dk_as client run --rm --network none -v /:/h e2e-busybox true
t_ok "the unix socket works" dk_local ps -a
pid=${_e2e_plugin_pids[$E2E_PLUGIN]}
kill -HUP "$pid"
sleep 2
t_ok "after a reload, calls go on" dk_as client ps
e2e_stop_dockerd
kill -TERM "$pid"
for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
wait "$pid"
rc=$?
unset "_e2e_plugin_pids[$E2E_PLUGIN]"
t_is "the daemon under valgrind stops with status 0 (99: valgrind found errors)" "$rc" 0
t_ok "valgrind wrote its report" test -f "$VG"
t_unlike "the report shows no memory error" "$(cat "$VG")" 'Invalid (read|write|free)|uninitialised|Mismatched'
t_unlike "... and no leak" "$(cat "$VG")" 'definitely lost: [1-9]|indirectly lost: [1-9]'
[ -s "$VG" ] && diag "$(head -40 "$VG")"
done_testing
