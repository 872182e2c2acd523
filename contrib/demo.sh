#!/bin/bash
# contrib/demo.sh - cnauthz end to end, in a minute, then gone again.
#
# As root, from a built tree (make demo builds first): makes a throwaway
# PKI, starts cnauthz with the shipped rules and an audit trail, and a
# private dockerd with TLS on 127.0.0.1 and cnauthz as its authorization
# plugin; imports a one-file image (the static busybox); then, with the
# real docker CLI, shows client running a container, client denied
# --privileged with the reason, admin allowed, and the audit records of
# those calls. Everything it made (processes, mounts, sockets, files) is
# removed on the way out, however it ends.
#
# The plumbing is tests/lib/e2e.sh's, the same the end-to-end tests use:
# the private dockerd touches nothing of the machine's own.
set -u

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
# The plugin's name, and its socket's in /run/docker/plugins.
E2E_PLUGIN=${CNAUTHZ_DEMO_PLUGIN:-cnauthz-demo}
# shellcheck source=../tests/lib/e2e.sh
. "$TOP/tests/lib/e2e.sh"

BIN=$TOP/plugin/cnauthz
if [[ -t 1 ]]; then B=$'\e[1m' N=$'\e[0m'; else B= N=; fi

section() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
fail() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}
# show CMD...: print the command as typed at a prompt, then run it.
show() {
	local shown=$*
	shown=${shown//$E2E_TMP/\$DEMO}
	shown=${shown//$TOP\//}
	printf '%s$ %s%s\n' "$B" "$shown" "$N"
	"$@" 2>&1 | sed "s|$E2E_TMP|\$DEMO|g; s|$TOP/||g"
	return "${PIPESTATUS[0]}"
}
# docker as a TLS client: DOCKER_HOST, DOCKER_TLS_VERIFY and a
# DOCKER_CERT_PATH holding ca.pem, cert.pem, key.pem - what a user sets.
docker_as() { # CN ARGS...
	local cn=$1
	shift
	timeout -k 5 60 env -u DOCKER_CONTEXT DOCKER_CONFIG="$E2E_TMP/docker-config" \
		DOCKER_CLI_HINTS=false DOCKER_HOST="tcp://127.0.0.1:$E2E_PORT" \
		DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$E2E_TMP/pki/$cn" docker "$@" 2>&1
}

# --- what it needs -------------------------------------------------------------
((EUID == 0)) || fail "run me as root (make demo): I start a dockerd"
for t in dockerd docker runc curl openssl perl timeout; do
	command -v "$t" >/dev/null || fail "$t is missing (contrib/deps.sh test installs it)"
done
[[ -x /bin/busybox ]] || fail "/bin/busybox is missing (package busybox-static)"
[[ -x $BIN ]] || fail "$BIN is not built (make)"
perl -MJSON::PP -e 1 2>/dev/null || fail "perl's JSON::PP is missing"

e2e_setup
AUDIT=$E2E_TMP/audit.log
section "cnauthz demo: a Docker authorization plugin, per TLS client certificate CN"
say "Working in \$DEMO=$E2E_TMP (removed at the end)."

section "1. A throwaway PKI: a CA, dockerd's certificate, clients 'client' and 'admin'"
show "$TOP/contrib/mkcerts.sh" "$E2E_TMP/pki" client admin || fail "mkcerts.sh failed"

section "2. cnauthz with the shipped rules: client is a developer, admin may do anything"
show "$BIN" check --rules "$TOP/rules" || fail "the shipped rules do not load"
say "$(grep -v '^#' "$TOP/rules/client")   <- rules/client"
say "$(grep -v '^#' "$TOP/rules/admin")   <- rules/admin"
printf '%s$ %s%s\n' "$B" "cnauthz serve --rules rules --socket /run/docker/plugins/$E2E_PLUGIN.sock --audit file:\$DEMO/audit.log &" "$N"
e2e_start_plugin "$E2E_PLUGIN" --rules "$TOP/rules" --audit "file:$AUDIT" ||
	fail "cnauthz did not start: $(tail -n 5 "$E2E_TMP/plugin.log" 2>/dev/null)"
sed -n 's/^cnauthz\[[0-9]*\]: info: //p' "$E2E_TMP/plugin.log" | sed "s|$E2E_TMP|\$DEMO|g; s|$TOP/||g"

section "3. A private dockerd: TLS on 127.0.0.1 only, cnauthz as its authorization plugin"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN" || fail "dockerd did not start (see above)"
say "$ dockerd --tlsverify --tlscacert=\$DEMO/pki/ca.pem --tlscert=\$DEMO/pki/server-cert.pem \\"
say "      --tlskey=\$DEMO/pki/server-key.pem -H tcp://127.0.0.1:$E2E_PORT \\"
say "      --authorization-plugin=$E2E_PLUGIN ...   (own data root, no iptables)"
say "dockerd $E2E_DOCKERD_VERSION is up."

section "4. A tiny local image: the static busybox, imported as demo-busybox"
e2e_import_image demo-busybox || fail "the image import failed"
say "imported $(dk_local image inspect --format '{{.Id}}' demo-busybox 2>/dev/null | cut -c1-19)"

say ""
say "From here on, the docker CLI as a remote TLS client, as a user would set it up:"
printf '%s$ export DOCKER_HOST=tcp://127.0.0.1:%s DOCKER_TLS_VERIFY=1%s\n' "$B" "$E2E_PORT" "$N"

section "5. client runs a container"
printf '%s$ DOCKER_CERT_PATH=$DEMO/pki/client docker run --rm --network none demo-busybox echo hello from a container%s\n' "$B" "$N"
docker_as client run --rm --network none demo-busybox echo hello from a container ||
	fail "client could not run a container"

section "6. client may not run a privileged one: denied, with the reason"
printf '%s$ DOCKER_CERT_PATH=$DEMO/pki/client docker run --rm --network none --privileged demo-busybox true%s\n' "$B" "$N"
if docker_as client run --rm --network none --privileged demo-busybox true; then
	fail "client was allowed a privileged container"
fi

section "7. admin may"
printf '%s$ DOCKER_CERT_PATH=$DEMO/pki/admin docker run --rm --network none --privileged demo-busybox echo privileged%s\n' "$B" "$N"
out=$(docker_as admin run --rm --network none --privileged demo-busybox echo privileged 2>&1)
rc=$?
printf '%s\n' "$out"
if ((rc != 0)); then
	[[ $out == *'authorization denied'* ]] && fail "admin was denied"
	say "(cnauthz allowed it; dockerd itself could not make a privileged container on this machine)"
fi

section "8. The audit trail: one hash-chained JSON record per decision"
say "The calls of the TLS clients, as cnauthz audit show prints them:"
show "$BIN" audit show --cn client --cn admin "$AUDIT" || fail "audit show failed"
say ""
say "The denial in full (audit show --deny --json, one record a line):"
"$BIN" audit show --deny --cn client --json "$AUDIT" | head -n 1 |
	perl -MJSON::PP -e 'my $j = JSON::PP->new->pretty->canonical; print $j->encode($j->decode(join "", <STDIN>))' | sed 's/^/  /'
show "$BIN" audit verify "$AUDIT" || fail "the audit trail does not verify"

section "Cleaning up"
_e2e_teardown
left=
[[ -e /run/docker/plugins/$E2E_PLUGIN.sock ]] && left+=" the plugin socket"
[[ -e $E2E_TMP ]] && left+=" $E2E_TMP"
grep -q "$E2E_TMP" /proc/self/mountinfo && left+=" mounts"
[[ -n $left ]] && fail "left behind:$left"
say "dockerd and cnauthz stopped; their sockets, mounts, cgroups and \$DEMO removed."
say ""
say "Next: docs/install.md (install under systemd, as a managed plugin, or by hand), cnauthz(8), cnauthz-rules(5)."
