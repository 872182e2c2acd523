#!/bin/bash
# The audit trail end to end: a real dockerd with --tlsverify, cnauthz
# writing its records to a file, to syslog (a socket of the test's own)
# and to stdout. An allowed `docker run` as admin and a denied one as
# client: who (from the certificate), what, the decision and the deciding
# rule as file:line; the AuthZRes paired with its AuthZReq; a secret given
# with -e in no sink; the same chain in every sink; rotation by SIGUSR1;
# and `audit verify` on the result and on tampered copies.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
RECV=$E2E_TOP/tests/tools/bin/syslog-recv
[[ -x $RECV ]] || e2e_skip_or_fail "$RECV is not built (make tools)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz
LOG=$E2E_TMP/audit.log
SYSLOG_SOCK=$E2E_TMP/log.sock
SYSLOG_OUT=$E2E_TMP/syslog.out
SECRET=e2e-audit-$RANDOM$RANDOM-s3cr3t

# rec FILE 'PERL': runs PERL with $r set to each record of FILE (lines
# that are not records are skipped) and prints what it prints.
rec() {
	perl -MJSON::PP -ne 'BEGIN { $e = shift @ARGV } next unless /^\{/;
		our $r = decode_json($_); eval $e; die $@ if $@' "$2" "$1"
}

# What openssl says about a client certificate, in the record's terms.
cert_fact() { # CN sha256|serial|issuer|not_after
	local c=$E2E_TMP/pki/$1/cert.pem v
	case $2 in
	sha256) v=$(openssl x509 -noout -fingerprint -sha256 -in "$c")
		v=${v#*=}; v=${v//:/}; printf '%s' "${v,,}" ;;
	serial) v=$(openssl x509 -noout -serial -in "$c"); v=${v#*=}
		printf '%s' "${v,,}" | sed 's/^0*//' ;;
	issuer) v=$(openssl x509 -noout -issuer -nameopt RFC2253 -in "$c")
		printf '%s' "${v#issuer=}" ;;
	not_after) v=$(openssl x509 -noout -enddate -in "$c")
		date -u -d "${v#notAfter=}" +%Y-%m-%dT%H:%M:%SZ ;;
	esac
}
e2e_certs client admin
"$RECV" "$SYSLOG_SOCK" "$SYSLOG_OUT" 2>>"$E2E_TMP/syslog-recv.log" &
for _ in $(seq 50); do [[ -e $SYSLOG_OUT ]] && break; sleep 0.1; done
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules" \
	--audit "file:$LOG" --audit "syslog:local3@$SYSLOG_SOCK" --audit stdout \
	--pidfile "$E2E_TMP/plugin.pid"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox

t_ok "admin runs a container with a secret in its environment" \
	dk_as admin run --rm --network none -e "SECRET=$SECRET" e2e-busybox /bin/true
t_fails "client may not run a privileged one" \
	dk_as client run --rm --privileged --network none -e "SECRET=$SECRET" e2e-busybox /bin/true
t_like "... denied by the plugin" "$E2E_OUT" "authorization denied by plugin $E2E_PLUGIN: client may not POST /containers/create"

