#!/bin/bash
# Every shipped profile, family by family, through `cnauthz test`: the
# requests the docker CLI cannot make (crafted bodies) and those that are
# cheaper to check without a dockerd. Each row: the expected decision, the
# stack, the call, an optional body, and what the message must say.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
RULES=$E2E_TOP/rules
B=$E2E_TMP/bodies
mkdir -p "$B"

body() { printf '%s\n' "$2" >"$B/$1.json"; }
body plain '{"Image":"busybox","Cmd":["true"],"HostConfig":{"Binds":["data:/data"],"NetworkMode":"bridge"}}'
body priv '{"Image":"busybox","HostConfig":{"Privileged":true}}'
body lower '{"image":"busybox","hostconfig":{"privileged":true}}'
body longs '{"Image":"busybox","Ho\u017ftConfig":{"Privileged":true}}'
body dup '{"Image":"busybox","HostConfig":{"Privileged":false,"privileged":true}}'
body caps '{"Image":"busybox","HostConfig":{"Capabilities":["CAP_SYS_ADMIN"]}}'
body masked '{"Image":"busybox","HostConfig":{"MaskedPaths":[]}}'
body ropaths '{"Image":"busybox","HostConfig":{"ReadonlyPaths":[]}}'
body cgroupns '{"Image":"busybox","HostConfig":{"CgroupnsMode":"host"}}'
body userns '{"Image":"busybox","HostConfig":{"UsernsMode":"host"}}'
body netjoin '{"Image":"busybox","HostConfig":{"NetworkMode":"container:abc"}}'
body devreq '{"Image":"busybox","HostConfig":{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}]}}'
body devrule '{"Image":"busybox","HostConfig":{"DeviceCgroupRules":["c 1:3 mr"]}}'
body sysctl '{"Image":"busybox","HostConfig":{"Sysctls":{"kernel.shm_rmid_forced":"1"}}}'
body runtime '{"Image":"busybox","HostConfig":{"Runtime":"sysbox-runc"}}'
body apparmor '{"Image":"busybox","HostConfig":{"SecurityOpt":["apparmor=unconfined"]}}'
body label '{"Image":"busybox","HostConfig":{"SecurityOpt":["label:disable"]}}'
body nnp '{"Image":"busybox","HostConfig":{"SecurityOpt":["no-new-privileges"]}}'
body dotdot '{"Image":"busybox","HostConfig":{"Binds":["/srv/data/../../etc:/x"]}}'
body volfrom '{"Image":"busybox","HostConfig":{"VolumesFrom":["other"]}}'
body cgparent '{"Image":"busybox","HostConfig":{"CgroupParent":"/"}}'
body inlinevol '{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/etc"}}}}]}}'
body tmpfs '{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"tmpfs","Target":"/t"}]}}'
body update '{"CpuShares":512,"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}'
body exec '{"Cmd":["id"]}'
body execuser '{"Cmd":["id"],"User":"0:0"}'
body vol '{"Name":"v","Driver":"local"}'
body volnfs '{"Name":"v","Driver":"local","DriverOpts":{"device":"/","o":"bind","type":"none"}}'
body voldrv '{"Name":"v","Driver":"rexray/ebs"}'
body net '{"Name":"n2","Driver":"bridge"}'
body connect '{"Container":"c1"}'
body macvlan '{"Name":"n","Driver":"macvlan","Options":{"parent":"eth0"}}'
body notjson 'not json at all'

# Who owns what (the owner module in @developer): someone owns the
# container c1, its exec e1e1..., the volume v, the network n and the tag
# mine:latest.
C1=$(printf 'c1%.0s' {1..32})
E1=$(printf 'e1%.0s' {1..32})
N1=$(printf 'd1%.0s' {1..32})
mkdir -p "$E2E_TMP/state"
cat >"$E2E_TMP/state/owners.json" <<EOF
{"cnauthz-owners":1,
"containers":[{"id":"$C1","name":"c1","owner":"someone"}],
"execs":[{"id":"$E1","container":"$C1","owner":"someone"}],
"volumes":[{"name":"v","owner":"someone"}],
"networks":[{"id":"$N1","name":"n","owner":"someone"}],
"tags":[{"tag":"docker.io/library/mine:latest","owner":"someone"}]}
EOF

n=0
while read -r want stack method uri bodyname regex; do
	[ -z "$want" ] || [ "${want#\#}" != "$want" ] && continue
	n=$((n + 1))
	uri=${uri//@E1@/$E1}
	args=(--rules "$RULES" --state-dir "$E2E_TMP/state" --cn someone --stack "$stack" --method "$method" --uri "$uri")
	[ "$bodyname" != - ] && args+=(--body "$B/$bodyname.json")
	out=$("$BIN" test "${args[@]}" 2>&1)
	rc=$?
	case $want in
	allow) t_is "$stack allows $method $uri ${bodyname#-}" "$rc" 0 || diag "$out" ;;
	deny) t_is "$stack denies $method $uri ${bodyname#-}" "$rc" 1 || diag "$out" ;;
	esac
	[ "$want" = deny ] && [ "$regex" != - ] && t_like "... saying: $regex" "$out" "$regex"
