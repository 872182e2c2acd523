#!/bin/bash
# tests/bench/metrics-bench.sh - what --metrics costs the decision path:
# tests/bench/bin/loadgen (the captures, METRICS_BENCH_CONNS connections,
# checked against the shipped rules) against two cnauthz daemons on the
# same rules, one without --metrics and one with --metrics on a unix
# socket that curl scrapes every second throughout; METRICS_BENCH_ROUNDS
# rounds (20) of METRICS_BENCH_DURATION seconds (1) each, the two
# alternating and the first of each round swapped. Prints the rounds and
# one summary line
#   BENCH metrics off_rps=... on_rps=... ratio=... off_cpu_us=...
#       on_cpu_us=... cpu_ratio=... scrapes=... counted=... failed=...
# (ratio, cpu_ratio: the median of the rounds' own on/off ratios, each
# from two runs a second apart, so that the machine's drift over the
# minute cancels; rps and CPU: medians of the rounds; counted: the
# decisions the last scrape showed, to prove the counters ran). Run by
# run.sh; alone:
#   tests/bench/metrics-bench.sh [CNAUTHZ]
set -u

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BIN=$TOP/tests/bench/bin
CNAUTHZ=${1:-$TOP/plugin/cnauthz}
ROUNDS=${METRICS_BENCH_ROUNDS:-20}
CONNS=${METRICS_BENCH_CONNS:-4}
DUR=${METRICS_BENCH_DURATION:-1}

for b in "$BIN/loadgen" "$CNAUTHZ"; do
	[[ -x $b ]] || { echo "metrics-bench: $b missing (make bench-build)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "BENCH metrics skipped=no_curl"; exit 0; }
W=$(mktemp -d /tmp/cnauthz-mbench.XXXXXX) || exit 2
declare -a PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf -- "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

up() { # NAME ARGS...: starts cnauthz, waits for its socket; pid in UP
	local name=$1 i
	shift
	# its ownership in $W, never the machine's /var/lib/cnauthz
	CNAUTHZ_STATE_DIR="$W/state-$name" CNAUTHZ_DOCKER_SOCKET="$W/no-docker.sock" \
		"$CNAUTHZ" serve --rules "$TOP/rules" --socket "$W/$name.sock" "$@" \
		</dev/null >/dev/null 2>"$W/$name.log" &
	UP=$!
	PIDS+=("$UP")
	for ((i = 0; i < 200; i++)); do
		curl -s --max-time 2 --unix-socket "$W/$name.sock" -X POST \
			http://p/Plugin.Activate 2>/dev/null | grep -q authz && return 0
		sleep 0.05
	done
	echo "metrics-bench: $name did not start" >&2
	tail -n 5 "$W/$name.log" >&2
	exit 1
}
up off
OFF=$UP
up on --metrics "$W/metrics.sock"
ON=$UP

# the scraper: one GET a second, each written over the last
(
	n=0
	while :; do
		curl -s --max-time 5 --unix-socket "$W/metrics.sock" \
			http://m/metrics >"$W/scrape.tmp" 2>/dev/null &&
			mv "$W/scrape.tmp" "$W/scrape.txt" && n=$((n + 1)) &&
			echo "$n" >"$W/scrapes"
		sleep 1
	done
) &
PIDS+=("$!")

kv() { local re=" $2=([^ ]*)"; [[ $1 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]}"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
run() { # LABEL PID
	"$BIN/loadgen" --socket "$W/$1.sock" --rules "$TOP/rules" --pid "$2" \
		--set captures --conns "$CONNS" --duration "$DUR" --warmup 0.2 \
		--label "metrics-$1" 2>>"$W/loadgen.err" | grep '^BENCH loadgen'
}
declare -a off_r=() on_r=() off_c=() on_c=() pair_r=() pair_c=()
failed=0
for ((r = 1; r <= ROUNDS; r++)); do
	if ((r % 2)); then order="off on"; else order="on off"; fi
	for which in $order; do
		if [[ $which == off ]]; then line=$(run off "$OFF"); else line=$(run on "$ON"); fi
		echo "$line"
		f=$(kv "$line" failed)
		failed=$((failed + ${f:-1}))
		if [[ $which == off ]]; then
			off_r+=("$(kv "$line" rps)") off_c+=("$(kv "$line" daemon_cpu_us)")
		else
			on_r+=("$(kv "$line" rps)") on_c+=("$(kv "$line" daemon_cpu_us)")
		fi
	done
	# the round's own ratios: its two runs were seconds apart
	pair_r+=("$(awk -v a="${on_r[-1]}" -v b="${off_r[-1]}" 'BEGIN { printf "%.4f", a / b }')")
	pair_c+=("$(awk -v a="${on_c[-1]}" -v b="${off_c[-1]}" 'BEGIN { printf "%.4f", a / b }')")
done
sleep 1.2 # one more scrape after the last run
o=$(median <<<"${off_r[*]}") n=$(median <<<"${on_r[*]}")
counted=$(awk '$1 == "cnauthz_decision_seconds_count" { print $2 }' "$W/scrape.txt" 2>/dev/null)
echo "BENCH metrics off_rps=$o on_rps=$n ratio=$(median <<<"${pair_r[*]}")" \
	"off_cpu_us=$(median <<<"${off_c[*]}") on_cpu_us=$(median <<<"${on_c[*]}") cpu_ratio=$(median <<<"${pair_c[*]}")" \
	"scrapes=$(cat "$W/scrapes" 2>/dev/null || echo 0) counted=${counted:-0} failed=$failed" \
	"rounds=$ROUNDS conns=$CONNS duration=$DUR"
