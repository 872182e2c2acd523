#!/bin/bash
# Every dockerd route in docs/routes.md, judged by the shipped rules: one
# `cnauthz test` per row of tests/fixtures/routes.tsv for CN client (the
# @developer profile) and one for CN admin ("sufficient permit"). Needs no
# dockerd. Also checks that the table and the rows agree: every route in
# docs/routes.md has a row, every fixture file is used, and a NAME.req.json
# fixture names the method and URI of its row.
. "$(dirname "$0")/../lib/e2e.sh"
shopt -s extglob

BIN=$E2E_TOP/plugin/cnauthz
RULES=$E2E_TOP/rules
TSV=$E2E_TOP/tests/fixtures/routes.tsv
FIX=$E2E_TOP/tests/fixtures/routes
DOC=$E2E_TOP/docs/routes.md
# who owns what: c1, v1, n1, exec e1e1..., the tags mine:1 and
# registry.example.com/team/app:1 are client's; web and busybox:latest
# are unowned
STATE=$E2E_TOP/tests/fixtures/routes-state

if [[ ! -x $BIN ]]; then
	echo "Bail out! $BIN is not built (run make)"
	exit 1
fi

# judge CN METHOD URI BODY: sets OUT (cnauthz's output) and RC (its status)
judge() {
	local args=(--rules "$RULES" --cn "$1" --state-dir "$STATE")
	if [[ $4 == *.req.json ]]; then
		args+=(--request "$FIX/$4")
	else
		args+=(--method "$2" --uri "$3")
		[[ $4 != - ]] && args+=(--body "$FIX/$4")
	fi
	OUT=$("$BIN" test "${args[@]}" 2>&1)
	RC=$?
}

# verdict: sets GOT to the verdict cnauthz printed, checked against its
# status ("error" for anything else: a usage error, a crash)
verdict() {
	case "$RC:$OUT" in
	0:allow\ *) GOT=allow ;;
	1:deny\ *) GOT=deny ;;
	*) GOT="error (status $RC)" ;;
	esac
}

declare -a uris=() methods=()
declare -A used=()
while IFS=$'\t' read -r method uri body client admin regex; do
	[[ -z $method || $method == \#* ]] && continue
	what="$method $uri"
	[[ $body != - ]] && what+=" ($body)"
	methods+=("$method")
	uris+=("$uri")
	if [[ $body != - ]]; then
		used[$body]=1
		if [[ ! -f $FIX/$body ]]; then
			t_ok "fixture $body exists" false
			continue
		fi
		if [[ $body == *.req.json ]]; then
			req=$(<"$FIX/$body")
			t_like "$body names $method $uri" "$req" \
				"\"RequestMethod\":\"$method\",\"RequestUri\":\"${uri//\?/\\?}\""
		fi
	fi

	judge client "$method" "$uri" "$body"
	verdict
	t_is "client: $what -> $client" "$GOT" "$client" || diag "$OUT"
	if [[ $client == deny && $regex != - && $GOT == deny ]]; then
		t_like "... saying /$regex/" "$OUT" "$regex"
	fi

	judge admin "$method" "$uri" "$body"
	verdict
	t_is "admin: $what -> $admin" "$GOT" "$admin" || diag "$OUT"
done <"$TSV"

# Every fixture file belongs to a row.
for f in "$FIX"/*; do
	b=${f##*/}
	[[ -n ${used[$b]-} ]] || t_ok "fixture $b is used by a row" false
done

# Every route of the table in docs/routes.md ("| METHOD | `/path` |") has a
# row: the row's path (version prefix and query dropped, %2F decoded) must
# match the template, a {var} standing for one or more characters, "/"
# included, as dockerd's {name:.*} does.
NL=$'\n'
rows=
for i in "${!uris[@]}"; do
	p=${uris[$i]%%\?*}
	p=${p//%2F//}
	[[ $p =~ ^/v[0-9.]+(/.*)$ ]] && p=${BASH_REMATCH[1]}
	rows+="${methods[$i]} $p$NL"
done
n=0
while IFS= read -r line; do
	[[ $line =~ ^\|\ *(GET|HEAD|POST|PUT|DELETE|OPTIONS)\ *\|\ *\`([^\`]+)\` ]] || continue
	m=${BASH_REMATCH[1]} tpl=${BASH_REMATCH[2]}
	n=$((n + 1))
	re=${tpl//./\\.}
	re="${re//\{+([^\}])\}/[^$NL]+}"
	found=no
	[[ $rows =~ (^|$NL)$m\ $re$NL ]] && found=yes
	t_is "docs/routes.md: $m $tpl has a row in routes.tsv" "$found" yes
done <"$DOC"
t_ok "docs/routes.md lists routes ($n)" test "$n" -gt 100

done_testing