done <<'EOF2'
# @developer: reading
allow @developer GET /v1.41/containers/json - -
allow @developer HEAD /_ping - -
allow @developer GET /v1.41/containers/c1/archive?path=/etc - -
# container lifecycle
allow @developer POST /v1.41/containers/create plain -
allow @developer POST /v1.41/containers/c1/start - -
allow @developer POST /v1.41/containers/c1/stop?t=1 - -
allow @developer POST /v1.41/containers/c1/kill - -
allow @developer POST /v1.41/containers/c1/wait?condition=removed - -
allow @developer POST /v1.41/containers/c1/attach?stream=1 - -
allow @developer POST /v1.41/containers/c1/rename?name=app2 - -
deny @developer POST /v1.41/containers/c1/rename?name=c2 - container name "c2" is all hex digits
deny @developer POST /v1.41/containers/web/stop - no container "web" is known
allow @developer DELETE /v1.41/containers/c1?force=1 - -
allow @developer POST /v1.41/containers/c1/exec exec -
allow @developer POST /v1.41/exec/@E1@/start - -
deny @developer POST /v1.41/exec/abc/start - no exec "abc" is known
allow @developer POST /v1.41/commit?container=c1&repo=mine - -
allow @developer PUT /v1.41/containers/c1/archive?path=/ - -
allow @developer POST /v1.41/containers/create tmpfs -
allow @developer POST /v1.41/containers/create nnp -
# images
allow @developer POST /v1.41/images/create?fromImage=busybox&tag=latest - -
allow @developer POST /v1.41/images/library/busybox/tag?repo=mine - -
allow @developer DELETE /v1.41/images/mine:latest - -
deny @developer POST /v1.41/build?t=x - no rule in @developer allows it
deny @developer POST /v1.41/build?networkmode=bridge - no rule in @developer allows it
# volumes and networks
allow @developer POST /v1.41/volumes/create vol -
allow @developer DELETE /v1.41/volumes/v - -
allow @developer POST /v1.41/networks/create net -
allow @developer POST /v1.41/networks/n/connect connect -
deny @developer POST /v1.41/networks/n/connect - not available for inspection
allow @developer DELETE /v1.41/networks/n - -
# the host, in every form dockerd accepts
deny @developer POST /v1.41/containers/create priv HostConfig.Privileged
deny @developer POST /v1.41/containers/create lower HostConfig.Privileged
deny @developer POST /v1.41/containers/create longs HostConfig.Privileged
deny @developer POST /v1.41/containers/create dup repeats the field
deny @developer POST /v1.41/containers/create caps HostConfig.Capabilities
deny @developer POST /v1.41/containers/create masked HostConfig.MaskedPaths
deny @developer POST /v1.41/containers/create ropaths HostConfig.ReadonlyPaths
deny @developer POST /v1.41/containers/create cgroupns HostConfig.CgroupnsMode
deny @developer POST /v1.41/containers/create userns HostConfig.UsernsMode
deny @developer POST /v1.41/containers/create netjoin HostConfig.NetworkMode: no container "abc" is known
deny @developer POST /v1.41/containers/create devreq HostConfig.DeviceRequests
deny @developer POST /v1.41/containers/create devrule HostConfig.DeviceCgroupRules
deny @developer POST /v1.41/containers/create sysctl HostConfig.Sysctls
deny @developer POST /v1.41/containers/create runtime HostConfig.Runtime
deny @developer POST /v1.41/containers/create apparmor HostConfig.SecurityOpt
deny @developer POST /v1.41/containers/create label HostConfig.SecurityOpt
deny @developer POST /v1.41/containers/create dotdot resolved: /etc
deny @developer POST /v1.41/containers/create volfrom HostConfig.VolumesFrom: no container "other" is known
deny @developer POST /v1.41/containers/create cgparent HostConfig.CgroupParent
deny @developer POST /v1.41/containers/create inlinevol HostConfig.Mounts volume options
deny @developer POST /v1.41/containers/create - not available for inspection
deny @developer POST /v1.41/containers/create notjson cannot be inspected
deny @developer POST /v1.41/containers/c1/update update Devices gives host device /dev/sda
deny @developer POST /v1.41/containers/c1/exec execuser exec User
deny @developer POST /v1.41/volumes/create volnfs volume DriverOpts binds host path /
deny @developer POST /v1.41/volumes/create voldrv volume Driver
deny @developer POST /v1.41/networks/create macvlan network Driver
deny @developer POST /v1.41/build?networkmode=host - build networkmode
deny @developer POST /v1.41/images/create?fromSrc=-&repo=x - an import
# management @developer does not list
deny @developer POST /v1.41/plugins/pull?remote=x - plugin management
deny @developer POST /v1.41/plugins/x/enable - plugin management
deny @developer DELETE /v1.41/plugins/x - plugin management
deny @developer POST /v1.41/swarm/init - no rule
deny @developer POST /v1.41/services/create - no rule
deny @developer POST /v1.41/secrets/create - no rule
deny @developer POST /v1.41/configs/create - no rule
deny @developer POST /v1.41/nodes/x/update - no rule
deny @developer POST /session - no rule
deny @developer POST /grpc - no rule
deny @developer POST /v1.41/containers/prune - a prune removes other owners' containers
deny @developer POST /v1.41/images/load - an image load makes whatever tags
deny @developer POST /v1.41/images/x/push - no rule
# @readonly
allow @readonly GET /_ping - -
allow @readonly HEAD /_ping - -
allow @readonly GET /v1.41/version - -
allow @readonly GET /v1.41/containers/json?all=1 - -
allow @readonly GET /v1.41/containers/c1/logs?stdout=1 - -
allow @readonly GET /v1.41/images/json - -
allow @readonly GET /v1.41/events - -
deny @readonly GET /v1.41/containers/c1/export - rule
deny @readonly GET /v1.41/containers/c1/archive?path=/ - rule
deny @readonly HEAD /v1.41/containers/c1/archive?path=/ - rule
deny @readonly GET /v1.41/containers/c1/attach/ws - rule
deny @readonly GET /v1.41/images/busybox/get - rule
deny @readonly GET /v1.41/images/get?names=busybox - rule
deny @readonly POST /v1.41/containers/create plain no rule in @readonly allows it
deny @readonly DELETE /v1.41/containers/c1 - no rule
# admin, @other, @local
allow admin POST /v1.41/containers/create priv -
allow admin POST /v1.41/plugins/pull - -
allow @local POST /v1.41/containers/create priv -
deny @other GET /_ping - rule
deny @other GET /v1.41/containers/json - rule
EOF2
t_ok "the table had all its rows" test "$n" -gt 85

