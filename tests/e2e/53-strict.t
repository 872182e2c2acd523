#!/bin/bash
# Strict files, as sshd's StrictModes and doas: the rules directory, each
# rule file and every directory above them must be owned by root and not
# writable by group or others. check, test and serve refuse what is not,
# naming the path and why; a sticky world-writable parent such as /tmp is
# fine; --insecure-permissions loads anyway and says so loudly.
. "$(dirname "$0")/../lib/e2e.sh"

((EUID == 0)) || e2e_skip_or_fail "not root (the test chowns files)"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
P=$E2E_TMP/etc       # the parent
R=$P/rules           # the rules directory
SOCK=$E2E_TMP/plugin.sock

fresh() { # a clean, correct tree
	rm -rf "$P"
	mkdir -m 0755 "$P" "$R"
	printf 'sufficient permit *\n' >"$R/admin"
	printf 'sufficient permit GET\n' >"$R/client"
	printf 'sufficient permit *\n' >"$R/@local"
	chmod 0644 "$R"/*
}

# serve_fails: serve must refuse to start, exit 1; its stderr in E2E_OUT.
serve_fails() {
	timeout 10 "$BIN" serve --rules "$R" --socket "$SOCK" "$@"
}

# serve_bg ARGS...: serve in the background, stderr to $E2E_TMP/serve.log
serve_bg() {
	rm -f "$SOCK"
	"$BIN" serve --rules "$R" --socket "$SOCK" --no-watch "$@" 2>"$E2E_TMP/serve.log" &
	PID=$!
	for _ in $(seq 50); do [[ -S $SOCK ]] && return 0; sleep 0.1; done
	return 1
}
serve_stop() { kill -TERM "$PID"; wait "$PID"; }
ask_local() {
	curl -s --max-time 5 --unix-socket "$SOCK" -X POST \
		--data-binary '{"RequestMethod":"GET","RequestUri":"/_ping"}' http://p/AuthZPlugin.AuthZReq
}

fresh
t_ok "a root-owned 0755 directory of 0644 files: check passes" "$BIN" check --rules "$R"
t_unlike "... without a word about permissions" "$E2E_OUT" 'refused|WARNING'

# --- the rules directory writable by its group ---------------------------
chmod 0775 "$R"
t_fails "check: a group-writable rules directory is refused" "$BIN" check --rules "$R"
t_is "... exit 1" "$E2E_RC" 1
t_is "... saying which path and why" "$E2E_OUT" \
	"cnauthz: rules directory refused: $R is writable by its group (mode 0775): refused (see --insecure-permissions)"
t_fails "serve: does not start on it" serve_fails
t_is "... exit 1" "$E2E_RC" 1
t_like "... saying which path and why" "$E2E_OUT" \
	"error: rules directory refused: $R is writable by its group \\(mode 0775\\)"
t_ok "... and leaves no socket" test ! -e "$SOCK"
t_fails "test: refuses it too" "$BIN" test --rules "$R" --cn admin --method GET --uri /_ping
t_like "... saying so" "$E2E_OUT" "rules directory refused: $R is writable by its group"

t_ok "check --insecure-permissions loads it" "$BIN" check --rules "$R" --insecure-permissions
t_like "... with a loud warning" "$E2E_OUT" \
	'cnauthz: WARNING: --insecure-permissions: rule files are trusted whoever can write them'
t_ok "serve --insecure-permissions starts on it" serve_bg --insecure-permissions
t_like "... answering" "$(ask_local)" '"Allow":true'
serve_stop
t_like "... and warned loudly at start" "$(cat "$E2E_TMP/serve.log")" \
	'warning: --insecure-permissions: rule files and modules are trusted whoever can write them; for tests only'
chmod 0755 "$R"

# --- a world-writable rule file --------------------------------------------
chmod 0646 "$R/client"
t_fails "check: a world-writable rule file is an error" "$BIN" check --rules "$R"
t_is "... exit 1" "$E2E_RC" 1
t_like "... naming the file and why" "$E2E_OUT" \
	"^$R/client is writable by others \\(mode 0646\\): refused \\(see --insecure-permissions\\)"
t_like "... the other files load" "$E2E_OUT" "$R: 3 rule file\\(s\\), 1 with errors"
t_fails "test: that CN is denied" "$BIN" test --rules "$R" --cn client --method GET --uri /_ping
t_like "... because its file is refused" "$E2E_OUT" \
	"rule file client is invalid: $R/client is writable by others"
t_ok "test: another CN is still judged by its file" "$BIN" test --rules "$R" --cn admin --method GET --uri /_ping
t_ok "serve: starts (only that file is refused)" serve_bg
serve_stop
t_like "... and logs the refusal, naming the file" "$(cat "$E2E_TMP/serve.log")" \
	"error: $R/client is writable by others \\(mode 0646\\): refused .*\\(this file's CN is denied everything\\)"
t_ok "check --insecure-permissions: no error" "$BIN" check --rules "$R" --insecure-permissions
chmod 0664 "$R/client"
t_fails "check: a group-writable rule file is an error too" "$BIN" check --rules "$R"
t_like "... naming it" "$E2E_OUT" "$R/client is writable by its group \\(mode 0664\\)"
chmod 0644 "$R/client"

# --- a file owned by someone else -----------------------------------------
chown nobody "$R/client"
t_fails "check: a rule file owned by nobody is an error" "$BIN" check --rules "$R"
t_like "... naming the file and the owner" "$E2E_OUT" \
	"$R/client is owned by uid $(id -u nobody), not by root: refused \\(see --insecure-permissions\\)"
chown root "$R/client"
chown nobody "$R"
t_fails "check: a rules directory owned by nobody is refused" "$BIN" check --rules "$R"
t_like "... naming it" "$E2E_OUT" "rules directory refused: $R is owned by uid $(id -u nobody)"
chown root "$R"

# --- a parent directory ----------------------------------------------------
chmod 0775 "$P"
t_fails "check: a group-writable parent directory is refused" "$BIN" check --rules "$R"
t_is "... naming the parent" "$E2E_OUT" \
	"cnauthz: rules directory refused: $P is writable by its group (mode 0775): refused (see --insecure-permissions)"
t_fails "serve: does not start under it" serve_fails
t_like "... naming the parent" "$E2E_OUT" "rules directory refused: $P is writable by its group"
chmod 0777 "$P"
t_fails "check: a world-writable parent without the sticky bit is refused" "$BIN" check --rules "$R"
t_like "... naming it" "$E2E_OUT" "$P is writable by others \\(mode 0777\\)"
chmod 1777 "$P"
t_ok "check: a sticky world-writable parent (like /tmp) is accepted" "$BIN" check --rules "$R"
t_ok "serve: starts under it" serve_bg
t_like "... and answers" "$(ask_local)" '"Allow":true'
serve_stop
chmod 1777 "$R"
t_fails "check: but a sticky world-writable rules directory itself is refused" "$BIN" check --rules "$R"
t_like "... naming it" "$E2E_OUT" "$R is writable by others \\(mode 1777\\)"
chmod 0755 "$R" "$P"

# --- symlinks ----------------------------------------------------------------
ln -s "$R/admin" "$R/ci"
t_fails "check: a symlinked rule file is an error" "$BIN" check --rules "$R"
t_like "... naming it" "$E2E_OUT" "$R/ci: is a symbolic link"
rm "$R/ci"
mkdir -m 0775 "$E2E_TMP/gw"
ln -s "$R" "$E2E_TMP/gw/rules"
t_ok "check: a rules directory reached through a symlink is judged by where it really is" \
	"$BIN" check --rules "$E2E_TMP/gw/rules"
mkdir -m 0755 "$E2E_TMP/gw/real"
printf 'sufficient permit *\n' >"$E2E_TMP/gw/real/@local"
ln -s "$E2E_TMP/gw/real" "$E2E_TMP/link"
t_fails "check: a symlink to a directory under a group-writable one is refused" \
	"$BIN" check --rules "$E2E_TMP/link"
t_like "... naming the real parent" "$E2E_OUT" "$E2E_TMP/gw is writable by its group"

# --- the reload applies the same rules --------------------------------------
fresh
t_ok "serve on a correct tree" serve_bg
chmod 0775 "$R"
kill -HUP "$PID"
sleep 1
t_like "a reload into a group-writable directory is refused; the old set serves" "$(ask_local)" '"Allow":true'
serve_stop
t_like "... the refusal logged, naming the path" "$(cat "$E2E_TMP/serve.log")" \
	"reload failed, old rules stay in force: rules directory refused: $R is writable by its group"
chmod 0755 "$R"

done_testing
