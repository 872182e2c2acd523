#!/bin/bash
# Every example in the manual pages, and the annotated examples of the
# README and docs/*.md, run and checked, so that they cannot say otherwise
# than the program again.
#
# cnauthz(8) and cnauthz-rules(5): each command in a literal display
# (".Bd -literal", and ".Dl" one-liners) after a "$ " or "# " prompt is
# run - cnauthz, printf, mv, zcat, echo; serve, make, systemctl, docker
# and dockerd are named as not run here - and the lines shown after it
# must be what it prints ("..." stands for any lines; times are masked);
# a command shown without output must not be a usage error (exit 2). A
# display of rule lines is a rule file, written under the name its
# annotation gives (a roff comment, '.\" test: file NAME', before it) in
# the page's rules directory, which must then load without an error; a
# display with neither prompt nor annotation fails the test.
#
# README.md and docs/*.md: the fenced blocks annotated <!-- test: file NAME --> (a rule
# file) or <!-- test: commands --> (plugin/cnauthz and the shell lines
# around it, each followed by what it prints, as above).
#
# Paths: each document runs in a directory of its own holding the
# shipped rules as rules/ and etc/cnauthz/rules/, rules.new/ (client made
# read-only), the audit log of dockerd's captured traffic served by the
# shipped rules (audit.log, var/log/cnauthz/), a PKI (pki/, for
# /etc/docker/pki) and a CRL; /etc/cnauthz, /var/log/cnauthz and
# /etc/docker/pki in commands and files map there, and back in what is
# printed. A command without --rules gets the directory's
# etc/cnauthz/rules, as the binary's default would be.
#
# Ownership: the audit log comes from a daemon that followed a stand-in
# dockerd (tests/lib/fake-dockerd.pl, no objects) and learnt owners from
# the captured answers; what it then knew is the directory's
# var/lib/cnauthz (/var/lib/cnauthz), with a container web of alice's, an
# unowned agent and bob's volume scratch added. For cnauthz(8) a daemon
# runs there, following a stand-in dockerd that lists those objects, for
# the "cnauthz owners" examples.
. "$(dirname "$0")/../lib/e2e.sh"

command -v jq >/dev/null || e2e_skip_or_fail "jq is not installed"
command -v curl >/dev/null || e2e_skip_or_fail "curl is not installed"
command -v openssl >/dev/null || e2e_skip_or_fail "openssl is not installed"
LOAD=$E2E_TOP/tests/tools/bin/authz-load
[[ -x $LOAD ]] || e2e_skip_or_fail "$LOAD is not built (make tools)"
e2e_setup
umask 022 # the strict file checks judge what the test makes
chmod 0755 "$E2E_TMP"
BIN=$E2E_TOP/plugin/cnauthz
CAP=$E2E_TOP/tests/fixtures/captures/dockerd-20.10-authz.jsonl

# --- what every document's directory holds ------------------------------------
SH=$E2E_TMP/shipped
mkdir -m 0755 "$SH"
cp "$E2E_TOP"/rules/* "$SH/"
jq -r 'select(.endpoint == "/AuthZPlugin.AuthZReq" or .endpoint == "/AuthZPlugin.AuthZRes") | "\(.endpoint) \(.body | tojson)"' \
	"$CAP" >"$E2E_TMP/calls"
e2e_fake_dockerd "$E2E_TMP/docker.sock" "$E2E_TMP/plugin.sock"
# following PLUGIN_LOG N: until the log says N times that a daemon lists
# its dockerd's objects (at most 10 s)
following() {
	for _ in $(seq 100); do
		(($(grep -c 'ownership: following dockerd' "$1" 2>/dev/null) >= $2)) && return 0
		sleep 0.1
	done
	return 1
}
# serve_log LOG N: the daemon's audit log of the first N captured calls; it
# keeps what it learnt in $E2E_TMP/state-LOG
serve_log() {
	rm -f "$E2E_TMP/plugin.pid"
	"$BIN" serve --rules "$SH" --socket "$E2E_TMP/plugin.sock" --no-watch \
		--state-dir "$E2E_TMP/state-${1##*/}" --docker-socket "$E2E_TMP/docker.sock" \
		--audit "file:$1" --pidfile "$E2E_TMP/plugin.pid" 2>>"$E2E_TMP/plugin.log" &
	PID=$!
	for _ in $(seq 50); do [[ -s $E2E_TMP/plugin.pid ]] && break; sleep 0.1; done
	following "$E2E_TMP/plugin.log" "$((++served))" || return 1
	"$LOAD" --socket "$E2E_TMP/plugin.sock" --input "$E2E_TMP/calls" --count "$2" --conns 1 || return 1
	kill -TERM "$PID"
	wait "$PID"
}
t_ok "an older, rotated audit log (a process before)" serve_log "$E2E_TMP/audit.log-20261204" 10
t_ok "the audit log of dockerd's captured traffic, by the shipped rules" \
	serve_log "$E2E_TMP/audit.log" "$(wc -l <"$E2E_TMP/calls")"