# --- the allowed run ---------------------------------------------------
A=$(rec "$LOG" 'print "$r->{seq}\n" if $r->{call} eq "AuthZReq" && $r->{path} eq "/containers/create" && ($r->{who}{cn} // "") eq "admin"')
t_like "admin's create is recorded" "$A" '^[0-9]+$'
get() { rec "$LOG" "print((($2) // '') . \"\\n\") if \$r->{seq} == $1"; }
t_is "... as decision allow" "$(get "$A" '$r->{decision}')" allow
t_is "... by method and canonical path" "$(get "$A" '"$r->{method} $r->{path}"')" "POST /containers/create"
t_like "... with the raw URI" "$(get "$A" '$r->{uri}')" '^/v1\.[0-9]+/containers/create'
t_is "who.cn is the certificate's CN" "$(get "$A" '$r->{who}{cn}')" admin
t_is "who.sha256 is its fingerprint (as openssl says)" "$(get "$A" '$r->{who}{sha256}')" "$(cert_fact admin sha256)"
t_is "who.serial is its serial" "$(get "$A" '$r->{who}{serial} =~ s/^0+//r')" "$(cert_fact admin serial)"
t_is "who.issuer is its issuer" "$(get "$A" '$r->{who}{issuer}')" "$(cert_fact admin issuer)"
t_is "who.not_after is its end date" "$(get "$A" '$r->{who}{not_after}')" "$(cert_fact admin not_after)"
rule=$(get "$A" '$r->{rule}')
t_like "the deciding rule is file:line" "$rule" '^admin:[0-9]+$'
t_is "... and that line of rules/admin is the rule" \
	"$(sed -n "${rule#admin:}p" "$E2E_TOP/rules/admin")" "sufficient permit"
t_like "the rule set's hash" "$(get "$A" '$r->{ruleset}')" '^[0-9a-f]{64}$'
t_like "the time is RFC 3339 UTC with microseconds" "$(get "$A" '$r->{time}')" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'
t_is "facts: what built-in checks saw (admin's stack runs none)" \
	"$(get "$A" 'JSON::PP->new->canonical->encode($r->{facts})')" '{}'
R=$(rec "$LOG" "print \"\$r->{seq} \$r->{status}\\n\" if \$r->{call} eq 'AuthZRes' && \$r->{path} eq '/containers/create' && (\$r->{req} // 0) == $A")
t_like "the AuthZRes of the create is recorded, paired by request id" "$R" '^[0-9]+ 201$'
t_ok "... after its AuthZReq" test "${R%% *}" -gt "$A"

# --- the denied run ----------------------------------------------------
D=$(rec "$LOG" 'print "$r->{seq}\n" if $r->{call} eq "AuthZReq" && $r->{path} eq "/containers/create" && ($r->{who}{cn} // "") eq "client"')
t_like "client's create is recorded" "$D" '^[0-9]+$'
t_is "... as decision deny" "$(get "$D" '$r->{decision}')" deny
t_is "... who.sha256 is client's certificate" "$(get "$D" '$r->{who}{sha256}')" "$(cert_fact client sha256)"
t_like "... the Msg dockerd showed" "$(get "$D" '$r->{msg}')" '^client may not POST /containers/create: .*[Pp]rivileged'
rule=$(get "$D" '$r->{rule}')
t_like "... the deciding rule, file:line" "$rule" '^@developer:[0-9]+$'
t_like "... which is that line of rules/@developer" \
	"$(sed -n "${rule#@developer:}p" "$E2E_TOP/rules/@developer")" '^requisite +hostaccess'
t_like "... what hostaccess saw" "$(get "$D" '$r->{facts}{host_access}')" '[Pp]rivileged'
t_is "... and the image" "$(get "$D" '$r->{facts}{image}')" e2e-busybox
t_is "... and no AuthZRes for it (dockerd asks none)" \
	"$(rec "$LOG" "print \"x\" if (\$r->{req} // 0) == $D && \$r->{call} eq 'AuthZRes'")" ""

# --- no secret anywhere ------------------------------------------------
t_ok "the secret from -e is in no audit sink: not the file" \
	eval '! grep -qF "$SECRET" "$LOG"'
t_ok "... not syslog" eval '! grep -qF "$SECRET" "$SYSLOG_OUT"'
t_ok "... not stdout nor stderr" eval '! grep -qF "$SECRET" "$E2E_TMP/plugin.log"'
t_ok "... and Env, Cmd or headers never appear as keys" \
	eval '! grep -qE "\"(Env|Cmd|Entrypoint|RequestHeaders|RequestBody)\":" "$LOG"'

# --- every sink has the same chain ------------------------------------
t_ok "audit verify passes on the file" "$BIN" audit verify "$LOG"
t_like "... and counts its records" "$E2E_OUT" 'ok, [0-9]+ record\(s\), seq 1\.\.[0-9]+, 1 process start'
grep '^{' "$E2E_TMP/plugin.log" >"$E2E_TMP/stdout.records"
t_ok "stdout carries the same records, byte for byte" cmp "$LOG" "$E2E_TMP/stdout.records"
sed -n 's/^<[0-9]*>1 [^ ]* [^ ]* cnauthz [0-9]* AuthZRe[qs] - //p' "$SYSLOG_OUT" >"$E2E_TMP/syslog.records"
t_ok "so does syslog" cmp "$LOG" "$E2E_TMP/syslog.records"
t_like "syslog: admin's create at local3.info (<158>), RFC 5424" \
	"$(grep "\"seq\":$A," "$SYSLOG_OUT")" "^<158>1 [0-9T:.-]+Z [^ ]+ cnauthz [0-9]+ AuthZReq - \\{"
t_like "syslog: client's denial at local3.notice (<157>)" \
	"$(grep "\"seq\":$D," "$SYSLOG_OUT")" '^<157>1 '

