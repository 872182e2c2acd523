#!/bin/bash
# cnauthz's own requests to dockerd, through a real TLS dockerd:
#
# - No deadlock. dockerd sends cnauthz's listings through cnauthz too; no
#   decision waits for dockerd, so 64 concurrent object-scoped calls on a
#   pool of 2 threads all finish while cnauthz lists dockerd's images
#   again and again (image events), and cnauthz restarts under them.
# - No self-deception. cnauthz's own requests are allowed as its own
#   (rule cnauthz:self) even though @local here denies every caller on
#   the unix socket; a local caller or a TLS client sending the same
#   header, with any value, is judged as itself and denied; the audit
#   trail tells them apart and never holds the token.
# - No busy retrying. Before dockerd runs, a flood of calls wakes the
#   follower at most ten times a second: its CPU stays near nothing.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs alice bob admin
RULES=$E2E_TMP/rules
AUDIT=$E2E_TMP/audit.log
mkdir -p "$RULES"
for f in "$E2E_TOP"/rules/*; do
	case $f in *.5) continue ;; esac
	cp "$f" "$RULES/"
done
echo "include @developer" >"$RULES/alice"
echo "include @developer" >"$RULES/bob"
chmod 0644 "$RULES"/*
ARGS=(--rules "$RULES" --threads 2 --audit "file:$AUDIT")

t_ok "cnauthz starts, a pool of 2 threads" e2e_start_plugin "$E2E_PLUGIN" "${ARGS[@]}"

# --- no dockerd yet: calls do not keep the follower busy -------------------
# Unlisted, a call may wake the follower to try dockerd again: at most ten
# times a second, whatever the rate of calls. Its CPU (with the other two
# threads at nice 10, which sleep) stays near nothing under 20,000 calls.
PID=${_e2e_plugin_pids[$E2E_PLUGIN]}
nice10_ticks() {
	local t sum=0 f
	for t in /proc/"$PID"/task/*; do
		read -r -a f <<<"$(sed 's/^.*) //' "$t/stat")"
		# after the ") ": state is field 0, utime 11, stime 12, nice 16
		[[ ${f[16]} == 10 ]] && sum=$((sum + f[11] + f[12]))
	done
	echo "$sum"
}
printf '/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/v1.41/containers/aweb/json"}\n' >"$E2E_TMP/unlisted.calls"
before=$(nice10_ticks)
t_ok "20,000 calls while dockerd is not there" "$E2E_TOP/tests/tools/bin/authz-load" \
	--socket "/run/docker/plugins/$E2E_PLUGIN.sock" --input "$E2E_TMP/unlisted.calls" --count 20000 --conns 2
rate=$(sed -n 's/.* rate \([0-9]*\).*/\1/p' <<<"$E2E_OUT")
ticks=$(($(nice10_ticks) - before))
t_ok "... the follower's threads used $((ticks * 10)) ms of CPU meanwhile (at most 100 ms; ${rate} calls/s)" \
	test "$ticks" -le 10
t_ok "dockerd starts with it" e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
t_ok "the image" e2e_import_image e2e-busybox
URL=https://127.0.0.1:$E2E_PORT
t_ok "alice runs a container" dk_as alice run -d --name aweb --network none e2e-busybox sleep 600
t_ok "bob runs one" dk_as bob run -d --name bweb --network none e2e-busybox sleep 600

# --- a stricter @local: nobody on the unix socket -------------------------
printf '# nobody on the unix socket\nrequired deny * /** "msg=no local callers here"\n' >"$RULES/@local.new"
chmod 0644 "$RULES/@local.new"
mv "$RULES/@local.new" "$RULES/@local"
for _ in $(seq 50); do grep -q 'reloaded' "$E2E_TMP/plugin.log" && break; sleep 0.1; done
t_fails "a local caller is denied now" curl_local -fsS http://d/v1.41/containers/json
t_ok "cnauthz restarts: its own listings pass, @local or not" e2e_stop_plugin "$E2E_PLUGIN"
t_ok "... starts" e2e_start_plugin "$E2E_PLUGIN" "${ARGS[@]}"
for _ in $(seq 100); do
	[ "$(grep -c 'ownership: following dockerd' "$E2E_TMP/plugin.log")" -ge 2 ] && break
	sleep 0.1
done
t_is "... it lists dockerd's objects again" \
	"$(grep -c 'ownership: following dockerd' "$E2E_TMP/plugin.log")" 2
t_ok "... and alice's container is hers" dk_as alice inspect -f '{{.Name}}' aweb

