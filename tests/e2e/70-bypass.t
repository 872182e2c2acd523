#!/bin/bash
# Walking around cnauthz: every way we know that dockerd acts on a request
# whose dangerous part the plugin does not see, or sees differently. Each
# attempt is made as "client" (whose rules deny privileged containers)
# against a real TLS dockerd and must be denied; where it can be shown,
# the same request as "admin" really creates the container, proving
# dockerd would have acted on it.
#
# Sources: CVE-2024-41110 (a chunked body dockerd does not forward, its
# 2018 predecessor with Content-Length 0), dockerd 20.10 not forwarding
# bodies over 1 MiB, the "/auth" suffix that disables forwarding, Go's
# case-insensitive JSON keys (incl. U+017F and U+212A), duplicate keys,
# percent-encoded and absolute-form paths, version prefixes, form bodies
# overriding the query, and CNs that look like paths or reserved names.
. "$(dirname "$0")/../lib/e2e.sh"

e2e_require_root_and_tools
e2e_setup
e2e_certs client admin
e2e_start_plugin "$E2E_PLUGIN" --rules "$E2E_TOP/rules"
e2e_start_dockerd --authorization-plugin="$E2E_PLUGIN"
e2e_import_image e2e-busybox
URL=https://127.0.0.1:$E2E_PORT
B=$E2E_TMP/bodies
mkdir -p "$B"

priv='{"Image":"e2e-busybox","Cmd":["true"],"HostConfig":{"Privileged":true,"NetworkMode":"none"}}'
printf '%s' "$priv" >"$B/priv.json"

