#!/bin/bash
# serve --metrics: the Prometheus exposition on 127.0.0.1:PORT and on a
# unix socket, its counts after known calls, promtool's check of it, and a
# real Prometheus (Debian's package, on loopback, a scratch storage dir)
# scraping one instance and answering queries for the count and the hash.
# Bounded: every wait has a deadline; about 10 s in all.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/prom.sh"

command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"

scrape_tcp() { curl -s --max-time 10 "http://127.0.0.1:$1/metrics"; }
# the value of the series named exactly $2 in exposition $1
value() { awk -v k="$2" '$1 == k { print $2 }' <<<"$1"; }

t_fails "--metrics-cn-label without --metrics: refused" \
	"$BIN" serve --rules "$E2E_TOP/rules" --metrics-cn-label --socket "$E2E_TMP/x.sock"
t_like "... saying so" "$E2E_OUT" 'metrics-cn-label needs --metrics ADDR'
t_fails "--metrics on a non-loopback address: refused" \
	"$BIN" serve --rules "$E2E_TOP/rules" --metrics 0.0.0.0:9 --socket "$E2E_TMP/x.sock"
t_like "... saying why" "$E2E_OUT" 'loopback only'

PORT=$(free_port)
A=$E2E_PLUGIN-a
B=$E2E_PLUGIN-b
MSOCK=$E2E_TMP/metrics.sock
t_ok "an instance with --metrics 127.0.0.1:PORT starts" \
	e2e_start_plugin "$A" --rules "$E2E_TOP/rules" --metrics "127.0.0.1:$PORT"
t_ok "an instance with --metrics on a unix socket starts" \
	e2e_start_plugin "$B" --rules "$E2E_TOP/rules" --metrics "$MSOCK" --metrics-cn-label
t_is "the metrics socket is mode 0600" "$(stat -c %a "$MSOCK")" 600

# 300 calls: 100 allowed by @local, 100 identity refusals, 100 malformed
cat >"$E2E_TMP/calls" <<'CALLS'
/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/v1.41/containers/json"}
/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/_ping","User":"client"}
/AuthZPlugin.AuthZReq not json
CALLS
t_ok "300 calls to the first instance, 4 connections" \
	timeout 60 "$LOAD" --socket "/run/docker/plugins/$A.sock" --input "$E2E_TMP/calls" --count 300 --conns 4
t_ok "... and 30 to the second" \
	timeout 60 "$LOAD" --socket "/run/docker/plugins/$B.sock" --input "$E2E_TMP/calls" --count 30 --conns 1

M=$(scrape_tcp "$PORT")
printf '%s\n' "$M" >"$E2E_TMP/a.prom"
t_is "allowed by @local: 100" "$(value "$M" 'cnauthz_decisions_by_file_total{verdict="allow",file="@local"}')" 100
t_is "denied before any stack ran: 200" "$(value "$M" 'cnauthz_decisions_by_file_total{verdict="deny",file="(none)"}')" 200
t_is "identity refusals: 100" "$(value "$M" cnauthz_identity_refusals_total)" 100
t_is "malformed requests: 100" "$(value "$M" cnauthz_malformed_requests_total)" 100
t_is "the latency histogram counts all 300" "$(value "$M" cnauthz_decision_seconds_count)" 300
t_is "... +Inf as well" "$(value "$M" 'cnauthz_decision_seconds_bucket{le="+Inf"}')" 300
t_is "no CN series without --metrics-cn-label" "$(grep -c by_cn <<<"$M")" 0
t_is "threads busy, idle: 0" "$(value "$M" cnauthz_threads_busy)" 0
HASH=$(sed -n 's/.*cnauthz_ruleset_info{hash="\([0-9a-f]*\)"} 1$/\1/p' <<<"$M")
t_like "the set's hash as an info metric" "$HASH" '^[0-9a-f]{64}$'
t_like "... the set the daemon logged it serves" "$(cat "$E2E_TMP/plugin.log")" "set ${HASH:0:12}\\)"
if command -v promtool >/dev/null; then
	t_ok "promtool check metrics accepts the exposition" \
		timeout 30 promtool check metrics <"$E2E_TMP/a.prom"
else
	e2e_skip_or_fail "promtool is not installed (Debian package prometheus)"
fi

M=$(curl -s --max-time 10 --unix-socket "$MSOCK" http://metrics/metrics)
t_is "the unix socket instance: its own 10 allowed" "$(value "$M" 'cnauthz_decisions_by_file_total{verdict="allow",file="@local"}')" 10
t_is "... by CN too, when asked" "$(value "$M" 'cnauthz_decisions_by_cn_total{verdict="allow",cn="local"}')" 10
t_is "another path: 404" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$MSOCK" http://m/x)" 404
t_is "a POST: 405" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --unix-socket "$MSOCK" -X POST -d x http://m/metrics)" 405

kill -HUP "${_e2e_plugin_pids[$A]}"
for _ in $(seq 50); do
	M=$(scrape_tcp "$PORT")
	[[ $(value "$M" 'cnauthz_reloads_total{result="ok"}') == 1 ]] && break
	sleep 0.1
done
t_is "a SIGHUP reload counted ok" "$(value "$M" 'cnauthz_reloads_total{result="ok"}')" 1

# A real Prometheus scraping the first instance every second.
if ! command -v prometheus >/dev/null; then
	e2e_skip_or_fail "prometheus is not installed (Debian package prometheus)"
fi
t_like "cnauthz(8)'s sample scrape configuration, found" "$(prom_config "127.0.0.1:$PORT")" "targets: \['127\.0\.0\.1:$PORT'\]"
t_ok "Prometheus starts, scraping the first instance every second" prom_start "127.0.0.1:$PORT"
got=$(prom_wait 'sum(cnauthz_decisions_by_file_total{job="cnauthz"})' '*"300"*')
t_like "Prometheus's query API: the decisions, 300" "$got" '"value":\[[0-9.]+,"300"\]'
got=$(prom_query 'cnauthz_ruleset_info')
t_like "... and the rule set's hash" "$got" "\"hash\":\"$HASH\""
t_ok "Prometheus stopped" prom_stop
done_testing
