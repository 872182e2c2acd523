#!/bin/bash
# The legacy plugin the systemd way, end to end. contrib/systemd's units
# pass systemd-analyze verify, and so does docker.service with either of
# contrib/docker's drop-ins. There is no systemd running here, so the test
# does what the units say by hand: the socket of cnauthz.socket is made
# and held by systemd-socket-activate, which starts cnauthz with exactly
# cnauthz.service's ExecStart (paths moved under the test's directory) on
# the first connection; dockerd is started with exactly the drop-in's
# command line, then with exactly contrib/docker/daemon.json, its own API
# socket passed the same way (-H fd://, as docker.socket does). Each time
# the shipped rules are enforced.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
for t in systemd-analyze systemd-socket-activate perl; do
	command -v "$t" >/dev/null || e2e_skip_or_fail "$t is not installed (package systemd, perl)"
done
perl -MJSON::PP -e 1 2>/dev/null || e2e_skip_or_fail "perl with JSON::PP is missing"
e2e_setup
C=$E2E_TOP/contrib
BIN=$E2E_TOP/plugin/cnauthz
TAG=${E2E_TMP##*/}
SOCK=/run/docker/plugins/$E2E_PLUGIN.sock
DOCKERD=/usr/sbin/dockerd
[[ -x $DOCKERD ]] || DOCKERD=$(command -v dockerd)

# unit_value FILE KEY: KEY's last non-empty value in a unit file (an empty
# assignment, "ExecStart=", only resets the list).
unit_value() { sed -n "s/^$2=//p" "$1" | grep -v '^$' | tail -n 1; }

# --- the unit files ------------------------------------------------------
U=$E2E_TMP/units
mkdir -p "$U/docker.service.d"
sed -e "s|^ExecStart=/usr/local/sbin/cnauthz |ExecStart=$BIN |" \
	-e "s|^ExecReload=/usr/local/sbin/cnauthz |ExecReload=$BIN |" "$C/systemd/cnauthz.service" >"$U/cnauthz.service"
cp "$C/systemd/cnauthz.socket" "$U/"
if [[ -r /lib/systemd/system/docker.service && -r /lib/systemd/system/docker.socket ]]; then
	cp /lib/systemd/system/docker.service /lib/systemd/system/docker.socket "$U/"
else # not Debian's docker.io: a stand-in with the same ExecStart
	printf '[Unit]\nDescription=Docker\nRequires=docker.socket\n[Service]\nType=notify\nExecStart=%s -H fd://\n' "$DOCKERD" >"$U/docker.service"
	printf '[Socket]\nListenStream=/run/docker.sock\n' >"$U/docker.socket"
fi
verify() { (cd "$U" && SYSTEMD_UNIT_PATH=$U: timeout 60 systemd-analyze verify --man=no "$@" 2>&1); }

t_ok "cnauthz.service and cnauthz.socket pass systemd-analyze verify" verify cnauthz.service cnauthz.socket
t_is "... without a word" "$E2E_OUT" ""
svc=$C/systemd/cnauthz.service
for kv in "Before=docker.service" "Requires=cnauthz.socket" "Restart=always" \
	"NoNewPrivileges=yes" "ProtectSystem=strict" "ReadOnlyPaths=/etc/cnauthz" \
	"CapabilityBoundingSet=CAP_DAC_READ_SEARCH" "PrivateNetwork=yes" \
	"ExecReload=/bin/kill -HUP \$MAINPID" \
	"ExecReload=/usr/local/sbin/cnauthz check --rules /etc/cnauthz/rules --quiet"; do
	t_is "cnauthz.service: $kv" "$(grep -cxF "$kv" "$svc")" 1
done
t_is "cnauthz.socket: Before=docker.service" "$(grep -cxF Before=docker.service "$C/systemd/cnauthz.socket")" 1
t_is "cnauthz.socket: mode 0600" "$(unit_value "$C/systemd/cnauthz.socket" SocketMode)" 0600
if out=$(cd "$U" && SYSTEMD_UNIT_PATH=$U: timeout 60 systemd-analyze security --offline=yes cnauthz.service 2>&1); then
	t_like "systemd-analyze security rates the service's exposure OK or better" \
		"$(tail -n 1 <<<"$out")" 'exposure level for cnauthz\.service: [0-3]\.[0-9] (OK|SAFE)'
else
	t_skip "systemd-analyze security rates the service's exposure" "no --offline in this systemd"
fi

sed "s|/usr/sbin/dockerd|$DOCKERD|" "$C/docker/cnauthz.conf" >"$U/docker.service.d/cnauthz.conf"
t_ok "docker.service with the flags drop-in passes systemd-analyze verify" verify docker.service
t_is "... without a word" "$E2E_OUT" ""
sed "s|/usr/sbin/dockerd|$DOCKERD|" "$C/docker/daemon-json.conf" >"$U/docker.service.d/cnauthz.conf"
t_ok "docker.service with the daemon.json drop-in passes systemd-analyze verify" verify docker.service
t_is "... without a word" "$E2E_OUT" ""

listen=$(unit_value "$C/systemd/cnauthz.socket" ListenStream)
name=${listen##*/}
name=${name%.sock}
t_is "the socket unit listens where dockerd looks for plugin 'cnauthz'" "$listen" /run/docker/plugins/cnauthz.sock
t_like "the drop-in names that plugin" "$(unit_value "$C/docker/cnauthz.conf" ExecStart)" " --authorization-plugin=$name( |$)"
t_is "daemon.json names that plugin" \
	"$(perl -MJSON::PP -0777 -ne 'print join(",", @{decode_json($_)->{"authorization-plugins"}})' "$C/docker/daemon.json")" "$name"

# --- cnauthz as systemd starts it --------------------------------------
# The paths the unit names, moved under $E2E_TMP; the socket is the test's
# own plugin name, as /run/docker/plugins is shared with the machine.
mkdir -p "$E2E_TMP/etc/cnauthz" "$E2E_TMP/log" "$E2E_TMP/run"
cp -a "$E2E_TOP/rules" "$E2E_TMP/etc/cnauthz/rules"
map() { # PATH-BEARING ARG -> the same under $E2E_TMP
	local a=$1
	a=${a//"$listen"/$SOCK}
	a=${a//\/etc\/cnauthz\//$E2E_TMP/etc/cnauthz/}
	a=${a//\/var\/log\/cnauthz\//$E2E_TMP/log/}
	a=${a//\/run\/cnauthz\//$E2E_TMP/run/}
	a=${a//\/etc\/docker\/pki\//$E2E_TMP/pki/}
	printf '%s' "$a"
}
exec_start=$(unit_value "$C/systemd/cnauthz.service" ExecStart)
t_unlike "ExecStart needs no shell-like interpretation (quotes, variables)" "$exec_start" "[\"'\$%\\\\]"
read -r -a argv <<<"$exec_start"
t_is "ExecStart runs the installed binary" "${argv[0]}" /usr/local/sbin/cnauthz
argv[0]=$BIN
for i in "${!argv[@]}"; do argv[i]=$(map "${argv[i]}"); done
t_unlike "every path in ExecStart was moved under the test's directory" \
	"${argv[*]:1}" ' (/etc|/var|/run/cnauthz)| [a-z]+:/(etc|var)'
note "ExecStart here: ${argv[*]}"

# --- the metrics drop-in ---------------------------------------------------
D=$C/systemd/metrics.conf
mkdir -p "$U/cnauthz.service.d"
sed -e "s|^ExecStart=/usr/local/sbin/cnauthz |ExecStart=$BIN |" "$D" >"$U/cnauthz.service.d/metrics.conf"
t_ok "cnauthz.service with the metrics drop-in passes systemd-analyze verify" verify cnauthz.service
t_is "... without a word" "$E2E_OUT" ""
rm -r "$U/cnauthz.service.d"
t_is "the drop-in resets ExecStart, then sets it once" "$(grep -c '^ExecStart=' "$D")/$(grep -cx 'ExecStart=' "$D")" 2/1
t_is "... to cnauthz.service's own with --metrics 127.0.0.1:9323 added" \
	"$(unit_value "$D" ExecStart)" "$exec_start --metrics 127.0.0.1:9323"
t_is "... giving it loopback: RestrictAddressFamilies adds AF_INET" "$(unit_value "$D" RestrictAddressFamilies)" "AF_UNIX AF_INET"
t_is "... IPAddressAllow is localhost alone" "$(unit_value "$D" IPAddressAllow)/$(unit_value "$D" IPAddressDeny)" "localhost/any"
read -r -a margv <<<"$(unit_value "$D" ExecStart)"
margv[0]=$BIN
MPORT=
for _ in {1..50}; do
	MPORT=$((20000 + RANDOM % 40000))
	_e2e_port_free "$MPORT" && break
done
for i in "${!margv[@]}"; do
	margv[i]=$(map "${margv[i]}")
	margv[i]=${margv[i]//"$SOCK"/$E2E_TMP/metrics-run.sock}
	margv[i]=${margv[i]//127.0.0.1:9323/127.0.0.1:$MPORT}
done
"${margv[@]}" 2>>"$E2E_TMP/metrics-run.log" &
mpid=$!
for _ in {1..50}; do [[ -S $E2E_TMP/metrics-run.sock ]] && break; sleep 0.1; done
t_like "cnauthz as the drop-in starts it serves the metrics on loopback" \
	"$(curl -s --max-time 10 "http://127.0.0.1:$MPORT/metrics")" 'cnauthz_ruleset_info\{hash="[0-9a-f]{64}"\} 1'
kill -TERM "$mpid"
wait "$mpid"
rm -f "$E2E_TMP/run/cnauthz.pid"

e2e_certs client admin
if [[ -e $SOCK ]]; then
	e2e_bail "$SOCK exists already"
fi
# systemd binds ListenStream with SocketMode=0600 and passes it as fd 3,
# LISTEN_FDS=1, LISTEN_PID=the service; systemd-socket-activate does the
# same, then execs the service on the first connection (Accept=no).
(exec systemd-socket-activate -E CNAUTHZ_STATE_DIR -E CNAUTHZ_DOCKER_SOCKET -l "$SOCK" "${argv[@]}") \
	</dev/null >>"$E2E_TMP/plugin.log" 2>&1 &
act_pid=$!
# Stopped, and $SOCK removed, by the library's teardown like any plugin.
_e2e_plugin_pids[$E2E_PLUGIN]=$act_pid
for _ in {1..50}; do [[ -S $SOCK ]] && break; sleep 0.1; done
t_ok "the socket exists before cnauthz runs" test -S "$SOCK"
chmod 0600 "$SOCK" # SocketMode=, which systemd-socket-activate lacks
t_is "... held by systemd-socket-activate alone" "$(cat "/proc/$act_pid/comm")" systemd-socket-

# --- dockerd as the drop-in starts it ------------------------------------
# dockerd_launch ARGS...: dockerd with the test's private state (as
# tests/lib/e2e.sh starts it) and ARGS, its API socket handed over like
# docker.socket does (-H fd://). "@PORT@" in ARGS and in $E2E_TMP/daemon.json.in
# (made into $E2E_TMP/daemon.json) is a free port, which E2E_PORT is set to
# for dk_as.
dockerd_launch() {
	local port x
	for _ in {1..50}; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		_e2e_port_free "$port" && break
	done
	E2E_PORT=$port
	local -a a=()
	for x in "$@"; do a+=("${x//@PORT@/$port}"); done
	if [[ -e $E2E_TMP/daemon.json.in ]]; then
		sed "s/@PORT@/$port/g" "$E2E_TMP/daemon.json.in" >"$E2E_TMP/daemon.json"
	fi
	echo "=== $(date '+%F %T') starting dockerd ${a[*]}" >>"$E2E_TMP/dockerd.log"
	(umask 077 && exec systemd-socket-activate -l "$E2E_TMP/docker.sock" \
		"$DOCKERD" \
		--data-root "$E2E_TMP/data" --exec-root "$E2E_TMP/exec" \
		--pidfile "$E2E_TMP/dockerd.pid" \
		--iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
		--containerd-namespace="$TAG" --containerd-plugins-namespace="$TAG-plugins" \
		--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent="/$TAG" \
		"${a[@]}") </dev/null >>"$E2E_TMP/dockerd.log" 2>&1 &
	# The library's e2e_stop_dockerd (and teardown) stop this pid.
	_e2e_dockerd_pid=$!
	disown "$_e2e_dockerd_pid"
	for _ in {1..50}; do [[ -S $E2E_TMP/docker.sock ]] && break; sleep 0.1; done
	if ! _e2e_dockerd_wait "$E2E_TMP" 60; then
		diag "dockerd did not start; dockerd.log:" "$(tail -n 20 "$E2E_TMP/dockerd.log")"
		return 1
	fi
}

dropin=$(unit_value "$C/docker/cnauthz.conf" ExecStart)
read -r -a dargs <<<"$dropin"
t_is "the drop-in starts Debian's dockerd" "${dargs[0]}" /usr/sbin/dockerd
args=()
for ((i = 1; i < ${#dargs[@]}; i++)); do
	a=${dargs[i]}
	case $a in
	# containerd: dockerd starts its own here; $DOCKER_OPTS: empty
	--containerd=* | '$DOCKER_OPTS') continue ;;
	tcp://0.0.0.0:2376) a=tcp://127.0.0.1:@PORT@ ;;
	--authorization-plugin=cnauthz) a=--authorization-plugin=$E2E_PLUGIN ;;
	*) a=$(map "$a") ;;
	esac
	args+=("$a")
done
t_unlike "every path in the drop-in was moved under the test's directory" "${args[*]}" '=/etc/'
note "dockerd here: ${args[*]}"
# Not this machine's /etc/docker/daemon.json: an empty one.
printf '{}\n' >"$E2E_TMP/empty.json"
t_ok "dockerd starts with the drop-in's command line" \
	dockerd_launch --config-file "$E2E_TMP/empty.json" "${args[@]}"
t_is "dockerd's first call started cnauthz on the socket (exec, same pid)" "$(cat "/proc/$act_pid/comm" 2>&1)" cnauthz
t_ok "... which says it took the socket from systemd" \
	grep -q "on $SOCK (socket activation)" "$E2E_TMP/plugin.log"
e2e_import_image e2e-busybox

DENIED="authorization denied by plugin $E2E_PLUGIN: client may not POST /containers/create"
enforced() { # WHAT: the shipped rules, as seen through dockerd
	t_ok "$1: client runs a container" dk_as client run --rm --network none e2e-busybox /bin/echo hi
	t_is "... which ran" "$E2E_OUT" hi
	t_fails "$1: client is denied --privileged" \
		dk_as client run --rm --privileged --network none e2e-busybox /bin/true
	t_like "... with the reason" "$E2E_OUT" "$DENIED: HostConfig.Privileged is true"
	t_ok "$1: admin is allowed --privileged" \
		past_authz dk_as admin run --rm --privileged --network none e2e-busybox /bin/true
}
enforced "drop-in"
AUDIT=$E2E_TMP/log/audit.log
t_ok "the audit trail is where the unit says" test -s "$AUDIT"
t_like "... with client's denial" "$(grep '"decision":"deny"' "$AUDIT")" '"cn":"client"'
t_ok "... and it verifies" "$BIN" audit verify "$AUDIT"

# --- dockerd as daemon.json configures it ----------------------------------
t_ok "dockerd stops" e2e_stop_dockerd
perl -MJSON::PP -0777 -e '
	my ($tmp, $plugin) = @ARGV[0, 1];
	my $c = decode_json(<STDIN>);
	$c->{hosts} = [map { s{^tcp://0\.0\.0\.0:2376$}{tcp://127.0.0.1:\@PORT\@}r } @{$c->{hosts}}];
	$c->{$_} =~ s{^/etc/docker/pki/}{$tmp/pki/} for qw(tlscacert tlscert tlskey);
	$c->{"authorization-plugins"} = [map { $_ eq "cnauthz" ? $plugin : $_ } @{$c->{"authorization-plugins"}}];
	print JSON::PP->new->canonical->pretty->encode($c);
' "$E2E_TMP" "$E2E_PLUGIN" <"$C/docker/daemon.json" >"$E2E_TMP/daemon.json.in"
t_is "daemon.json has the keys of the drop-in's flags" \
	"$(perl -MJSON::PP -0777 -ne 'print join(" ", sort keys %{decode_json($_)})' "$C/docker/daemon.json")" \
	"authorization-plugins hosts tlscacert tlscert tlskey tlsverify"
note "daemon.json here:" "$(cat "$E2E_TMP/daemon.json.in")"
t_ok "dockerd starts with daemon.json alone (the daemon.json drop-in's command line)" \
	dockerd_launch --config-file "$E2E_TMP/daemon.json"
t_is "... which is the only place naming the plugin and TLS" \
	"$(tr '\0' ' ' <"/proc/$_e2e_dockerd_pid/cmdline" | grep -c -e tls -e authorization)" 0
enforced "daemon.json"

# --- reload and stop, as systemctl does them -------------------------------
pid=$(cat "$E2E_TMP/run/cnauthz.pid" 2>/dev/null)
t_is "the pid file is cnauthz's" "$pid" "$act_pid"
# systemctl reload runs the ExecReload= lines in order, $MAINPID the
# service's pid, and fails at the first that fails.
mapfile -t reload_lines < <(sed -n 's/^ExecReload=//p' "$C/systemd/cnauthz.service")
t_is "ExecReload: two lines, a SIGHUP and a check" "${#reload_lines[@]}" 2
systemctl_reload() {
	local l a
	local -a cmd
	for l in "${reload_lines[@]}"; do
		read -r -a cmd <<<"$l"
		for i in "${!cmd[@]}"; do
			a=${cmd[i]//\$MAINPID/$pid}
			[[ $a == /usr/local/sbin/cnauthz ]] && a=$BIN
			cmd[i]=$(map "$a")
		done
		"${cmd[@]}" || return
	done
}
n=$(grep -c 'info: reloaded' "$E2E_TMP/plugin.log")
t_ok "systemctl reload (ExecReload: kill -HUP \$MAINPID, then check)" systemctl_reload
for _ in {1..50}; do (($(grep -c 'info: reloaded' "$E2E_TMP/plugin.log") > n)) && break; sleep 0.1; done
t_is "... reloads the rules" "$(grep -c 'info: reloaded' "$E2E_TMP/plugin.log")" "$((n + 1))"
t_is "... and says nothing when they are sound" "$E2E_OUT" ""
CR=$E2E_TMP/etc/cnauthz/rules/client
cp "$CR" "$E2E_TMP/client.good"
printf 'include @developer\nsufficient permit POST /containers/*/frobnicate extra\n' >"$CR.new"
mv "$CR.new" "$CR"
t_fails "a rule file with an error: systemctl reload fails" systemctl_reload
t_like "... with the error for the journal" "$E2E_OUT" "$CR:2:"
for _ in {1..50}; do grep -q 'file(s) with errors' "$E2E_TMP/plugin.log" && break; sleep 0.1; done
t_fails "... the reload was made: client, the file's CN, is denied everything" \
	dk_as client run --rm --network none e2e-busybox /bin/true
t_like "... with the error as the reason" "$E2E_OUT" "rule file client is invalid: $CR:2:"
t_ok "... admin is not" dk_as admin run --rm --network none e2e-busybox /bin/true
mv "$E2E_TMP/client.good" "$CR"
t_ok "fixed: systemctl reload succeeds" systemctl_reload
t_ok "... and client runs a container again" dk_as client run --rm --network none e2e-busybox /bin/true
t_ok "systemctl stop (SIGTERM)" kill -TERM "$pid"
for _ in {1..50}; do _e2e_alive "$pid" || break; sleep 0.1; done
t_ok "... stops cnauthz" eval '! _e2e_alive "$pid"'
wait "$pid"
t_is "... with status 0" "$?" 0
t_ok "... and leaves the socket it did not make to systemd" test -S "$SOCK"

done_testing
