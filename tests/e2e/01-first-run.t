#!/bin/bash
# The README's first two commands on a fresh machine, where make starts
# before the -dev packages are installed: `make run` and `make check`
# install them (contrib/deps.sh) and must then build, link and serve on
# the first try, with -j too.
#
# The machine's packages stay as they are. A copy of the tree (the files
# git knows, nothing built) is run with a stand-in pkg-config that answers
# as on a machine without libjansson-dev and libmicrohttpd-dev - "not
# found", exit 1 - until a stand-in contrib/deps.sh (DEPS_SH) has
# "installed" them, after make read the Makefile; from then on it is the
# real pkg-config. A Makefile that reads the flags when it is parsed links
# without the libraries and fails here, as it did on a fresh Debian 12.
. "$(dirname "$0")/../lib/e2e.sh"

command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
REAL_PKG_CONFIG=$(command -v pkg-config) || e2e_skip_or_fail "pkg-config is not installed"
e2e_setup
umask 022 # the copy's rules are served under the strict file checks
chmod 0755 "$E2E_TMP"
T=$E2E_TMP/clone
MARK=$E2E_TMP/installed
FAKE=$E2E_TMP/bin
mkdir -p "$T" "$FAKE"

# The tracked files (and new ones not ignored), as a clone has them.
if git -C "$E2E_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$E2E_TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$T"
else
	(cd "$E2E_TOP" && tar -cf - --exclude=./build --exclude='*.o' --exclude='*.a' \
		--exclude='*.so' --exclude=./plugin/cnauthz --exclude='./tests/*/bin' .) | tar -xf - -C "$T"
fi
t_ok "the copy has nothing built" test ! -e "$T/plugin/cnauthz" -a ! -e "$T/plugin/main.o"

cat >"$FAKE/pkg-config" <<EOF
#!/bin/sh
# pkg-config before and after "apt-get install libjansson-dev ..."
printf '%s %s\n' "\$([ -e '$MARK' ] && echo after || echo before)" "\$*" >>'$E2E_TMP/pkg-config.log'
if [ ! -e '$MARK' ]; then
	for p in "\$@"; do
		case \$p in -*) ;; *)
			echo "Package \$p was not found in the pkg-config search path." >&2
			exit 1 ;;
		esac
	done
fi
exec '$REAL_PKG_CONFIG' "\$@"
EOF
cat >"$E2E_TMP/deps.sh" <<EOF
#!/bin/sh
echo "cnauthz: installing: libmicrohttpd-dev libjansson-dev (stand-in: \$1)"
echo "\$1" >>'$E2E_TMP/deps.log'
: >'$MARK'
EOF
chmod 0755 "$FAKE/pkg-config" "$E2E_TMP/deps.sh"
t_fails "the stand-in pkg-config finds nothing before the install" \
	"$FAKE/pkg-config" --libs libmicrohttpd jansson
rm -f "$E2E_TMP/pkg-config.log"

# --- make run ------------------------------------------------------------
SOCK=$E2E_TMP/run.sock
PIDF=$E2E_TMP/run.pid
# as typed at a shell: nothing of a make this test may run under
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
PATH=$FAKE:$PATH make -C "$T" -j2 run DEPS_SH="$E2E_TMP/deps.sh" \
	RUN_ARGS="--socket $SOCK --pidfile $PIDF --no-watch" </dev/null >"$E2E_TMP/run.log" 2>&1 &
MAKE_PID=$!
_e2e_plugin_pids[first-run-make]=$MAKE_PID
# a build from nothing on a shared machine: give it time
for _ in $(seq 1800); do
	[[ -s $PIDF ]] && break
	_e2e_alive "$MAKE_PID" || break
	sleep 0.1
