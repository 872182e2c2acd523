#!/bin/bash
# tests/bench/metrics-bench.sh - what --metrics costs the decision path.
#
# Each of METRICS_BENCH_ROUNDS rounds (9) starts three fresh cnauthz
# daemons on the shipped rules: "off", "off2" (the same, a control) and
# "on" (--metrics on a unix socket that curl scrapes every second, as
# Prometheus would). tests/bench/bin/loadgen --vs then drives two of them
# in turns of METRICS_BENCH_SLICE_MS (50) at METRICS_BENCH_CONNS (4)
# connections each, the captures checked against the rules, until each
# has had METRICS_BENCH_DURATION seconds (2): off against on (the order
# swapped every round), then off against off2.
#
# Why so: this VM's speed moves by tens of percent from one second to the
# next and with where the scheduler puts the daemon's threads beside the
# load generator's, while the thing measured is a fraction of a percent.
# Turns of 50 ms put the drift on both daemons alike; loadgen on one CPU
# and the daemons on another (when there are two) fix the placement; a
# fresh set of daemons each round and the median of the rounds keep one
# unlucky process (memory layout, a neighbour's burst) from deciding; the
# off/off2 control shows what "no difference" reads as in the same run.
#
# Prints each round and one summary line
#   BENCH metrics ratio=... control=... off_rps=... on_rps=...
#       off_cpu_us=... on_cpu_us=... cpu_ratio=... scrapes=... counted=...
#       failed=... rounds=... conns=... duration=... slice_ms=... pinned=...
# (ratio: the median of the rounds' on/off throughput ratios; control:
# likewise off2/off; rps and CPU per request: medians of the rounds;
# scrapes, counted: over all rounds, the scrapes that answered and the
# decisions their last scrapes showed, to prove the counters ran).
# Run by run.sh; alone:
#   tests/bench/metrics-bench.sh [CNAUTHZ]
set -u

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
BIN=$TOP/tests/bench/bin
CNAUTHZ=${1:-$TOP/plugin/cnauthz}
ROUNDS=${METRICS_BENCH_ROUNDS:-9}
CONNS=${METRICS_BENCH_CONNS:-4}
DUR=${METRICS_BENCH_DURATION:-2}
SLICE=${METRICS_BENCH_SLICE_MS:-50}

for b in "$BIN/loadgen" "$CNAUTHZ"; do
	[[ -x $b ]] || { echo "metrics-bench: $b missing (make bench-build)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "BENCH metrics skipped=no_curl"; exit 0; }
W=$(mktemp -d /tmp/cnauthz-mbench.XXXXXX) || exit 2
declare -a PIDS=()
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'stop_all; rm -rf -- "$W"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The daemons on the last CPU, loadgen on the first, when there are two.
DPIN=() LPIN=() pinned=no
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	DPIN=(taskset -c "$(($(nproc) - 1))") LPIN=(taskset -c 0) pinned=yes
fi

up() { # NAME ARGS...: starts cnauthz, waits for its socket; pid in UP
	local name=$1 i
	shift
	# its ownership in $W, never the machine's /var/lib/cnauthz
	CNAUTHZ_STATE_DIR="$W/state-$name" CNAUTHZ_DOCKER_SOCKET="$W/no-docker.sock" \
		"${DPIN[@]}" "$CNAUTHZ" serve --rules "$TOP/rules" --socket "$W/$name.sock" "$@" \
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

kv() { local re=" $2=([^ ]*)"; [[ $1 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]}"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
vs() { # A A_PID B B_PID: one loadgen --vs run, its BENCH vs line
	"${LPIN[@]}" "$BIN/loadgen" --socket "$W/$1.sock" --pid "$2" \
		--vs "$W/$3.sock" --vs-pid "$4" --rules "$TOP/rules" \
		--set captures --conns "$CONNS" --duration "$DUR" --warmup 0.5 \
		--slice-ms "$SLICE" --label "$1-vs-$3" 2>>"$W/loadgen.err" |
		grep '^BENCH vs'
}

declare -a ratio=() control=() off_r=() on_r=() off_c=() on_c=() cpu_r=()
failed=0 scrapes=0 counted=0
for ((r = 1; r <= ROUNDS; r++)); do
	up off
	OFF=$UP
	up off2
	OFF2=$UP
	up on --metrics "$W/metrics.sock"
	ON=$UP
	rm -f "$W/scrapes"
	( # the scraper: one GET a second, each written over the last
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

	if ((r % 2)); then
		line=$(vs off "$OFF" on "$ON")
		rr=$(kv "$line" ratio) cr=$(kv "$line" cpu_ratio)
		offv=$(kv "$line" a_rps) onv=$(kv "$line" b_rps)
		offc=$(kv "$line" a_cpu_us) onc=$(kv "$line" b_cpu_us)
	else # on first: B/A is off/on
		line=$(vs on "$ON" off "$OFF")
		rr=$(awk -v x="$(kv "$line" ratio)" 'BEGIN { printf "%.4f", (x > 0 ? 1 / x : 0) }')
		cr=$(awk -v x="$(kv "$line" cpu_ratio)" 'BEGIN { printf "%.4f", (x > 0 ? 1 / x : 0) }')
		offv=$(kv "$line" b_rps) onv=$(kv "$line" a_rps)
		offc=$(kv "$line" b_cpu_us) onc=$(kv "$line" a_cpu_us)
	fi
	echo "$line"
	f=$(kv "$line" failed)
	failed=$((failed + ${f:-1}))
	ratio+=("$rr") cpu_r+=("$cr") off_r+=("$offv") on_r+=("$onv") off_c+=("$offc") on_c+=("$onc")

	line=$(vs off "$OFF" off2 "$OFF2")
	echo "$line"
	f=$(kv "$line" failed)
	failed=$((failed + ${f:-1}))
	control+=("$(kv "$line" ratio)")

	sleep 1.2 # one more scrape after the runs
	scrapes=$((scrapes + $(cat "$W/scrapes" 2>/dev/null || echo 0)))
	c=$(awk '$1 == "cnauthz_decision_seconds_count" { print $2 }' "$W/scrape.txt" 2>/dev/null)
	counted=$((counted + ${c:-0}))
	echo "round $r: on/off ${rr:-?} (CPU per request ${cr:-?}), off2/off ${control[-1]:-?}"
	stop_all
	rm -f "$W"/*.sock "$W/scrape.txt"
done
echo "BENCH metrics ratio=$(median <<<"${ratio[*]}") control=$(median <<<"${control[*]}")" \
	"off_rps=$(median <<<"${off_r[*]}") on_rps=$(median <<<"${on_r[*]}")" \
	"off_cpu_us=$(median <<<"${off_c[*]}") on_cpu_us=$(median <<<"${on_c[*]}") cpu_ratio=$(median <<<"${cpu_r[*]}")" \
	"ratios=$(tr ' ' ',' <<<"${ratio[*]}") controls=$(tr ' ' ',' <<<"${control[*]}")" \
	"scrapes=$scrapes counted=$counted failed=$failed" \
	"rounds=$ROUNDS conns=$CONNS duration=$DUR slice_ms=$SLICE pinned=$pinned"
