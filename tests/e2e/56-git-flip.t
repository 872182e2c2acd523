#!/bin/bash
# Policy from git, applied atomically: cnauthz(8)'s recipe run as written
# there (a git worktree per commit, its .cnauthz-version, `cnauthz check`
# as the gate, a symlink flipped with ln -sfn and mv -T) while
# tests/tools/authz-load keeps 4 kept-alive connections busy with a call
# that commit A allows and commit B denies. The watcher alone (no SIGHUP)
# must see each flip; no call may fail; every audit record must be
# judged by exactly A's or B's set - its "ruleset" hash is the one
# `cnauthz check` printed for that checkout, and its verdict and deciding
# rule are that set's - and the metrics' info line must name the commit
# live. A checkout the gate refuses is never flipped to. Then a checkout
# updated in place: while git holds its index lock (held here by hand,
# half of the change written) nothing reloads, not even on SIGHUP; once it
# is gone the whole new set loads; a real git checkout in place reloads
# too. About 15 s.
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/../lib/prom.sh"

command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
command -v git >/dev/null || e2e_skip_or_fail "git is not installed"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
FLIPS=${E2E_FLIPS:-10}
export GIT_CONFIG_NOSYSTEM=1 HOME=$E2E_TMP GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t \
	GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t

# The policy repository: rules/ in commit A allows GET /probe for local
# callers, in commit B denies it (and B changes another file too).
REPO=$E2E_TMP/policy
mkdir -p "$REPO/rules"
git -C "$REPO" init -q
cp "$E2E_TOP"/rules/@developer "$E2E_TOP"/rules/@readonly "$E2E_TOP"/rules/@other \
	"$E2E_TOP"/rules/admin "$E2E_TOP"/rules/client "$REPO/rules/"
printf 'sufficient permit GET /probe\nrequisite deny *\n' >"$REPO/rules/@local"
git -C "$REPO" add -A && git -C "$REPO" commit -q -m A
CA=$(git -C "$REPO" rev-parse HEAD)
printf 'requisite deny GET /probe\nsufficient permit *\n' >"$REPO/rules/@local"
printf '# set B\ninclude @readonly\n' >"$REPO/rules/client"
git -C "$REPO" commit -q -am B
CB=$(git -C "$REPO" rev-parse HEAD)
printf 'bogus permit\n' >"$REPO/rules/@local"
git -C "$REPO" commit -q -am broken
CX=$(git -C "$REPO" rev-parse HEAD)

# cnauthz(8)'s recipe, as written there, for commit $1: our repository,
# directories and commit in place of /srv/policy, /srv/policy-sets,
# /etc/cnauthz and origin/main. Its output (check's) in $E2E_TMP/recipe.out;
# the set's hash, from check, in HASH[commit]. Fails (nothing flipped)
# when the gate refuses the checkout.
SETS=$E2E_TMP/sets
declare -A HASH=()
awk '/^\.\\" test: the recipe/ { on = 1; next } on && /^\.Bd/ { next }
	on && /^\.Ed/ { exit } on' "$E2E_TOP/man/cnauthz.8" |
	sed -e 's/\\e$/\\/' -e "s#/srv/policy-sets#$SETS#g" -e "s#/srv/policy#$REPO#g" \
		-e "s#/etc/cnauthz#$E2E_TMP#g" -e 's#origin/main#"$REV"#' >"$E2E_TMP/recipe.sh"
recipe() {
	PATH=$E2E_TOP/plugin:$PATH REV=$1 bash "$E2E_TMP/recipe.sh" >"$E2E_TMP/recipe.out" 2>"$E2E_TMP/recipe.err" || return 1
	HASH[$1]=$(sed -n 's/.*: set \([0-9a-f]\{64\}\), version .*/\1/p' "$E2E_TMP/recipe.out")
	[[ -n ${HASH[$1]} && $(readlink "$E2E_TMP/rules") == "$SETS/$1/rules" ]]
}
t_like "cnauthz(8)'s recipe, found" "$(cat "$E2E_TMP/recipe.sh")" "mv -T $E2E_TMP/rules.tmp $E2E_TMP/rules"
mkdir -m 0755 "$SETS"
t_ok "the recipe for commit B: checked out, versioned, checked, flipped to" recipe "$CB"
t_like "... check prints the set's hash and the commit" "$(cat "$E2E_TMP/recipe.out")" \
	": set ${HASH[$CB]}, version $CB$"
