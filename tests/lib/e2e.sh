# shellcheck shell=bash
# tests/lib/e2e.sh - library for cnauthz's end-to-end tests (TAP output).
#
# Sourced, git test-lib style, by scripts that drive a real dockerd with the
# cnauthz plugin in front of it and the real docker CLI as TLS clients:
#
#   . "$(dirname "$0")/lib/e2e.sh"
#   e2e_require_root_and_tools        # skips (or, with $CI set, fails)
#   e2e_setup                         # $E2E_TMP + teardown trap
#   e2e_certs client admin
#   e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
#   e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
#   e2e_import_image e2e-busybox
#   t_ok    "admin can run"  dk_as admin run --rm --network none e2e-busybox true
#   t_fails "client cannot"  dk_as client run --rm --network none e2e-busybox true
#   t_like  "...denied"      "$E2E_OUT" 'authorization denied'
#   done_testing
#
# Rules for callers:
# - Call e2e_start_* / e2e_stop_* in the test shell itself (directly or via
#   t_ok), not in $(...) or a pipeline: they record pids in shell variables
#   that the teardown needs.
# - Don't rely on `set -e`: t_ok and friends return 1 on a failed check so a
#   script can react, which would end a `set -e` script early.  (The library
#   itself is safe under set -euo pipefail: each public function starts with
#   `local -; set +eu +o pipefail`, so the caller's options don't reach in.)
# - e2e_setup owns the EXIT, INT, TERM and HUP traps.  Put what a test
#   makes under $E2E_TMP and the teardown removes it.
# - Everything is on loopback (127.0.0.1 and unix sockets) and every external
#   command is bounded by `timeout`.

[[ -n ${_E2E_LIB_LOADED-} ]] && return 0
_E2E_LIB_LOADED=1

E2E_TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd -P)
export E2E_TOP
# The plugin socket lives in the machine-wide /run/docker/plugins, so its name
# must not collide with another test run's.
: "${E2E_PLUGIN:=cnauthz-e2e-$$}"
# Upper bound, in seconds, for one docker or curl command.
: "${E2E_TIMEOUT:=60}"
# Never taken from the environment: teardown rm -rf's it.
E2E_TMP=
E2E_PORT=
E2E_DOCKER_HOST=
E2E_DOCKER_SOCK=
E2E_DOCKERD_VERSION=
E2E_PLUGIN_SOCK=
E2E_OUT=
E2E_RC=0

_e2e_n=0          # tests run
_e2e_failed=0     # of which failed
_e2e_planned=     # from plan N
_e2e_owner=       # $BASHPID of the shell that ran e2e_setup
_e2e_tag=         # basename of $E2E_TMP: containerd namespace and cgroup name
_e2e_dockerd_pid=
_e2e_torn_down=
declare -A _e2e_plugin_pids=()

# ---------------------------------------------------------------------------
# TAP
# ---------------------------------------------------------------------------

# diag MSG...: "# "-prefixed lines on stderr (like Test::More, so prove shows
# them without -v).
diag() {
	local -
	set +eu +o pipefail
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$(printf '%s\n' "$@")" >&2
}

# note MSG...: "# "-prefixed lines on stdout (only shown by prove -v).
note() {
	local -
	set +eu +o pipefail
	local line
	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$(printf '%s\n' "$@")"
}

plan() {
	local -
	set +eu +o pipefail
	if [[ -n $_e2e_planned ]] || ((_e2e_n > 0)); then
		e2e_bail "plan called twice or after the first test"
	fi
	_e2e_planned=$1
	printf '1..%d\n' "$1"
}

plan_skip_all() {
	local -
	set +eu +o pipefail
	((_e2e_n == 0)) || e2e_bail "plan_skip_all after the first test"
	printf '1..0 # SKIP %s\n' "$*"
	exit 0
}

