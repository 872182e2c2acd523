#!/bin/bash
# The walking skeleton end to end: a real dockerd with --tlsverify consults
# cnauthz, which judges each call by the client certificate's CN.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin stranger
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox

t_ok "admin runs a container" \
	dk_as admin run --rm --network none e2e-busybox /bin/echo hello-from-admin
t_like "... and sees its output" "$E2E_OUT" 'hello-from-admin'

t_ok "client lists containers" dk_as client ps -a
t_ok "client inspects the image" dk_as client image inspect e2e-busybox

t_ok "a stopped container exists" \
	dk_as admin create --name e2e-stopped --network none e2e-busybox true
t_fails "client is denied what its rules deny (container prune)" \
	dk_as client container prune -f
t_like "... with dockerd's own message naming the plugin" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: client may not POST /containers/prune"
t_ok "... and nothing was pruned" dk_as admin container inspect e2e-stopped

t_ok "client runs the container lifecycle" \
	dk_as client run -d --name e2e-c1 --network none e2e-busybox sleep 60
t_ok "... stops it" dk_as client stop -t 1 e2e-c1
t_ok "... removes it" dk_as client rm e2e-c1

t_fails "a CN without a rule file is denied by @other" dk_as stranger ps
t_like "... saying which CN and why" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: stranger may not GET /containers/json"

t_ok "the unix socket (no TLS identity) is judged by @local and works" \
	dk_local volume create e2e-local-vol
t_ok "... and it can remove what it made" dk_local volume rm e2e-local-vol

t_ok "curl with client's --cacert --cert --key asks /version" \
	curl_as client -fsS "https://127.0.0.1:$E2E_PORT/version"
t_like "... and dockerd answers" "$E2E_OUT" '"ApiVersion"'
t_fails "curl as stranger is refused" \
	curl_as stranger -fsS "https://127.0.0.1:$E2E_PORT/version"

t_ok "the plugin logged client's denial with the reason" \
	grep -q 'deny: AuthZReq client POST /containers/prune' "$E2E_TMP/plugin.log"

done_testing
