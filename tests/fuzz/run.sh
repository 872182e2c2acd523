#!/bin/sh
# tests/fuzz/run.sh TARGET SECONDS - one libFuzzer run of tests/fuzz/bin/fuzz-TARGET,
# as "make fuzz" starts it: new inputs go to tests/fuzz/bin/corpus/TARGET (the
# committed seeds and regressions are read, never written), findings to
# tests/fuzz/bin/artifacts/TARGET/, the log to tests/fuzz/bin/logs/TARGET.log.
# Prints one summary line; the status is libFuzzer's (non-zero: a finding).
set -u
t=$1
secs=$2
bin=tests/fuzz/bin
mkdir -p "$bin/corpus/$t" "$bin/artifacts/$t" "$bin/logs"
set -- "$bin/corpus/$t" "tests/fuzz/corpus/$t"
[ -d "tests/fuzz/regressions/$t" ] && set -- "$@" "tests/fuzz/regressions/$t"
dict=
[ -f "tests/fuzz/dict/$t.dict" ] && dict="-dict=tests/fuzz/dict/$t.dict"
log=$bin/logs/$t.log
echo "fuzz-$t: $secs s, log $log"
"$bin/fuzz-$t" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
	-max_len="${FUZZ_MAX_LEN:-16384}" -print_final_stats=1 \
	-artifact_prefix="$bin/artifacts/$t/" $dict ${FUZZ_FLAGS:-} "$@" \
	>"$log" 2>&1
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1)
if [ $rc -eq 0 ]; then
	echo "fuzz-$t: ok: ${execs:-?} execs, ${rate:-?}/s, $cov"
else
	echo "fuzz-$t: FINDING (status $rc): see $log and $bin/artifacts/$t/" >&2
	grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|.*runtime error)' "$log" >&2
fi
exit $rc
