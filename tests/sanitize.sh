#!/bin/bash
# tests/sanitize.sh - the second round of `make check`: the unit tests and
# the end-to-end tests that drive the daemon hardest, again, against a
# build with AddressSanitizer and UndefinedBehaviorSanitizer (leaks
# included), in a copy of the tree under build/asan so the first round's
# binaries stay as they are. Any sanitizer report fails the round.
set -u
top=$(cd "$(dirname "$0")/.." && pwd -P)
dir=$top/build/asan
reports=$dir/reports

# the end-to-end tests worth a second, slower round
E2E=(10-daemon 20-tls-cn 26-tenancy-self 30-audit 32-audit-full
	51-reload 53-strict 54-module 70-bypass 71-socket-attacks)

rm -rf "$dir"
mkdir -p "$dir" "$reports"
# the tracked files (or, outside git, everything but build outputs)
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$dir"
else
	(cd "$top" && tar -cf - --exclude=./build --exclude='*.o' --exclude='*.t.dSYM' .) |
		tar -xf - -C "$dir"
fi
make -s -C "$dir" SANITIZE=address,undefined all tools \
	$(cd "$dir" && ls tests/unit/t-*.c | sed 's/\.c$/.t/') >"$dir/build.log" 2>&1 || {
	echo "sanitizer build failed:" >&2
	tail -30 "$dir/build.log" >&2
	exit 1
}

export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:abort_on_error=0:exitcode=23"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="log_path=$reports/lsan"
# the e2e library skips what it cannot run unless CI is set; keep its rules
tests=()
for t in "${E2E[@]}"; do
	[ -e "$dir/tests/e2e/$t.t" ] && tests+=("tests/e2e/$t.t")
done
(cd "$dir" && prove --timer tests/unit/t-*.t "${tests[@]}")
rc=$?

echo "# sanitizer reports: $(ls "$reports" | wc -l)"
if [ -n "$(ls -A "$reports")" ]; then
	for f in "$reports"/*; do
		echo "# ---- $f"
		sed 's/^/# /' "$f" | head -60
	done
	rc=1
fi
exit $rc
