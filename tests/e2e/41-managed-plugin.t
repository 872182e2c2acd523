#!/bin/bash
# cnauthz as a Docker managed (v2) plugin, end to end: `make plugin` builds
# the rootfs and config.json; `docker plugin create` and `docker plugin
# enable` take it on the test's dockerd (rules and audit directory mounted
# from the host); dockerd restarted with the plugin in its authorization
# plugins enforces the shipped rules through it. What the documented
# features need is there: the host's /etc/cnauthz is mounted, so a
# "revoked crl=/etc/cnauthz/crl.pem" line reads the host's CRL, and the
# modules make builds are in the plugin's module directory, found by name
# and by absolute path. And the caveat docs/install.md states: a CN whose
# rules allow plugin management can switch it off.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
e2e_setup
P=cnauthz-e2e        # the plugin's name: dockerd's own, not the machine's
FULL=$P:latest       # what dockerd calls it
BUILD=$E2E_TMP/plugin-build

t_ok "make plugin builds it" make -s -C "$E2E_TOP" plugin PLUGIN_DIR="$BUILD"
t_ok "... the binary in the rootfs" test -x "$BUILD/rootfs/cnauthz"
t_ok "... with every library it needs (it runs chrooted there)" \
	chroot "$BUILD/rootfs" /cnauthz version
t_like "... and says its version" "$E2E_OUT" '^cnauthz [0-9]'
t_ok "... and the mount points" test -d "$BUILD/rootfs/etc/cnauthz" -a -d "$BUILD/rootfs/var/log/cnauthz"
t_ok "... and the module make builds, in the default module directory" \
	test -x "$BUILD/rootfs/usr/local/lib/cnauthz/modules/timewindow.so"
t_is "... root's, mode 0755, as the strict file checks want" \
	"$(stat -c '%U %a' "$BUILD/rootfs/usr/local/lib/cnauthz/modules/timewindow.so")" "root 755"
cfg() { perl -MJSON::PP -0777 -ne "\$c = decode_json(\$_); $1" "$BUILD/config.json"; }
t_is "config.json: an authz plugin" "$(cfg 'print join ",", @{$c->{Interface}{Types}}')" docker.authz/1.0
t_is "... on socket cnauthz.sock" "$(cfg 'print $c->{Interface}{Socket}')" cnauthz.sock
t_like "... which the entrypoint serves, in the plugin's socket directory" \
	"$(cfg 'print join " ", @{$c->{Entrypoint}}')" '^/cnauthz serve .*--socket /run/docker/plugins/cnauthz\.sock'
t_is "... the host's /etc/cnauthz (rules, CRLs, deny-lists) mounted read-only" \
	"$(cfg 'print map { "$_->{Source} $_->{Destination} @{$_->{Options}}" } grep { $_->{Name} eq "config" } @{$c->{Mounts}}')" \
	"/etc/cnauthz /etc/cnauthz rbind ro"
t_like "... the entrypoint serving its rules/" "$(cfg 'print join " ", @{$c->{Entrypoint}}')" ' --rules /etc/cnauthz/rules( |$)'
t_is "... the audit directory read-write" \
	"$(cfg 'print map { "$_->{Source} $_->{Destination} @{$_->{Options}}" } grep { $_->{Name} eq "audit" } @{$c->{Mounts}}')" \
	"/var/log/cnauthz /var/log/cnauthz rbind rw"
t_is "... no network" "$(cfg 'print $c->{Network}{Type}')" ""