"$E2E_TOP/contrib/mkcerts.sh" "$E2E_TMP/pki" client admin >"$E2E_TMP/mkcerts.log" 2>&1 &&
	"$E2E_TOP/contrib/mkcerts.sh" --crl "$E2E_TMP/pki" >>"$E2E_TMP/mkcerts.log" 2>&1
t_ok "a PKI and a CRL" test -s "$E2E_TMP/pki/crl.pem"

# objects STATE_DIR: the objects a dockerd would list for its owners.json,
# as fake-dockerd.pl serves them, in STATE_DIR/../dockerd
objects() {
	mkdir -p "$1/../dockerd"
	perl -MJSON::PP -e '
		my ($state, $out) = @ARGV;
		open my $f, "<", "$state/owners.json" or die "$state/owners.json: $!";
		my $s = decode_json(do { local $/; <$f> });
		my %put = (
			"containers.json" => [map { {Id => $_->{id}, Names => [$_->{name} ? "/$_->{name}" : ()]} } @{$s->{containers}}],
			"networks.json" => [map { {Id => $_->{id}, Name => $_->{name}} } @{$s->{networks}}],
			"volumes.json" => {Volumes => [map { {Name => $_->{name}, CreatedAt => $_->{created}} } @{$s->{volumes}}]},
			"images.json" => [map { (my $t = $_->{tag}) =~ s{^docker\.io/(library/)?}{};
				{Id => $_->{image} // "sha256:" . ("0" x 64), RepoTags => [$t]} } @{$s->{tags}}],
		);
		for (keys %put) {
			open my $o, ">", "$out/$_" or die "$out/$_: $!";
			print $o encode_json($put{$_});
		}' "$1" "$1/../dockerd"
}

# root DIR [daemon]: a document's directory; with "daemon", a cnauthz
# serving it, keeping its var/lib/cnauthz and following a stand-in dockerd
root() {
	local d=$1
	mkdir -p "$d/etc/cnauthz" "$d/var/log/cnauthz" "$d/bin"
	mkdir -p -m 0700 "$d/var/lib/cnauthz"
	WEB=3f2a1b2c3d4e$(printf '5%.0s' {1..52}) AGENT=9c1d0e5f6a7b$(printf '8%.0s' {1..52}) \
		perl -MJSON::PP -e '
		my ($from, $to) = @ARGV;
		open my $f, "<", $from or die "$from: $!";
		my $s = decode_json(do { local $/; <$f> });
		push @{$s->{containers}}, {id => $ENV{WEB}, name => "web", owner => "alice"},
			{id => $ENV{AGENT}, name => "agent"};
		push @{$s->{volumes}}, {name => "scratch", created => "2026-12-01T09:00:00Z", owner => "bob"};
		open my $o, ">", $to or die "$to: $!";
		print $o JSON::PP->new->canonical->encode($s);
	' "$E2E_TMP/state-audit.log/owners.json" "$d/var/lib/cnauthz/owners.json"
	chmod 0600 "$d/var/lib/cnauthz/owners.json"
	cp -a "$SH" "$d/rules"
	cp -a "$SH" "$d/etc/cnauthz/rules"
	cp -a "$SH" "$d/etc/cnauthz/rules.new"
	cp -a "$SH" "$d/rules.new"
	printf 'include @readonly\n' >"$d/rules.new/client"
	cp "$E2E_TMP/audit.log" "$d/audit.log"
	cp "$E2E_TMP/audit.log" "$d/var/log/cnauthz/audit.log"
	cp "$E2E_TMP/audit.log-20261204" "$d/var/log/cnauthz/audit.log-20261204"
	cp -a "$E2E_TMP/pki" "$d/pki"
	install -m 0444 "$E2E_TMP/pki/crl.pem" "$d/etc/cnauthz/crl.pem"
	jq -c 'select(.endpoint == "/AuthZPlugin.AuthZReq") | .body' "$CAP" | head -n 1 >"$d/authzreq.json"
	ln -s "$E2E_TOP/tests" "$d/tests"
	# cnauthz, with the directory's etc/cnauthz/rules for the default
	cat >"$d/bin/cnauthz" <<EOF
#!/bin/bash
export CNAUTHZ_STATE_DIR='$d/var/lib/cnauthz'
case \$1 in
check | test | replay)
	for a in "\$@"; do [[ \$a == --rules || \$a == --rules=* || \$a == --name ]] && exec '$BIN' "\$@"; done
	sub=\$1
	shift
	exec '$BIN' "\$sub" --rules '$d/etc/cnauthz/rules' "\$@" ;;
esac
exec '$BIN' "\$@"
EOF
	chmod 0755 "$d/bin/cnauthz"
	[[ ${2-} == daemon ]] || return 0
	objects "$d/var/lib/cnauthz"
	e2e_fake_dockerd "$d/docker.sock" "$d/plugin.sock" "$d/var/lib/dockerd" || return 1
	"$BIN" serve --rules "$d/etc/cnauthz/rules" --socket "$d/plugin.sock" --no-watch \
		--state-dir "$d/var/lib/cnauthz" --docker-socket "$d/docker.sock" 2>>"$d/plugin.log" &
	DOC_PID=$!
	following "$d/plugin.log" 1
}

cat >"$E2E_TMP/examples.pl" <<'PERL'
# examples.pl KIND DOC ROOT TOP: runs DOC's examples in ROOT; one result a
# line on stdout: "ok|not ok|skip", tab, description, tab, diagnostics
# (newlines as \n).
use strict;
use warnings;

my ($kind, $doc, $root, $top) = @ARGV;
my $rules = "$root/etc/cnauthz/rules";
my @run = qw(cnauthz printf mv zcat echo install contrib/mkcerts.sh plugin/cnauthz);
my @notrun = qw(make systemctl docker dockerd curl jq mkdir cp ln);
my $name = $doc;
$name =~ s{.*/}{};

sub result {
	my ($st, $desc, $diag) = @_;
	$diag //= '';
	$desc =~ s/[\t\n]/ /g;
	$diag =~ s/\\/\\\\/g;
	$diag =~ s/\t/ /g;
	$diag =~ s/\n/\\n/g;
	print "$st\t$desc\t$diag\n";
}

sub to_root {	# a path as written -> where it is here
	my $s = shift;
	# each once: what is mapped holds the path again
	$s =~ s{(/etc/docker/pki|/etc/cnauthz|/var/log/cnauthz|/var/lib/cnauthz)(?=/|\b)}{
		$1 eq '/etc/docker/pki' ? "$root/pki" : "$root$1" }ge;
	$s =~ s{(^|[\s;|&])plugin/cnauthz(?=\s)}{$1cnauthz}g;
	$s =~ s{(^|[\s;|&])contrib/mkcerts\.sh(?=\s)}{$1$top/contrib/mkcerts.sh}g;
	return $s;
}

sub from_root {	# and back, in what a command prints
	my $s = shift;
	$s =~ s{\Q$root\E/pki}{/etc/docker/pki}g;
	$s =~ s{\Q$root\E/etc/cnauthz}{/etc/cnauthz}g;
	$s =~ s{\Q$root\E/var/log/cnauthz}{/var/log/cnauthz}g;
	$s =~ s{\Q$root\E/var/lib/cnauthz}{/var/lib/cnauthz}g;
	$s =~ s{\Q$root\E/}{}g;
	return $s;
}

sub norm {
	my @l = map {
		my $x = $_;
		$x =~ s/\s+$//;
		$x =~ s/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z?/TIME/g;
		$x
	} @_;
	return @l;
}

# does got match want, "..." in want standing for any lines?
sub match {
	my ($w, $g) = @_;
	my @w = @$w;
	my @g = @$g;
	return !@g if !@w;
	if ($w[0] =~ /^\s*\.\.\.$/) {
		for my $i (0 .. @g) {
			return 1 if match([@w[1 .. $#w]], [@g[$i .. $#g]]);
		}
		return 0;
	}
	return 0 if !@g || $w[0] ne $g[0];
	return match([@w[1 .. $#w]], [@g[1 .. $#g]]);
}

sub run_cmd {
	my ($where, $cmd, $want, $shown) = @_;
	(my $prog = $cmd) =~ s/^\s*(\S+).*/$1/s;
	my $short = length $cmd > 90 ? substr($cmd, 0, 87) . '...' : $cmd;
	if (grep { $_ eq $prog } @notrun or $cmd =~ /^\s*(plugin\/)?cnauthz\s+serve\b/) {
		result('skip', "$name: $where: $short", 'a system command, not run here');
		return;
	}
	if (!grep { $_ eq $prog } @run) {
		result('not ok', "$name: $where: $short", "an example command this test does not know: $prog");
		return;
	}
	my $mapped = to_root($cmd);
	open my $cf, '>', "$root/.example" or die "$root/.example: $!";
	print $cf "$mapped\n";
	close $cf;
	my $out = `cd '$root' && PATH='$root/bin':"\$PATH" timeout 60 bash .example 2>&1 </dev/null`;
	my $rc = $? >> 8;
	my @got = norm(split /\n/, from_root($out));
	my @want = norm(@$want);
	if ($shown) {
		if (match(\@want, \@got)) {
			result('ok', "$name: $where: $short");
		} else {
			result('not ok', "$name: $where: $short",
			       "exit $rc\nwant:\n" . join("\n", @want) . "\ngot:\n" . join("\n", @got));
		}
	} elsif ($rc == 2 || $rc > 3) {
		result('not ok', "$name: $where: $short (shown without output)",
		       "exit $rc (a usage error, or worse)\n" . join("\n", @got));
	} else {
		result('ok', "$name: $where: $short (runs, exit $rc)");
	}
}

sub write_file {
	my ($where, $file, $lines) = @_;
	open my $f, '>', "$rules/$file" or die "$rules/$file: $!";
	print $f to_root("$_\n") for @$lines;
	close $f;
	chmod 0644, "$rules/$file";
	my $out = `'$top/plugin/cnauthz' check --rules '$rules' 2>&1`;
	my @err = grep { /^\Q$rules\E\/\Q$file\E:/ || /\Q$file\E.*invalid/ } split /\n/, $out;
	if (@err) {
		result('not ok', "$name: $where: the example $file loads", from_root(join "\n", @err));
	} else {
		result('ok', "$name: $where: the example $file loads");
	}
}

# the commands of a block: [command, [output lines], shown?]
sub commands {
	my ($lines, $prompted) = @_;
	my @c;
	my $i = 0;
	while ($i < @$lines) {
		my $l = $lines->[$i];
		my $cmd;
		if ($prompted) {
			if ($l =~ /^[\$#] (.*)$/) {
				$cmd = $1;
			}
		} else {
			(my $w = $l) =~ s/^\s*(\S+).*/$1/;
			$cmd = $l if $l ne '' && (grep { $_ eq $w } @run, @notrun);
		}
		if (!defined $cmd && !$prompted && ($l =~ /^\s*#/ || $l eq '')) {
			$i++; # a shell comment between commands
			next;
		}
		if (!defined $cmd) {
			push @{$c[-1][1]}, $l, if @c && $l ne '';
			$c[-1][2] = 1 if @c && $l ne '';
			$i++;
			next;
		}
		while (($cmd =~ /\\$/ || $cmd =~ /\|\s*$/) && $i + 1 < @$lines) {
			$cmd =~ s/\\$//;
			(my $next = $lines->[++$i]) =~ s/^\s+//;
			$cmd .= ' ' . $next;
		}
		push @c, [$cmd, [], 0];
		$i++;
	}
	return @c;
}

my @blocks;	# [line, annotation, [lines], kind]
open my $in, '<', $doc or die "$doc: $!";
my @src = <$in>;
chomp @src;
my $ann;
for (my $n = 0; $n < @src; $n++) {
	my $l = $src[$n];
	if ($kind eq 'man') {
		if ($l =~ /^\.\\" test: (.*)$/) { $ann = $1; next; }
		if ($l =~ /^\.Dl ([\$#] .*)$/) {
			my $c = $1;
			$c =~ s/\\e/\\/g; $c =~ s/\\&//g; $c =~ s/\\\(dq/"/g; $c =~ s/\\-/-/g;
			push @blocks, [$n + 1, undef, [$c], 'dl'];
			next;
		}
		next unless $l =~ /^\.Bd -literal/;
		my @b;
		my $start = $n + 1;
		while (++$n < @src && $src[$n] ne '.Ed') {
			my $x = $src[$n];
			$x =~ s/\\e/\\/g; $x =~ s/\\&//g; $x =~ s/\\\(dq/"/g;
			$x =~ s/\\-/-/g; $x =~ s/\\\(em/--/g;
			push @b, $x;
		}
		push @blocks, [$start, $ann, \@b, 'bd'];
		$ann = undef;
	} else {
		if ($l =~ /^<!-- test: (\S+(?: \S+)?).* -->$/) { $ann = $1; $ann =~ s/ \(.*//; next; }
		next unless $l =~ /^```/;
		my @b;
		my $start = $n + 1;
		push @b, $src[$n] while ++$n < @src && $src[$n] !~ /^```/;
		push @blocks, [$start, $ann, \@b, 'md'] if defined $ann;
		$ann = undef;
	}
}
close $in;

for my $bl (@blocks) {
	my ($at, $a, $lines, $k) = @$bl;
	my $where = "line $at";
	my $prompted = $k ne 'md';
	my @cmds = ($k eq 'md' && ($a // '') !~ /^commands/) ? () : commands($lines, $prompted);
	if (defined $a && $a =~ /^file (\S+)$/) {
		write_file($where, $1, $lines);
	} elsif (@cmds) {
		run_cmd($where, @$_) for @cmds;
	} elsif (defined $a && $a =~ /^syntax/) {
		next;
	} elsif ($k eq 'bd' && $doc =~ /cnauthz-rules\.5$/) {
		result('not ok', "$name: $where: an example display", "neither commands nor an annotation (.\\\" test: file NAME) says what it is");
	}
}
# whatever the examples made, the directory loads
my $out = `'$top/plugin/cnauthz' check --rules '$rules' 2>&1`;
result($? == 0 ? 'ok' : 'not ok', "$name: the examples' rules directory loads without an error", from_root($out));
PERL
# doc KIND FILE [daemon]: run its examples in a directory of their own
doc() {
	local kind=$1 file=$2 d st desc dg
	d=$E2E_TMP/doc-$(basename "$file")
	DOC_PID=
	root "$d" "${3-}" || _e2e_result 0 "$(basename "$file"): a daemon serving its directory"
	while IFS=$'\t' read -r st desc dg; do
		case $st in
		ok) _e2e_result 1 "$desc" ;;
		skip) t_skip "$desc" "$dg" ;;
		*)
			_e2e_result 0 "$desc"
			diag "$(printf '%b' "${dg//\\\\/\\}")"
			;;
		esac
	done < <(perl "$E2E_TMP/examples.pl" "$kind" "$file" "$d" "$E2E_TOP" 2>&1 |
		sed 's/^\([^\t]*\)$/not ok\texamples.pl: \1\t/')
}
doc man "$E2E_TOP/man/cnauthz.8" daemon
if [[ -n $DOC_PID ]]; then
	kill -TERM "$DOC_PID"
	wait "$DOC_PID"
	t_is "cnauthz.8: the daemon serving its directory stops cleanly" "$?" 0
fi
doc man "$E2E_TOP/man/cnauthz-rules.5"
for md in "$E2E_TOP/README.md" "$E2E_TOP"/docs/*.md; do
	doc md "$md"
done

done_testing