t_ok "the recipe for commit A: the same" recipe "$CA"
t_ok "... another set, another hash" test "${HASH[$CA]}" != "${HASH[$CB]}"
t_fails "the recipe for a commit with a broken rule file: the gate refuses it" recipe "$CX"
t_is "... and the rules path still points at A's checkout" "$(readlink "$E2E_TMP/rules")" "$SETS/$CA/rules"
PORT=$(free_port)
LOG=$E2E_TMP/audit.log
"$BIN" serve --rules "$E2E_TMP/rules" --socket "$E2E_TMP/plugin.sock" --threads 4 \
	--audit "file:$LOG" --pidfile "$E2E_TMP/plugin.pid" --metrics "127.0.0.1:$PORT" \
	2> >(grep --line-buffered -v ': deny: AuthZReq ' >"$E2E_TMP/plugin.log") &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
t_ok "the plugin serves, watching the rules path" test -S "$E2E_TMP/plugin.sock"
t_like "... logging the set and its commit" "$(cat "$E2E_TMP/plugin.log")" \
	"set ${HASH[$CA]:0:12}, version $CA\\)"
info() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics" | grep '^cnauthz_ruleset_info'; }
t_is "the metrics' info line names A's set and commit" "$(info)" \
	"cnauthz_ruleset_info{hash=\"${HASH[$CA]}\",version=\"$CA\"} 1"

printf '%s\n' '/AuthZPlugin.AuthZReq {"RequestMethod":"GET","RequestUri":"/v1.41/probe"}' >"$E2E_TMP/calls"
(
	while [[ ! -e $E2E_TMP/stop ]]; do
		"$LOAD" --socket "$E2E_TMP/plugin.sock" --input "$E2E_TMP/calls" --count 1000 \
			--conns 4 >>"$E2E_TMP/load.out" 2>>"$E2E_TMP/load.err" ||
			echo "batch failed: $?" >>"$E2E_TMP/load.err"
	done
) &
LOADER=$!
for _ in $(seq 100); do [[ -s $LOG ]] && break; sleep 0.05; done
reloads() { grep -c 'info: reloaded' "$E2E_TMP/plugin.log"; }
cur=$CA done_flips=0
for ((i = 1; i <= FLIPS; i++)); do
	if [[ $cur == "$CA" ]]; then cur=$CB; else cur=$CA; fi
	recipe "$cur" || break
	for _ in $(seq 100); do (($(reloads) >= i)) && break; sleep 0.05; done
	(($(reloads) >= i)) || break
	done_flips=$i
	sleep 0.1
done
touch "$E2E_TMP/stop"
wait "$LOADER"
t_is "each of $FLIPS flips seen by the watcher alone, and reloaded" "$done_flips" "$FLIPS"
t_is "... each time the whole set: no file with errors, none refused" \
	"$(grep -c 'reload failed\|file(s) with errors' "$E2E_TMP/plugin.log")" 0
t_like "... the log names the commit flipped to last" "$(grep 'info: reloaded' "$E2E_TMP/plugin.log" | tail -n 1)" \
	"set ${HASH[$cur]:0:12}, version $cur$"
t_is "the metrics' info line names it too" "$(info)" \
	"cnauthz_ruleset_info{hash=\"${HASH[$cur]}\",version=\"$cur\"} 1"
kill -TERM "$PID"
wait "$PID"

