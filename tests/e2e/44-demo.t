#!/bin/bash
# make demo's script runs clean, twice in a row: each run shows what the
# README promises (client runs a container, client denied --privileged with
# the reason, admin allowed, the audit records) and leaves nothing behind:
# no process, mount, socket or directory of its own.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
e2e_setup
export CNAUTHZ_DEMO_PLUGIN=cnauthz-demo-$$
SOCK=/run/docker/plugins/$CNAUTHZ_DEMO_PLUGIN.sock

for run in 1 2; do
	t_ok "demo run $run exits 0" timeout -k 10 300 "$E2E_TOP/contrib/demo.sh"
	out=$E2E_OUT
	printf '%s\n' "$out" >"$E2E_TMP/demo-$run.out"
	t_like "... client runs a container" "$out" $'\nhello from a container\n'
	t_like "... client is denied --privileged, with the reason" "$out" \
		"authorization denied by plugin $CNAUTHZ_DEMO_PLUGIN: client may not POST /containers/create: HostConfig.Privileged is true"
	t_unlike "... admin is not denied" "$(sed -n '/== 7\./,/== 8\./p' <<<"$out")" 'authorization denied'
	t_like "... the audit records, by cnauthz audit show: client's denial" "$out" \
		'client +deny +POST +/containers/create +@developer:[0-9]+ +client may not POST /containers/create: HostConfig.Privileged is true'
	t_like "... admin's create allowed" "$out" 'admin +allow +POST +/containers/create'
	t_like "... and the denial in full" "$out" '"decision" : "deny"'
	t_like "... and the chain verifies" "$out" 'audit\.log: ok, [0-9]+ record'
	demo_tmp=$(sed -n 's/^Working in \$DEMO=\(.*\) (removed at the end)\.$/\1/p' <<<"$out")
	t_like "... in a directory of its own" "$demo_tmp" '^/tmp/cnauthz-e2e\.[A-Za-z0-9]+$'
	t_ok "... removed" test ! -e "$demo_tmp"
	t_is "... no process left" "$(_e2e_pids_matching "$demo_tmp/" "-namespace ${demo_tmp##*/} ")" ""
	t_is "... no mount left" "$(_e2e_mounts_under "$demo_tmp")" ""
	t_is "... no cgroup left" "$(_e2e_cgroups "${demo_tmp##*/}")" ""
	t_ok "... no plugin socket left" test ! -e "$SOCK"
done
done_testing
