#!/bin/bash
# The manual pages lint clean (mandoc -Tlint -W warning, and groff's own
# warnings) and render as man(1) shows them: `man -l` works on each page in man/
. "$(dirname "$0")/../lib/e2e.sh"

command -v mandoc >/dev/null || e2e_skip_or_fail "mandoc is not installed (package mandoc)"
e2e_setup

for page in $(cd "$E2E_TOP" && ls man/*.[0-9]); do
	f=$E2E_TOP/$page
	t_ok "$page: mandoc -Tlint -W warning" mandoc -Tlint -W warning "$f"
	t_is "... says nothing" "$E2E_OUT" ""
	if command -v groff >/dev/null; then
		# -mandoc: the mdoc macros; -ww: every warning; -z: no output
		t_ok "$page: groff -mandoc -ww" groff -mandoc -ww -z -Tutf8 "$f"
		t_is "... says nothing" "$E2E_OUT" ""
	else
		t_skip "$page: groff -ww" "groff is not installed"
		t_skip "... says nothing" "groff is not installed"
	fi
	t_ok "$page renders" mandoc -Tascii "$f"
	t_like "... with its NAME section" "$(col -b <<<"$E2E_OUT")" "NAME"
	if command -v man >/dev/null; then
		t_ok "$page: man -l renders it" env MANPAGER=cat PAGER=cat MANWIDTH=80 man -l "$f"
	else
		t_skip "$page: man -l renders it" "man is not installed"
	fi
done

# cnauthz(8) covers every subcommand and every option the binary takes
# (as each subcommand's --help lists them).
man8=$(mandoc -Tascii "$E2E_TOP/man/cnauthz.8" | col -b)
bin=$E2E_TOP/plugin/cnauthz
usage=$("$bin" --help 2>&1)
mapfile -t subs < <(sed -n 's/^ *\(usage: \)\{0,1\}cnauthz \[\{0,1\}\([a-z]*\( verify\)\{0,1\}\).*/\2/p' <<<"$usage" | sort -u)
t_like "cnauthz --help lists serve, check, test and version" "${subs[*]}" 'check.*serve.*test.*version'
for sub in "${subs[@]}"; do
	if grep -q -e "cnauthz \[\{0,1\}$sub" <<<"$man8"; then
		t_ok "cnauthz.8 documents '$sub'" true
	else
		t_ok "cnauthz.8 documents '$sub'" false
	fi
	[[ $sub == version ]] && continue
	missing=()
	# shellcheck disable=SC2086 # "audit verify" is two words
	for o in $("$bin" $sub --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		[[ $o == --help ]] && continue
		grep -q -e "$o" <<<"$man8" || missing+=("$o")
	done
	t_is "... and each of its options" "${missing[*]}" ""
done
done_testing
