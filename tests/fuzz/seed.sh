#!/bin/bash
# tests/fuzz/seed.sh - writes the seed corpus of every fuzz target into
# tests/fuzz/corpus/TARGET/seed-*, from the real dockerd traffic in
# tests/fixtures/captures (AuthZReq bodies, URIs, certificates, request
# bodies), the certificates in tests/fixtures/certs, the shipped rules/
# (whole files, single lines, the man page's examples) and hand-written
# nasty inputs (duplicate and Go-folding keys, deep nesting, bad base64,
# percent encodings, PEM framing, rule-file syntax corners).
#
# Only seed-* files are replaced: what libFuzzer added (40-hex names, by
# "make fuzz-merge") stays. Needs jq, base64 and sha1sum.
set -eu
cd "$(dirname "$0")/../.."

caps=tests/fixtures/captures/dockerd-20.10-authz.jsonl
out=tests/fuzz/corpus
for tool in jq base64 sha1sum; do
	command -v $tool >/dev/null 2>&1 || {
		echo "seed.sh: needs $tool (contrib/deps.sh fuzz)" >&2
		exit 1
	}
done
for t in request route rulefile body pem auditshow; do
	mkdir -p "$out/$t"
	rm -f "$out/$t"/seed-*
done

# put TARGET NAME: stdin becomes the seed
put() {
	cat >"$out/$1/seed-$2"
}
# putc TARGET PREFIX: stdin becomes a seed named by its content
putc() {
	tmp=$out/$1/.tmp
	cat >"$tmp"
	mv "$tmp" "$out/$1/seed-$2-$(sha1sum <"$tmp" | cut -c1-10)"
}
b64() {
	base64 -w0
}

# ---- request: AuthZReq/AuthZRes bodies, as dockerd sent them ----------
# (every AuthZReq; of the AuthZRes, which repeat their request, those
# that carry a response status)
jq -c 'select(.endpoint == "/AuthZPlugin.AuthZReq" or
	(.body | has("ResponseStatusCode"))) | .body | select(. != null)' \
	"$caps" | while IFS= read -r line; do
	printf '%s\n' "$line" | putc request cap
done

# a real client container create, and the client's certificate
create=$(jq -c 'select(.endpoint == "/AuthZPlugin.AuthZReq" and
	.body.User == "client" and .body.RequestMethod == "POST" and
	(.body.RequestUri | test("/containers/create"))) | .body' "$caps" |
	head -n 1)
cert=$(printf '%s' "$create" | jq -r '.RequestPeerCertificates[0]')
# req NAME JQ-FILTER [ARGS...]: the create, changed
req() {
	name=$1
	shift
	printf '%s' "$create" | jq -c "$@" | put request "$name"
}
# body NAME JSON: the create with that body
reqbody() {
	req "$1" --arg b "$(printf '%s' "$2" | b64)" '.RequestBody = $b'
}
reqbody body-fold '{"Image":"busybox","hostconfig":{"PRIVILEGED":true}}'
reqbody body-longs '{"Image":"busybox","Hoſtconfig":{"Privileged":true}}'
reqbody body-kelvin '{"Image":"busybox","HostConfig":{"CapAdd":["NET_ADMIN"],"\u212aernelMemory":1}}'
reqbody body-dupfold '{"Image":"busybox","HostConfig":{},"hostConfig":{"Privileged":true}}'
reqbody body-dup '{"Image":"busybox","Image":"evil"}'
reqbody body-binds '{"Image":"busybox","HostConfig":{"Binds":["/srv/data/../../etc:/x:ro","vol:/v","/var/run/docker.sock:/s"]}}'
reqbody body-mounts '{"Image":"busybox","HostConfig":{"Mounts":[{"Type":"bind","Source":"/"},{"Type":"volume","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/etc"}}}}]}}'
reqbody body-ns '{"Image":"busybox","HostConfig":{"NetworkMode":"host","PidMode":"container:x","UsernsMode":"HOST"}}'
reqbody body-devices '{"Image":"busybox","HostConfig":{"Devices":[{"PathOnHost":"/dev/sda"}],"DeviceRequests":[{"Count":-1}]}}'
reqbody body-security '{"Image":"busybox","HostConfig":{"SecurityOpt":["no-new-privileges","seccomp=unconfined"],"MaskedPaths":[]}}'
reqbody body-null '{"Image":null,"HostConfig":null}'
reqbody body-array '[{"Image":"busybox"}]'
reqbody body-trailing '{"Image":"busybox"} {}'
reqbody body-nul '{"Image":"busy\u0000box"}'
reqbody body-badutf8 "$(printf '{"Image":"busy\377box"}')"
reqbody body-deep "$(printf '{"HostConfig":%s1%s}' \
	"$(printf '[%.0s' $(seq 70))" "$(printf ']%.0s' $(seq 70))")"
