#!/bin/bash
# make install, end to end: into a DESTDIR, where Debian puts things; a
# second install keeps an edited rule file; the installed units pass
# systemd-analyze verify (their man pages found where man looks); the
# installed binary checks the installed rules, and serves them to a real
# dockerd started exactly as the installed cnauthz.service says, with the
# socket of the installed cnauthz.socket passed as systemd passes it.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
for t in systemd-analyze systemd-socket-activate; do
	command -v "$t" >/dev/null || e2e_skip_or_fail "$t is not installed (package systemd)"
done
e2e_setup
D=$E2E_TMP/dest
P=/usr/local
SOCK=/run/docker/plugins/$E2E_PLUGIN.sock

t_ok "make install DESTDIR=..." make -s -C "$E2E_TOP" install DESTDIR="$D"
while read -r mode path; do
	[[ -z $path ]] && continue
	if [[ ! -e $D$path ]]; then
		t_ok "installed $path" test -e "$D$path"
		continue
	fi
	t_is "installed $path, mode $mode, root's" "$(stat -c '%a %U:%G' "$D$path")" "$mode root:root"
done <<EOF
755 $P/sbin/cnauthz
644 $P/include/cnauthz_module.h
644 $P/share/man/man8/cnauthz.8
644 $P/share/man/man5/cnauthz-rules.5
755 /etc/cnauthz/rules
644 /etc/cnauthz/rules/client
644 /etc/cnauthz/rules/admin
644 /etc/cnauthz/rules/@other
644 /etc/cnauthz/rules/@local
644 /etc/cnauthz/rules/@developer
644 /etc/cnauthz/rules/@readonly
644 /etc/systemd/system/cnauthz.service
644 /etc/systemd/system/cnauthz.socket
644 /etc/logrotate.d/cnauthz
644 $P/share/doc/cnauthz/examples/cnauthz.conf
644 $P/share/doc/cnauthz/examples/daemon.json
644 $P/share/doc/cnauthz/examples/daemon-json.conf
755 $P/share/doc/cnauthz/examples/mkcerts.sh
755 $P/lib/cnauthz/modules
EOF
# man/ holds the pages; a rule file may end in .<digit> (a CN such as web.1).
t_is "the manual pages go under share/man, nowhere else" \
	"$(cd "$D" && find . -name 'cnauthz*.[0-9]' | sort | tr '\n' ' ')" \
	".$P/share/man/man5/cnauthz-rules.5 .$P/share/man/man8/cnauthz.8 "
t_is "nothing outside /etc and $P" "$(cd "$D" && find . -mindepth 1 -maxdepth 2 | sort | tr '\n' ' ')" \
	"./etc ./etc/cnauthz ./etc/logrotate.d ./etc/systemd ./usr ./usr/local "
t_is "dockerd's configuration is not touched (examples only)" \
	"$(find "$D" -path '*docker.service.d*' -o -path '*/etc/docker*')" ""

# Configuration survives a reinstall.
printf '# edited by the administrator\nsufficient permit\n' >"$D/etc/cnauthz/rules/client"
rm -f "$D/etc/cnauthz/rules/@readonly"
echo '# edited' >>"$D/etc/logrotate.d/cnauthz"
t_ok "make install again" make -s -C "$E2E_TOP" install DESTDIR="$D"
t_like "... says it keeps the edited rule file" "$E2E_OUT" "keeping existing $D/etc/cnauthz/rules/client"
t_like "... keeps it" "$(cat "$D/etc/cnauthz/rules/client")" '^# edited by the administrator'
t_ok "... puts back a deleted one" test -s "$D/etc/cnauthz/rules/@readonly"
t_like "... keeps the edited logrotate file" "$(tail -n 1 "$D/etc/logrotate.d/cnauthz")" '^# edited$'
cp "$E2E_TOP/rules/client" "$D/etc/cnauthz/rules/client"

BIN=$D$P/sbin/cnauthz
t_ok "the installed binary checks the installed rules" "$BIN" check --rules "$D/etc/cnauthz/rules"
t_ok "the installed header compiles" \
	cc -std=c11 -Wall -Werror -fsyntax-only -x c -include "$D$P/include/cnauthz_module.h" /dev/null
if command -v man >/dev/null; then
	t_ok "man finds the installed pages" env MANPATH="$D$P/share/man" MANPAGER=cat PAGER=cat man -w cnauthz cnauthz-rules
	t_like "..." "$E2E_OUT" "man8/cnauthz\.8.*man5/cnauthz-rules\.5"
else
	t_skip "man finds the installed pages" "man is not installed"
	t_skip "..." "man is not installed"
fi

