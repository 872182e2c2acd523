#!/bin/bash
# One CN cannot slow every other. While "client" floods a real TLS dockerd
# with the most expensive container creates cnauthz will read (bodies just
# under the 1 MiB dockerd forwards: one of 9,000 Env strings, read to the
# end and denied by a rule, and one of ~500,000 tiny values in arrays of
# 9,990, denied at the 20,001st), 8 at a time for FAIRNESS_SECONDS (20), another CN's
# GET /_ping through dockerd keeps its median within 2x of its idle
# median, and nothing fails: every ping answers 200, every create 403 from
# the plugin. The design this holds by: large bodies take fair turns in a
# heavy slot (server.h), small calls never wait behind them.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
URL=https://127.0.0.1:$E2E_PORT
SECS=${FAIRNESS_SECONDS:-20}
B=$E2E_TMP/bodies
mkdir -p "$B"

# The two worst cases, each under 1 MiB so that dockerd forwards it.
awk 'BEGIN {
	printf "{\"Image\":\"e2e-none\",\"Env\":["
	for (i = 0; i < 9000; i++)
		printf "%s\"BENCH_VARIABLE_%05d=a value of about one hundred bytes, as a compose file would set it, xxxxxxxxx\"", (i ? "," : ""), i
	printf "],\"HostConfig\":{\"Privileged\":true}}"
}' >"$B/env.json"
awk 'BEGIN {
	printf "{\"Image\":\"e2e-none\",\"Labels\":{\"a\":\"b\"},\"Cmd\":[\"true\"],\"X\":["
	for (a = 0; a < 50; a++) {
		printf "%s[0", (a ? "," : "")
		for (i = 1; i < 9990; i++)
			printf ",0"
		printf "]"
	}
	printf "]}"
}' >"$B/values.json"
for f in env values; do
	size=$(stat -c %s "$B/$f.json")
	t_ok "the $f body is under dockerd's 1 MiB ($size bytes)" test "$size" -lt 1048576
done

# The limits hold through dockerd: one of each, as client.
code() { curl_as client -s -o "$E2E_TMP/out" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary @"$1" "$URL/containers/create"; }
t_is "the 9,000-Env privileged create is denied" "$(code "$B/env.json")" 403
t_like "... by the rule, having read it all" "$(cat "$E2E_TMP/out")" "HostConfig.Privileged is true"
t_is "the 500,000-value create is denied" "$(code "$B/values.json")" 403
t_like "... at the value limit, saying which" "$(cat "$E2E_TMP/out")" \
	"more than 20000 JSON values .BODY_MAX_NODES"

# pings FILE SECONDS: admin's GET /_ping, one new TLS connection each (as a
# CLI call makes), until SECONDS have passed; "CODE TIME_S" per line.
pings() {
	local end=$((SECONDS + $2))
	: >"$1"
	while ((SECONDS < end)); do
		curl_as admin -s -o /dev/null -w '%{http_code} %{time_total}\n' \
			"$URL/_ping" >>"$1"
	done
}
median_ms() { awk '{ print $2 * 1000 }' "$1" | sort -n |
	awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pings "$E2E_TMP/idle" 5
IDLE=$(median_ms "$E2E_TMP/idle")
note "idle: $(wc -l <"$E2E_TMP/idle") pings, median $IDLE ms"

# The flood: one curl, 8 transfers at a time on kept-alive TLS
# connections, the two bodies alternating, for SECS seconds.
flood() { # BODY OUT: 4 at a time (two floods: 8)
	timeout -s INT "$SECS" stdbuf -oL curl -s --noproxy '*' --cacert "$E2E_TMP/pki/client/ca.pem" \
		--cert "$E2E_TMP/pki/client/cert.pem" --key "$E2E_TMP/pki/client/key.pem" \
		--parallel --parallel-max 4 -X POST -H 'Content-Type: application/json' \
		--data-binary @"$1" -o /dev/null -w '%{http_code}\n' \
		"$URL/containers/create?n=[1-1000000]" >"$2" 2>/dev/null
}
[ -r "$E2E_TMP/pki/client/cert.pem" ] ||
	e2e_bail "client certificate not where this test looks for it"
# CPU seconds a process has used (user + system)
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
PPID_=${_e2e_plugin_pids[$E2E_PLUGIN]}
DPID_=$_e2e_dockerd_pid
p0=$(cpu_s "$PPID_") d0=$(cpu_s "$DPID_")
flood "$B/env.json" "$E2E_TMP/flood1" &
f1=$!
flood "$B/values.json" "$E2E_TMP/flood2" &
f2=$!
sleep 2
pings "$E2E_TMP/busy" $((SECS - 4))
wait "$f1" "$f2"
BUSY=$(median_ms "$E2E_TMP/busy")
sent=$(cat "$E2E_TMP/flood1" "$E2E_TMP/flood2" | wc -l)
denied=$(cat "$E2E_TMP/flood1" "$E2E_TMP/flood2" | grep -c '^403$')
note "flood: $sent creates answered in ${SECS} s ($denied of them 403);" \
	"CPU used meanwhile: plugin $(awk -v a="$p0" -v b="$(cpu_s "$PPID_")" 'BEGIN { print b - a }') s," \
	"dockerd $(awk -v a="$d0" -v b="$(cpu_s "$DPID_")" 'BEGIN { print b - a }') s"
note "busy: $(wc -l <"$E2E_TMP/busy") pings, median $BUSY ms (idle $IDLE ms)"

t_ok "the flood ran: at least 50 creates answered" test "$sent" -ge 50
t_is "every create the flood sent was denied by the plugin (403), none failed" \
	"$(cat "$E2E_TMP/flood1" "$E2E_TMP/flood2" | grep -vc '^403$')" 0
t_ok "pings were made during the flood" test "$(wc -l <"$E2E_TMP/busy")" -ge 10
t_is "every ping answered 200, idle and during the flood" \
	"$(cat "$E2E_TMP/idle" "$E2E_TMP/busy" | grep -vc '^200 ')" 0
t_ok "the ping median during the flood ($BUSY ms) is within 2x the idle one ($IDLE ms)" \
	awk -v b="$BUSY" -v i="$IDLE" 'BEGIN { exit !(b <= 2 * i) }'
t_ok "the plugin is still running" kill -0 "${_e2e_plugin_pids[$E2E_PLUGIN]}"
done_testing