done
t_ok "make -j2 run, on the first try, serves" test -s "$PIDF"
SERVE_PID=$(cat "$PIDF" 2>/dev/null)
[[ -n $SERVE_PID ]] && _e2e_plugin_pids[first-run]=$SERVE_PID
t_like "... after installing the packages (deps.sh build)" "$(cat "$E2E_TMP/deps.log" 2>/dev/null)" '^build$'
t_like "... answering dockerd's first call" \
	"$(curl -s --max-time 5 --unix-socket "$SOCK" -X POST http://p/Plugin.Activate)" '"authz"'
t_like "... with the rules of the copy" "$(cat "$E2E_TMP/run.log")" "serving [0-9]+ rule file\\(s\\) from rules "
t_like "... linked with the libraries (ldd)" "$(ldd "$T/plugin/cnauthz" 2>&1)" 'libjansson.*libmicrohttpd|libmicrohttpd.*libjansson'
t_unlike "pkg-config was asked nothing before the install" \
	"$(cat "$E2E_TMP/pkg-config.log" 2>/dev/null)" '(^|'$'\n'')before '
[[ -n $SERVE_PID ]] && kill -TERM "$SERVE_PID"
for _ in $(seq 100); do _e2e_alive "$MAKE_PID" || break; sleep 0.1; done
wait "$MAKE_PID"
t_is "Ctrl-C (SIGTERM) ends make run with status 0" "$?" 0
unset '_e2e_plugin_pids[first-run-make]' '_e2e_plugin_pids[first-run]'
t_ok "... and the socket is removed" test ! -e "$SOCK"
note "make run said:" "$(cat "$E2E_TMP/run.log")"

# make install from the copy, an editor's leftover among its rules: the
# leftover, which no rule file can be named, is not installed
printf 'junk\n' >"$T/rules/client~"
t_ok "make install, with rules/client~ in the tree" make -s -C "$T" install DESTDIR="$E2E_TMP/dest"
t_like "... says it leaves it out" "$E2E_OUT" 'not installing rules/client~: not a rule-file name'
t_is "... and installs the rule files alone" "$(ls -A "$E2E_TMP/dest/etc/cnauthz/rules" | tr '\n' ' ')" \
	"$(ls -A "$E2E_TOP/rules" | tr '\n' ' ')"
rm -f "$T/rules/client~"

# --- make check ------------------------------------------------------------
# The same again for make check, packages "removed" once more: what it
# links (plugin, a unit test, a test tool) is linked again; prove and the
# sanitizer round are left out (PROVE, SANITIZE_ROUND), the rest of the
# suite is what runs this test.
rm -f "$MARK" "$T/plugin/cnauthz" "$T/plugin/main.o" "$E2E_TMP/pkg-config.log"
t_ok "make -j2 check, on the first try, builds what it tests" \
	env PATH="$FAKE:$PATH" make -C "$T" -j2 check DEPS_SH="$E2E_TMP/deps.sh" \
	PROVE=true SANITIZE_ROUND=true UNIT_BINS=tests/unit/t-b64.t \
	FUZZ_REPLAY_BINS= TEST_TOOLS=tests/tools/bin/unixraw
t_like "... after installing the test packages (deps.sh test)" "$(tail -n 1 "$E2E_TMP/deps.log")" '^test$'
t_ok "... the unit test it linked runs" "$T/tests/unit/t-b64.t"
t_ok "... and so does the plugin" "$T/plugin/cnauthz" version
t_unlike "pkg-config was asked nothing before the install" \
	"$(cat "$E2E_TMP/pkg-config.log" 2>/dev/null)" '(^|'$'\n'')before '

# --- without the packages at all ---------------------------------------
rm -f "$MARK" "$T/plugin/cnauthz"
t_fails "make without the packages stops" env PATH="$FAKE:$PATH" make -C "$T" plugin/cnauthz
t_like "... saying what to install, not with a wall of undefined references" "$E2E_OUT" \
	'pkg-config finds no libmicrohttpd jansson libssl libcrypto: run "contrib/deps.sh build"'
t_unlike "... (none)" "$E2E_OUT" 'undefined reference'

done_testing
