#!/bin/bash
# Central audit with nothing lost: two cnauthz instances standing for two
# hosts (rsyslog's localHostname hosta and hostb), each with its own
# rsyslog running contrib/rsyslog/cnauthz-host.conf, send their records
# over RELP to a central rsyslog running contrib/rsyslog/cnauthz-central.conf.
# The center is stopped for 10 s in the middle of 20,000 decisions (the
# hosts' queues are made to spill to disk) and started again; then it
# must hold every record of both hosts, as stored (RELP is at-least-once,
# the disk-assisted queue drains out of order): `audit verify --any-order`
# links each host's chain by its hashes, counts resent records once, and
# must find one chain of every record ending in the hash of the host's own
# last record. A real Prometheus (Debian's package, loopback only)
# scrapes both instances meanwhile; its query API must give each one's
# decision count and rule-set hash, the hash the audit records name.
# Debian's rsyslog, rsyslog-relp and prometheus; everything on loopback
# and under $E2E_TMP; about 30 s.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/prom.sh"

command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
command -v rsyslogd >/dev/null || e2e_skip_or_fail "rsyslogd is not installed (Debian package rsyslog)"
[[ -e /usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so || -n $(find /usr/lib -name omrelp.so 2>/dev/null | head -1) ]] ||
	e2e_skip_or_fail "rsyslog's RELP modules are not installed (Debian package rsyslog-relp)"
command -v prometheus >/dev/null || e2e_skip_or_fail "prometheus is not installed (Debian package prometheus)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
PER_HOST=10000 BATCH=500 PROM_TIMEOUT=120

CPORT=$(free_port)
C=$E2E_TMP/central
mkdir -p "$C/work" "$C/center"
# the shipped central snippet, on our port and directory
sed -e "s#port=\"2514\"#port=\"$CPORT\" address=\"127.0.0.1\"#" \
	-e "s#/var/log/cnauthz-central#$C/center#" \
	"$E2E_TOP/contrib/rsyslog/cnauthz-central.conf" >"$C/snippet.conf"
