#!/bin/bash
# cnauthz test --explain / --json, cnauthz replay [--diff] and cnauthz
# check's warnings, from the command line, with their exit codes:
#
# - --explain prints every line visited with its result, action and state
#   and the deciding line; --json the same, read back with jq;
# - replay judges dockerd's own traffic (tests/fixtures/captures) and the
#   audit log of a real "serve --audit file:" run fed that traffic: for
#   every bodyless request the replayed decision and rule are the ones
#   the daemon recorded;
# - replay --diff between the shipped rules and a copy where client gets
#   only @readonly lists exactly client's changed decisions;
# - check warns about an unreachable line and a stack that never allows,
#   and still exits 0; errors exit 1.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
CAP=$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl
R=$E2E_TMP/rules
umask 022
mkdir -m 0755 "$R"
chmod 0755 "$E2E_TMP"
# The shipped rules, copied so that the strict file checks judge this
# test's files, not the modes of whoever checked the repository out.
S=$E2E_TMP/shipped
mkdir -m 0755 "$S"
cp "$E2E_TOP"/rules/@* "$E2E_TOP"/rules/admin "$E2E_TOP"/rules/client "$S/"

# --- test --explain ---------------------------------------------------
cat >"$R/dev" <<'EOF'
# a developer
requisite deny DELETE /images/**
substack @ro
sufficient permit POST /containers/*/start
EOF
cat >"$R/@ro" <<'EOF'
sufficient permit GET,HEAD
EOF

t_ok "test --explain: an allowed call exits 0" \
	"$BIN" test --rules "$R" --cn dev --method POST --uri /v1.41/containers/c1/start --explain
t_is "test --explain: every line visited, its result, action and state, and who decided" "$E2E_OUT" \
"stack dev for dev POST /containers/c1/start
  dev:2              requisite deny DELETE /images/**
                     -> ignore, action ignore; now undefined/deny
  dev:3              substack @ro
                     -> runs the substack
    @ro:1              sufficient permit GET,HEAD
                       -> ignore, action ignore; now undefined/deny
  dev:4              sufficient permit POST /containers/*/start
                     -> success, action done; now positive/success; stops here - rule \"permit POST /containers/*/start\"
allow, decided by dev:4"

t_fails "test --explain: a denied call exits 1" \
	"$BIN" test --rules "$R" --cn dev --method DELETE --uri /v1.41/images/busybox --explain
E2E_RC_DENY=$E2E_RC
t_is "... exactly 1" "$E2E_RC_DENY" 1
t_like "... the denying line stops the stack" "$E2E_OUT" \
	'dev:2              requisite deny DELETE /images/\*\*
                     -> deny, action die; now negative/deny; stops here'
t_like "... and the last line names it" "$E2E_OUT" \
	$'\ndeny, decided by dev:2: dev may not DELETE /images/busybox: rule "deny DELETE /images/\\*\\*" \\(dev:2\\)$'

"$BIN" test --rules "$R" --cn dev --method GET --uri '/v1.41/containers/json?all=1' --json >"$E2E_TMP/x.json"
t_is "test --json: exit 0 for an allowed call" "$?" 0
t_is "test --json: decision, rule, stack, identity, canonical path" \
	"$(jq -r '[.decision, .rule, .stack, .identity, .method, .path] | join(" ")' "$E2E_TMP/x.json")" \
	"allow @ro:1 dev dev GET /containers/json"