# post CN PATH BODYFILE [curl args...]: HTTP status in $CODE, body in $OUT
post() {
	local cn=$1 path=$2 body=$3
	shift 3
	OUT=$(curl_as "$cn" -s -o - -w '\n%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary @"$body" \
		"$@" "$URL$path")
	CODE=${OUT##*$'\n'}
	OUT=${OUT%$'\n'*}
}
created() { [ "$CODE" = 201 ]; }
nothing_created() { # no container with that name exists
	! dk_as admin container inspect "$1" >/dev/null 2>&1
}

post admin "/v1.41/containers/create?name=e2e-proof" "$B/priv.json"
t_ok "control: admin's privileged create is acted on by dockerd" created
post client "/v1.41/containers/create?name=e2e-plain" "$B/priv.json"
t_ok "control: client's plain privileged create is denied" denied

# CVE-2024-41110: a chunked body has no Content-Length; dockerd <= 27.1
# forwarded no body to the plugin, yet decoded it for the handler.
post client "/v1.41/containers/create?name=e2e-chunked" "$B/priv.json" \
	-H 'Transfer-Encoding: chunked'
t_ok "a chunked body (CVE-2024-41110) is denied" denied
# (a dockerd with the fix forwards it and the field is named; one without
# forwards none and the body is "not available for inspection")
t_like "... whichever way this dockerd forwards it" "$OUT" 'not available for inspection|HostConfig.Privileged'
t_ok "... and no container was made" nothing_created e2e-chunked
post admin "/v1.41/containers/create?name=e2e-chunked-admin" "$B/priv.json" \
	-H 'Transfer-Encoding: chunked'
t_ok "... though dockerd does act on a chunked create (admin)" created

# dockerd 20.10 forwards no body above 1 MiB and still runs the request.
python_free_pad=$(head -c 1100000 /dev/zero | tr '\0' 'a')
printf '{"Image":"e2e-busybox","Cmd":["true"],"Labels":{"pad":"%s"},"HostConfig":{"Privileged":true,"NetworkMode":"none"}}' \
	"$python_free_pad" >"$B/big.json"
post client "/v1.41/containers/create?name=e2e-big" "$B/big.json"
t_ok "a body over dockerd's 1 MiB forwarding limit is denied" denied
t_like "... because the body was not available" "$OUT" 'not available for inspection'
t_ok "... and no container was made" nothing_created e2e-big
post admin "/v1.41/containers/create?name=e2e-big-admin" "$B/big.json"
t_ok "... though dockerd acts on it (admin)" created

# A URL ending in "/auth" makes dockerd skip the body for the plugin.
post client "/v1.41/containers/create?name=e2e-auth&x=/auth" "$B/priv.json"
t_ok "a query ending in /auth (no body forwarded) is denied" denied
t_ok "... and no container was made" nothing_created e2e-auth

# Content-Type variants dockerd still treats as JSON
post client "/v1.41/containers/create?name=e2e-ct" "$B/priv.json" \
	-H 'Content-Type: Application/JSON; charset=utf-8'
t_ok "a JSON media type with parameters and capitals is read, and denied" denied
t_like "... naming the field" "$OUT" 'HostConfig.Privileged'

# Go's case-insensitive keys, with the folding only Go does
printf '{"image":"e2e-busybox","hostconfig":{"privileged":true}}' >"$B/lower.json"
printf '{"Image":"e2e-busybox","Ho\xc5\xbftConfig":{"Privileged":true}}' >"$B/longs.json"
printf '{"Image":"e2e-busybox","HostConfig":{"Privileged":false,"privileged":true}}' >"$B/dup.json"
post admin "/v1.41/containers/create?name=e2e-longs-admin" "$B/longs.json"
t_ok "control: dockerd reads \"Ho\\u017ftConfig\" as HostConfig (admin's create works)" created
t_is "... and really made it privileged" \
	"$(dk_as admin container inspect -f '{{.HostConfig.Privileged}}' e2e-longs-admin)" true
for f in lower longs dup; do
	post client "/v1.41/containers/create?name=e2e-$f" "$B/$f.json"
	t_ok "keys spelt another way ($f) are denied" denied
	t_ok "... and no container was made" nothing_created "e2e-$f"
done

# Paths dockerd routes to the same handler
for p in "/containers/create" "/v1.41/%63ontainers/create" "/v1.41/containers%2Fcreate" \
	"/v1.41.0/containers/create" "/v1/containers/create"; do
	post client "$p?name=e2e-path" "$B/priv.json" --path-as-is
	t_ok "the path $p is denied" denied
done
t_ok "... and none made a container" nothing_created e2e-path
post client "/v1.41/containers/../containers/create?name=e2e-dot" "$B/priv.json" --path-as-is
t_unlike "a dot segment is never acted on (dockerd redirects it)" "$CODE" '^2'
t_ok "... and no container was made" nothing_created e2e-dot
out=$("$E2E_TOP/plugin/cnauthz" test --rules "$E2E_TOP/rules" --cn client --method POST \
	--uri '/v1.41/containers/../containers/create' --body "$B/priv.json")
t_like "... and cnauthz refuses it before any rule, should dockerd ever pass it" "$out" 'dot segment'
out=$(curl_as client -s -X POST -H 'Content-Type: application/json' --data-binary @"$B/priv.json" \
	--request-target "http://127.0.0.1:$E2E_PORT/v1.41/containers/create?name=e2e-abs" "$URL/" -w '%{http_code}')
t_like "an absolute-form request target is judged by its path, and denied" "$out" '403'
t_ok "... and no container was made" nothing_created e2e-abs

# A form body would override the query for dockerd's r.Form.Get.
out=$(curl_as client -s -X POST -H 'Content-Type: application/x-www-form-urlencoded' \
	--data 'fromSrc=-&repo=evil' "$URL/v1.41/images/create?fromImage=e2e-busybox" -w '%{http_code}')
t_like "a form body next to a query the rules read is denied" "$out" 'form-encoded body could override the query'

# The identity: CNs that look like paths or reserved names
mkcn() { # a client certificate with an arbitrary CN, signed by the test CA
	local dir=$E2E_TMP/pki/$2
	mkdir -p "$dir"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/key.pem" \
		-subj "$1" -out "$dir/req.csr" 2>/dev/null &&
		openssl x509 -req -in "$dir/req.csr" -CA "$E2E_TMP/pki/ca.pem" \
			-CAkey "$E2E_TMP/pki/ca-key.pem" -CAcreateserial -days 2 \
			-extfile <(printf 'extendedKeyUsage=clientAuth\n') -out "$dir/cert.pem" 2>/dev/null &&
		cp "$E2E_TMP/pki/ca.pem" "$dir/ca.pem"
}
for spec in "/CN=@local:at-local" "/CN=admin\\/..:slash" "/CN=..:dotdot" "/CN=admin /OU=x:space" \
	"/CN=admin/CN=client:twocn"; do
	subj=${spec%:*} name=${spec##*:}
	mkcn "$subj" "$name"
	t_fails "a certificate with subject $subj is denied" \
		dk_as "$name" run --rm --network none e2e-busybox true
	t_like "... by cnauthz, saying why" "$E2E_OUT" 'authorization denied by plugin.*(not a valid rule-file name|more than one CN|identity refused)'
done

done_testing
