#!/bin/bash
# What cnauthz once never looked at, against a real TLS dockerd 20.10:
# legacy start bodies (below API 1.24 dockerd applies a HostConfig from
# the body of POST /containers/{id}/start), swarm secrets in answers to a
# GET, log drivers pointed at host sockets, negative OOM scores, host ports
# below 1024, network file systems, checkpoints, registries on the host.
# Each is denied to client (@developer) with its reason, and its harmless
# form allowed; where it shows, admin proves dockerd acts on the request.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox
URL=https://127.0.0.1:$E2E_PORT
B=$E2E_TMP/bodies
mkdir -p "$B"

# inspect_as_local NAME GOTEMPLATE: what dockerd stored, over the unix socket
stored() { dk_local inspect -f "$2" "$1" 2>&1; }

# --- legacy start bodies ------------------------------------------------
t_ok "client creates a plain container" \
	dk_as client create --name mine --network none e2e-busybox sleep 300
t_ok "admin creates one to prove dockerd acts on legacy bodies" \
	dk_as admin create --name proof --network none e2e-busybox sleep 300

host='{"PidMode":"host","NetworkMode":"host","CapAdd":["SYS_ADMIN","SYS_PTRACE","SYS_CHROOT"],"SecurityOpt":["seccomp=unconfined","apparmor=unconfined"]}'
req admin POST /v1.23/containers/proof/start "$host"
t_ok "control: admin's legacy start body reaches dockerd ($CODE)" past_plugin
t_is "... which applied its PidMode" "$(stored proof '{{.HostConfig.PidMode}}')" host
dk_local rm -f proof >/dev/null 2>&1

while IFS='|' read -r what ver body field; do
	[ -z "$what" ] && continue
	req client POST "/$ver/containers/mine/start" "$body"
	t_ok "client: legacy start body with $what at /$ver is denied" denied
	t_like "... naming $field" "$OUT" "$field"
done <<EOF2
host namespaces and caps|v1.23|$host|start body at API 1.23 \(below 1.24 dockerd applies it as the HostConfig\): top-level CapAdd adds SYS_ADMIN
Binds|v1.23|{"Binds":["/:/host"]}|Binds binds host path /
Privileged|v1.12|{"Privileged":true}|top-level Privileged is true
Devices|v1.20|{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}|Devices gives host device /dev/sda
VolumesFrom|v1.23|{"VolumesFrom":["other"]}|VolumesFrom
CgroupParent|v1.23|{"CgroupParent":"/"}|CgroupParent
container: IpcMode|v1.23|{"IpcMode":"container:other"}|IpcMode: no container .{1,2}other.{1,2} is known
HostConfig wrapper|v1.23|{"HostConfig":{"PidMode":"host"}}|HostConfig.PidMode is .{1,2}host
LogConfig|v1.23|{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"unix:///dev/log"}}}|LogConfig.Type
version 1.023|v1.023|$host|unknown API version spelling
version 01.23|v01.23|$host|unknown API version spelling
version 1.23.0|v1.23.0|$host|unknown API version spelling
EOF2
req client POST /v1.23/containers/mine/start "$host" -H 'Transfer-Encoding: chunked'
t_ok "client: a chunked legacy start body is denied" denied
req client POST /v1.23/containers/mine/start "$host" -H 'Content-Type: application/json; charset=utf-8'
t_ok "client: a legacy start body with '; charset=utf-8' is denied" denied
t_like "... naming the field" "$OUT" 'CapAdd adds SYS_ADMIN'
t_is "none of it reached the container" "$(stored mine '{{.HostConfig.PidMode}}/{{.HostConfig.NetworkMode}}/{{.State.Running}}')" "/none/false"

req client POST /v1.23/containers/mine/start
t_ok "client: a body-less legacy start is allowed ($CODE)" past_plugin
t_is "... and it runs" "$(stored mine '{{.State.Running}}')" true
dk_as client stop -t 1 mine >/dev/null 2>&1
t_ok "client: the ordinary start works" dk_as client start mine
t_is "... with the container's own namespaces" "$(stored mine '{{.HostConfig.PidMode}}')" ""
req client POST /v1.41/containers/mine/start?checkpoint-dir=/etc
t_ok "client: start?checkpoint-dir= is denied" denied
t_like "... as a restore from a host directory" "$OUT" 'checkpoint-dir restores a container from a host directory'
dk_as client rm -f mine >/dev/null 2>&1

