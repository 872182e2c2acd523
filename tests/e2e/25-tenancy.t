#!/bin/bash
# Tenancy through a real TLS dockerd: alice and bob on @developer, admin
# on admin. For every object-scoped endpoint of containers, execs,
# volumes, networks and image tags: admin first shows it works, then
# alice on her own object is allowed, on bob's and on an unowned one
# (made before cnauthz ran) denied, saying whose it is. References by full
# ID, name, /name, ID prefix and an ambiguous prefix; after a rename;
# after rm and the name reused by bob; after a restart of cnauthz and of
# dockerd; all-hex names refused; container:NAME, VolumesFrom, volume
# mounts and network connect both ways; every case of issue 13's "Why";
# the audit naming object and owner; test --explain; the administrator's
# assignment; the state file unreadable and unwritable (fail closed).
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs alice bob admin
RULES=$E2E_TMP/rules
STATE=$E2E_TMP/state
AUDIT=$E2E_TMP/audit.log
B=$E2E_TMP/bodies
mkdir -p "$RULES" "$STATE" "$B"
for f in "$E2E_TOP"/rules/*; do
	case $f in *.5) continue ;; esac
	cp "$f" "$RULES/"
done
echo "include @developer" >"$RULES/alice"
echo "include @developer" >"$RULES/bob"
chmod 0644 "$RULES"/*
# the state on a file system of its own, to make it read-only later
mount -t tmpfs -o size=8m,mode=0700 cnauthz-state "$STATE"

# --- objects made before cnauthz ran: unowned --------------------------
t_ok "dockerd without cnauthz" e2e_start_dockerd
t_ok "the image" e2e_import_image e2e-busybox
t_ok "an old container, made before cnauthz" \
	dk_local create --name old --network none e2e-busybox sleep 600
t_ok "an old volume" dk_local volume create oldvol
t_ok "an old network" dk_local network create --internal oldnet
t_ok "dockerd stops" e2e_stop_dockerd

# --- with cnauthz --------------------------------------------------------
PLUGIN_ARGS=(--rules "$RULES" --state-dir "$STATE" --audit "file:$AUDIT")
t_ok "cnauthz starts" e2e_start_plugin "$E2E_PLUGIN" "${PLUGIN_ARGS[@]}"
t_ok "dockerd starts with it" e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
URL=https://127.0.0.1:$E2E_PORT
# following N: until cnauthz logged its Nth "following dockerd"
following() {
	for _ in $(seq 100); do
		[ "$(grep -c 'ownership: following dockerd' "$E2E_TMP/plugin.log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
t_ok "cnauthz lists dockerd's objects and follows its events" following 1

id_of() { dk_local inspect -f '{{.Id}}' "$@" 2>/dev/null; }
short() { printf '%.12s' "$1"; }

# --- issue 13's story: admin's monitoring agent -----------------------------
# (privileged containers cannot start in every test sandbox: the agent is
# plain here; privagent below is privileged and never started)
t_ok "admin runs a monitoring container" \
	dk_as admin run -d --name agent --network none e2e-busybox sleep 600
t_ok "admin execs into it" dk_as admin exec agent /bin/true
t_ok "admin makes a privileged one" \
	dk_as admin create --name privagent --privileged --network none e2e-busybox sleep 600
t_fails "alice cannot start admin's privileged container" dk_as alice start privagent
t_like "... told whose container it is" "$E2E_OUT" 'container privagent .* belongs to admin'
AGENT=$(id_of agent)
req alice POST /v1.41/containers/agent/exec '{"Cmd":["sh"],"AttachStdin":true,"Tty":true}'
t_ok "alice cannot exec into it" denied
t_like "... told whose container it is" "$OUT" \
	"alice may not POST /containers/agent/exec: container agent \\($(short "$AGENT")\\) belongs to admin"

# --- alice's, bob's -------------------------------------------------------
t_ok "alice runs aweb" dk_as alice run -d --name aweb --network none e2e-busybox sleep 600
t_ok "bob runs bweb" dk_as bob run -d --name bweb --network none e2e-busybox sleep 600
AWEB=$(id_of aweb)
BWEB=$(id_of bweb)
OLD=$(id_of old)
t_ok "alice's volume" dk_as alice volume create avol
t_ok "bob's volume" dk_as bob volume create bvol
t_ok "alice's network" dk_as alice network create anet
t_ok "bob's --internal network" dk_as bob network create --internal bnet
t_ok "alice's tag" dk_as alice tag e2e-busybox aapp:1
t_ok "bob's tag" dk_as bob tag e2e-busybox bapp:1
t_is "the state file says who owns aweb" \
	"$(grep -c "\"id\":\"$AWEB\",\"name\":\"aweb\",\"owner\":\"alice\"" "$STATE/owners.json")" 1

# --- every container endpoint: admin, alice on hers, on bob's, on old's ---
tar -C "$E2E_TMP" -cf "$B/in.tar" --files-from /dev/null
while IFS='|' read -r m path body; do
	[ -z "$m" ] && continue
	req admin "$m" "/v1.41/containers/bweb$path" "$body"
	t_ok "admin: $m /containers/bweb$path gets past cnauthz ($CODE)" past_plugin
	req alice "$m" "/v1.41/containers/aweb$path" "$body"
	t_ok "alice: $m on her own container ($CODE)" past_plugin || diag "$OUT"
	req alice "$m" "/v1.41/containers/bweb$path" "$body"
	t_ok "alice: $m on bob's is denied" denied
	t_like "... container bweb belongs to bob" "$OUT" "container bweb \\($(short "$BWEB")\\) belongs to bob"
	req alice "$m" "/v1.41/containers/old$path" "$body"
	t_ok "alice: $m on the unowned one is denied" denied
	t_like "... as unowned" "$OUT" "container old \\($(short "$OLD")\\) is unowned"
done <<'EOF2'
GET|/json|
GET|/top|
GET|/logs?stdout=1&stderr=1|
GET|/stats?stream=0|
GET|/changes|
GET|/export|
GET|/archive?path=/etc/passwd|
HEAD|/archive?path=/etc/passwd|
GET|/attach/ws?stream=0|
POST|/attach?stream=0&logs=1&stdout=1|
POST|/kill?signal=SIGWINCH|
POST|/pause|
POST|/unpause|
POST|/resize?h=20&w=80|
POST|/exec|{"Cmd":["/bin/true"]}
EOF2
# the ones that change the container, in an order that leaves it usable
for call in "POST|/stop?t=0" "POST|/start" "POST|/restart?t=0"; do
	m=${call%%|*}
	path=${call#*|}
	req admin "$m" "/v1.41/containers/bweb$path"
	t_ok "admin: $m /containers/bweb$path gets past cnauthz ($CODE)" past_plugin
	req alice "$m" "/v1.41/containers/aweb$path"
	t_ok "alice: $m on her own ($CODE)" past_plugin
	req alice "$m" "/v1.41/containers/bweb$path"
	t_ok "alice: $m on bob's is denied" denied
	req alice "$m" "/v1.41/containers/old$path"
	t_ok "alice: $m on the unowned one is denied" denied
done
OUT=$(curl_as alice -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/x-tar' \
	--data-binary @"$B/in.tar" "$URL/v1.41/containers/aweb/archive?path=/tmp")
t_is "alice: PUT archive into her own" "$OUT" 200
OUT=$(curl_as alice -s -o - -X PUT -H 'Content-Type: application/x-tar' \
	--data-binary @"$B/in.tar" "$URL/v1.41/containers/bweb/archive?path=/tmp")
t_like "alice: PUT archive into bob's is denied" "$OUT" "belongs to bob"
t_ok "alice commits her own" dk_as alice commit aweb acommit:1
t_fails "alice cannot commit bob's" dk_as alice commit bweb acommit:2
t_like "... (query ?container=)" "$E2E_OUT" "commit container: container bweb .* belongs to bob"
t_fails "alice cannot commit the unowned one" dk_as alice commit old acommit:3
t_fails "alice cannot rm bob's" dk_as alice rm -f bweb
t_like "... whose it is" "$E2E_OUT" "belongs to bob"
t_fails "alice cannot rename bob's" dk_as alice rename bweb mine
t_fails "alice cannot start the unowned one" dk_as alice start old
t_ok "admin can" dk_as admin start old

# --- references -----------------------------------------------------------
req alice GET "/v1.41/containers/$AWEB/json"
t_ok "alice: by full ID" past_plugin
req alice GET "/v1.41/containers/$(short "$AWEB")/json"
t_ok "alice: by ID prefix" past_plugin
req alice GET "/v1.41/containers/$(short "$BWEB")/json"
t_ok "alice: bob's by ID prefix is denied" denied
req alice GET "/v1.41/containers/$BWEB/json"
t_ok "alice: bob's by full ID is denied" denied
req alice POST /v1.41/networks/anet/connect '{"Container":"/aweb"}'
t_ok "alice: /aweb in a network connect is hers" past_plugin
req alice POST /v1.41/networks/anet/connect '{"Container":"/bweb"}'
t_ok "alice: /bweb is denied" denied
t_like "... as bob's" "$OUT" 'Container: container bweb .* belongs to bob'
# an ambiguous prefix: containers of bob's until one shares aweb's first digit
p1=${AWEB:0:1}
# (each create shares it one time in 16: 300 leave a chance of 1 in 2.5e8)
for i in $(seq 300); do
	[ "$(dk_local ps -aq --no-trunc | grep -c "^$p1")" -ge 2 ] && break
	o=$(dk_as bob create --name "amb$i" --network none e2e-busybox true 2>&1) ||
		{ echo "# bob's create amb$i failed: $o"; break; }
done
echo "# $i creates; IDs beginning with $p1: $(dk_local ps -aq --no-trunc | grep -c "^$p1")"
req admin GET "/v1.41/containers/$p1/json"
t_like "admin: dockerd itself refuses the ambiguous prefix $p1" "$OUT" '[Mm]ultiple IDs found'
req alice GET "/v1.41/containers/$p1/json"
t_ok "alice: the ambiguous prefix $p1 is denied" denied
t_like "... as ambiguous" "$OUT" "container reference .{1,2}$p1.{1,2} is ambiguous"
req alice GET "/v1.41/containers/nosuch/json"
t_ok "alice: an unknown name is denied" denied
t_like "... naming it" "$OUT" 'no container .{1,2}nosuch.{1,2} is known'

# --- execs ----------------------------------------------------------------
exec_id() { # CN CONTAINER: an exec made (not started), its ID
	curl_as "$1" -s -X POST -H 'Content-Type: application/json' \
		-d '{"Cmd":["/bin/true"]}' "$URL/v1.41/containers/$2/exec" |
		sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p'
}
AEXEC=$(exec_id alice aweb)
BEXEC=$(exec_id bob bweb)
CEXEC=$(exec_id admin agent)
t_ok "three execs made (alice's, bob's, admin's in the agent)" test -n "$AEXEC" -a -n "$BEXEC" -a -n "$CEXEC"
for e in "$CEXEC|admin" "$BEXEC|bob"; do
	x=${e%|*}
	who=${e#*|}
	req alice GET "/v1.41/exec/$x/json"
	t_ok "alice: inspect of $who's exec is denied" denied
	t_like "... as $who's" "$OUT" "exec $(short "$x") belongs to $who"
	req alice POST "/v1.41/exec/$x/start" '{"Detach":true}'
	t_ok "alice: start of $who's exec is denied" denied
	req alice POST "/v1.41/exec/$x/resize?h=1&w=1"
	t_ok "alice: resize of $who's exec is denied" denied
done
req admin POST "/v1.41/exec/$CEXEC/start" '{"Detach":true}'
t_ok "admin starts the exec admin made" past_plugin
req alice GET "/v1.41/exec/$AEXEC/json"
t_ok "alice inspects her own exec" past_plugin
req alice POST "/v1.41/exec/$AEXEC/start" '{"Detach":true}'
t_ok "alice starts her own exec" past_plugin
# an exec whose maker is not known is its container's: admin's exec in
# the unowned container, made the administrator's no longer
OEXEC=$(exec_id admin old)
t_ok "the administrator unsets the owner of admin's exec in old" \
	"$E2E_TOP/plugin/cnauthz" owners --state-dir "$STATE" unset exec "$OEXEC"
req alice GET "/v1.41/exec/$OEXEC/json"
t_ok "alice: the unowned exec is denied" denied
t_like "... as unowned" "$OUT" "exec $(short "$OEXEC") is unowned"

# --- attach to admin's shell, archive through admin's bind ----------------
t_ok "admin makes a container with a bind of /etc, never started" \
	dk_as admin create --name binder -v /etc:/hostetc --network none e2e-busybox true
req admin GET "/v1.41/containers/binder/archive?path=/hostetc/hostname"
t_is "admin reads the host's /etc/hostname through it" "$CODE" 200
for m in GET HEAD; do
	req alice "$m" "/v1.41/containers/binder/archive?path=/hostetc/hostname"
	t_ok "alice: $m archive through admin's bind is denied" denied
done
REQ_CT=application/x-tar req alice PUT "/v1.41/containers/binder/archive?path=/hostetc" x
t_ok "alice: PUT archive through admin's bind is denied" denied
for p in "POST|/attach?stream=1&stdin=1&stdout=1" "GET|/attach/ws?stream=1" "GET|/export" "GET|/logs?stdout=1"; do
	req alice "${p%%|*}" "/v1.41/containers/agent${p#*|}"
	t_ok "alice: ${p%%|*} ${p#*|} on admin's agent is denied" denied
done
t_ok "admin makes a --pid host container, stopped" \
	dk_as admin create --name pidagent --pid host --network none e2e-busybox sleep 600
t_fails "alice cannot start admin's --pid host container" dk_as alice start pidagent
t_like "... as admin's" "$E2E_OUT" 'container pidagent .* belongs to admin'
t_ok "admin can" dk_as admin start pidagent
for c in stop kill restart pause rm; do
	t_fails "alice cannot $c admin's agent" dk_as alice "$c" agent
done
t_fails "alice cannot rename admin's agent" dk_as alice rename agent mine

# --- volumes --------------------------------------------------------------
t_ok "admin makes a local volume bound to /etc" \
	dk_as admin volume create --opt type=none --opt o=bind --opt device=/etc hostetc
t_ok "admin mounts it" dk_as admin run --rm -v hostetc:/x --network none e2e-busybox ls /x/hostname
t_fails "alice cannot mount it (Binds)" dk_as alice run --rm -v hostetc:/x --network none e2e-busybox ls /x
t_like "... admin's" "$E2E_OUT" 'HostConfig.Binds: volume hostetc belongs to admin'
t_fails "alice cannot mount it (Mounts)" dk_as alice run --rm --mount type=volume,src=hostetc,dst=/x --network none e2e-busybox true
t_like "... admin's" "$E2E_OUT" 'HostConfig.Mounts: volume hostetc belongs to admin'
t_ok "alice mounts her own" dk_as alice run --rm -v avol:/x --network none e2e-busybox true
t_fails "alice cannot mount bob's" dk_as alice run --rm -v bvol:/x --network none e2e-busybox true
t_fails "alice cannot mount the unowned one" dk_as alice run --rm -v oldvol:/x --network none e2e-busybox true
t_like "... unowned" "$E2E_OUT" 'volume oldvol is unowned'
t_ok "alice makes a volume by mounting it" dk_as alice run --rm -v anew:/x --network none e2e-busybox true
t_fails "... which bob cannot mount" dk_as bob run --rm -v anew:/x --network none e2e-busybox true
t_like "... as alice's" "$E2E_OUT" 'volume anew belongs to alice'
for v in bvol oldvol hostetc; do
	req alice GET "/v1.41/volumes/$v"
	t_ok "alice: inspect of volume $v is denied" denied
	req alice DELETE "/v1.41/volumes/$v"
	t_ok "alice: removal of volume $v is denied" denied
done
req alice POST /v1.41/volumes/create '{"Name":"bvol"}'
t_ok "alice: a create of bob's volume's name is denied (dockerd would hand it over)" denied
req alice GET /v1.41/volumes/avol
t_ok "alice inspects her own volume" past_plugin

# --- networks -------------------------------------------------------------
t_ok "admin makes an --internal network" dk_as admin network create --internal adminnet
t_fails "alice cannot join admin's network" dk_as alice run --rm --network adminnet e2e-busybox true
t_like "... admin's" "$E2E_OUT" 'HostConfig.NetworkMode: network adminnet .* belongs to admin'
t_fails "alice cannot connect her container to it" dk_as alice network connect adminnet aweb
t_fails "alice cannot connect admin's container to her network" dk_as alice network connect anet agent
t_like "... admin's container" "$E2E_OUT" 'Container: container agent .* belongs to admin'
t_ok "alice makes a container on her network" \
	dk_as alice create --name acon --network anet e2e-busybox true
t_ok "... disconnects it" dk_as alice network disconnect anet acon
t_ok "... and connects it again" dk_as alice network connect anet acon
t_fails "bob cannot connect his to alice's network" dk_as bob network connect anet bweb
t_like "... alice's" "$E2E_OUT" 'network anet .* belongs to alice'
t_fails "bob cannot connect alice's container to his network" dk_as bob network connect bnet aweb
for n in bnet oldnet; do
	t_fails "alice cannot inspect network $n" dk_as alice network inspect "$n"
	t_fails "alice cannot remove network $n" dk_as alice network rm "$n"
done
t_ok "alice runs on her network" dk_as alice run --rm --network anet e2e-busybox true

# --- joining namespaces, VolumesFrom, Links: both ways ---------------------
t_ok "alice joins her own container's network namespace" \
	dk_as alice run --rm --network container:aweb e2e-busybox true
t_ok "... its PID namespace" \
	dk_as alice run --rm --network none --pid container:aweb e2e-busybox true
t_ok "... and its volumes" dk_as alice run --rm --network none --volumes-from aweb e2e-busybox true
t_fails "alice cannot join bob's network namespace" dk_as alice run --rm --network container:bweb e2e-busybox true
t_like "... bob's" "$E2E_OUT" 'NetworkMode: container bweb .* belongs to bob'
t_fails "alice cannot join admin's agent's PID namespace" dk_as alice run --rm --network none --pid container:agent e2e-busybox true
t_fails "alice cannot take bob's volumes" dk_as alice run --rm --network none --volumes-from bweb e2e-busybox true
req alice POST /v1.41/containers/create '{"Image":"e2e-busybox","HostConfig":{"NetworkMode":"none","Links":["bweb:b"]}}'
t_ok "alice cannot link bob's container" denied
t_like "... Links" "$OUT" 'HostConfig.Links: container bweb'
req alice POST /v1.41/containers/create '{"Image":"e2e-busybox","HostConfig":{"NetworkMode":"none","IpcMode":"container:bweb"}}'
t_ok "alice cannot join bob's IPC namespace" denied
t_fails "bob cannot join alice's" dk_as bob run --rm --network container:aweb e2e-busybox true
t_fails "bob cannot take alice's volumes" dk_as bob run --rm --network none --volumes-from aweb e2e-busybox true

# --- image tags -----------------------------------------------------------
t_ok "admin tags a tool" dk_as admin tag e2e-busybox tool:1
t_fails "alice cannot tag over admin's tag" dk_as alice tag e2e-busybox tool:1
t_like "... admin's" "$E2E_OUT" 'image tag docker.io/library/tool:1 belongs to admin'
t_fails "alice cannot commit over admin's tag" dk_as alice commit aweb tool:1
t_fails "alice cannot remove admin's tag" dk_as alice rmi tool:1
t_fails "alice cannot tag over bob's" dk_as alice tag e2e-busybox bapp:1
t_fails "alice cannot tag over the unowned e2e-busybox" dk_as alice tag aapp:1 e2e-busybox
t_like "... unowned" "$E2E_OUT" 'image tag docker.io/library/e2e-busybox:latest is unowned'
t_fails "alice cannot remove the unowned e2e-busybox" dk_as alice rmi e2e-busybox
t_fails "alice cannot pull over bob's tag" dk_as alice pull bapp:1
t_like "... bob's" "$E2E_OUT" 'a pull would move image tag docker.io/library/bapp:1, which belongs to bob'
t_ok "alice moves her own tag" dk_as alice tag acommit:1 aapp:1
t_ok "admin's tool is still e2e-busybox" test "$(id_of tool:1)" = "$(id_of e2e-busybox)"

# --- names that spell an ID prefix ------------------------------------------
t_fails "alice cannot name a container after admin's agent's short ID" \
	dk_as alice create --name "$(short "$AGENT")" --network none e2e-busybox true
t_like "... all hex" "$E2E_OUT" "container name .{1,2}$(short "$AGENT").{1,2} is all hex digits"
t_fails "alice cannot rename hers to one" dk_as alice rename aweb cafe
t_fails "alice cannot name a network so" dk_as alice network create "$(short "$(id_of bnet)")"
t_like "... all hex" "$E2E_OUT" 'network name .* is all hex digits'
IMG=$(id_of e2e-busybox)
IMG=${IMG#sha256:}
t_fails "alice cannot tag an image with a short image ID" dk_as alice tag e2e-busybox "$(short "$IMG")"
t_like "... hex" "$E2E_OUT" 'a repository name of hex digits'
t_ok "admin's run of that short ID still runs admin's image" \
	dk_as admin run --rm --network none "$(short "$IMG")" true

# --- rename, rm and reuse --------------------------------------------------
t_ok "alice renames aweb to aweb2" dk_as alice rename aweb aweb2
req alice GET /v1.41/containers/aweb2/json
t_ok "alice: aweb2 is hers" past_plugin
req alice GET /v1.41/containers/aweb/json
t_ok "alice: aweb is gone" denied
t_ok "bob renames bweb to bweb2" dk_as bob rename bweb bweb2
req alice GET /v1.41/containers/bweb2/json
t_ok "alice: bweb2 is bob's" denied
t_ok "alice removes aweb2" dk_as alice rm -f aweb2
t_ok "bob makes a container called aweb2" dk_as bob create --name aweb2 --network none e2e-busybox true
req alice GET /v1.41/containers/aweb2/json
t_ok "alice: the new aweb2 is denied" denied
t_like "... as bob's" "$OUT" 'container aweb2 .* belongs to bob'
t_ok "alice removes avol" dk_as alice volume rm avol
t_ok "bob makes a volume avol" dk_as bob volume create avol
t_fails "alice: the new avol is bob's" dk_as alice volume inspect avol
t_ok "alice removes anet" dk_as alice network rm anet
t_ok "bob makes a network anet" dk_as bob network create anet
t_fails "alice: the new anet is bob's" dk_as alice network inspect anet
t_ok "alice removes her tag aapp:1" dk_as alice rmi aapp:1
t_ok "bob tags aapp:1" dk_as bob tag e2e-busybox aapp:1
t_fails "alice: aapp:1 is bob's now" dk_as alice rmi aapp:1

# --- the audit record names object and owner; test --explain --------------
t_ok "a denial's audit record names the object and its owner" \
	grep -q "\"path\":\"/containers/bweb/stop\".*\"decision\":\"deny\".*\"objects\":\[{\"kind\":\"container\",\"ref\":\"bweb\",\"id\":\"$BWEB\",\"name\":\"bweb\",\"owner\":\"bob\"" "$AUDIT"
t_ok "... and an allowed call's too" \
	grep -q "\"path\":\"/containers/$AWEB/json\".*\"decision\":\"allow\".*\"owner\":\"alice\"" "$AUDIT"
t_ok "cnauthz's own requests are recorded as its own" \
	grep -q '"path":"/containers/json".*"rule":"cnauthz:self"' "$AUDIT"
t_fails "cnauthz test --explain, with the state" "$E2E_TOP/plugin/cnauthz" test --rules "$RULES" \
	--state-dir "$STATE" --cn alice --method POST --uri /v1.41/containers/bweb2/stop --explain
t_like "... shows whose it is" "$E2E_OUT" 'container bweb2 .* belongs to bob'
t_ok "... and an allowed one" "$E2E_TOP/plugin/cnauthz" test --rules "$RULES" \
	--state-dir "$STATE" --cn bob --method POST --uri /v1.41/containers/bweb2/stop --explain
t_like "... the owner that decided" "$E2E_OUT" 'container bweb2 .* is owned by bob'

# --- the administrator assigns an owner ------------------------------------
t_ok "cnauthz owners set container old alice" \
	"$E2E_TOP/plugin/cnauthz" owners --state-dir "$STATE" set container old alice
t_ok "alice may now stop old" dk_as alice stop -t 0 old
t_ok "cnauthz owners list shows it" "$E2E_TOP/plugin/cnauthz" owners --state-dir "$STATE" list
t_like "... alice's old" "$E2E_OUT" "container +alice +- +$(short "$OLD") +old"

# --- restarts --------------------------------------------------------------
t_ok "alice keeps a container" dk_as alice create --name akeep --network none e2e-busybox sleep 600
req alice POST "/v1.41/containers/akeep/wait?condition=not-running"
t_is "alice waits for her own" "$CODE" 200
req alice POST "/v1.41/containers/bweb2/wait?condition=not-running"
t_ok "alice cannot wait for bob's" denied
t_ok "cnauthz stops" e2e_stop_plugin "$E2E_PLUGIN"
t_ok "cnauthz starts again" e2e_start_plugin "$E2E_PLUGIN" "${PLUGIN_ARGS[@]}"
t_ok "... and follows dockerd" following 2
t_ok "alice still owns akeep" dk_as alice start akeep
t_fails "bob still does not" dk_as bob stop akeep
t_like "... alice's" "$E2E_OUT" 'container akeep .* belongs to alice'
t_ok "dockerd stops" e2e_stop_dockerd
t_ok "dockerd starts again" e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
URL=https://127.0.0.1:$E2E_PORT
t_ok "... and cnauthz follows it again" following 3
t_ok "alice still owns akeep" dk_as alice start akeep
t_fails "bob still does not" dk_as bob stop akeep
t_ok "alice's volume anew is still hers" dk_as alice volume inspect anew
t_fails "... not bob's" dk_as bob volume inspect anew

# --- the state cannot be written, or read: fail closed ---------------------
t_ok "the state directory turns read-only" mount -o remount,ro "$STATE"
t_ok "alice creates a container (owned, in memory)" \
	dk_as alice create --name aro --network none e2e-busybox true
for _ in $(seq 50); do grep -q 'cannot be written' "$E2E_TMP/plugin.log" && break; sleep 0.1; done
t_fails "alice's object-scoped calls are denied" dk_as alice start akeep
t_like "... saying why" "$E2E_OUT" 'ownership cannot be judged: .*owners.json cannot be written: Read-only file system'
t_like "... and the log says it" "$(cat "$E2E_TMP/plugin.log")" 'ownership: .*owners.json cannot be written'
t_ok "... and so does the audit record" grep -q '"msg":"alice may not POST /containers/akeep/start: ownership cannot be judged' "$AUDIT"
t_ok "admin's are not" dk_as admin stop -t 0 akeep
t_ok "the state directory turns writable again" mount -o remount,rw "$STATE"
for _ in $(seq 50); do grep -q 'written again' "$E2E_TMP/plugin.log" && break; sleep 0.1; done
t_ok "alice's calls are judged again" dk_as alice start akeep
t_ok "... aro is hers" dk_as alice rm aro
t_ok "cnauthz stops" e2e_stop_plugin "$E2E_PLUGIN"
cp "$STATE/owners.json" "$E2E_TMP/owners.good"
printf 'not json\n' >"$STATE/owners.json"
t_ok "cnauthz starts with an unreadable state file" e2e_start_plugin "$E2E_PLUGIN" "${PLUGIN_ARGS[@]}"
t_ok "... says why in its log" grep -q 'ownership: .*owners.json: line 1' "$E2E_TMP/plugin.log"
for _ in $(seq 50); do dk_as admin version >/dev/null 2>&1 && break; sleep 0.1; done
t_fails "alice's object-scoped calls are denied" dk_as alice stop akeep
t_like "... saying why" "$E2E_OUT" 'ownership cannot be judged: .*owners.json: line 1'
t_ok "admin's are not" dk_as admin stop -t 0 akeep
t_ok "admin still makes things" dk_as admin create --name adm2 --network none e2e-busybox true
sleep 0.3
t_is "... and the unreadable file is left as it was" "$(cat "$STATE/owners.json")" "not json"
t_ok "cnauthz stops" e2e_stop_plugin "$E2E_PLUGIN"
cp "$E2E_TMP/owners.good" "$STATE/owners.json"
t_ok "cnauthz starts with the file put right" e2e_start_plugin "$E2E_PLUGIN" "${PLUGIN_ARGS[@]}"
for _ in $(seq 50); do dk_as alice start akeep >/dev/null 2>&1 && break; sleep 0.1; done
t_ok "alice's calls are judged again" dk_as alice stop -t 0 akeep

done_testing
