#!/bin/bash
# The shipped profiles against a real TLS dockerd: client (@developer)
# runs ordinary containers but is denied every way of getting the host,
# each denial naming the field; admin is allowed each of them.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox
DENIED="authorization denied by plugin $E2E_PLUGIN: client may not"

run_opts() { # run_opts CN OPTS... : a throwaway container with these options
	local cn=$1
	shift
	dk_as "$cn" run --rm --network none "$@" e2e-busybox /bin/true
}

t_ok "client runs an ordinary container" \
	dk_as client run --rm --network none e2e-busybox /bin/echo ordinary
t_like "... which really ran" "$E2E_OUT" 'ordinary'
t_ok "client runs one with a named volume" \
	dk_as client run --rm --network none -v e2e-data:/data e2e-busybox /bin/true

# option words; the Msg must name this field
while IFS='|' read -r what opts field; do
	[ -z "$what" ] && continue
	# shellcheck disable=SC2086
	t_fails "client is denied $what" run_opts client $opts
	t_like "... with dockerd's message naming $field" "$E2E_OUT" "$DENIED POST /containers/create: .*$field"
	# shellcheck disable=SC2086
	t_ok "admin is allowed $what" past_authz run_opts admin $opts
done <<'EOF2'
--privileged|--privileged|HostConfig.Privileged
-v /:/host|-v /:/host|HostConfig.Binds binds host path /
--mount type=bind,src=/,dst=/h|--mount type=bind,src=/,dst=/h|HostConfig.Mounts \(type bind\) binds host path /
--pid host|--pid host|HostConfig.PidMode
--cap-add SYS_ADMIN|--cap-add SYS_ADMIN|HostConfig.CapAdd adds
--device /dev/null|--device /dev/null|HostConfig.Devices
--security-opt seccomp=unconfined|--security-opt seccomp=unconfined|HostConfig.SecurityOpt
--ipc host|--ipc host|HostConfig.IpcMode
--uts host|--uts host|HostConfig.UTSMode
EOF2

# --network host: not with --network none, so spelt out
t_fails "client is denied --network host" \
	dk_as client run --rm --network host e2e-busybox /bin/true
t_like "... naming HostConfig.NetworkMode" "$E2E_OUT" "$DENIED POST /containers/create: HostConfig.NetworkMode is \"host\""
t_ok "admin is allowed --network host" \
	dk_as admin run --rm --network host e2e-busybox /bin/true

# exec --privileged into client's own container
t_ok "client starts a long-running container" \
	dk_as client run -d --name e2e-sleeper --network none e2e-busybox sleep 300
t_ok "client execs into it" dk_as client exec e2e-sleeper /bin/true
t_fails "client is denied exec --privileged" \
	dk_as client exec --privileged e2e-sleeper /bin/true
t_like "... naming the exec's Privileged field" "$E2E_OUT" \
	"$DENIED POST /containers/e2e-sleeper/exec: exec Privileged is true"
t_fails "client is denied exec as a chosen user" \
	dk_as client exec -u root e2e-sleeper /bin/true
t_like "... naming the exec's User field" "$E2E_OUT" "exec User chooses the user"
t_ok "admin is allowed exec --privileged" \
	past_authz dk_as admin exec --privileged e2e-sleeper /bin/true
t_ok "client removes its container" dk_as client rm -f e2e-sleeper

# a local volume that bind-mounts the host
t_fails "client is denied a bind-backed local volume" \
	dk_as client volume create --driver local --opt type=none --opt o=bind --opt device=/ e2e-bindvol
t_like "... naming the volume's DriverOpts" "$E2E_OUT" \
	"$DENIED POST /volumes/create: volume DriverOpts binds host path /"
t_ok "admin is allowed to create it" \
	dk_as admin volume create --driver local --opt type=none --opt o=bind --opt device=/ e2e-bindvol
t_ok "client may create an ordinary volume" dk_as client volume create e2e-plain
t_ok "... and remove it" dk_as client volume rm e2e-plain

# plugins: no registry here, so admin's install fails after cnauthz allowed it
t_fails "client is denied plugin install" \
	dk_as client plugin install --grant-all-permissions e2e.invalid/plug:1
t_like "... as plugin management" "$E2E_OUT" \
	"$DENIED POST /plugins/pull: plugin management"
t_fails "admin's plugin install gets past cnauthz (and fails at the registry)" \
	dk_as admin plugin install --grant-all-permissions e2e.invalid/plug:1
t_unlike "... with no authorization error" "$E2E_OUT" 'authorization denied'
t_fails "client is denied plugin disable" dk_as client plugin disable e2e-none
t_like "... as plugin management" "$E2E_OUT" \
	"$DENIED POST /plugins/e2e-none/disable: plugin management"
t_fails "admin's plugin disable gets past cnauthz (there is no such plugin)" \
	dk_as admin plugin disable e2e-none
t_unlike "... with no authorization error" "$E2E_OUT" 'authorization denied'

# what @developer does not list at all
t_fails "client is denied swarm init" dk_as client swarm init --advertise-addr 127.0.0.1
t_like "... as no rule allows it" "$E2E_OUT" "$DENIED POST /swarm/init: no rule in client allows it"
t_ok "client creates a container of its own" \
	dk_as client create --name e2e-mine --network none e2e-busybox sleep 300
t_fails "client is denied container update, even of its own" \
	dk_as client update --cpu-shares 512 e2e-mine
t_like "... as no rule allows it" "$E2E_OUT" "no rule in client allows it"

done_testing