reqbody body-image-id '{"Image":"sha256:0123456789abcdef"}'
req body-none 'del(.RequestBody)'
req body-empty '.RequestBody = ""'
req ctype-form '.RequestHeaders["Content-Type"] = "application/x-www-form-urlencoded"'
req ctype-params '.RequestHeaders["Content-Type"] = "Application/JSON ; charset=\"utf-8\"; charset=x"'
req ctype-trailing-semi '.RequestHeaders["Content-Type"] = "application/json;;"'
req ctype-nbsp '.RequestHeaders["Content-Type"] = "\u00a0application/json\u0085"'
req header-case-dup '.RequestHeaders["content-type"] = "text/plain"'
req b64-length '.RequestBody = "e30"'
req b64-char '.RequestBody = "e3 0="'
req b64-padbits '.RequestBody = "e31="'
req b64-midpad '.RequestBody = "e30=e30="'
req b64-pad3 '.RequestBody = "e==="'
req cert-b64-bad '.RequestPeerCertificates = ["LS0t"]'
req cert-empty '.RequestPeerCertificates = [""]'
req cert-17 '.RequestPeerCertificates = [range(17) | $c]' --arg c "$cert"
req cert-not-array '.RequestPeerCertificates = $c' --arg c "$cert"
req cert-text-before '.RequestPeerCertificates = [$c]' \
	--arg c "$( (printf 'x\n'; printf '%s' "$cert" | base64 -d) | b64)"
req user-mismatch '.User = "admin"'
req user-no-tls 'del(.UserAuthNMethod)'
req user-no-cert 'del(.RequestPeerCertificates)'
req uri-absolute '.RequestUri = "http://docker:2376/v1.41/containers/create?name=x"'
req uri-absolute-empty '.RequestUri = "https://docker?x=1"'
req uri-pct-slash '.RequestUri = "/v1.41/containers%2Fcreate"'
req uri-pct-bad '.RequestUri = "/v1.41/containers/create%2"'
req uri-pct-ctl '.RequestUri = "/v1.41/containers/create%0a"'
req uri-dotdot '.RequestUri = "/v1.41/images/../containers/create"'
req uri-double-slash '.RequestUri = "//containers/create"'
req uri-semicolon '.RequestUri = "/v1.41/containers/create?name=a;b"'
req uri-nul '.RequestUri = "/v1.41/containers/create\u0000"'
req uri-version-long '.RequestUri = "/v1.41.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1/containers/create"'
req method-lower '.RequestMethod = "post"'
req method-none 'del(.RequestMethod)'
req status-res '. + {"ResponseStatusCode": 201, "ResponseBody": "e30=", "ResponseHeaders": {"A": "b"}}'
req status-big '.ResponseStatusCode = 1000'
req status-float '.ResponseStatusCode = 200.5'
req type-method '.RequestMethod = 1'
req type-headers '.RequestHeaders = ["a"]'
req type-header-value '.RequestHeaders.A = 1'
printf '{"RequestMethod":"GET","RequestMethod":"POST","RequestUri":"/_ping"}' |
	put request dupkey
