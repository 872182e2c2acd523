#!/bin/bash
# The command line as a first-time user meets it: a bare cnauthz without
# a rules directory says what to do; every command's --help lists each
# option its synopsis in cnauthz(8) names (and exits 0); every usage
# error says what is wrong - the unknown option, the option without its
# value, what is missing - points at --help and exits 2.
. "$(dirname "$0")/../lib/e2e.sh"

command -v mandoc >/dev/null || e2e_skip_or_fail "mandoc is not installed (package mandoc)"
e2e_setup
BIN=$E2E_TOP/plugin/cnauthz

# --- a bare cnauthz ---------------------------------------------------------
if [[ -e /etc/cnauthz/rules ]]; then
	t_skip "a bare cnauthz without /etc/cnauthz/rules says what to do" "/etc/cnauthz/rules exists here"
else
	t_fails "a bare cnauthz, no /etc/cnauthz/rules: it does not try to serve" timeout 10 "$BIN"
	t_is "... exit 2" "$E2E_RC" 2
	t_like "... it says why" "$E2E_OUT" '^cnauthz: there is no rules directory /etc/cnauthz/rules, so nothing to serve\.'
	t_like "... and what to do" "$E2E_OUT" 'make run +serves the repository.s rules/.*make install +puts the shipped rules in /etc/cnauthz/rules.*cnauthz serve --rules DIR'
	t_fails "cnauthz serve (explicitly), no /etc/cnauthz/rules" timeout 10 "$BIN" serve --socket "$E2E_TMP/s.sock"
	t_like "... the error, then a hint" "$E2E_OUT" \
		'error: /etc/cnauthz/rules: cannot open rules directory: No such file or directory.*info: give --rules DIR: make run serves'
fi

# --- --help: each option the synopsis names ---------------------------------
syn=$(mandoc -Tascii "$E2E_TOP/man/cnauthz.8" | col -b |
	sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
	awk '/^     cnauthz/ { if (l) print l; l = $0; next } { l = l " " $0 } END { print l }')
t_like "the synopsis names serve, check, test, replay, audit verify, audit show, owners" \
	"$(awk '{ print $2 ($2 == "audit" ? " " $3 : "") }' <<<"$syn" | sort -u | tr '\n' ' ')" \
	'^\[serve\] audit show audit verify check owners replay test version $'
while IFS= read -r line; do
	read -r -a w <<<"$line"
	case ${w[1]} in
	'[serve]') sub=(serve) ;;
	audit) sub=(audit "${w[2]}") ;;
	version) continue ;;
	*) sub=("${w[1]}") ;;
	esac
	t_ok "cnauthz ${sub[*]} --help exits 0" "$BIN" "${sub[@]}" --help
	help=$E2E_OUT
	missing=()
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$line" | sort -u); do
		grep -q -e "$o" <<<"$help" || missing+=("$o")
	done
	t_is "... and lists every option of: ${line:5:60}..." "${missing[*]}" ""
done <<<"$syn"

# --- usage errors -------------------------------------------------------------
# usage_error DESC WANT CMD...: exit 2, the first line WANT, then the hint
usage_error() {
	local desc=$1 want=$2
	shift 2
	t_fails "$desc" "$@"
	t_is "... exit 2, saying: $want" "$E2E_RC $(head -n 1 <<<"$E2E_OUT")" "2 $want"
	t_like "... and where the options are" "$E2E_OUT" '--help'
}
usage_error "serve: an unknown option" 'cnauthz serve: unknown option "--bogus"' "$BIN" serve --bogus
usage_error "serve: an option without its value" 'cnauthz serve: --rules needs a value' "$BIN" serve --rules
usage_error "serve: an argument" 'cnauthz serve: unexpected argument "rules"' "$BIN" serve rules
usage_error "check: an unknown option" 'cnauthz check: unknown option "--frob"' "$BIN" check --frob x
usage_error "check: an option without its value" 'cnauthz check: --rules needs a value' "$BIN" check --rules
usage_error "test: nobody asks" \
	'cnauthz test: who asks? give --cn CN, --cert FILE or --local (or a whole --request FILE)' \
	"$BIN" test --method GET --uri /x
usage_error "test: no --uri" 'cnauthz test: --uri is missing (as the client sent it: /v1.41/containers/json)' \
	"$BIN" test --cn x --method GET
usage_error "test: no --method" 'cnauthz test: --method is missing (GET, POST, ...)' \
	"$BIN" test --cn x --uri /x
usage_error "replay: no FILE" 'cnauthz replay: no FILE to replay ("-" for standard input)' "$BIN" replay
usage_error "replay: an unknown option" 'cnauthz replay: unknown option "--frob"' "$BIN" replay --frob x f
usage_error "audit: no verb" 'cnauthz audit: verify or show?' "$BIN" audit
usage_error "audit: an unknown verb" 'cnauthz audit: unknown command "check" (verify or show)' "$BIN" audit check
usage_error "audit verify: no FILE" 'cnauthz audit verify: no FILE to verify ("-" for standard input)' "$BIN" audit verify
usage_error "audit show: no FILE" 'cnauthz audit show: no FILE to show ("-" for standard input)' "$BIN" audit show
usage_error "owners: no command" 'cnauthz owners: list, set or unset?' "$BIN" owners
usage_error "owners: set without its owner" 'cnauthz owners: set takes KIND REF OWNER' "$BIN" owners set container web
usage_error "owners: an unknown command" 'cnauthz owners: unknown command "show" (list, set or unset)' "$BIN" owners show
usage_error "an unknown command" 'cnauthz: unknown command "tset"' "$BIN" tset

done_testing
