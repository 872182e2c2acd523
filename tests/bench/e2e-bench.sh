#!/bin/bash
# tests/bench/e2e-bench.sh - end to end through a real TLS dockerd: the
# latency of two cheap calls (GET /containers/json, and the inspect of a
# container CN "client" owns, whose ownership cnauthz judges; CN
# "client", one kept-alive TLS connection, tests/bench/bin/tlsget) with
#   none     no authorization plugin
#   null     tests/bench/bin/nullsrv as the plugin (the transport limit)
#   cnauthz  plugin/cnauthz serve --rules rules/ (client includes @developer;
#            E2E_BENCH_CNAUTHZ names another binary)
# dockerd is the private one of tests/lib/e2e.sh (its functions are reused),
# started once: the three take turns by daemon.json and SIGHUP (dockerd
# reloads authorization-plugins), a round each in turn, the order rotated
# every round. E2E_BENCH_ROUNDS rounds (11), E2E_BENCH_COUNT requests (600)
# after E2E_BENCH_WARMUP (100) for each call. (Restarting dockerd for each
# configuration, as this script did, let the machine's drift between the
# restarts decide: the null plugin's median moved from 483 to 692 us.)
#
# Prints one "BENCH tlsget ..." line per measurement and a summary line
#   BENCH e2e none_p50_us=... null_p50_us=... cnauthz_p50_us=... ratio=...
# (p50s: medians of the rounds' medians; ratio, own_ratio: medians of the
# rounds' own cnauthz/null ratios, each from runs seconds apart). Needs root, dockerd and curl; without
# them it prints "BENCH e2e skipped=..." and exits 0.
set -u

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BIN=$TOP/tests/bench/bin
CNAUTHZ=${E2E_BENCH_CNAUTHZ:-$TOP/plugin/cnauthz}
ROUNDS=${E2E_BENCH_ROUNDS:-11}
COUNT=${E2E_BENCH_COUNT:-600}
WARMUP=${E2E_BENCH_WARMUP:-100}

skip() {
	echo "e2e-bench: skipped: $*" >&2
	echo "BENCH e2e skipped=$(printf '%s' "$*" | tr ' =' '_:')"
	exit 0
}

((EUID == 0)) || skip "not root"
for t in dockerd curl openssl timeout; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t"
done
for b in "$BIN/tlsget" "$BIN/nullsrv" "$CNAUTHZ"; do
	[[ -x $b ]] || skip "$b not built"
done

# The library's own probe dockerd costs a start and a stop: the first real
# start below is the probe.
export E2E_NO_PROBE=1
# shellcheck source=tests/lib/e2e.sh
. "$TOP/tests/lib/e2e.sh"
e2e_setup
e2e_certs client || skip "mkcerts failed"
PKI=$E2E_TMP/pki/client

null_name=cnauthz-bench-null-$$
cz_name=cnauthz-bench-$$
E2E_PLUGIN_OWNERSHIP=0 E2E_PLUGIN_BIN=$BIN/nullsrv e2e_start_plugin "$null_name" ||
	skip "nullsrv did not start"
E2E_PLUGIN_BIN=$CNAUTHZ e2e_start_plugin "$cz_name" --rules "$TOP/rules" ||
	skip "cnauthz did not start"

# use_plugin NAME: dockerd asks NAME from now on ("": no plugin), by its
# config file and SIGHUP; returns once dockerd says it reloaded.
use_plugin() {
	local before pid n
	before=$(grep -c 'Reloaded configuration' "$E2E_TMP/dockerd.log")
	if [[ -n $1 ]]; then
		printf '{"authorization-plugins": ["%s"]}\n' "$1"
	else
		printf '{"authorization-plugins": []}\n'
	fi >"$E2E_TMP/daemon.json"
	pid=$(<"$E2E_TMP/dockerd.pid") && kill -HUP "$pid" || return 1
	for ((n = 0; n < 200; n++)); do
		(($(grep -c 'Reloaded configuration' "$E2E_TMP/dockerd.log") > before)) && return 0
		sleep 0.05
	done
	echo "e2e-bench: dockerd did not reload for ${1:-no plugin}" >&2
	return 1
}