printf '{"requestMethod":"POST","RequestMethod":"GET","RequestURI":"/containers/x","RequestUri":"/_ping"}' |
	put request casekeys
printf '[{"RequestMethod":"GET"}]' | put request array
printf '{"RequestMethod":"GET","RequestUri":"/_ping"' | put request truncated
printf '{"RequestMethod":"GET","RequestUri":"/_ping","RequestHeaders":%s{}%s}' \
	"$(printf '{"a":%.0s' $(seq 40))" "$(printf '}%.0s' $(seq 40))" |
	put request deep
printf '{"RequestMethod":"GET","RequestUri":"/v1.41/info","User":"x"}' |
	put request user-local
printf '' | put request empty

# ---- route: every RequestUri dockerd sent, and the nasty ones ---------
jq -r '.body.RequestUri // empty' "$caps" | sort -u | while IFS= read -r u; do
	printf '%s' "$u" | putc route cap
done
n=0
while IFS= read -r u; do
	n=$((n + 1))
	printf '%b' "$u" | put route "nasty-$n"
done <<'EOF'
/
/v1.41
/v1.41/
http://h
http://h?x=1
HTTP://h:2376/v1.41/_ping
h://x/y
/%2F%2f/x
/a%2
/a%zz
/a%00b
/a%7fb
/a%41%42
/a/./b
/a/../b
/a/%2e%2e/b
//a
/a/
/a//b
/v1.41/v1.40/x
/v/x
/v1..41/x
/v1.41.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1/x
/containers/json?all=1;x=2
/images/create?fromImage=busybox&tag=latest&fromImage=evil
/images/create?fromImage=%ff&tag=%
/images/create?a+b=c+d&&=&x
/images/create?%00=1
/x#frag
/x?y#z
/a b
\x80/x
/images/docker.io%2Flibrary%2Fbusybox/tag?repo=x
/containers/create?name=x&name=y
/_ping?
?x
EOF
n=0
while IFS= read -r u; do
	n=$((n + 1))
	printf '%b' "$u" | put route "pattern-$n"