# --- rotation ------------------------------------------------------------
before=$(wc -l <"$LOG")
mv "$LOG" "$LOG.1"
t_ok "SIGUSR1 (after the file was moved away)" kill -USR1 "$(cat "$E2E_TMP/plugin.pid")"
sleep 0.3
t_ok "client lists containers" dk_as client ps
t_ok "records go to a new file" test -s "$LOG"
t_is "... and none more to the old one" "$(wc -l <"$LOG.1")" "$before"
t_ok "the old and the new file verify as one chain" "$BIN" audit verify --strict "$LOG.1" "$LOG"
t_ok "the new file alone verifies" "$BIN" audit verify "$LOG"
t_like "... noting that it continues an earlier file" "$E2E_OUT" 'continues a chain from an earlier file'
t_fails "... but not with --strict" "$BIN" audit verify --strict "$LOG"

# The shipped logrotate file, pointed at this test's log and pid file.
if command -v logrotate >/dev/null; then
	sed -e "s|/var/log/cnauthz/audit.log|$LOG|" -e "s|/run/cnauthz.pid|$E2E_TMP/plugin.pid|g" \
		"$E2E_TOP/contrib/logrotate/cnauthz" >"$E2E_TMP/logrotate.conf"
	t_ok "logrotate -f with contrib/logrotate/cnauthz" \
		logrotate -f -s "$E2E_TMP/logrotate.state" "$E2E_TMP/logrotate.conf"
	sleep 0.3
	t_ok "client lists containers" dk_as client ps
	rotated=("$LOG"-*)
	t_ok "... one rotated file, not compressed yet (delaycompress)" \
		eval '[[ ${#rotated[@]} == 1 && -f ${rotated[0]} && ${rotated[0]} != *.gz ]]'
	t_ok "... the new file made by logrotate, mode 0600, takes the records" \
		eval '[[ -s $LOG && $(stat -c %a "$LOG") == 600 ]]'
	t_ok "all of them verify as one chain" \
		"$BIN" audit verify --strict "$LOG.1" "${rotated[@]}" "$LOG"
else
	for d in "logrotate" "... one rotated file" "... the new file" "... one chain"; do
		t_skip "$d" "logrotate is not installed"
	done
fi

# --- tampering -------------------------------------------------------------
cp "$LOG.1" "$E2E_TMP/edited"
sed -i "${D}s/\"decision\":\"deny\"/\"decision\":\"allow\"/" "$E2E_TMP/edited"
t_fails "a denial edited into an allow: audit verify fails" "$BIN" audit verify "$E2E_TMP/edited"
t_like "... naming the line and seq" "$E2E_OUT" "edited:$D: seq $D: the hash does not match"
sed "${A}d" "$LOG.1" >"$E2E_TMP/deleted"
t_fails "admin's create deleted: audit verify fails" "$BIN" audit verify "$E2E_TMP/deleted"
t_like "... naming the missing seq" "$E2E_OUT" "deleted:$A: seq $((A + 1)): record seq $A is missing"

# --- docs/audit.md's question: what did CN client do today? ---------------
if command -v jq >/dev/null; then
	t_ok "docs/audit.md's jq one-liner runs" \
		jq -r --arg day "$(date -u +%F)" 'select(.who.cn == "client" and .call == "AuthZReq" and (.time | startswith($day))) | [.time, .method, .path, .decision, .rule // "-"] | @tsv' "$LOG.1" "$LOG"
	t_like "... and lists client's denied create" "$E2E_OUT" $'POST\t/containers/create\tdeny\t@developer:'
else
	t_skip "docs/audit.md's jq one-liner" "jq is not installed"
	t_skip "... client's denied create" "jq is not installed"
fi

done_testing