# The installed units, verified with the binary's path under DESTDIR (the
# only change) and with the man pages of Documentation= looked up there.
U=$E2E_TMP/units
mkdir -p "$U"
sed -e "s|^ExecStart=$P/sbin/cnauthz |ExecStart=$BIN |" \
	-e "s|^ExecReload=$P/sbin/cnauthz |ExecReload=$BIN |" "$D/etc/systemd/system/cnauthz.service" >"$U/cnauthz.service"
cp "$D/etc/systemd/system/cnauthz.socket" "$U/"
t_ok "the installed units pass systemd-analyze verify --man=yes" \
	env -C "$U" SYSTEMD_UNIT_PATH="$U:" MANPATH="$D$P/share/man" timeout 60 \
	systemd-analyze verify --man=yes cnauthz.service cnauthz.socket
t_is "... without a word" "$E2E_OUT" ""
t_ok "make install PREFIX=/usr puts units in /usr/lib/systemd/system" \
	make -s -C "$E2E_TOP" install DESTDIR="$E2E_TMP/dest-usr" PREFIX=/usr
t_like "... and names /usr/sbin/cnauthz in them" \
	"$(grep '^ExecStart=' "$E2E_TMP/dest-usr/usr/lib/systemd/system/cnauthz.service")" '^ExecStart=/usr/sbin/cnauthz serve '
t_like "... for ExecReload's check too" \
	"$(grep '^ExecReload=.*check' "$E2E_TMP/dest-usr/usr/lib/systemd/system/cnauthz.service")" '^ExecReload=/usr/sbin/cnauthz check --rules /etc/cnauthz/rules '

# Serve, as the installed units say, with the installed binary.
unit_value() { sed -n "s/^$2=//p" "$1" | grep -v '^$' | tail -n 1; }
listen=$(unit_value "$D/etc/systemd/system/cnauthz.socket" ListenStream)
read -r -a argv <<<"$(unit_value "$D/etc/systemd/system/cnauthz.service" ExecStart)"
t_is "ExecStart is the installed binary" "${argv[0]}" "$P/sbin/cnauthz"
mkdir -p "$E2E_TMP/log" "$E2E_TMP/run"
for i in "${!argv[@]}"; do
	a=${argv[i]}
	a=${a//"$listen"/$SOCK}
	a=${a//\/var\/log\/cnauthz\//$E2E_TMP/log/}
	a=${a//\/run\/cnauthz\//$E2E_TMP/run/}
	a=${a//\/etc\/cnauthz\//$D/etc/cnauthz/}
	argv[i]=$a
done
argv[0]=$D${argv[0]}
t_unlike "every path in ExecStart was moved under the test's directory" \
	"${argv[*]}" ' (/etc|/var|/run/cnauthz)| [a-z]+:/(etc|var)'
note "ExecStart here: ${argv[*]}"
e2e_certs client admin
[[ -e $SOCK ]] && e2e_bail "$SOCK exists already"
(exec systemd-socket-activate -E CNAUTHZ_STATE_DIR -E CNAUTHZ_DOCKER_SOCKET -l "$SOCK" "${argv[@]}") </dev/null >>"$E2E_TMP/plugin.log" 2>&1 &
# Stopped, and $SOCK removed, by the library's teardown like any plugin.
_e2e_plugin_pids[$E2E_PLUGIN]=$!
for _ in {1..50}; do [[ -S $SOCK ]] && break; sleep 0.1; done
t_ok "dockerd starts with the installed cnauthz as its plugin" \
	e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
t_ok "... which serves the installed rules" grep -q "from $D/etc/cnauthz/rules .*(socket activation)" "$E2E_TMP/plugin.log"
e2e_import_image e2e-busybox
t_ok "client runs a container" dk_as client run --rm --network none e2e-busybox /bin/true
t_fails "client is denied a host bind mount" dk_as client run --rm --network none -v /:/host e2e-busybox /bin/true
t_like "... with the reason" "$E2E_OUT" \
	"authorization denied by plugin $E2E_PLUGIN: client may not POST /containers/create: HostConfig.Binds binds host path /"
t_ok "admin may" dk_as admin run --rm --network none -v /:/host e2e-busybox /bin/true
t_ok "the audit trail is written where the unit says" test -s "$E2E_TMP/log/audit.log"

t_ok "make uninstall" make -s -C "$E2E_TOP" uninstall DESTDIR="$D"
t_is "... leaves only the configuration" \
	"$(cd "$D" && find . -type f | sort | tr '\n' ' ')" \
	"./etc/cnauthz/rules/@developer ./etc/cnauthz/rules/@local ./etc/cnauthz/rules/@other ./etc/cnauthz/rules/@readonly ./etc/cnauthz/rules/admin ./etc/cnauthz/rules/client ./etc/logrotate.d/cnauthz "

done_testing