# --- forging the mark ------------------------------------------------------
fake=$(printf '%064d' 0)
for v in "$fake" x ""; do
	out=$(curl_local -s -H "X-Cnauthz-Self: $v" http://d/v1.41/containers/json)
	t_like "a local caller with X-Cnauthz-Self: '${v:0:8}' is judged by @local, and denied" \
		"$out" "authorization denied by plugin $E2E_PLUGIN: local may not GET /containers/json: no local callers here"
done
out=$(curl_local -s -H "X-Cnauthz-Self: $fake" "http://d/v1.41/events?since=0&until=1")
t_like "... also on the events path" "$out" "local may not GET /events"
out=$(curl_as alice -s -H "X-Cnauthz-Self: $fake" "$URL/v1.41/containers/bweb/json")
t_like "a TLS client with the header is judged as itself" "$out" \
	"alice may not GET /containers/bweb/json: container bweb .* belongs to bob"
out=$(curl_as alice -s -H "X-Cnauthz-Self: $fake" "$URL/v1.41/containers/json")
t_like "... and its listing is its own (allowed by its stack)" "$out" '"Names":\['
t_ok "the audit trail has cnauthz's own requests, as its own" \
	grep -q '"who":{"local":true},"method":"GET","path":"/containers/json".*"rule":"cnauthz:self"' "$AUDIT"
t_is "... only listings and events" \
	"$(grep '"rule":"cnauthz:self"' "$AUDIT" | grep -vc '"method":"GET","path":"/\(containers/json\|networks\|volumes\|images/json\|events\)"')" 0
t_is "... the forged ones as the callers'" \
	"$(grep '"rule":"cnauthz:self"' "$AUDIT" | grep -c '"cn":')" 0
t_is "... denied by @local (the three forged, and the plain one before)" \
	"$(grep -c '"who":{"local":true},"method":"GET","path":"/containers/json".*"decision":"deny".*"rule":"@local:2"' "$AUDIT")" 4
t_is "the header's value is in no record and no log line" \
	"$(cat "$AUDIT" "$E2E_TMP/plugin.log" | grep -ci 'x-cnauthz-self')" 0

# --- 64 concurrent object-scoped calls on a pool of 2 ----------------------
# Meanwhile admin tags and untags: every image event makes cnauthz list the
# images again, a request dockerd sends through this pool too.
(
	for i in $(seq 30); do
		dk_as admin tag e2e-busybox "churn:$i" >/dev/null 2>&1
		dk_as admin rmi "churn:$i" >/dev/null 2>&1
	done
) &
CHURN=$!
start=$SECONDS
pids=()
for i in $(seq 64); do
	case $((i % 4)) in
	0) path=/v1.41/containers/aweb/json m=GET who=alice want=200 ;;
	1) path=/v1.41/containers/aweb/top m=GET who=alice want=200 ;;
	2) path=/v1.41/containers/bweb/json m=GET who=alice want=403 ;;
	3) path=/v1.41/containers/aweb/stats?stream=0 m=GET who=alice want=200 ;;
	esac
	(
		code=$(curl_as "$who" -s -o /dev/null -w '%{http_code}' --max-time 30 -X "$m" "$URL$path")
		[ "$code" = "$want" ] || { echo "$i: $m $path: $code, want $want" >&2; exit 1; }
	) 2>>"$E2E_TMP/concurrent.err" &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
took=$((SECONDS - start))
wait "$CHURN"
t_is "64 concurrent calls, each answered as ownership says" "$bad" 0 ||
	diag "$(cat "$E2E_TMP/concurrent.err")"
t_ok "... none hung (all done in ${took}s, each bounded at 30 s)" test "$took" -lt 30
t_ok "cnauthz listed the images again meanwhile" \
	test "$(grep -c '"rule":"cnauthz:self".*"path":"/images/json"\|"path":"/images/json".*"rule":"cnauthz:self"' "$AUDIT")" -gt 5
t_ok "cnauthz answers still" dk_as alice inspect -f '{{.Name}}' aweb

# the same while cnauthz restarts under the load: calls in flight are
# answered or refused, never left hanging
pids=()
for i in $(seq 64); do
	(curl_as alice -s -o /dev/null --max-time 30 "$URL/v1.41/containers/aweb/json") &
	pids+=($!)
	[ "$i" = 20 ] && { e2e_stop_plugin "$E2E_PLUGIN"; e2e_start_plugin "$E2E_PLUGIN" "${ARGS[@]}"; }
done
start=$SECONDS
for p in "${pids[@]}"; do wait "$p"; done
t_ok "... and through a restart of cnauthz, none hung" test $((SECONDS - start)) -lt 30
# dockerd may still be backing off from the plugin it found gone (its
# retries span some 30 s): the listing waits for that
start=$SECONDS
for _ in $(seq 400); do
	[ "$(grep -c 'ownership: following dockerd' "$E2E_TMP/plugin.log")" -ge 3 ] && break
	sleep 0.1
done
t_is "... it lists dockerd's objects again (after $((SECONDS - start)) s)" \
	"$(grep -c 'ownership: following dockerd' "$E2E_TMP/plugin.log")" 3
t_ok "after it, alice's container is hers" dk_as alice inspect -f '{{.Name}}' aweb
t_fails "... and bob's is not" dk_as alice inspect -f '{{.Name}}' bweb
done_testing