# The host side: cnauthz's directory with its rules/ and a CRL (root's, as
# the strict checks want), and an audit directory, in place of
# /etc/cnauthz and /var/log/cnauthz. carol's certificate is revoked; the
# rules of client and bob name the module by name and by path, with a
# time window that includes now (client) and one that does not (bob).
CONF=$E2E_TMP/host-config
RULES=$CONF/rules
AUDIT=$E2E_TMP/host-audit
umask 022
chmod 0755 "$E2E_TMP"
mkdir -m 0755 "$CONF"
cp -a "$E2E_TOP/rules" "$RULES"
mkdir -m 0750 "$AUDIT"
e2e_certs client admin carol bob
t_ok "mkcerts --revoke carol: a CRL" "$E2E_TOP/contrib/mkcerts.sh" --revoke "$E2E_TMP/pki" carol
install -m 0444 "$E2E_TMP/pki/crl.pem" "$CONF/crl.pem"
h=$((10#$(date -u +%H)))
hh() { printf '%02d:00' $((($1 + 24) % 24)); }
IN="$(hh $((h - 1)))-$(hh $((h + 2)))"
OUT="$(hh $((h + 2)))-$(hh $((h + 3)))"
printf 'requisite revoked crl=/etc/cnauthz/crl.pem\n' >"$RULES/@revoked"
printf 'include @revoked\nrequisite timewindow days=All hours=%s utc\ninclude @developer\n' "$IN" >"$RULES/client"
printf 'include @revoked\ninclude @developer\n' >"$RULES/carol"
printf 'include @revoked\nrequisite /usr/local/lib/cnauthz/modules/timewindow.so days=All hours=%s utc\ninclude @developer\n' "$OUT" >"$RULES/bob"
# carol's revoked certificate, from where mkcerts moved it
mkdir -p "$E2E_TMP/pki/carol"
cp "$E2E_TMP"/pki/revoked/carol.*/{ca,cert,key}.pem "$E2E_TMP/pki/carol/"

t_ok "dockerd starts, without an authorization plugin yet" e2e_start_dockerd
t_ok "docker plugin create" dk_local plugin create "$P" "$BUILD"
mkdir -m 0700 "$E2E_TMP/host-state"
t_ok "docker plugin set: the host's config, audit and state directories, dockerd's socket, metrics on" \
	dk_local plugin set "$P" config.source="$CONF" audit.source="$AUDIT" \
	state.source="$E2E_TMP/host-state" docker.source="$E2E_TMP/docker.sock" \
	args="--metrics /run/docker/plugins/metrics.sock"
t_ok "docker plugin enable" dk_local plugin enable "$P"
t_ok "docker plugin ls shows it enabled" dk_local plugin ls --format '{{.Name}} {{.Enabled}}'
t_like "..." "$E2E_OUT" "^$FULL true$"
for _ in {1..50}; do [[ -s $AUDIT/audit.log ]] && break; [[ -e $AUDIT/audit.log ]] && break; sleep 0.1; done

# Enabled before dockerd lists it: dockerd checks its authorization plugins
# at start, and a managed one must be there by then.
t_ok "dockerd stops (the plugin stays installed and enabled)" e2e_stop_dockerd
t_ok "dockerd restarts with --authorization-plugin=$FULL" \
	e2e_start_dockerd --authorization-plugin="$FULL"
e2e_import_image e2e-busybox

DENIED="authorization denied by plugin $FULL: client may not"
t_ok "client runs a container" dk_as client run --rm --network none e2e-busybox /bin/echo hi
t_is "... which ran" "$E2E_OUT" hi
t_fails "client is denied --privileged" \
	dk_as client run --rm --privileged --network none e2e-busybox /bin/true
t_like "... by the managed plugin, with the reason" "$E2E_OUT" \
	"$DENIED POST /containers/create: HostConfig.Privileged is true"
t_ok "admin is allowed --privileged" \
	past_authz dk_as admin run --rm --privileged --network none e2e-busybox /bin/true
t_fails "carol, whose certificate the host's CRL revokes, is denied" dk_as carol ps
t_like "... by the CRL read at /etc/cnauthz/crl.pem inside the plugin" "$E2E_OUT" \
	"authorization denied by plugin $FULL: carol may not GET /containers/json: the client certificate \\(serial [0-9a-f]+\\) is revoked by the CRL /etc/cnauthz/crl.pem \\(@revoked:1\\)"
t_fails "bob, outside his time window, is denied" dk_as bob ps
t_like "... by the module, loaded by absolute path inside the plugin" "$E2E_OUT" \
	"authorization denied by plugin $FULL: bob may not GET /containers/json: outside the allowed time window \\(days=All hours=$OUT \\(UTC\\)\\) \\(bob:2\\)"
t_ok "client, inside his (the module by name), may list containers" dk_as client ps
t_ok "client keeps a container" dk_as client create --name kept --network none e2e-busybox true
for _ in $(seq 20); do grep -q '"name":"kept","owner":"client"' "$E2E_TMP/host-state/owners.json" 2>/dev/null && break; sleep 0.1; done
t_ok "... whose owner the plugin wrote to the host's state directory" \
	grep -q '"name":"kept","owner":"client"' "$E2E_TMP/host-state/owners.json"
# config.json's args, as its description says: the plugin's
# /run/docker/plugins is /run/docker/plugins/ID on the host (dockerd 20.10
# keeps plugin sockets there whatever its exec-root)
id=$(dk_local plugin inspect -f '{{.Id}}' "$FULL")
MS=/run/docker/plugins/$id/metrics.sock
t_ok "the plugin's metrics socket, on the host at /run/docker/plugins/ID/metrics.sock" test -S "$MS"
t_like "... serves the decisions, client's denial among them" \
	"$(curl -s --max-time 10 --unix-socket "$MS" http://m/metrics)" \
	'cnauthz_decisions_by_file_total\{verdict="deny",file="client"\} [1-9]'
t_ok "the audit trail lands in the host's directory" test -s "$AUDIT/audit.log"
t_like "... with client's denial" "$(grep '"decision":"deny"' "$AUDIT/audit.log")" '"cn":"client"'
t_ok "... and it verifies" "$E2E_TOP/plugin/cnauthz" audit verify "$AUDIT/audit.log"

t_fails "client may not disable the plugin" dk_as client plugin disable -f "$FULL"
t_like "... (plugin management)" "$E2E_OUT" "$DENIED POST /plugins/.*/disable: plugin management"
# The caveat: whoever may manage plugins may switch the authorization off.
t_ok "admin, whose rules allow everything, may disable it" dk_as admin plugin disable -f "$FULL"
t_ok "... and then nothing judges client any more" \
	past_authz dk_as client run --rm --privileged --network none e2e-busybox /bin/true
t_ok "admin enables it again" dk_as admin plugin enable "$FULL"
t_ok "... which does not put it back in front of the API" \
	past_authz dk_as client run --rm --privileged --network none e2e-busybox /bin/true
# Nor does dockerd's SIGHUP reload (20.10): only a restart does.
t_ok "dockerd restarts" e2e_stop_dockerd
t_ok "... with the plugin among its authorization plugins" \
	e2e_start_dockerd --authorization-plugin="$FULL"
t_fails "... and client is denied again" \
	dk_as client run --rm --privileged --network none e2e-busybox /bin/true
t_like "..." "$E2E_OUT" "$DENIED"

done_testing
