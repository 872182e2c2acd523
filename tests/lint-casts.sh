#!/bin/sh
# tests/lint-casts.sh DIR... - const is honoured in these sources.
#
# The build's -Wcast-qual refuses a cast that drops const; this refuses the
# detours around it: a pointer through an integer type ((uintptr_t)p and
# the like) and a pragma that silences the warning. Every build runs it
# (the Makefile's CAST_STAMP); it fails naming the lines.
rc=0
if grep -rnE --include='*.[ch]' '\bu?intptr_t\b' "$@"; then
	echo "lint-casts: a pointer through an integer type (above): hold a non-const pointer instead" >&2
	rc=1
fi
if grep -rnE --include='*.[ch]' 'pragma[[:space:]]+(GCC|clang)[[:space:]]+diagnostic|Wno-cast-qual' "$@"; then
	echo "lint-casts: a warning silenced in the source (above)" >&2
	rc=1
fi
exit $rc
