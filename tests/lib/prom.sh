# shellcheck shell=bash
# tests/lib/prom.sh - a real Prometheus for the end-to-end tests (Debian's
# prometheus package), sourced after tests/lib/e2e.sh and e2e_setup:
#
#   PORT=$(free_port)
#   prom_start TARGET...   # scrapes 127.0.0.1:PORT targets every second,
#                          # with cnauthz(8)'s sample configuration;
#                          # listens on 127.0.0.1:$PROM_PORT, storage under
#                          # $E2E_TMP, bounded by timeout 60
#   prom_query 'PROMQL'    # the HTTP API's JSON answer
#   prom_stop              # and waits for it
#
# Everything on loopback; the teardown removes $E2E_TMP.

PROM_PID=
PROM_PORT=

# free_port: a TCP port on 127.0.0.1 nobody listens on (nothing answers a
# connect)
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	return 1
}

# prom_config TARGET...: cnauthz(8)'s sample scrape configuration with
# these targets, every second, on stdout
prom_config() {
	local targets
	targets=$(printf "'%s', " "$@")
	awk '/^\.\\" test: prometheus\.yml/ { on = 1; next } on && /^\.Bd/ { next }
		on && /^\.Ed/ { exit } on' "$E2E_TOP/man/cnauthz.8" |
		sed -e "s/\['127\.0\.0\.1:9323'\]/[${targets%, }]/" \
			-e 's/scrape_interval: .*/scrape_interval: 1s/'
}

# prom_start TARGET...: Prometheus scraping them; 1 when it does not come
# up within 20 s
prom_start() {
	PROM_PORT=$(free_port) || return 1
	prom_config "$@" >"$E2E_TMP/prometheus.yml"
	timeout "${PROM_TIMEOUT:-60}" prometheus --config.file="$E2E_TMP/prometheus.yml" \
		--storage.tsdb.path="$E2E_TMP/prom" \
		--web.listen-address="127.0.0.1:$PROM_PORT" \
		>"$E2E_TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	for _ in $(seq 200); do
		curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready" && return 0
		sleep 0.1
	done
	return 1
}

prom_query() {
	curl -s --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
		--data-urlencode "query=$1"
}

# prom_wait PROMQL GLOB: queries until the answer matches GLOB, 30 s at
# most; the last answer on stdout
prom_wait() {
	local got=
	for _ in $(seq 300); do
		got=$(prom_query "$1")
		# shellcheck disable=SC2053
		[[ $got == $2 ]] && break
		sleep 0.1
	done
	printf '%s\n' "$got"
}

prom_stop() {
	[[ -n $PROM_PID ]] || return 0
	kill -TERM "$PROM_PID" 2>/dev/null
	wait "$PROM_PID" 2>/dev/null
	! test -e "/proc/$PROM_PID/status"
}