e2e_start_dockerd >/dev/null 2>&1 || skip "dockerd did not start"
# An object-scoped call too: the inspect of a container client made
# through cnauthz, so that cnauthz owns it to client.
use_plugin "$cz_name" || skip "dockerd did not take the plugin"
e2e_import_image e2e-busybox || skip "no image"
curl_as client -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
	-d '{"Image":"e2e-busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}' \
	"https://127.0.0.1:$E2E_PORT/v1.41/containers/create?name=benchc" ||
	skip "client cannot create its container"
# cnauthz follows a dockerd only once that dockerd asks it (after the
# reload above): until its first listing it denies object-scoped calls
for ((n = 0; n < 200; n++)); do
	curl_as client -sf -o /dev/null \
		"https://127.0.0.1:$E2E_PORT/v1.41/containers/benchc/json" 2>/dev/null && break
	sleep 0.1
done
((n < 200)) || skip "client cannot inspect its container"

declare -A p50s=() last=()
measure() { # LABEL PLUGIN: a turn of the two calls with PLUGIN ("" none)
	local label=$1 out line path key
	use_plugin "$2" || return 1
	for path in /v1.41/containers/json /v1.41/containers/benchc/json; do
		out=$("$BIN/tlsget" --port "$E2E_PORT" --ca "$PKI/ca.pem" \
			--cert "$PKI/cert.pem" --key "$PKI/key.pem" \
			--path "$path" --count "$COUNT" \
			--warmup "$WARMUP" --label "$label")
		local rc=$?
		printf '%s\n' "$out"
		((rc == 0)) || { echo "e2e-bench: tlsget failed ($label $path)" >&2; return 1; }
		line=$(grep '^BENCH tlsget' <<<"$out")
		[[ $path == */benchc/* ]] && key=$label-own || key=$label
		[[ $line =~ p50_us=([0-9.]+) ]] || return 1
		p50s[$key]+="${BASH_REMATCH[1]} "
		last[$key]=${BASH_REMATCH[1]}
	done
}

ok=1
declare -a r_all=() r_own=()
configs=(none null cnauthz)
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < 3; i++)); do
		c=${configs[(r + i) % 3]}
		case $c in
		none) measure none "" || ok=0 ;;
		null) measure null "$null_name" || ok=0 ;;
		cnauthz) measure cnauthz "$cz_name" || ok=0 ;;
		esac
	done
	r_all+=("$(awk -v a="${last[cnauthz]-0}" -v b="${last[null]-0}" 'BEGIN { if (b + 0 > 0) printf "%.4f", a / b }')")
	r_own+=("$(awk -v a="${last[cnauthz-own]-0}" -v b="${last[null-own]-0}" 'BEGIN { if (b + 0 > 0) printf "%.4f", a / b }')")
done
e2e_stop_dockerd
((ok)) || echo "e2e-bench: some measurements failed" >&2

median() { # numbers... -> median
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.5g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# shellcheck disable=SC2086 # word splitting of the lists is the point
{
	m_none=$(median ${p50s[none]-})
	m_null=$(median ${p50s[null]-})
	m_cz=$(median ${p50s[cnauthz]-})
	o_none=$(median ${p50s[none-own]-})
	o_null=$(median ${p50s[null-own]-})
	o_cz=$(median ${p50s[cnauthz-own]-})
}
# shellcheck disable=SC2086
{
	ratio=$(median ${r_all[*]})
	own_ratio=$(median ${r_own[*]})
}
echo "e2e: GET /containers/json p50 over ${ROUNDS} round(s): no plugin ${m_none} us," \
	"null plugin ${m_null} us, cnauthz ${m_cz} us: cnauthz/null ${ratio}"
echo "e2e: GET /containers/benchc/json (client's own) p50: no plugin ${o_none} us," \
	"null plugin ${o_null} us, cnauthz ${o_cz} us: cnauthz/null ${own_ratio}"
echo "BENCH e2e rounds=$ROUNDS count=$COUNT none_p50_us=$m_none null_p50_us=$m_null" \
	"cnauthz_p50_us=$m_cz ratio=$ratio none_own_p50_us=$o_none null_own_p50_us=$o_null" \
	"cnauthz_own_p50_us=$o_cz own_ratio=$own_ratio" \
	"ratios=$(IFS=,; echo "${r_all[*]}") own_ratios=$(IFS=,; echo "${r_own[*]}")" \
	"dockerd=${E2E_DOCKERD_VERSION:-unknown} ok=$ok"