t_is "test --json: the steps as they ran: file:line result action impression/status" \
	"$(jq -r '.steps[] | "\(.file):\(.line) \(.result // "sub") \(.action // "-") \(.impression // "-")/\(.status // "-") \(.depth)"' "$E2E_TMP/x.json" | tr '\n' ';')" \
	"dev:2 ignore ignore undefined/deny 0;dev:3 sub - -/- 0;@ro:1 success done positive/success 1;dev:4 ignore ignore positive/success 0;"
t_is "test --json: the substack's done ends only the substack; the next line still runs" \
	"$(jq -r '[.steps[] | select(.stopped == true) | "\(.file):\(.line)"] | join(",")' "$E2E_TMP/x.json")" "@ro:1"

"$BIN" test --rules "$S" --cn client --method POST --uri /v1.41/containers/create \
	--body <(printf '{"Image":"x","HostConfig":{"Privileged":true}}') --json >"$E2E_TMP/p.json"
t_is "test --json on the shipped rules: a privileged create exits 1" "$?" 1
t_is "... denied by hostaccess, with the fact it saw" \
	"$(jq -r '"\(.decision) \(.rule) \(.facts | tostring)"' "$E2E_TMP/p.json")" \
	"deny @developer:$(grep -n '^requisite *hostaccess' "$S/@developer" | cut -d: -f1) $(jq -c .facts "$E2E_TMP/p.json")"
t_like "... whose message says what" "$(jq -r .msg "$E2E_TMP/p.json")" 'HostConfig.Privileged is true'

t_fails "test: a usage error exits 2" "$BIN" test --rules "$R" --cn dev --method GET
t_is "... exactly 2" "$E2E_RC" 2
t_like "... naming what is missing" "$E2E_OUT" '^cnauthz test: --uri is missing'
t_fails "test without --cn, --cert, --local or --request does not judge as the local caller" \
	"$BIN" test --rules "$S" --method DELETE --uri /v1.41/containers/x
t_is "... it asks who, exit 2" "$E2E_RC $(head -n 1 <<<"$E2E_OUT")" \
	"2 cnauthz test: who asks? give --cn CN, --cert FILE or --local (or a whole --request FILE)"
t_ok "test --local: the unix-socket caller, as asked" \
	"$BIN" test --rules "$S" --local --method DELETE --uri /v1.41/containers/x
t_like "... @local allows it" "$E2E_OUT" '^allow @local:[0-9]+$'
t_fails "test: --cn and --local together" "$BIN" test --rules "$S" --cn a --local --method GET --uri /x
t_is "... are alternatives, exit 2" "$E2E_RC $(head -n 1 <<<"$E2E_OUT")" "2 cnauthz test: --cn, --cert and --local are alternatives: give one"
t_fails "test: an option without its value" "$BIN" test --rules "$S" --method GET --uri /x --cn
t_is "... says which, exit 2" "$E2E_RC $(head -n 1 <<<"$E2E_OUT")" "2 cnauthz test: --cn needs a value"
t_fails "test: an unreadable --request exits 2" "$BIN" test --rules "$R" --request "$E2E_TMP/nonexistent"
t_is "... exactly 2" "$E2E_RC" 2

# --- replay over dockerd's captured traffic -----------------------------
t_ok "replay over the captures exits 0" "$BIN" replay --rules "$S" "$CAP"
REPLAY_CAP=$E2E_OUT
judged=$(perl -MJSON::PP -ne '$r = decode_json($_); $n++ if $r->{endpoint} eq "/AuthZPlugin.AuthZReq"; END { print $n }' "$CAP")
t_like "... one line per AuthZReq and a summary" "$(tail -n 1 <<<"$REPLAY_CAP")" \
	"^$judged request\\(s\\) judged: [0-9]+ allowed, [0-9]+ denied; [0-9]+ line\\(s\\) skipped, 0 unreadable\$"
t_is "... as many decision lines as AuthZReqs" \
	"$(grep -c "^$CAP:[0-9]*: \(allow\|deny \)" <<<"$REPLAY_CAP")" "$judged"
line=$(perl -MJSON::PP -ne '$r = decode_json($_); if ($r->{endpoint} eq "/AuthZPlugin.AuthZReq" && $r->{body}{User} eq "client" && $r->{body}{RequestMethod} eq "POST" && $r->{body}{RequestUri} =~ m{/containers/create} && decode_json(`printf %s "$r->{body}{RequestBody}" | base64 -d`)->{HostConfig}{Privileged}) { print "$.\n"; exit }' "$CAP")
t_like "... the captured privileged run by client is denied, by hostaccess, from the certificate's CN" \
	"$(grep "^$CAP:$line: " <<<"$REPLAY_CAP")" \
	"^$CAP:$line: deny  @developer:[0-9]+ client POST /containers/create: client may not POST /containers/create: HostConfig.Privileged is true"
t_like "... the unix-socket call is judged as local" "$REPLAY_CAP" ": allow @local:[0-9]+ local "
t_like "... admin's calls by admin's file" "$REPLAY_CAP" ": allow admin:[0-9]+ admin "

# --- replay over the audit log of a real serve --audit run -------------
perl -MJSON::PP -ne '$r = decode_json($_);
	print "$r->{endpoint} ", JSON::PP->new->canonical->encode($r->{body}), "\n"
		if $r->{endpoint} eq "/AuthZPlugin.AuthZReq"' "$CAP" >"$E2E_TMP/calls"
SOCK=$E2E_TMP/plugin.sock
LOG=$E2E_TMP/audit.log
# The daemon is fed AuthZReqs only, with no dockerd behind it: it keeps no
# ownership (--no-ownership), and the replays that compare with its record
# read none either; the owner module then cannot judge a call on an object.
"$BIN" serve --rules "$S" --socket "$SOCK" --no-watch --no-ownership \
	--audit "file:$LOG" --pidfile "$E2E_TMP/plugin.pid" 2>"$E2E_TMP/plugin.log" &
PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
t_ok "serve --audit file: answers the captured AuthZReqs" \
	"$LOAD" --socket "$SOCK" --input "$E2E_TMP/calls" --count "$judged" --conns 1
kill -TERM "$PID"
wait "$PID"
t_is "... and stops cleanly" "$?" 0
t_is "... one audit record per request" "$(wc -l <"$LOG")" "$judged"

t_ok "replay over the audit log exits 0" "$BIN" replay --rules "$S" --no-ownership "$LOG"
REPLAY_LOG=$E2E_OUT
# A record keeps no body: a create the daemon allowed (by its body) is not
# called denied on replay - it is said that it cannot be judged.
creates=$(perl -MJSON::PP -ne '$r = decode_json($_); $n++ if $r->{method} eq "POST" && $r->{path} eq "/containers/create" && $r->{who}{cn} eq "client" && $r->{decision} eq "allow"; END { print $n + 0 }' "$LOG")
t_ok "the log has creates by client the daemon allowed ($creates)" test "$creates" -gt 0
t_unlike "... none of which replay calls denied" "$REPLAY_LOG" ': deny  [^ ]+ client POST /containers/create'
t_unlike "... nor blames dockerd for the body a record does not keep" "$REPLAY_LOG" 'dockerd forwarded none'
t_like "... each says plainly that the record keeps no body, and what was recorded" "$REPLAY_LOG" \
	": \?     @developer:[0-9]+ client POST /containers/create: not judged: the audit record keeps no body, and @developer:[0-9]+ needs it; recorded allow \(@developer:[0-9]+\)"
t_like "... and the summary counts them" "$(tail -n 1 <<<"$REPLAY_LOG")" \
	" [1-9][0-9]* not judged \(the audit record keeps no body\); "
t_ok "replay --exit-code of the log by the rules that wrote it: nothing differs from the record" \
	"$BIN" replay --rules "$S" --no-ownership --exit-code "$LOG"
t_like "... 0 differ" "$(tail -n 1 <<<"$E2E_OUT")" ', 0 differ from the record; '

t_like "... judging every record" "$(tail -n 1 <<<"$REPLAY_LOG")" "^$judged request\\(s\\) judged: "
# What the daemon recorded and what replay says, for the records whose
# decision did not need the body (an audit record does not carry it):
# line, decision, rule, who, method, path.
perl -MJSON::PP -ne '$r = decode_json($_); next if $r->{method} !~ /^(GET|HEAD|DELETE)$/;
	printf "%d %s %s %s %s %s\n", $., $r->{decision}, $r->{rule} // "-",
		$r->{who}{cn} // ($r->{who}{local} ? "local" : "?"), $r->{method}, $r->{path}' "$LOG" >"$E2E_TMP/recorded"
LOG=$LOG perl -ne 'print "$1 $2 $3 $4 $5 $6\n" if /^\Q$ENV{LOG}\E:(\d+): (allow|deny) +(\S+) (\S+) (\S+) (\S+?)(?:: .*)?$/' \
	<<<"$REPLAY_LOG" | awk 'NR == FNR { want[$1] = 1; next } ($1 in want)' "$E2E_TMP/recorded" - >"$E2E_TMP/replayed"
n=$(wc -l <"$E2E_TMP/recorded")
t_ok "over 50 bodyless records to compare ($n)" test "$n" -gt 50
t_is "replay of the audit log: every decision and rule is the one recorded (by CN, not as local)" \
	"$(diff "$E2E_TMP/recorded" "$E2E_TMP/replayed")" ""
t_like "... clients are judged as their CN" "$(cat "$E2E_TMP/replayed")" ' client GET '

# --- replay --diff ----------------------------------------------------
R2=$E2E_TMP/readonly
mkdir -m 0755 "$R2"
cp "$S"/@* "$S/admin" "$R2/"
printf 'include @readonly\n' >"$R2/client"
t_fails "replay --diff OLD: decisions changed, so it exits 1 (it can gate a rules change)" \
	"$BIN" replay --rules "$R2" --diff "$S" "$CAP"
t_is "... exactly 1" "$E2E_RC" 1
DIFF=$E2E_OUT
t_like "... a summary of the changes" "$(tail -n 1 <<<"$DIFF")" \
	"^$judged request\\(s\\) judged, [1-9][0-9]* decision\\(s\\) changed from $S to $R2; "
changed=$(tail -n 1 <<<"$DIFF" | sed 's/.* judged, \([0-9]*\) decision.*/\1/')
t_is "... one line per change" "$(($(wc -l <<<"$DIFF") - 1))" "$changed"
t_is "... only client's decisions change" "$(grep -vc "^$CAP:[0-9]*: client " <<<"$DIFF")" 1
t_like "... from allow by @developer to deny" "$DIFF" \
	"$CAP:[0-9]+: client POST /containers/create: allow \\(@developer:[0-9]+\\) -> deny \\(-\\): client may not POST /containers/create: no rule in client allows it"
t_unlike "... never a GET (@readonly allows them too)" "$DIFF" ': client GET /(containers|images)/json'
# every line it lists is a real change between the plain replays
"$BIN" replay --rules "$R2" "$CAP" >"$E2E_TMP/new.out" 2>&1
bad=0
while IFS= read -r l; do
	[[ $l =~ ^$CAP:([0-9]+):\ ([^ ]+)\ [^:]*:\ (allow|deny)\ .*\ -\>\ (allow|deny) ]] || continue
	ln=${BASH_REMATCH[1]} old=${BASH_REMATCH[3]} new=${BASH_REMATCH[4]}
	o=$(grep "^$CAP:$ln: " <<<"$REPLAY_CAP" | awk '{print $2}')
	n=$(grep "^$CAP:$ln: " "$E2E_TMP/new.out" | awk '{print $2}')
	[[ $o == "$old" && $n == "$new" && $o != "$n" ]] || { bad=$((bad + 1)); diag "mismatch at $ln: $l / $o / $n"; }
done <<<"$DIFF"
t_is "... each listed change is what the two plain replays say" "$bad" 0
t_ok "replay --diff against itself exits 0" "$BIN" replay --rules "$S" --diff "$S" "$CAP"
t_is "... lists nothing, changes 0" "$E2E_OUT" \
	"$judged request(s) judged, 0 decision(s) changed from $S to $S; $(tail -n 1 <<<"$DIFF" | sed 's/.*; //')"

# Who owns what in the capture, as the daemon would have learnt it from
# client's creates: its containers (sleeper, c1, one unnamed), its exec
# and its volume. Both rule sets judge with it.
perl -MJSON::PP -MMIME::Base64 -ne '$r = decode_json($_); $b = $r->{body};
	next unless $r->{endpoint} eq "/AuthZPlugin.AuthZRes" && $b->{User} eq "client" &&
		$b->{RequestMethod} eq "POST" && $b->{ResponseStatusCode} =~ /^20/ &&
		$b->{ResponseBody};
	$rb = decode_json(decode_base64($b->{ResponseBody}));
	if ($b->{RequestUri} =~ m{/containers/create(?:\?name=([^&]+))?}) {
		$c{$1 // ""} = $rb->{Id}; push @c, {id => $rb->{Id}, ($1 ? (name => $1) : ()), owner => "client"};
	} elsif ($b->{RequestUri} =~ m{/containers/([^/]+)/exec}) {
		push @e, {id => $rb->{Id}, container => $c{$1}, owner => "client"};
	} elsif ($b->{RequestUri} =~ m{/volumes/create}) {
		push @v, {name => $rb->{Name}, created => $rb->{CreatedAt}, owner => "client"};
	}
	END { print JSON::PP->new->canonical->encode({"cnauthz-owners" => 1,
		containers => \@c, execs => \@e, volumes => \@v}), "\n" }' "$CAP" >"$E2E_TMP/owners.json"
mkdir -m 0700 "$E2E_TMP/client-owns"
mv "$E2E_TMP/owners.json" "$E2E_TMP/client-owns/"
t_like "client's objects in the capture: 3 containers, an exec, a volume" \
	"$(cat "$E2E_TMP/client-owns/owners.json")" '"name":"sleeper".*"name":"c1".*"execs":\[\{"container":"b4162a78.*"name":"v1"'
t_fails "replay --diff of the audit log, client made read-only: exit 1" \
	"$BIN" replay --rules "$R2" --diff "$S" --state-dir "$E2E_TMP/client-owns" "$LOG"
t_like "... the changes bodies do not decide are listed" "$E2E_OUT" \
	": client DELETE /containers/[^ ]+: allow \(@developer:[0-9]+\) -> deny"
t_like "... those they do are counted as not judged" "$(tail -n 1 <<<"$E2E_OUT")" \
	"decision\(s\) changed from $S to $R2, [1-9][0-9]* not judged \(the audit record keeps no body\); "
t_fails "replay --exit-code of the log by the read-only client rules: decisions differ from the record" \
	"$BIN" replay --rules "$R2" --no-ownership --exit-code "$LOG"
t_is "... exit 1" "$E2E_RC" 1

# --- every record the daemon writes ----------------------------------------
# Its own records of requests it could not read (nulls), of an identity it
# refused (who null) and of AuthZRes calls are all read: skipped, saying
# why, never "unreadable".
LOG2=$E2E_TMP/audit2.log
"$BIN" serve --rules "$S" --socket "$SOCK" --no-watch \
	--audit "file:$LOG2" --pidfile "$E2E_TMP/plugin.pid" 2>>"$E2E_TMP/plugin.log" &
PID=$!
for _ in $(seq 50); do [[ -S $SOCK ]] && break; sleep 0.1; done
for b in 'garbage' '{}' '{"RequestMethod":"GET"}' '{"RequestMethod":"GET","RequestUri":"//x"}' \
	'{"RequestMethod":"GET","RequestUri":"/v1.41/info","User":"client"}' \
	'{"RequestMethod":"GET","RequestUri":"/v1.41/'"$(printf 'a%.0s' $(seq 1100))"'"}' \
	'{"RequestMethod":"GET","RequestUri":"/v1.41/info"}'; do
	curl -s --max-time 5 --unix-socket "$SOCK" -X POST --data-binary "$b" http://p/AuthZPlugin.AuthZReq >/dev/null
done
curl -s --max-time 5 --unix-socket "$SOCK" -X POST --data-binary \
	'{"RequestMethod":"GET","RequestUri":"/v1.41/info","ResponseStatusCode":200}' http://p/AuthZPlugin.AuthZRes >/dev/null
kill -TERM "$PID"
wait "$PID"
t_is "the daemon recorded 8 calls, malformed ones among them" "$(wc -l <"$LOG2")" 8
t_ok "replay reads every one of its records: exit 0" "$BIN" replay --rules "$S" "$LOG2"
t_is "... what it judges again, and what it does not, and why" "$(sed "s|^$LOG2:||" <<<"$E2E_OUT")" \
"1: skip  not judged again: the request could not be read; recorded deny (-): malformed AuthZReq: AuthZReq is not valid JSON: unexpected character at byte 0
2: skip  not judged again: the request could not be read; recorded deny (-): local may not : empty request URI
3: skip  not judged again: the request could not be read; recorded deny (-): local may not GET: empty request URI
4: deny  - local GET : local may not GET: empty path segment ('//' or trailing '/') in URI \"//x\"
5: skip  not judged again: no identity was read from it; recorded deny (-): identity refused: User \"client\" without a client certificate
6: skip  not judged again: its URI was cut to 1023 bytes in the record; recorded allow (@local:7)
7: allow @local:7 local GET /info
2 request(s) judged: 1 allowed, 1 denied; 6 line(s) skipped, 0 unreadable"

# the daemon's own listing of dockerd's objects, as it records it
printf '%s\n' '{"seq":1,"call":"AuthZReq","req":1,"who":{"local":true},"method":"GET","path":"/containers/json","uri":"/v1.41/containers/json?all=1","decision":"allow","msg":"cnauthz'"'"'s own request to dockerd","rule":"cnauthz:self","stack":null}' >"$E2E_TMP/self.log"
t_ok "replay: a record of cnauthz's own request to dockerd" "$BIN" replay --rules "$S" "$E2E_TMP/self.log"
t_is "... is not judged again (no one's call, its token not recorded)" "$(head -n 1 <<<"$E2E_OUT")" \
	"$E2E_TMP/self.log:1: skip  not judged again: cnauthz's own request, to follow dockerd; recorded allow (cnauthz:self)"

printf '%s\n' '{"RequestMethod":"GET","RequestUri":"/_ping"}' 'not json' '' >"$E2E_TMP/mixed"
t_fails "replay: an unreadable line exits 1" "$BIN" replay --rules "$R" "$E2E_TMP/mixed"
t_is "... exactly 1" "$E2E_RC" 1
t_like "... naming file:line" "$E2E_OUT" "cnauthz replay: $E2E_TMP/mixed:2: not a JSON object"
t_like "... and still judging the rest" "$E2E_OUT" "1 request\\(s\\) judged: 0 allowed, 1 denied; 1 line\\(s\\) skipped, 1 unreadable"
t_fails "replay: no FILE is a usage error (2)" "$BIN" replay --rules "$R"
t_is "... exactly 2" "$E2E_RC" 2
t_fails "replay: a missing FILE exits 2" "$BIN" replay --rules "$R" "$E2E_TMP/nonexistent"
t_is "... exactly 2" "$E2E_RC" 2
t_fails "replay: a missing rules directory exits 2" "$BIN" replay --rules "$E2E_TMP/none" "$CAP"
t_is "... exactly 2" "$E2E_RC" 2
t_ok "replay reads standard input as -" bash -c "printf '%s\n' '{\"RequestMethod\":\"HEAD\",\"RequestUri\":\"/_ping\"}' | '$BIN' replay --rules '$S' -"
t_like "... judging it" "$E2E_OUT" '^-:1: allow @local:[0-9]+ local HEAD /_ping'

# --- check's warnings -------------------------------------------------
L=$E2E_TMP/lint
mkdir -m 0755 "$L"
printf 'requisite deny POST\nsufficient permit *\nsufficient permit GET\n' >"$L/a"
printf 'required deny *\nsufficient permit GET\n' >"$L/b"
printf 'requisite deny *\n' >"$L/@other"
t_ok "check: warnings alone exit 0" "$BIN" check --rules "$L"
t_is "check: an unreachable line and a stack that never allows, nothing else" "$E2E_OUT" \
"warning: a:3: never reached in the stack of a: a:2 (\"sufficient permit *\") always ends it
warning: b: this stack can never allow anything: no line can give a positive result
$L: 3 rule file(s), 0 with errors"
printf 'requisite deny POST\nbogus permit\n' >"$L/c"
t_fails "check: an error exits 1" "$BIN" check --rules "$L"
t_is "... exactly 1" "$E2E_RC" 1
t_like "... naming file:line:col" "$E2E_OUT" "$L/c:2:1: unknown control \"bogus\""
t_ok "check: the shipped rules load without a warning" "$BIN" check --rules "$S"
t_unlike "... none" "$E2E_OUT" 'warning'

done_testing