# A "#" in a description would start a TAP directive (e.g. "# skip").
_e2e_desc() {
	local d=${1//$'\n'/ }
	printf '%s' "${d//#/\\#}"
}

_e2e_result() { # 0|1 DESC
	_e2e_n=$((_e2e_n + 1))
	if (($1)); then
		printf 'ok %d - %s\n' "$_e2e_n" "$(_e2e_desc "$2")"
		return 0
	fi
	_e2e_failed=$((_e2e_failed + 1))
	printf 'not ok %d - %s\n' "$_e2e_n" "$(_e2e_desc "$2")"
	return 1
}

# Runs "$@" in this shell (so e2e_start_* can record pids) with stdin from
# /dev/null and stdout+stderr captured into E2E_OUT; E2E_RC is its status.
_e2e_run() {
	local f
	f=$(mktemp "${E2E_TMP:-${TMPDIR:-/tmp}}/.t_out.XXXXXX") || return 1
	if "$@" </dev/null >"$f" 2>&1; then E2E_RC=0; else E2E_RC=$?; fi
	E2E_OUT=$(<"$f")
	rm -f -- "$f"
}

_e2e_diag_cmd() { # what ran and what it said, for a failed check
	diag "command: $*" "exit status: $E2E_RC"
	[[ -n $E2E_OUT ]] && diag "output:" "$(sed -n '1,40p' <<<"$E2E_OUT")"
	return 0
}

# t_ok DESC CMD...: passes when CMD exits 0.
t_ok() {
	local -
	set +eu +o pipefail
	local desc=$1
	shift
	_e2e_run "$@"
	((E2E_RC == 0)) && { _e2e_result 1 "$desc"; return; }
	_e2e_result 0 "$desc"
	_e2e_diag_cmd "$@"
	return 1
}

# t_fails DESC CMD...: passes when CMD exits non-zero (e.g. a denied docker
# command); its output is in E2E_OUT for a following t_like.
t_fails() {
	local -
	set +eu +o pipefail
	local desc=$1
	shift
	_e2e_run "$@"
	((E2E_RC != 0)) && { _e2e_result 1 "$desc"; return; }
	_e2e_result 0 "$desc"
	diag "expected a non-zero exit status"
	_e2e_diag_cmd "$@"
	return 1
}

# test_expect_success DESC 'SCRIPT': git's form; SCRIPT is eval'd in this
# shell, chain its commands with &&.
test_expect_success() {
	local -
	set +eu +o pipefail
	t_ok "$1" eval "$2"
}

# t_like DESC STRING REGEX (bash ERE)
t_like() {
	local -
	set +eu +o pipefail
	[[ $2 =~ $3 ]] && { _e2e_result 1 "$1"; return; }
	_e2e_result 0 "$1"
	diag "expected to match: $3" "got:" "$2"
	return 1
}

# t_unlike DESC STRING REGEX
t_unlike() {
	local -
	set +eu +o pipefail
	[[ $2 =~ $3 ]] || { _e2e_result 1 "$1"; return; }
	_e2e_result 0 "$1"
	diag "expected not to match: $3" "got:" "$2"
	return 1
}

# t_is DESC GOT WANT
t_is() {
	local -
	set +eu +o pipefail
	[[ $2 == "$3" ]] && { _e2e_result 1 "$1"; return; }
	_e2e_result 0 "$1"
	diag "got:  '$2'" "want: '$3'"
	return 1
}

# t_skip DESC REASON: counts as a test, reported as skipped.
t_skip() {
	local -
	set +eu +o pipefail
	_e2e_n=$((_e2e_n + 1))
	printf 'ok %d - %s # skip %s\n' "$_e2e_n" "$(_e2e_desc "$1")" "$(_e2e_desc "$2")"
}

# done_testing: prints the plan if plan was not called; exits 1 if any test
# failed or the count does not match the plan, 0 otherwise (the EXIT trap
# then tears everything down).
done_testing() {
	local -
	set +eu +o pipefail
	local rc=0
	if [[ -z $_e2e_planned ]]; then
		printf '1..%d\n' "$_e2e_n"
	elif ((_e2e_planned != _e2e_n)); then
		diag "planned $_e2e_planned tests but ran $_e2e_n"
		rc=1
	fi
	if ((_e2e_failed > 0)); then
		diag "failed $_e2e_failed of $_e2e_n tests"
		rc=1
	fi
	exit "$rc"
}

# e2e_bail REASON: stop the whole run (TAP "Bail out!").
e2e_bail() {
	local -
	set +eu +o pipefail
	printf 'Bail out! %s\n' "$(_e2e_desc "$*")"
	exit 1
}

# e2e_skip_or_fail REASON: a missing prerequisite.  Locally that is a skip;
# in CI ($CI non-empty) the machine is supposed to have everything, so it is
# a failure: a suite that silently skips there tests nothing.
e2e_skip_or_fail() {
	local -
	set +eu +o pipefail
	local reason=$*
	if [[ -n ${CI-} ]]; then
		diag "CI is set, so a missing prerequisite is a failure: $reason"
		_e2e_result 0 "e2e prerequisites: $reason"
		e2e_bail "$reason"
	fi
	if ((_e2e_n == 0)) && [[ -z $_e2e_planned ]]; then
		plan_skip_all "$reason"
	fi
	# Some TAP is out already: skip what is left of the plan instead.
	if [[ -n $_e2e_planned ]]; then
		while ((_e2e_n < _e2e_planned)); do t_skip "not run" "$reason"; done
	else
		t_skip "rest of the script" "$reason"
	fi
	done_testing
}

# ---------------------------------------------------------------------------
# process, mount and cgroup plumbing
# ---------------------------------------------------------------------------

# Alive and not a zombie.  kill -0 is not enough: an orphaned dockerd child
# re-parented to a PID 1 that reaps slowly (or never, in some sandboxes)
# stays a zombie and kill -0 keeps succeeding on it.
_e2e_alive() {
	local s
	{ read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
	s=${s##*) } # comm, in parentheses, may contain spaces
	[[ ${s%% *} != Z ]]
}

# _e2e_kill_wait SECS PID...: SIGTERM, up to SECS seconds for them to go,
# then SIGKILL and up to 5 more seconds.  Reaps those that are our children.
_e2e_kill_wait() {
	local secs=$1 pid killed=0 deadline
	local -a left
	shift
	(($# > 0)) || return 0
	kill -TERM "$@" 2>/dev/null
	deadline=$((SECONDS + secs))
	while :; do
		left=()
		for pid in "$@"; do _e2e_alive "$pid" && left+=("$pid"); done
		((${#left[@]} == 0)) && break
		if ((SECONDS >= deadline)); then
			if ((killed)); then
				diag "teardown: ${left[*]} survived SIGKILL"
				break
			fi
			diag "teardown: SIGKILL to ${left[*]} (still there after ${secs}s)"
			kill -KILL "${left[@]}" 2>/dev/null
			killed=1
			deadline=$((SECONDS + 5))
		fi
		sleep 0.1
	done
	for pid in "$@"; do wait "$pid" 2>/dev/null; done
	return 0
}

# Pids (other than this shell) whose command line contains one of the given
# strings.  Used with strings unique to this run ($E2E_TMP, the containerd
# namespace), never with program names.
_e2e_pids_matching() {
	local d pid joined pat
	local -a argv
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		{ mapfile -d '' -t argv <"$d/cmdline"; } 2>/dev/null || continue
		((${#argv[@]})) || continue # kernel threads, zombies
		joined=" ${argv[*]} "
		for pat in "$@"; do
			if [[ $joined == *"$pat"* ]]; then
				_e2e_alive "$pid" && printf '%s\n' "$pid"
				break
			fi
		done
	done
}

# Mount points at or under DIR, deepest first (mountinfo field 5, whose
# spaces etc. are octal-escaped).
_e2e_mounts_under() {
	local dir=$1 mp
	while read -r _ _ _ _ mp _; do
		mp=$(printf '%b' "$mp")
		[[ $mp == "$dir" || $mp == "$dir"/* ]] && printf '%s\n' "$mp"
	done </proc/self/mountinfo | sort -ru
}

# Unmount everything under DIR.  dockerd bind-mounts its data root onto
# itself and puts network namespaces (nsfs) under exec-root/netns; a killed
# containerd shim can leave a container's rootfs mounted too.  Lazy unmount
# as the fallback, so a busy mount cannot stall teardown.
_e2e_umount_under() {
	local dir=$1 mp
	local -a mps
	for _ in 1 2 3 4 5; do
		mapfile -t mps < <(_e2e_mounts_under "$dir")
		((${#mps[@]})) || return 0
		for mp in "${mps[@]}"; do
			umount -R "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null
		done
	done
	mapfile -t mps < <(_e2e_mounts_under "$dir")
	((${#mps[@]})) && diag "teardown: still mounted: ${mps[*]}"
	return 0
}

# The cgroup dirs of TAG (--cgroup-parent=/TAG: one per hierarchy on cgroup
# v1, one on v2), children first.
_e2e_cgroups() {
	local -a top
	[[ -n $1 ]] || return 0
	mapfile -t top < <(find /sys/fs/cgroup -maxdepth 2 -type d -name "$1" 2>/dev/null)
	((${#top[@]})) || return 0
	find "${top[@]}" -depth -type d 2>/dev/null
}

# _e2e_cgroup_kill TAG [quiet]: SIGKILL every process in our containers'
# cgroup.  Before a graceful stop this spares dockerd's per-container stop
# timeout (10 s by default; --shutdown-timeout does not shorten it) for each
# container still running; after a hard kill the containers are orphans that
# nothing else would stop.
_e2e_cgroup_kill() {
	local tag=$1 quiet=${2-} cg pid
	local -a cgs pids
	mapfile -t cgs < <(_e2e_cgroups "$tag")
	for cg in "${cgs[@]}"; do
		# A paused (frozen) container ignores even SIGKILL until thawed.
		[[ -w $cg/freezer.state ]] && echo THAWED >"$cg/freezer.state" 2>/dev/null
		[[ -w $cg/cgroup.freeze ]] && echo 0 >"$cg/cgroup.freeze" 2>/dev/null
		pids=()
		{ mapfile -t pids <"$cg/cgroup.procs"; } 2>/dev/null
		for pid in "${pids[@]}"; do
			[[ -n $quiet ]] || diag "teardown: SIGKILL to container process $pid"
			kill -KILL "$pid" 2>/dev/null
		done
	done
	return 0
}

# Kill what is left in TAG's cgroups, then remove them (dockerd creates the
# parent and never removes it).
_e2e_cgroup_cleanup() {
	local tag=$1 cg
	local -a cgs
	_e2e_cgroup_kill "$tag"
	mapfile -t cgs < <(_e2e_cgroups "$tag")
	for _ in {1..25}; do
		((${#cgs[@]})) || return 0
		# rmdir fails while the kernel is still tearing the killed
		# processes down: try again for a few seconds.
		for cg in "${cgs[@]}"; do rmdir "$cg" 2>/dev/null; done
		mapfile -t cgs < <(_e2e_cgroups "$tag")
		((${#cgs[@]})) && sleep 0.2
	done
	diag "teardown: could not remove cgroups: ${cgs[*]}"
}

# A killed containerd shim leaves its socket in /run/containerd/s/, named by
# containerd 1.6 as sha256(<containerd address>/<namespace>/<container id>).
_e2e_shim_sockets_cleanup() { # DIR TAG
	local dir=$1 tag=$2 c h
	for c in "$dir"/data/containers/*/; do
		[[ -d $c ]] || continue
		c=${c%/}
		h=$(printf '%s' "$dir/exec/containerd/containerd.sock/$tag/${c##*/}" | sha256sum)
		h=${h%% *}
		[[ -S /run/containerd/s/$h ]] && rm -f -- "/run/containerd/s/$h"
	done
	return 0
}

# ---------------------------------------------------------------------------
# setup and teardown
# ---------------------------------------------------------------------------

# e2e_setup: private temp dir in $E2E_TMP, and a trap that undoes everything
# this library started when the script exits or is interrupted.
e2e_setup() {
	local -
	set +eu +o pipefail
	[[ -n $E2E_TMP && -d $E2E_TMP ]] && return 0
	E2E_TMP=$(mktemp -d /tmp/cnauthz-e2e.XXXXXX) || e2e_bail "mktemp -d failed"
	chmod 0700 "$E2E_TMP"
	export E2E_TMP
	_e2e_tag=${E2E_TMP##*/}
	_e2e_owner=$BASHPID
	mkdir -m 0700 "$E2E_TMP/docker-config"
	# Where a cnauthz started by hand keeps ownership, and the dockerd it
	# follows: this test's own, never the machine's (cnauthz(8)).
	export CNAUTHZ_STATE_DIR=$E2E_TMP/state-default
	export CNAUTHZ_DOCKER_SOCKET=$E2E_TMP/docker.sock
	trap '_e2e_on_exit' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

_e2e_on_exit() {
	local -
	set +eu +o pipefail
	local rc=$?
	_e2e_teardown
	exit "$rc"
}

_e2e_teardown() {
	# Subshells do not inherit the EXIT trap, but be sure: only the shell
	# that set up tears down, and only once.
	[[ -n $_e2e_torn_down || $BASHPID != "$_e2e_owner" ]] && return 0
	_e2e_torn_down=1
	[[ -n $E2E_TMP && -d $E2E_TMP ]] || return 0
	e2e_stop_dockerd
	e2e_stop_plugin
	# Anything else still running from our tree (a probe dockerd, shims).
	local -a pids
	mapfile -t pids < <(_e2e_pids_matching "$E2E_TMP/" "-namespace $_e2e_tag")
	_e2e_kill_wait 5 "${pids[@]}"
	_e2e_cgroup_cleanup "$_e2e_tag"
	_e2e_umount_under "$E2E_TMP"
	if [[ -n ${E2E_KEEP-} ]]; then
		diag "E2E_KEEP is set: kept $E2E_TMP"
		return 0
	fi
	# --one-file-system: should a mount have survived, leave it (and what is
	# behind it) alone rather than delete through it.
	rm -rf --one-file-system -- "$E2E_TMP" 2>/dev/null ||
		diag "teardown: could not remove all of $E2E_TMP"
}

# ---------------------------------------------------------------------------
# prerequisites
# ---------------------------------------------------------------------------

# e2e_require_root_and_tools: root, dockerd, docker, busybox-static, curl,
# openssl, and a dockerd that really starts here (probed with a throwaway
# instance, ~1 s; E2E_NO_PROBE=1 skips that).  Otherwise skip, or fail in CI.
e2e_require_root_and_tools() {
	local -
	set +eu +o pipefail
	local t
	local -a missing=()
	((EUID == 0)) || e2e_skip_or_fail "not root (the e2e tests run dockerd)"
	for t in dockerd docker runc curl openssl timeout tar sha256sum; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if [[ ! -x /bin/busybox ]]; then
		missing+=("/bin/busybox (package busybox-static)")
	elif command -v ldd >/dev/null && [[ $(ldd /bin/busybox 2>&1) == *'=>'* ]]; then
		# The image is just this one file: a dynamic busybox won't run in it.
		missing+=("a static /bin/busybox (package busybox-static)")
	fi
	((${#missing[@]} == 0)) || e2e_skip_or_fail "missing: ${missing[*]}"
	[[ -n ${E2E_NO_PROBE-} ]] && return 0

	e2e_setup
	local dir=$E2E_TMP/probe tag=$_e2e_tag-probe why=
	mkdir -m 0700 "$dir"
	if _e2e_dockerd_launch "$dir" "$tag"; then
		_e2e_dockerd_wait "$dir" 60 || why="dockerd did not come up"
	else
		why="dockerd could not be launched"
	fi
	_e2e_dockerd_cleanup "$dir" "$tag"
	if [[ -n $why ]]; then
		# The last error dockerd logged is usually the reason (cgroups,
		# mounts, missing containerd...).
		local last
		last=$(grep -E 'level=(fatal|error)|failed to start' "$dir/dockerd.log" | tail -n 1)
		[[ $last =~ msg=\"(([^\"\\]|\\.)*)\" ]] && last=${BASH_REMATCH[1]}
		diag "dockerd log tail:" "$(tail -n 15 "$dir/dockerd.log" 2>/dev/null)"
		_e2e_containerd_hint
		rm -rf --one-file-system -- "$dir" 2>/dev/null
		e2e_skip_or_fail "$why${last:+: $last}"
	fi
	rm -rf --one-file-system -- "$dir" 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------
# certificates and clients
# ---------------------------------------------------------------------------

# e2e_certs CN...: CA, dockerd's server pair and a client dir per CN in
# $E2E_TMP/pki (contrib/mkcerts.sh; its output goes to $E2E_TMP/mkcerts.log).
# shellcheck disable=SC2120 # called with CNs by the test scripts
e2e_certs() {
	local -
	set +eu +o pipefail
	[[ -n $E2E_TMP ]] || e2e_setup
	if ! "$E2E_TOP/contrib/mkcerts.sh" "$E2E_TMP/pki" "$@" >>"$E2E_TMP/mkcerts.log" 2>&1; then
		diag "contrib/mkcerts.sh failed:" "$(tail -n 20 "$E2E_TMP/mkcerts.log")"
		return 1
	fi
}

# The docker CLI, isolated from the caller's configuration: no DOCKER_HOST,
# context or cert path from the environment, and an empty config dir (a
# real ~/.docker/config.json could name credential helpers or a context).
_e2e_docker() {
	timeout -k 5 "$E2E_TIMEOUT" env -u DOCKER_HOST -u DOCKER_CONTEXT \
		-u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH -u DOCKER_TLS \
		DOCKER_CONFIG="$E2E_TMP/docker-config" DOCKER_CLI_HINTS=false \
		docker "$@"
}

_e2e_client_dir() { # CN -> $E2E_TMP/pki/CN, which must be complete
	local d=$E2E_TMP/pki/$1
	if [[ ! -r $d/ca.pem || ! -r $d/cert.pem || ! -r $d/key.pem ]]; then
		echo "e2e: no client certificate for '$1' (call e2e_certs $1)" >&2
		return 1
	fi
	printf '%s' "$d"
}

# dk_as CN ARGS...: the docker CLI as TLS client CN, over TCP.
dk_as() {
	local -
	set +eu +o pipefail
	local cn=$1 d
	shift
	d=$(_e2e_client_dir "$cn") || return 1
	[[ -n $E2E_PORT ]] || { echo "e2e: dockerd is not running" >&2; return 1; }
	_e2e_docker --tlsverify -H "tcp://127.0.0.1:$E2E_PORT" \
		--tlscacert "$d/ca.pem" --tlscert "$d/cert.pem" --tlskey "$d/key.pem" "$@"
}

# dk_local ARGS...: the docker CLI over dockerd's unix socket (no TLS, so no
# client CN; an authz plugin still sees these requests).
dk_local() {
	local -
	set +eu +o pipefail
	_e2e_docker -H "unix://$E2E_TMP/docker.sock" "$@"
}

# curl_as CN ARGS...: curl as TLS client CN, e.g.
#   curl_as admin "https://127.0.0.1:$E2E_PORT/version"
curl_as() {
	local -
	set +eu +o pipefail
	local cn=$1 d
	shift
	d=$(_e2e_client_dir "$cn") || return 1
	timeout -k 5 "$E2E_TIMEOUT" curl -sS --noproxy '*' --max-time "$E2E_TIMEOUT" \
		--cacert "$d/ca.pem" --cert "$d/cert.pem" --key "$d/key.pem" "$@"
}

# curl_local ARGS...: curl over dockerd's unix socket, e.g.
#   curl_local http://d/version
curl_local() {
	local -
	set +eu +o pipefail
	timeout -k 5 "$E2E_TIMEOUT" curl -sS --noproxy '*' --max-time "$E2E_TIMEOUT" \
		--unix-socket "$E2E_TMP/docker.sock" "$@"
}

# req CN METHOD PATH [BODY [CURL-ARGS...]]: one API call to the test dockerd
# (https://127.0.0.1:$E2E_PORT) with CN's client certificate; BODY, when
# given, sent as Content-Type $REQ_CT (application/json by default), else
# Content-Length 0. Sets CODE (the HTTP status, 000 when curl failed) and
# OUT (the answer, its last 2000 bytes without NULs for a bodiless call;
# for a denied HEAD, which has no body, what cnauthz logged of it).
req() {
	local -
	set +eu +o pipefail
	local cn=$1 m=$2 path=$3 body=${4-} url="https://127.0.0.1:$E2E_PORT"
	shift 3
	[ $# -gt 0 ] && shift
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$E2E_TMP/req-body"
		OUT=$(curl_as "$cn" -s -o - -w '\n%{http_code}' -X "$m" \
			-H "Content-Type: ${REQ_CT:-application/json}" \
			--data-binary @"$E2E_TMP/req-body" "$@" "$url$path")
	elif [ "$m" = HEAD ]; then
		OUT=$(curl_as "$cn" -s -I -o /dev/null -w '\n%{http_code}' "$@" "$url$path")
	else
		OUT=$(curl_as "$cn" -s -o - -w '\n%{http_code}' -X "$m" \
			-H 'Content-Length: 0' "$@" "$url$path" | tail -c 2000 | tr -d '\000')
	fi
	CODE=${OUT##*$'\n'}
	OUT=${OUT%$'\n'*}
	[ "$m" = HEAD ] && [ "$CODE" = 403 ] &&
		OUT="authorization denied by plugin $E2E_PLUGIN: $(grep -F "deny: AuthZReq $cn HEAD $(p=${path#/v1.41}; echo "${p%%\?*}"):" "$E2E_TMP/plugin.log" | tail -n 1)"
	return 0
}

# denied: the last req was denied by this test's plugin (403, its message).
denied() {
	[ "$CODE" = 403 ] && grep -q "authorization denied by plugin $E2E_PLUGIN" <<<"$OUT"
}

# past_plugin: the last req got dockerd's own answer, whatever it is, and
# not the plugin's denial (nor no answer at all).
past_plugin() {
	[ -n "$CODE" ] && [ "$CODE" != 403 ] && [ "$CODE" != 000 ] &&
		! grep -q 'authorization denied' <<<"$OUT"
}

# past_authz CMD...: cnauthz let CMD through; prints what CMD said. Where
# dockerd then fails for its own reasons (a sandboxed runc cannot grant
# every capability, say), only the absence of an authorization error counts.
past_authz() {
	local out rc
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	[ "$rc" = 0 ] && return 0
	! grep -q 'authorization denied' <<<"$out"
}

# ---------------------------------------------------------------------------
# the plugin
# ---------------------------------------------------------------------------

# e2e_start_plugin NAME ARGS...: "$E2E_TOP/plugin/cnauthz" serve on
# /run/docker/plugins/NAME.sock (where dockerd's --authorization-plugin=NAME
# finds it), logging to $E2E_TMP/plugin.log; returns once the socket answers
# Plugin.Activate with "authz" (at most E2E_PLUGIN_WAIT, 10 s).
e2e_start_plugin() {
	local -
	set +eu +o pipefail
	local name=$1 bin=${E2E_PLUGIN_BIN:-$E2E_TOP/plugin/cnauthz} sock pid deadline out
	shift
	[[ -n $E2E_TMP ]] || e2e_setup
	if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
		diag "bad plugin name '$name'"
		return 1
	fi
	[[ -x $bin ]] || { diag "$bin is missing (not built?)"; return 1; }
	[[ -n ${_e2e_plugin_pids[$name]-} ]] && { diag "plugin $name already started"; return 1; }
	sock=/run/docker/plugins/$name.sock
	mkdir -p /run/docker/plugins
	if [[ -e $sock ]]; then
		if curl -s --max-time 2 --unix-socket "$sock" -X POST http://p/Plugin.Activate >/dev/null 2>&1; then
			diag "$sock is in use by another process"
			return 1
		fi
		rm -f -- "$sock" # stale, from a run that died
	fi
	# Ownership: a state directory of this test's own, and the dockerd
	# e2e_start_dockerd starts (a test's own options come after, and win);
	# not for a stand-in binary (E2E_PLUGIN_OWNERSHIP=0).
	[[ ${E2E_PLUGIN_OWNERSHIP:-1} == 1 ]] &&
		set -- --state-dir "$E2E_TMP/state-$name" --docker-socket "$E2E_TMP/docker.sock" "$@"
	echo "=== $(date '+%F %T') starting $bin serve --socket $sock $*" >>"$E2E_TMP/plugin.log"
	"$bin" serve --socket "$sock" "$@" </dev/null >>"$E2E_TMP/plugin.log" 2>&1 &
	pid=$!
	_e2e_plugin_pids[$name]=$pid
	deadline=$((SECONDS + ${E2E_PLUGIN_WAIT:-10}))
	while ((SECONDS < deadline)); do
		if ! _e2e_alive "$pid"; then
			wait "$pid" 2>/dev/null
			diag "plugin exited with status $? during startup; plugin.log:" \
				"$(tail -n 20 "$E2E_TMP/plugin.log")"
			unset "_e2e_plugin_pids[$name]"
			rm -f -- "$sock"
			return 1
		fi
		# What dockerd sends first; the answer lists the implemented
		# subsystems, {"Implements": ["authz"]}.
		out=$(curl -s --max-time 2 --unix-socket "$sock" -X POST \
			-H 'Accept: application/vnd.docker.plugins.v1.2+json' \
			http://p/Plugin.Activate 2>/dev/null)
		if [[ $out == *authz* ]]; then
			export E2E_PLUGIN_SOCK=$sock
			return 0
		fi
		sleep 0.1
	done
	diag "plugin did not answer Plugin.Activate on $sock within ${E2E_PLUGIN_WAIT:-10}s" \
		"last answer: $out" "plugin.log:" "$(tail -n 20 "$E2E_TMP/plugin.log")"
	e2e_stop_plugin "$name"
	return 1
}

# e2e_stop_plugin [NAME]: stop that plugin (default: every one started) and
# remove its socket.
e2e_stop_plugin() {
	local -
	set +eu +o pipefail
	local name
	local -a names=("$@")
	((${#names[@]})) || names=("${!_e2e_plugin_pids[@]}")
	for name in "${names[@]}"; do
		[[ -n ${_e2e_plugin_pids[$name]-} ]] || continue
		_e2e_kill_wait 5 "${_e2e_plugin_pids[$name]}"
		unset "_e2e_plugin_pids[$name]"
		rm -f -- "/run/docker/plugins/$name.sock"
	done
	return 0
}

# ---------------------------------------------------------------------------
# dockerd
# ---------------------------------------------------------------------------

# Launch dockerd with all its state under DIR; TAG names its containerd
# namespace and its containers' cgroup so that both are told apart from
# any other dockerd on the machine (and can be cleaned up precisely).
_e2e_dockerd_launch() { # DIR TAG [ARGS...]
	local dir=$1 tag=$2
	shift 2
	# An empty config file: /etc/docker/daemon.json could set "hosts" or
	# a storage driver, and dockerd refuses to start when a setting comes
	# both from a flag and from the file.
	printf '{}\n' >"$dir/daemon.json"
	echo "=== $(date '+%F %T') starting dockerd $*" >>"$dir/dockerd.log"
	dockerd \
		--config-file "$dir/daemon.json" \
		--data-root "$dir/data" \
		--exec-root "$dir/exec" \
		--pidfile "$dir/dockerd.pid" \
		-H "unix://$dir/docker.sock" \
		--iptables=false --ip-masq=false --bridge=none \
		--storage-driver=vfs \
		--containerd-namespace="$tag" \
		--containerd-plugins-namespace="$tag-plugins" \
		--exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent="/$tag" \
		"$@" </dev/null >>"$dir/dockerd.log" 2>&1 &
	_e2e_dockerd_pid=$!
	# Out of the job table: bash still reaps it, but prints no "Killed"
	# line at a random later point if teardown has to SIGKILL it.
	disown "$_e2e_dockerd_pid"
}

# Wait (at most SECS) until dockerd at DIR answers on its unix socket.
# With an authz plugin configured this request goes through the plugin too;
# a denial still proves the daemon is serving.
_e2e_dockerd_wait() { # DIR SECS
	local dir=$1 deadline=$((SECONDS + $2)) out
	while ((SECONDS < deadline)); do
		_e2e_alive "$_e2e_dockerd_pid" || return 1
		if out=$(timeout -k 2 10 env -u DOCKER_HOST -u DOCKER_CONTEXT \
			DOCKER_CONFIG="${E2E_TMP:-$dir}/docker-config" \
			docker -H "unix://$dir/docker.sock" version --format '{{.Server.Version}}' 2>&1); then
			export E2E_DOCKERD_VERSION=$out
			return 0
		fi
		if [[ $out == *"authorization denied by plugin"* ]]; then
			export E2E_DOCKERD_VERSION=unknown
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# Stop the dockerd at DIR and everything it left behind, keeping DIR's data
# (images) for a restart.
_e2e_dockerd_cleanup() { # DIR TAG
	local dir=$1 tag=$2 pid=$_e2e_dockerd_pid p=
	local -a pids argv=()
	# Fall back to the pidfile if the pid variable was lost (e.g. started
	# in a subshell), but only if that pid is really a dockerd of ours.
	if [[ -z $pid && -r $dir/dockerd.pid ]]; then
		read -r p <"$dir/dockerd.pid"
		[[ $p =~ ^[0-9]+$ ]] && { mapfile -d '' -t argv <"/proc/$p/cmdline"; } 2>/dev/null
		[[ " ${argv[*]} " == *" $dir/data "* ]] && pid=$p
	fi
	# The bridges of the networks a test made outlive dockerd and its
	# data-root, and each holds one of dockerd's few default address pools:
	# ask which before it stops, remove them after.
	local -a bridges=()
	local b
	if [[ -n $pid && -S $dir/docker.sock ]]; then
		mapfile -t bridges < <(curl -s --max-time 5 --unix-socket "$dir/docker.sock" \
			'http://d/v1.41/networks?filters=%7B%22driver%22%3A%5B%22bridge%22%5D%2C%22type%22%3A%5B%22custom%22%5D%7D' |
			grep -o '"Id":"[0-9a-f]\{12\}' | sed 's/.*"//')
	fi
	# Containers first (see _e2e_cgroup_kill), then dockerd, which on
	# SIGTERM stops its containerd too.
	_e2e_cgroup_kill "$tag" quiet
	[[ -n $pid ]] && _e2e_kill_wait 30 "$pid"
	for b in "${bridges[@]}"; do
		ip link delete "br-$b" 2>/dev/null
	done
	_e2e_dockerd_pid=
	# After a hard kill: its containerd (whose own pidfile is in exec-root)
	# and the shims, which outlive containerd by design.
	mapfile -t pids < <(_e2e_pids_matching "$dir/exec/" "$dir/data/" "-namespace $tag ")
	if ((${#pids[@]})); then
		diag "teardown: leftover processes of dockerd: ${pids[*]}"
		_e2e_kill_wait 5 "${pids[@]}"
	fi
	_e2e_cgroup_cleanup "$tag"
	_e2e_shim_sockets_cleanup "$dir" "$tag"
	_e2e_umount_under "$dir/exec"
	_e2e_umount_under "$dir/data"
	rm -f -- "$dir/docker.sock" "$dir/dockerd.pid"
}

# dockerd 20.10 uses /run/containerd/containerd.sock whenever that file
# exists, instead of starting a containerd of its own, and fails after a
# 15 s dial timeout if nothing listens there (left by a containerd that was
# killed).  Say so, since its log only says "context deadline exceeded".
_e2e_containerd_hint() {
	local s=/run/containerd/containerd.sock rc=0
	[[ -S $s ]] || return 0
	curl -s --max-time 2 --unix-socket "$s" http://c/ >/dev/null 2>&1 || rc=$?
	if ((rc == 7)); then # curl: could not connect
		diag "hint: $s exists but nothing listens on it; dockerd 20.10 then" \
			"uses it instead of its own containerd and fails: remove it."
	fi
	return 0
}

_e2e_port_free() {
	if command -v ss >/dev/null; then
		[[ -z $(ss -Hltn "sport = :$1" 2>/dev/null) ]]
	else
		# Nothing answers a connect: nothing listens.
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# How often a plugin of this test has started following this dockerd's
# objects (ownership: cnauthz(8)).
_e2e_following() {
	grep -c "ownership: following dockerd at $E2E_TMP/docker.sock" \
		"$E2E_TMP/plugin.log" 2>/dev/null
}

# _e2e_ownership_wait N: when a plugin keeps ownership, until it has
# listed this dockerd's objects once more than N times (at most 10 s), so
# that a test's first call is judged with them.
_e2e_ownership_wait() {
	local deadline=$((SECONDS + 10))
	grep -q 'ownership: ' "$E2E_TMP/plugin.log" 2>/dev/null || return 0
	[[ -n ${_e2e_plugin_pids[*]} ]] || return 0
	while ((SECONDS < deadline)); do
		(($(_e2e_following) > ${1:-0})) && return 0
		sleep 0.05
	done
	diag "no plugin listed dockerd's objects within 10 s"
	return 0
}

# e2e_fake_dockerd SOCKET PLUGIN_SOCKET [OBJECTS_DIR]: for a test without a
# real dockerd, just enough of one on SOCKET for a cnauthz to follow
# (tests/lib/fake-dockerd.pl): it asks PLUGIN_SOCKET about each request,
# lists OBJECTS_DIR's objects and sends no events. Stopped at teardown
# (its command line names SOCKET, under $E2E_TMP).
e2e_fake_dockerd() {
	local -
	set +eu +o pipefail
	local sock=$1 plugin=$2 objects=${3-}
	perl "$E2E_TOP/tests/lib/fake-dockerd.pl" --socket "$sock" --plugin "$plugin" \
		${objects:+--objects "$objects"} 2>>"$E2E_TMP/fake-dockerd.log" &
	for _ in $(seq 50); do [[ -S $sock ]] && return 0; sleep 0.1; done
	diag "fake-dockerd did not start: $(tail -n 3 "$E2E_TMP/fake-dockerd.log")"
	return 1
}

# e2e_start_dockerd [DOCKERD ARGS...]: dockerd on unix://$E2E_TMP/docker.sock
# and, with TLS client verification, tcp://127.0.0.1:$E2E_PORT (random free
# port); sets E2E_PORT, E2E_DOCKER_HOST, E2E_DOCKER_SOCK, E2E_DOCKERD_VERSION.
# Waits at most E2E_DOCKERD_WAIT (60) s; on failure prints the log's tail.
e2e_start_dockerd() {
	local -
	set +eu +o pipefail
	local port try following
	[[ -n $E2E_TMP ]] || e2e_setup
	if [[ -n $_e2e_dockerd_pid ]] && _e2e_alive "$_e2e_dockerd_pid"; then
		diag "dockerd is already running (e2e_stop_dockerd first)"
		return 1
	fi
	if [[ ! -r $E2E_TMP/pki/server-cert.pem ]]; then
		# shellcheck disable=SC2119 # no CN: just the CA and server pair
		e2e_certs || return 1
	fi
	following=$(_e2e_following)
	for try in 1 2 3; do
		port=
		for _ in {1..50}; do
			port=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
			_e2e_port_free "$port" && break
			port=
		done
		[[ -n $port ]] || { diag "no free port found"; return 1; }
		E2E_PORT=$port
		_e2e_dockerd_launch "$E2E_TMP" "$_e2e_tag" \
			-H "tcp://127.0.0.1:$port" \
			--tlsverify \
			--tlscacert "$E2E_TMP/pki/ca.pem" \
			--tlscert "$E2E_TMP/pki/server-cert.pem" \
			--tlskey "$E2E_TMP/pki/server-key.pem" \
			"$@"
		if _e2e_dockerd_wait "$E2E_TMP" "${E2E_DOCKERD_WAIT:-60}"; then
			E2E_DOCKER_HOST=tcp://127.0.0.1:$port
			E2E_DOCKER_SOCK=$E2E_TMP/docker.sock
			export E2E_PORT E2E_DOCKER_HOST E2E_DOCKER_SOCK
			_e2e_ownership_wait "$following"
			return 0
		fi
		_e2e_dockerd_cleanup "$E2E_TMP" "$_e2e_tag"
		E2E_PORT=
		# Someone took the port between our check and dockerd's bind.
		[[ $(tail -n 5 "$E2E_TMP/dockerd.log") == *'address already in use'* ]] || break
		diag "port $port was taken meanwhile (try $try of 3)"
	done
	diag "dockerd did not start within ${E2E_DOCKERD_WAIT:-60}s; dockerd.log:" \
		"$(tail -n 25 "$E2E_TMP/dockerd.log")"
	_e2e_containerd_hint
	return 1
}

# e2e_stop_dockerd: stop it (SIGTERM via its pid, SIGKILL after 30 s) and
# clean up after it; the data root, with imported images, stays for
# another e2e_start_dockerd.
e2e_stop_dockerd() {
	local -
	set +eu +o pipefail
	[[ -n $E2E_TMP ]] || return 0
	_e2e_dockerd_cleanup "$E2E_TMP" "$_e2e_tag"
	E2E_PORT=''
	E2E_DOCKER_HOST=''
	E2E_DOCKER_SOCK=''
	return 0
}

# e2e_import_image NAME: a one-binary image, static busybox plus the
# applet links the tests use, imported as NAME through the unix socket.
e2e_import_image() {
	local -
	set +eu +o pipefail
	local name=$1 root tarball a
	[[ -n $E2E_TMP ]] || e2e_setup
	root=$E2E_TMP/rootfs-${name//[^A-Za-z0-9._-]/_}
	tarball=$root.tar
	rm -rf -- "$root" "$tarball"
	mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp} || return 1
	chmod 1777 "$root/tmp"
	cp /bin/busybox "$root/bin/busybox" || return 1
	for a in sh sleep echo cat true false ls id env; do
		ln -s busybox "$root/bin/$a"
	done
	# So that `id` and `docker run --user nobody` resolve names.
	printf '%s\n' 'root:x:0:0:root:/:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' >"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$root/etc/group"
	tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$tarball" . || return 1
	dk_local import --change 'CMD ["/bin/sh"]' "$tarball" "$name" >"$E2E_TMP/import.log"
}

# ---------------------------------------------------------------------------
# self-test: `bash tests/lib/e2e.sh` (as root) checks this library and
# contrib/mkcerts.sh on this machine, without the plugin; TAP output.
# ---------------------------------------------------------------------------

_e2e_self_test() {
	local -
	set +eu +o pipefail
	local p sum
	e2e_require_root_and_tools
	e2e_setup
	p=$E2E_TMP/pki
	t_ok "mkcerts: CA, server and clients 'client', 'admin'" e2e_certs client admin
	t_ok "server certificate is a TLS server certificate of the CA" \
		openssl verify -purpose sslserver -CAfile "$p/ca.pem" "$p/server-cert.pem"
	t_ok "client certificate is a TLS client certificate of the CA" \
		openssl verify -purpose sslclient -CAfile "$p/ca.pem" "$p/client/cert.pem"
	t_fails "client certificate is no server certificate" \
		openssl verify -purpose sslserver -CAfile "$p/ca.pem" "$p/client/cert.pem"
	t_like "server SANs" "$(openssl x509 -noout -ext subjectAltName -in "$p/server-cert.pem")" \
		'DNS:localhost.*IP Address:127\.0\.0\.1'
	t_is "modes: keys 0400, certificates 0444" \
		"$(cd "$p" && stat -c %a ca-key.pem server-key.pem client/key.pem ca.pem server-cert.pem client/cert.pem client/ca.pem | tr '\n' ' ')" \
		"400 400 400 444 444 444 444 "
	t_is "no CSR or scratch dir left" "$(find "$p" -name '*.csr' -o -name '.mkcerts.*')" ""
	sum=$(cksum <"$p/ca.pem")
	t_ok "mkcerts: a later CN" e2e_certs later
	t_is "... reuses the CA" "$(cksum <"$p/ca.pem")" "$sum"
	t_ok "... and is signed by it" openssl verify -CAfile "$p/ca.pem" "$p/later/cert.pem"
	t_fails "mkcerts refuses CN '..'" "$E2E_TOP/contrib/mkcerts.sh" "$p" ..

	t_ok "dockerd starts" e2e_start_dockerd
	note "dockerd $E2E_DOCKERD_VERSION on $E2E_DOCKER_HOST"
	t_ok "busybox image imports" e2e_import_image e2e-selftest
	t_ok "dk_as client: docker run" dk_as client run --rm --network none e2e-selftest /bin/echo hi
	t_is "... prints hi" "$E2E_OUT" hi
	t_ok "curl_as client: GET /version" curl_as client -f "https://127.0.0.1:$E2E_PORT/version"
	t_like "... answers JSON" "$E2E_OUT" '"ApiVersion":"[0-9.]+"'
	t_fails "TLS without a client certificate is refused" timeout 20 curl -sS --noproxy '*' \
		--cacert "$p/ca.pem" "https://127.0.0.1:$E2E_PORT/version"
	t_ok "a container left running" dk_local run -d --network none e2e-selftest /bin/sleep 600
	t_ok "e2e_stop_dockerd" e2e_stop_dockerd
	t_is "... leaves no process" "$(_e2e_pids_matching "$E2E_TMP/" "-namespace $_e2e_tag ")" ""
	t_is "... leaves no mount" "$(_e2e_mounts_under "$E2E_TMP")" ""
	t_is "... leaves no cgroup" "$(_e2e_cgroups "$_e2e_tag")" ""
	t_ok "dockerd restarts" e2e_start_dockerd
	t_ok "... with the image still there" dk_local image inspect e2e-selftest
	done_testing
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	_e2e_self_test
fi