# --- the owner examples of cnauthz-rules(5), as written there -------------
X=$E2E_TMP/owner-examples
mkdir -m 0755 "$X"
blocks=$(awk '/^\.Bd -literal/ { on = 1; b = ""; next }
	/^\.Ed/ { if (on && b ~ /owner/) printf "%s\036", b; on = 0; next }
	on { b = b $0 "\n" }' "$E2E_TOP/man/cnauthz-rules.5")
IFS=$'\036' read -r -d '' -a ex < <(printf '%s' "$blocks")
t_is "cnauthz-rules(5) has four owner examples" "${#ex[@]}" 4
printf '%s' "${ex[0]}" >"$X/dev"
printf 'include @developer\n' >"$X/@developer.ref"
printf '%ssufficient permit\n' "${ex[1]}" >"$X/carol"
printf '%ssufficient permit\n' "${ex[2]}" >"$X/team"
printf '%s' "${ex[3]}" >"$X/ops"
chmod 0644 "$X"/*
rm -f "$X/@developer.ref"
t_ok "they load" "$BIN" check --rules "$X"
S2=$E2E_TMP/state2
mkdir -p "$S2"
A=$(printf 'a0%.0s' {1..32})
O=$(printf 'b0%.0s' {1..32})
cat >"$S2/owners.json" <<EOF
{"cnauthz-owners":1,"containers":[
{"id":"$C1","name":"mine","owner":"dev"},
{"id":"$A","name":"alices","owner":"alice","ou":"blue"},
{"id":"$O","name":"old"}]}
EOF
ex_test() { # WANT CN URI [BODY]
	local args=(--rules "$X" --state-dir "$S2" --cn "$2" --method POST --uri "$3")
	[ -n "${4-}" ] && printf '%s' "$4" >"$B/ex.json" && args+=(--body "$B/ex.json")
	local out
	out=$("$BIN" test "${args[@]}" 2>&1)
	t_is "example: $2 POST $3 ${4-}" "$([ $? = 0 ] && echo allow || echo deny)" "$1" || diag "$out"
}
ex_test allow dev /v1.41/containers/mine/stop
ex_test deny dev /v1.41/containers/alices/stop
ex_test allow dev /v1.41/containers/create '{"Image":"x","HostConfig":{"NetworkMode":"container:mine"}}'
ex_test deny dev /v1.41/containers/create '{"Image":"x","HostConfig":{"VolumesFrom":["alices"]}}'
ex_test allow carol /v1.41/containers/alices/stop
ex_test deny carol /v1.41/containers/mine/stop
ex_test deny ops /v1.41/containers/alices/stop
ex_test allow ops /v1.41/containers/old/stop
done_testing
