#!/bin/bash
# tests/fuzz/seed-tenancy.sh - the seed corpus of the fuzz targets owners
# (the state file, references, image names, object routes) and dockerd
# (dockerd's answers to cnauthz's own requests), into
# tests/fuzz/corpus/TARGET/seed-*: from tests/fixtures/dockerd-answers (what
# a real dockerd 20.10 answered), the state files of the tests, and
# hand-written corners. Only seed-* files are replaced.
set -eu
cd "$(dirname "$0")/../.."

ans=tests/fixtures/dockerd-answers
out=tests/fuzz/corpus
for t in owners dockerd; do
	mkdir -p "$out/$t"
	rm -f "$out/$t"/seed-*
done
put() { cat >"$out/$1/seed-$2"; }

# ---- owners: state files -------------------------------------------------
put owners routes-state <tests/fixtures/routes-state/owners.json
A=$(printf 'a1%.0s' {1..32})
C=$(printf 'c0%.0s' {1..32})
E=$(printf 'e1%.0s' {1..32})
printf '{"cnauthz-owners":1,"containers":[{"id":"%s","name":"web","owner":"alice","ou":"dev"}],"execs":[{"id":"%s","container":"%s","owner":"alice"}],"volumes":[{"name":"data","created":"2026-01-01T00:00:00Z","owner":"@local"}],"networks":[{"id":"%s","name":"net q\\"x","owner":"bob"}],"tags":[{"tag":"registry.example.com:5000/team/app:1.2","image":"sha256:%s","owner":"alice"}]}\n' \
	"$A" "$E" "$A" "$C" "$A" | put owners all-kinds
printf '{"cnauthz-owners":1}' | put owners empty
printf '{"cnauthz-owners":2}' | put owners version-2
printf '{"cnauthz-owners":1,"containers":[{"id":"%s"},{"id":"%s"}]}' "$A" "$A" | put owners dup-id
printf '{"cnauthz-owners":1,"containers":[{"id":"%s","name":"xy"},{"id":"%s","name":"xy"}]}' "$A" "$C" | put owners dup-name
printf '{"cnauthz-owners":1,"execs":[{"id":"%s","container":"%s"}]}' "$E" "$A" | put owners orphan-exec
printf '{"cnauthz-owners":1,"containers":[{"id":"%s","Owner":"alice"}]}' "$A" | put owners member-case
printf '{"cnauthz-owners":1,"containers":[{"id":"%s","owner":"a\\u0000b"}]}' "$A" | put owners nul
printf '{"cnauthz-owners":1,"volumes":[{"name":"a/b"}]}' | put owners volume-slash
printf '{"cnauthz-owners":1,"tags":[{"tag":"busybox"}]}' | put owners tag-familiar
# references, image names and paths (the harness tries each input so)
for s in web /web //web web/alias a1b2 a1 '' net data 'busybox' 'busybox:1' \
	'docker.io/library/busybox:latest' 'localhost:5000/a/b:c' 'Foo/bar' \
	'sha256:abc' "$A" 'a@sha256:abc' '/containers/web/db/start' \
	'/containers/x/checkpoints/c1' '/images/a/b/tag' '/networks/n' '/exec/e/json'; do
	printf '%s' "$s" | put owners "ref-$(printf '%s' "$s" | sha1sum | cut -c1-10)"
done

# ---- dockerd: answers ----------------------------------------------------
# with_head BODY-FILE: a whole answer with its Content-Length
with_head() {
	sed 's/$/\r/' "$ans/head.txt" | sed "s/^Content-Length: .*/Content-Length: $(wc -c <"$1")\r/"
	printf '\r\n'
	cat "$1"
}
# chunked BODY-FILE: the same body in chunks of 100 bytes
chunked() {
	sed '/^Content-Length/d; s/$/\r/' "$ans/head.txt"
	printf 'Transfer-Encoding: chunked\r\n\r\n'
	tmp=$(mktemp -d)
	split -b 100 "$1" "$tmp/c."
	for c in "$tmp"/c.*; do
		printf '%x\r\n' "$(wc -c <"$c")"
		cat "$c"
		printf '\r\n'
	done
	rm -rf "$tmp"
	printf '0\r\n\r\n'
}
for f in containers networks volumes images; do
	put dockerd "$f" <"$ans/$f.json"
	with_head "$ans/$f.json" | put dockerd "$f-answer"
done
chunked "$ans/containers.json" | put dockerd containers-chunked
put dockerd events <"$ans/events.jsonl"
while IFS= read -r l; do
	printf '%s\n' "$l" | put dockerd "event-$(printf '%s' "$l" | sha1sum | cut -c1-10)"
done <"$ans/events.jsonl"
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n' | put dockerd chunk-ext-trailer
printf 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello' | put dockerd two-lengths
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n' | put dockerd gzip
printf 'HTTP/1.0 404 Not Found\r\nContent-Length: 2\r\n\r\n{}' | put dockerd not-found
printf 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n' | put dockerd huge-chunk
printf 'HTTP/1.1 200 OK\nContent-Length: 0\n\n' | put dockerd bare-lf
printf '{"Volumes":null,"Warnings":null}' | put dockerd volumes-null
printf '[{"Id":"%s","Names":null}]' "$A" | put dockerd container-no-names
printf '{"Type":"container","Action":"rename","Actor":{"ID":"%s","Attributes":{"name":"/x/y"}}}\n' "$A" | put dockerd event-bad-name
for t in owners dockerd; do
	echo "$t: $(ls "$out/$t" | wc -l) files"
done