printf 'global(workDirectory="%s")\ninclude(file="%s")\n' "$C/work" "$C/snippet.conf" >"$C/rsyslog.conf"
central_start() {
	timeout 120 rsyslogd -n -f "$C/rsyslog.conf" -i "$C/pid" >>"$C/rsyslogd.log" 2>&1 &
	CENTRAL=$!
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$CPORT") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
t_ok "rsyslogd accepts the central snippet" rsyslogd -N1 -f "$C/rsyslog.conf"
t_ok "the central rsyslog listens for RELP" central_start

declare -A HPID=() MPORT=()
for h in hosta hostb; do
	MPORT[$h]=$(free_port)
	H=$E2E_TMP/$h
	mkdir -p "$H/work"
	# the shipped host snippet, to our center; its memory queue made small
	# so that the outage spills it to disk
	sed -e "s#target=\"CENTRAL\" port=\"2514\"#target=\"127.0.0.1\" port=\"$CPORT\"#" \
		-e 's#queue.size="100000" queue.highWatermark="60000"#queue.size="1000" queue.highWatermark="200" queue.lowWatermark="100"#' \
		"$E2E_TOP/contrib/rsyslog/cnauthz-host.conf" >"$H/snippet.conf"
	cat >"$H/rsyslog.conf" <<CONF
global(workDirectory="$H/work" localHostname="$h")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$H/log.sock" RateLimit.Interval="0" UseSpecialParser="off")
include(file="$H/snippet.conf")
CONF
	t_ok "$h: rsyslogd accepts the host snippet" rsyslogd -N1 -f "$H/rsyslog.conf"
	timeout 120 rsyslogd -n -f "$H/rsyslog.conf" -i "$H/pid" >>"$H/rsyslogd.log" 2>&1 &
	HPID[$h]=$!
	for _ in $(seq 100); do [[ -S $H/log.sock ]] && break; sleep 0.1; done
	t_ok "$h: its cnauthz starts, auditing to syslog local3 and a file" \
		e2e_start_plugin "$E2E_PLUGIN-$h" --rules "$E2E_TOP/rules" \
		--audit "syslog:local3@$H/log.sock" --audit "file:$H/audit.log" \
		--metrics "127.0.0.1:${MPORT[$h]}"
done
t_ok "Prometheus starts, scraping both instances every second" \
	prom_start "127.0.0.1:${MPORT[hosta]}" "127.0.0.1:${MPORT[hostb]}"

printf '%s\n' '/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/v1.41/containers/json"}' \
	'/AuthZPlugin.AuthZReq {"RequestMethod":"POST","RequestUri":"/v1.41/containers/create","User":"nobody"}' >"$E2E_TMP/calls"
# each host: PER_HOST calls in batches, a little apart, so the outage
# falls in the middle; answered counts summed into $E2E_TMP/$h.answered
load() {
	local h=$1 n=0 out
	for ((i = 0; i < PER_HOST / BATCH; i++)); do
		out=$(timeout 60 "$LOAD" --socket "/run/docker/plugins/$E2E_PLUGIN-$h.sock" \
			--input "$E2E_TMP/calls" --count "$BATCH" --conns 2)
		n=$((n + $(sed -n 's/.* answered \([0-9]*\) .*/\1/p' <<<"$out")))
		echo "$n" >"$E2E_TMP/$h.answered"
		((i == 5)) && touch "$E2E_TMP/$h.half"
		sleep 0.7
	done
}
load hosta &
LA=$!
load hostb &
LB=$!
for _ in $(seq 300); do [[ -e $E2E_TMP/hosta.half && -e $E2E_TMP/hostb.half ]] && break; sleep 0.1; done
kill -TERM "$CENTRAL"
wait "$CENTRAL"
STOPPED=$SECONDS
note "central rsyslog stopped after $(cat "$E2E_TMP/hosta.answered") + $(cat "$E2E_TMP/hostb.answered") decisions"
sleep 10
t_ok "during the outage the hosts' queues spilled to disk" \
	eval 'compgen -G "$E2E_TMP/hosta/work/cnauthz-fwd*" && compgen -G "$E2E_TMP/hostb/work/cnauthz-fwd*"'
t_ok "the central rsyslog starts again after 10 s" central_start
note "... after $(cat "$E2E_TMP/hosta.answered") + $(cat "$E2E_TMP/hostb.answered") decisions"
wait "$LA" "$LB"
t_ok "the outage was in the middle: decisions went on during it" test "$((SECONDS - STOPPED))" -gt 10
for h in hosta hostb; do
	t_is "$h: every call answered" "$(cat "$E2E_TMP/$h.answered")" "$PER_HOST"
done
for h in hosta hostb; do
	f=$C/center/$h.log
	for _ in $(seq 60); do # 30 s at most for the queues to drain
		"$BIN" audit verify --any-order "$f" 2>/dev/null | grep -q "ok, $PER_HOST record(s)" && break
		sleep 0.5
	done
	note "$h: $(($(wc -l <"$f") - PER_HOST)) record(s) resent," \
		"$(awk -F'[:,]' 'NR > 1 && $2 != p + 1 { n++ } { p = $2 } END { print n + 0 }' "$f") break(s) in seq order on arrival"
	# the center's file as stored: no sorting, no dropping of repeats
	t_ok "$h: audit verify --any-order passes on the center's file as stored" \
		"$BIN" audit verify --any-order "$f"
	t_like "$h: ... one chain, every record ($PER_HOST) once" "$E2E_OUT" \
		"ok, $PER_HOST record\\(s\\) in 1 chain\\(s\\), 1 process start\\(s\\)"
	last=$(tail -n 1 "$E2E_TMP/$h/audit.log" | sed 's/.*"hash":"\([0-9a-f]*\)"}$/\1/')
	t_like "$h: ... ending in the host's own last record (seq 1..$PER_HOST, hash ${last:0:12})" \
		"$E2E_OUT" "seq 1\\.\\.$PER_HOST, last hash $last"
	grep -v '^{"seq":5000,' "$f" >"$f.cut"
	t_fails "$h: ... and fails with seq 5000 taken out" "$BIN" audit verify --any-order "$f.cut"
	t_like "$h: ... naming it" "$E2E_OUT" 'seq 5001: the record before it \(seq 5000,'
	t_ok "$h: the host's own file, in order, passes too" "$BIN" audit verify "$E2E_TMP/$h/audit.log"
	t_is "$h: ... and holds as many records" "$(wc -l <"$E2E_TMP/$h/audit.log")" "$PER_HOST"
done

# Prometheus: each instance's decisions and rule-set hash
for h in hosta hostb; do
	inst="127.0.0.1:${MPORT[$h]}"
	got=$(prom_wait "sum(cnauthz_decisions_by_file_total{instance=\"$inst\"})" "*\"$PER_HOST\"*")
	t_like "$h: Prometheus's query API gives its $PER_HOST decisions" "$got" "\"value\":\\[[0-9.]+,\"$PER_HOST\"\\]"
	set_hash=$(grep -m1 -o '"ruleset":"[0-9a-f]\{64\}"' "$E2E_TMP/$h/audit.log" | cut -d'"' -f4)
	got=$(prom_query "cnauthz_ruleset_info{instance=\"$inst\"}")
	t_like "$h: ... and its rule-set hash, the one its audit records name (${set_hash:0:12})" \
		"$got" "\"hash\":\"$set_hash\""
	curl -s --max-time 10 "http://$inst/metrics" >"$E2E_TMP/$h.prom"
	t_ok "$h: promtool check metrics accepts its exposition" \
		timeout 30 promtool check metrics <"$E2E_TMP/$h.prom"
done
t_ok "Prometheus stopped" prom_stop
t_ok "the hosts' rsyslog saw the center go (and kept what it could not send)" \
	grep -q 'omrelp.*error' "$E2E_TMP/hosta/rsyslogd.log"
kill -TERM "$CENTRAL" "${HPID[@]}" 2>/dev/null
wait "$CENTRAL" "${HPID[@]}" 2>/dev/null
done_testing