# --- the create catalogue's new entries: denied, and the harmless form --
# create_case WHAT HOSTCONFIG-MEMBERS MESSAGE|- : MESSAGE "-" means allowed
n=0
create_case() {
	n=$((n + 1))
	req client POST "/v1.41/containers/create?name=cat$n" \
		"{\"Image\":\"e2e-busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"NetworkMode\":\"none\",$2}}"
	if [ "$3" = - ]; then
		t_is "client: create with $1 is allowed" "$CODE" 201
	else
		t_ok "client: create with $1 is denied" denied
		t_like "... naming it" "$OUT" "$3"
	fi
}
# a host socket dockerd, as root, can write to
SOCK=$E2E_TMP/host-log.sock
"$E2E_TOP/tests/tools/bin/syslog-recv" "$SOCK" "$E2E_TMP/host-log.out" 2>/dev/null &
RECV_PID=$!
for _ in $(seq 50); do [ -e "$E2E_TMP/host-log.out" ] && break; sleep 0.1; done
LOG="\"LogConfig\":{\"Type\":\"syslog\",\"Config\":{\"syslog-address\":\"unixgram://$SOCK\"}}"
create_case "a syslog driver on a host socket" "$LOG" 'LogConfig.Type .{1,2}syslog'
create_case "the default driver with a fluentd address" '"LogConfig":{"Type":"","Config":{"fluentd-address":"127.0.0.1:24224"}}' 'LogConfig.Config sets \\"fluentd-address\\"'
create_case "json-file with rotation" '"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","max-file":"2"}}' -
create_case "OomScoreAdj -1000" '"OomScoreAdj":-1000' 'OomScoreAdj is -1000'
create_case "OomScoreAdj 500" '"OomScoreAdj":500' -
create_case "OomKillDisable" '"OomKillDisable":true' 'OomKillDisable'
create_case "host port 22" '"PortBindings":{"22/tcp":[{"HostPort":"22"}]}' 'binds host port 22'
create_case "host port 18080" '"PortBindings":{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"18080"}]}' -
create_case "Annotations" '"Annotations":{"org.systemd.property.ExecStopPost":"x"}' 'Annotations sets'
create_case "an NFS volume mount" '"Mounts":[{"Type":"volume","Target":"/m","VolumeOptions":{"DriverConfig":{"Options":{"type":"nfs","o":"addr=127.0.0.1","device":":/"}}}}]' 'type \\"nfs\\"'
create_case "a tmpfs volume mount" '"Mounts":[{"Type":"volume","Target":"/m","VolumeOptions":{"DriverConfig":{"Options":{"type":"tmpfs","device":"tmpfs","o":"size=1m"}}}}]' -
t_is "dockerd stored the allowed json-file rotation" "$(stored cat3 '{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config "max-file"}}')" "json-file 2"
t_is "... and the allowed OomScoreAdj" "$(stored cat5 '{{.HostConfig.OomScoreAdj}}')" 500
req admin POST "/v1.41/containers/create?name=adm-syslog" \
	"{\"Image\":\"e2e-busybox\",\"Cmd\":[\"echo\",\"written-by-dockerd\"],\"HostConfig\":{\"NetworkMode\":\"none\",$LOG}}"
t_is "control: admin's syslog create is accepted by dockerd" "$CODE" 201
dk_local start -a adm-syslog >/dev/null 2>&1
for _ in $(seq 50); do grep -q written-by-dockerd "$E2E_TMP/host-log.out" && break; sleep 0.1; done
t_like "... and dockerd wrote its output to the host socket" "$(cat "$E2E_TMP/host-log.out")" written-by-dockerd
kill "$RECV_PID" 2>/dev/null
req admin POST "/v1.41/containers/create?name=adm-oom" \
	'{"Image":"e2e-busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none","OomScoreAdj":-1000}}'
t_is "control: admin's OomScoreAdj -1000 is stored" "$(stored adm-oom '{{.HostConfig.OomScoreAdj}}')" -1000

# --- volumes -----------------------------------------------------------
req client POST /v1.41/volumes/create '{"Name":"nfsv","DriverOpts":{"type":"nfs","o":"addr=127.0.0.1,rw","device":":/export"}}'
t_ok "client: an NFS volume is denied" denied
t_like "... naming its type" "$OUT" 'type \\"nfs\\"'
req admin POST /v1.41/volumes/create '{"Name":"nfsv","DriverOpts":{"type":"nfs","o":"addr=127.0.0.1,rw","device":":/export"}}'
t_is "control: admin's NFS volume is made by dockerd" "$CODE" 201
req client POST /v1.41/volumes/create '{"Name":"tmpv","DriverOpts":{"type":"tmpfs","o":"size=1m","device":"tmpfs"}}'
t_is "client: a tmpfs volume is allowed" "$CODE" 201

# --- registries on the host itself --------------------------------------
req client POST '/v1.41/images/create?fromImage=127.0.0.1:5000/x&tag=1'
t_ok "client: a pull from a registry on the host's loopback is denied" denied
t_like "... naming the host" "$OUT" 'contact 127.0.0.1:5000 on the host itself'
req client GET '/v1.41/distribution/localhost:5000/x/json'
t_ok "client: a distribution lookup on localhost is denied" denied
req client POST '/v1.41/images/create?fromImage=e2e-nosuch.example.com/x&tag=1'
t_ok "client: a pull from elsewhere reaches dockerd ($CODE)" past_plugin

# --- swarm secrets -----------------------------------------------------
t_ok "the unix-socket caller inits a swarm" \
	dk_local swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:0
req client GET /v1.41/swarm
t_ok "client cannot read the swarm's join tokens" denied
t_like "... because they are secrets" "$OUT" 'join tokens and unlock key are secrets'
req client GET /swarm/unlockkey
t_ok "client cannot read the unlock key" denied
req admin GET /v1.41/swarm
t_is "admin reads the swarm" "$CODE" 200
t_like "... with its manager join token" "$OUT" '"Manager":"SWMTKN-'
t_ok "client still reads the rest (docker info)" dk_as client info
dk_local swarm leave --force >/dev/null 2>&1

done_testing