sum() { awk -v k="$1" '{ for (i = 1; i < NF; i += 2) if ($i == k) s += $(i + 1) } END { print s + 0 }' "$E2E_TMP/load.out"; }
calls=$(sum calls) answered=$(sum answered) errors=$(sum errors)
note "load: $(wc -l <"$E2E_TMP/load.out") batches, $calls calls, $(sum allow) allowed, $(sum deny) denied"
t_is "no batch failed" "$(cat "$E2E_TMP/load.err")" ""
t_is "every call answered 200 ($calls), no error" "$answered/$errors" "$calls/0"
t_is "one audit record per call" "$(wc -l <"$LOG")" "$calls"
jq -r '[.ruleset, .decision, (.rule // "-")] | join("|")' "$LOG" | sort | uniq -c |
	sed 's/^ *//' >"$E2E_TMP/kinds"
note "$(cat "$E2E_TMP/kinds")"
t_is "every record judged by exactly A's set (allow) or B's (deny), nothing else" \
	"$(cut -d' ' -f2- "$E2E_TMP/kinds" | sort)" \
	"$(printf '%s\n' "${HASH[$CA]}|allow|@local:1" "${HASH[$CB]}|deny|@local:1" | sort)"
flips=$(jq -r .ruleset "$LOG" | uniq | wc -l)
t_ok "the deciding set changes along the records with the flips ($flips >= $FLIPS)" \
	test "$flips" -ge "$FLIPS"
t_ok "the audit chain verifies" "$BIN" audit verify "$LOG"

# --- a checkout updated in place: no reload while git holds its lock ----
# The hash of a set without a version file (ruleset.h), from its files.
rs_hash() {
	(
		cd "$1" || exit 1
		for n in $(LC_ALL=C ls | LC_ALL=C sort); do
			printf '%s\0%s\0' "$n" "$(stat -c %s "$n")"
			cat "$n"
		done
	) | sha256sum | cut -d' ' -f1
}
IP=$E2E_TMP/inplace
git clone -q "$REPO" "$IP" && git -C "$IP" checkout -q --detach "$CA"
HIA=$(rs_hash "$IP/rules")
git -C "$IP" checkout -q --detach "$CB"
HIB=$(rs_hash "$IP/rules")
git -C "$IP" checkout -q --detach "$CA"
: >"$E2E_TMP/plugin.log"
"$BIN" serve --rules "$IP/rules" --socket "$E2E_TMP/ip.sock" --pidfile "$E2E_TMP/ip.pid" \
	2>"$E2E_TMP/ip.log" &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/ip.pid ]] && break; sleep 0.1; done
t_like "a daemon on a checkout updated in place serves A" "$(cat "$E2E_TMP/ip.log")" "set ${HIA:0:12}\)"
# git's part by hand, to hold it: the lock, then half of B's change
: >"$IP/.git/index.lock"
cp "$SETS/$CB/rules/@local" "$IP/rules/@local"
sleep 1.5
t_is "half of B written while git holds its index lock: no reload" "$(grep -c 'reloaded' "$E2E_TMP/ip.log")" 0
t_like "... the reload waits, saying why" "$(cat "$E2E_TMP/ip.log")" "git is updating $IP/rules \\(its index lock is held\\): the reload waits"
kill -HUP "$PID"
sleep 0.5
t_is "... a SIGHUP waits too" "$(grep -c 'reloaded' "$E2E_TMP/ip.log")" 0
cp "$SETS/$CB/rules/client" "$IP/rules/client"
rm "$IP/.git/index.lock"
for _ in $(seq 30); do grep -q reloaded "$E2E_TMP/ip.log" && break; sleep 0.1; done
t_is "the lock gone: one reload, of the whole of B" \
	"$(grep -o 'reloaded .*' "$E2E_TMP/ip.log")" "reloaded 6 rule file(s) from $IP/rules, set ${HIB:0:12}"
git -C "$IP" checkout -q -f --detach "$CB" # what the hand-made update stands for
sleep 0.5
n=$(grep -c reloaded "$E2E_TMP/ip.log")
t_ok "git checkout of A in place, for real" git -C "$IP" checkout -q --detach "$CA"
for _ in $(seq 30); do (($(grep -c reloaded "$E2E_TMP/ip.log") > n)) && break; sleep 0.1; done
t_like "... reloaded: A again" "$(grep 'reloaded' "$E2E_TMP/ip.log" | tail -n 1)" "set ${HIA:0:12}$"
kill -TERM "$PID"
wait "$PID"
done_testing