done <<'EOF'
/containers/*/{start,stop}\n/v1.41/containers/abc/start
/{a,{b,c}}/**/x\n/c/y/z/x
/**/x?y\n/a/xzy
/**\n/
/\n/v1.41
/{,}\n/
/a{b,c}d/*\n/abd/e
/{{{{{{a}}}}}}\n/a
/{a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}\n/acegikm
/images/**/tag\n/images/docker.io/library/busybox/tag?repo=x
/*a*b*c*\n/xaxbxcx
/a**/x\n/a/x
/{a,/b}\n/b
}/x\n/x
/x{\n/x
EOF

# ---- rulefile: the shipped files, their lines, the man page's examples -
for f in rules/*; do
	name=${f#rules/}
	put rulefile "rules-$name" <"$f"
	grep -v -e '^#' -e '^[[:space:]]*$' "$f" | while IFS= read -r l; do
		printf '%s\n' "$l" | putc rulefile line
	done
done
awk '/^\.Bd -literal/ { on = 1; n++; next } /^\.Ed/ { on = 0; next }
	on { print > (dir "/seed-man-" n) }' dir="$out/rulefile" man/cnauthz-rules.5
n=0
while IFS= read -r l; do
	n=$((n + 1))
	printf '%b' "$l" | put rulefile "nasty-$n"
done <<'EOF'
[success=ok deny=die default=bad] permit GET\n
[success=2 default=ignore] permit GET /x\nrequired deny\nrequired deny\nsufficient permit\n
[success=1000] permit\n
[success=reset default=reset] permit\nsufficient permit GET\n
[success=ok success=bad] permit\n
[default=ok default=bad] permit\n
[ success=done   deny=die ]  deny\n
[success=0] permit\n
[success=01] permit\n
[bogus=ok] permit\n
[success] permit\n
[success=ok permit\n
sufficient permit \\\n  GET \\\r\n  /x\n
sufficient permit POST /containers/create "HostConfig.Binds[]" ~ "/a b\\"c\\\\"\n
sufficient permit POST "/containers/create" Labels.x == "\\"true\\""\n
sufficient permit GET#comment\nrequired deny # trailing\n
include fuzz\n
substack fuzz\n
include @developer\nsubstack @readonly\nrequired deny\n
substack @developer\n[success=1 default=bad] permit GET\nrequired deny\n
include @nonexistent\n
include ../etc/passwd\n
include @developer extra\n
include\n
required nosuch\n
required permit GETT\n
required permit get /x\n
required permit GET, /x\n
required permit GET /x /y\n
required permit /x{a,b\n
required permit /x/**y\n
required permit /a/../b\n
required images /x\n
required images docker.io/library/*@sha256:x\n
required images\n
required hostaccess allow-bind=relative\n
required hostaccess allow-bind=/srv/data/../../etc allow-cap=\n
required hostaccess bogus\n
required hostaccess privileged binds allow-bind=/\n
required permit POST /x HostConfig.Privileged\n
required permit POST /x HostConfig.Privileged === true\n
required permit POST /x HostConfig..Privileged == true\n
required permit POST /x HostConfig.Binds[ == x\n
required permit POST /x HostConfig.Binds[]x == x\n
required permit POST /x a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b.c.d.e.f.g == 1\n
required permit POST /x query: exists\n
required permit POST /x query:a ~ 1\n
required permit POST /x query:a in a,b,,"c,d",1,true,null\n
required deny POST /x Env[] !in A=1,B=2\nsufficient permit\n
required permit POST /x HostConfig.Memory == 1e400\n
required permit a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n\n
sufficient permit\r\nrequired deny\r\n
sufficient permit GET\\
sufficient permit "GET\n
sufficient permit G\\ET\n
\x01sufficient permit\n
sufficient\tpermit\tGET\n
sufficient permit \xc5\xbf\n
requisite cert cn=cl* ou=devs o=x san=*.example.com issuer=CN=test-ca serial=75fd8b21,0a fingerprint=F6:BA:6B min-validity=30d\nsufficient permit\n
requisite cert min-validity=9999999999d cn=[\nsufficient permit\n
requisite cert bogus=1\n
requisite revoked crl=/nonexistent list=/dev/null\nsufficient permit\n
required /nonexistent/module.so\n
required mymodule arg\n
EOF

# ---- body: request bodies dockerd forwarded, with conditions -----------
jq -r '.body.RequestBody // empty' "$caps" | sort -u | while IFS= read -r b; do
	printf '%s' "$b" | base64 -d | putc body cap
done
n=0
while IFS= read -r l; do
	n=$((n + 1))
	printf '%b' "$l" | put body "nasty-$n"
done <<'EOF'
{"Image":"busybox","hostconfig":{"PRIVILEGED":true}}
{"Image":"busybox","Ho\xc5\xbftConfig":{"Privileged":true}}
{"Image":"busybox","HostConfig":{"\xe2\x84\xaaernelMemory":1,"CapAdd":["CAP_NET_ADMIN","SYS_ADMIN"]}}
{"Image":"busybox","HostConfig":{},"hostConfig":{"Privileged":true}}
{"Image":"busybox","Image":"x"}
{"a":{"A":1,"\\u0061":2}}
{"Image":"busy\\u0000box"}
{"Image":"busy\xffbox"}
{"HostConfig":{"Binds":["/srv/data/../../etc:/x","/tmp/x:/y","relative/x:/z","vol:/v",1]}}
{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/proc/self/root"},{"Type":"volume","VolumeOptions":{"DriverConfig":{"Name":"nfs","Options":{"device":"/dev/sda","o":"bind"}}}},{"Type":"npipe"},{}]}}
{"HostConfig":{"NetworkMode":"container:x","PidMode":"HOST","IpcMode":"host","UTSMode":"host","CgroupnsMode":"host"}}
{"HostConfig":{"Devices":[{"PathOnHost":"/dev/fuse"},{"PathOnHost":"/dev/sda"}],"DeviceCgroupRules":["c 1:* rwm"],"CgroupParent":"/"}}
{"HostConfig":{"SecurityOpt":["no-new-privileges:true","label=disable"],"ReadonlyPaths":null,"Sysctls":{"net.ipv4.ip_forward":"1","kernel.x":"1"},"Runtime":"runsc"}}
{"HostConfig":{"Runtime":1,"VolumesFrom":["x"],"Capabilities":["CAP_CHOWN"]}}
{"User":"root","Privileged":true,"Cmd":["sh"]}
{"User":1}
{"Driver":"local","DriverOpts":{"type":"none","o":"bind","device":"/srv/data"}}
{"Driver":"macvlan","Options":{"parent":"eth0","com.docker.network.bridge.name":"docker0"},"ConfigOnly":true}
{"Devices":[{"PathOnHost":"/dev/mem"}],"CgroupParent":"x"}
{"HostConfig":{"Memory":1e400,"NetworkMode":"none"},"Cmd":["/bin/bash"],"Labels":{"danger":null},"Env":["A=1","C=3"]}
{"a":[{"b":[{"c":1},{"c":[2]}]},{"b":{"c":3}}]}
{"HostConfig":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
{} {}
[]
null
{
HostConfig.Privileged == true\n\n{"Image":"busybox","hostconfig":{"privileged":true}}
HostConfig.Privileged != "true"\n\n{"Image":"busybox","HostConfig":{"Privileged":"true"}}
HostConfig.Binds[] ~ /var/run/docker.sock*\n\n{"HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}
HostConfig.Mounts[].Type in bind,volume\n\n{"HostConfig":{"Mounts":[{"Type":"tmpfs"},{"type":"BIND"}]}}
HostConfig.Memory == 0\n\n{"HostConfig":{"Memory":0.0}}
HostConfig.Memory in 0,1,"2"\n\n{"HostConfig":{"Memory":2}}
Labels.x exists\n\n{"Labels":{"X":null}}
User absent\n\n{"user":""}
Env[] !in A=1,B=2\n\n{"Env":["A=1","D=4"]}
Image ^= docker.io/\n\n{"Image":"docker.io/library/busybox"}
Image ~ *[a-\n\n{"Image":"x"}
Image !~ [!a]*\n\n{"Image":"b"}
query:fromImage ~ registry.example.com/*\nPOST /v1.41/images/create?fromImage=registry.example.com%2Fx&tag=1\n
query:fromImage !~ registry.example.com/*\nPOST /v1.41/images/create?fromImage=%ff\n
query:fromImage == busybox\n/v1.41/images/create?fromImage=busybox&fromImage=evil\n
query:fromSrc exists\nPOST /v1.41/images/create?fromSrc=-;x=1\n
query:t in a,b\nPOST /v1.41/build?t=a%zz\n
query:a absent\nGET /x?a\n
query:networkmode != host\nPOST /v1.41/build?networkmode=host\n
HostConfig.Binds[] ~ /srv/*\nPOST /v1.41/containers/create\n{"Image":"busybox","HostConfig":{"Binds":["/srv/data:/d"]}}
Image == x\nPOST /v1.41/containers/create?name=%2F\n{"Image":"alpine"}
a.b.c == 1\nPUT /v1.41/containers/c/archive\n{"a":{"b":{"c":1.0}}}
EOF

# ---- pem: the certificates dockerd forwarded, and the fixtures --------
jq -r '.body.RequestPeerCertificates[]? // empty' "$caps" | sort -u |
	while IFS= read -r c; do
		printf '%s' "$c" | base64 -d | putc pem cap
	done
for f in tests/fixtures/certs/*.pem tests/fixtures/captures/ca.pem; do
	n=${f#tests/fixtures/}
	put pem "$(printf '%s' "$n" | tr / -)" <"$f"
done
leaf=$(printf '%s' "$cert" | base64 -d)
printf 'text\n%s' "$leaf" | put pem text-before
printf '%s\ntext\n' "$leaf" | put pem text-after
printf '%s\n \t\r\n' "$leaf" | put pem space-after
printf '%s%s' "$leaf" "$leaf" | put pem two-blocks
printf '%s' "$leaf" | sed 's/$/\r/' | put pem crlf
printf '%s' "$leaf" | head -n 5 | put pem truncated
printf '%s' "$leaf" | sed '1a Proc-Type: 4,ENCRYPTED' | put pem header
printf '%s' "$leaf" | sed 's/CERTIFICATE/X509 CRL/' | put pem label
printf '%s' "$leaf" | sed '2s/^./!/' | put pem bad-base64
printf '%s' "$leaf" | tr -d '\n' | put pem one-line
printf -- '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n' |
	put pem empty-block
printf -- '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n' |
	put pem der-empty-seq

# ---- auditshow: a --since line, then an audit record ----------------------
rec='{"seq":%s,"time":"%s","call":"%s","req":1,"who":%s,"method":%s,"path":%s,"uri":%s,"decision":"%s","msg":"%s","rule":%s,"stack":"client","ruleset":"00","status":null,"facts":{},"prev":"00","hash":"00"}'
i=0
while IFS='|' read -r since seq time call who method path uri dec msg rule; do
	i=$((i + 1))
	{
		printf '%s\n' "$since"
		# shellcheck disable=SC2059 # the record is the format
		printf "$rec" "$seq" "$time" "$call" "$who" "$method" "$path" "$uri" "$dec" "$msg" "$rule"
	} | put auditshow "$i"
done <<'EOF'
2026-12-05|1|2026-12-05T10:18:01.785762Z|AuthZReq|{"cn":"client"}|"POST"|"/containers/create"|"/v1.41/containers/create"|allow|allowed by @developer:22|"@developer:22"
2026-12-05T10:00|2|2026-12-05T10:18:02.000001Z|AuthZReq|{"cn":"client"}|"POST"|"/containers/create"|"/v1.41/containers/create"|deny|client may not POST /containers/create: HostConfig.Privileged is true (@developer:10)|"@developer:10"
2026-12-05T11:00:30.5+01:00|3|2026-12-05T10:18:03Z|AuthZReq|{"cn":"admin"}|"POST"|"/containers/000c193c295a4b21c1e9d5c0b8e0f0a0e1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6/start"|"/v1.41/containers/000c193c295a4b21c1e9d5c0b8e0f0a0e1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6/start"|allow|allowed by admin:2|"admin:2"
90m|4|2026-12-05T10:18:04Z|AuthZRes|{"local":true}|"GET"|"/info"|"/v1.41/info"|allow|allowed by @local:7|"@local:7"
7d|5|2026-12-05T10:18:05Z|AuthZReq|null|null|null|null|deny|malformed AuthZReq: AuthZReq is not valid JSON|null
2024-02-29T23:59:60Z|6|whenever|AuthZReq|{"cn":"x\u001b[2J"}|"GET"|"/a\u0007"|"/a"|deny|\u001b]0;title\u0007|null
x|7|2026-12-05T10:18:07Z|AuthZReq|{"local":true}|"GET"|null|"//x"|deny|local may not GET: empty path segment|null
EOF

du -sh "$out"
for t in request route rulefile body pem auditshow; do
	echo "$t: $(ls "$out/$t" | wc -l) files"
done
