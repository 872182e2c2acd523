#!/bin/bash
# contrib's example module, contrib/modules/timewindow.so (built by make),
# loaded by cnauthz in front of a real TLS dockerd: installed root-owned
# in a module directory of the test's own, named by a rule line either by
# name (--module-dir) or by absolute path. A window that excludes now
# denies the client with the module's own message; one that includes now
# lets the client's profile decide. A module anyone could have written
# is refused: the file naming it is an error, its CN denied everything,
# as at start; check finds modules as serve does.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
SO=$E2E_TOP/contrib/modules/timewindow.so
[[ -f $SO ]] || e2e_skip_or_fail "$SO is not built (make)"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
MODS=$E2E_TMP/modules
R=$E2E_TMP/rules
PLOG=$E2E_TMP/plugin.log

install -d -m 0755 -o root -g root "$MODS"
install -m 0755 -o root -g root "$SO" "$MODS/timewindow.so"
mkdir -m 0755 "$R"
cp "$E2E_TOP"/rules/@* "$E2E_TOP"/rules/admin "$R/"

# Windows around the present hour (UTC): IN covers now with an hour on
# either side, OUT is an hour starting two hours from now. TODAY and
# NOTTODAY are day lists with and without today.
h=$((10#$(date -u +%H)))
hh() { printf '%02d:00' $((($1 + 24) % 24)); }
IN="$(hh $((h - 1)))-$(hh $((h + 2)))"
OUT="$(hh $((h + 2)))-$(hh $((h + 3)))"
days=(Sun Mon Tue Wed Thu Fri Sat)
set_days() {
	local d=$((10#$(date -u +%w)))
	TODAY=${days[d]}
	NOTTODAY="${days[(d + 1) % 7]}-${days[(d + 6) % 7]}"
}
set_days
note "now $(date -u '+%a %H:%M') UTC: in $IN, out $OUT; not today $NOTTODAY"

# client: the window first, then the developer profile
client_rule() { # client_rule LINE: install client's file by rename
	printf '%s\ninclude @developer\n' "$1" >"$R/.client.new"
	mv "$R/.client.new" "$R/client"
}
# reloaded N: waits until the plugin has logged N reloads (at most 15 s)
reloaded() {
	local deadline=$((SECONDS + 15))
	while (($(grep -c 'info: reloaded' "$PLOG") < $1)); do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}
refused() { # refused N: waits until N reloads with errors were logged
	local deadline=$((SECONDS + 15))
	while (($(grep -c 'error: reloaded .* file(s) with errors' "$PLOG") < $1)); do
		((SECONDS >= deadline)) && return 1
		sleep 0.1
	done
}

client_rule "requisite timewindow days=All hours=$OUT utc"
t_ok "check: the module is found by name under --module-dir" \
	"$BIN" check --rules "$R" --module-dir "$MODS"
t_fails "check: without --module-dir (the installed default) it is unknown" \
	"$BIN" check --rules "$R"
t_like "... an error at the module's line:col" "$E2E_OUT" \
	"$R/client:1:11: unknown module \"timewindow\" \\(not built in, and no "

e2e_certs client admin
e2e_start_plugin "$E2E_PLUGIN" --rules "$R" --module-dir "$MODS"
PID=${_e2e_plugin_pids[$E2E_PLUGIN]}
t_ok "the plugin starts with the module loaded" test -n "$PID"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox

# --- by name, a window that excludes now ----------------------------------
t_fails "outside the window: client is denied" dk_as client ps
t_like "... with the module's message, at the module's line" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: client may not GET /containers/json: outside the allowed time window \\(days=All hours=$OUT \\(UTC\\)\\) \\(client:1\\)"
t_fails "... for every call: no run either" dk_as client run --rm --network none e2e-busybox /bin/true
t_like "... same message" "$E2E_OUT" "outside the allowed time window"
t_ok "admin, without the module in its stack, is not affected" dk_as admin ps

# --- by name, a window that includes now ----------------------------------
n=$(grep -c 'info: reloaded' "$PLOG")
client_rule "requisite timewindow days=All hours=$IN utc"
t_ok "the rule file changed: reloaded" reloaded $((n + 1))
t_ok "inside the window: client may list containers" dk_as client ps
t_ok "... and run one (the profile decides)" \
	dk_as client run --rm --network none e2e-busybox /bin/echo in-window
t_like "... which really ran" "$E2E_OUT" in-window
t_fails "... the profile still denies what it denies" \
	dk_as client run --rm --privileged --network none e2e-busybox /bin/true
t_like "... by @developer, not by the module" "$E2E_OUT" "HostConfig.Privileged is true \\(@developer:[0-9]+\\)"

# --- methods=: only some calls are held to the window ---------------------
n=$(grep -c 'info: reloaded' "$PLOG")
client_rule "requisite timewindow days=All hours=$OUT utc methods=POST,DELETE"
t_ok "methods=POST,DELETE outside the window: reloaded" reloaded $((n + 1))
t_ok "... a GET passes" dk_as client ps
t_fails "... a POST is denied" dk_as client run --rm --network none e2e-busybox /bin/true
t_like "... by the module" "$E2E_OUT" "client may not POST /containers/create: outside the allowed time window"

# --- by absolute path ---------------------------------------------------------
set_days # (again: close to where they are used)
n=$(grep -c 'info: reloaded' "$PLOG")
client_rule "requisite $MODS/timewindow.so days=$NOTTODAY utc"
t_ok "by absolute path, days without today: reloaded" reloaded $((n + 1))
t_fails "... client is denied" dk_as client ps
t_like "... with the module's message naming the days" "$E2E_OUT" \
	"outside the allowed time window \\(days=$NOTTODAY hours=00:00-24:00 \\(UTC\\)\\) \\(client:1\\)"
n=$(grep -c 'info: reloaded' "$PLOG")
client_rule "requisite $MODS/timewindow.so days=$TODAY utc"
t_ok "by absolute path, days=$TODAY: reloaded" reloaded $((n + 1))
t_ok "... client is allowed" dk_as client ps

# --- refused modules: the file naming them is an error ----------------------
good=$(grep -c 'info: reloaded' "$PLOG")
chmod 0777 "$MODS/timewindow.so"
n=$(grep -c 'error: reloaded .* file(s) with errors' "$PLOG")
kill -HUP "$PID"
t_ok "a world-writable module: the reload says a file has errors" refused $((n + 1))
t_ok "... the error names the rule file's line:col and the module's path" \
	grep -q "error: $R/client:1:11: $MODS/timewindow.so is writable by others (mode 0777): refused" "$PLOG"
t_fails "... and client, whose file names it, is denied everything" dk_as client ps
t_like "... saying why" "$E2E_OUT" "client may not GET /containers/json: rule file client is invalid: $R/client:1:11: $MODS/timewindow.so is writable by others"
t_ok "... admin is not" dk_as admin ps
t_fails "check refuses it too" "$BIN" check --rules "$R" --module-dir "$MODS"
t_like "... the same way" "$E2E_OUT" "$R/client:1:11: $MODS/timewindow.so is writable by others"
chmod 0755 "$MODS/timewindow.so"

chmod 0775 "$MODS"
client_rule "requisite timewindow days=All hours=$OUT utc"
t_ok "a group-writable module directory: the reload says a file has errors" refused $((n + 2))
t_ok "... naming the directory" grep -q "error: $R/client:1:11: $MODS is writable by its group (mode 0775): refused" "$PLOG"
t_fails "... client is denied" dk_as client ps
t_like "... by the error, not by the window" "$E2E_OUT" "$MODS is writable by its group"
chmod 0755 "$MODS"
kill -HUP "$PID"
t_ok "fixed and reloaded" reloaded $((good + 1))
t_fails "... the OUT window is in force now" dk_as client ps
t_like "... by the module" "$E2E_OUT" "outside the allowed time window"

n=$(grep -c 'error: reloaded .* file(s) with errors' "$PLOG")
client_rule "requisite timewindow days=Someday utc"
t_ok "a bad argument: the reload says a file has errors" refused $((n + 1))
t_ok "... with the argument's file:line:col and the module's message" \
	grep -q "error: $R/client:1:27: timewindow: days= wants Mon-Fri, Sat,Sun or All" "$PLOG"

done_testing
