#!/usr/bin/perl
# fake-dockerd.pl --socket PATH --plugin PLUGIN_SOCKET [--objects DIR]
#                 [--pidfile FILE]
#
# Just enough of dockerd's unix socket for cnauthz to follow it, for
# tests that have no real dockerd: the four listings cnauthz asks for
# (GET /containers/json, /networks, /volumes, /images/json, from
# DIR/containers.json, networks.json, volumes.json and images.json, empty
# when absent) and an /events stream that sends nothing and stays open.
# Like dockerd with --authorization-plugin, it first asks the plugin:
# each request goes to PLUGIN_SOCKET as an AuthZReq of the unix-socket
# caller (no User), its headers with it, and a denial is answered 403
# with dockerd's message. Anything else is 404. One process a connection;
# SIGTERM ends them all.
use strict;
use warnings;
use IO::Socket::UNIX;
use JSON::PP;
use MIME::Base64;
use POSIX ();

my %o;
while (@ARGV) {
	my $k = shift;
	$k =~ /^--(socket|plugin|objects|pidfile)$/ or die "fake-dockerd: unknown option $k\n";
	$o{$1} = shift // die "fake-dockerd: $k needs a value\n";
}
defined $o{socket} && defined $o{plugin} or die "usage: fake-dockerd.pl --socket PATH --plugin SOCKET [--objects DIR] [--pidfile FILE]\n";

unlink $o{socket};
my $srv = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $o{socket}, Listen => 64)
	or die "fake-dockerd: $o{socket}: $!\n";
my %kids;
$SIG{CHLD} = sub { while ((my $p = waitpid(-1, POSIX::WNOHANG())) > 0) { delete $kids{$p} } };
$SIG{TERM} = $SIG{INT} = sub { kill 'TERM', keys %kids; unlink $o{socket}; exit 0 };
if (defined $o{pidfile}) {
	open my $f, '>', $o{pidfile} or die "fake-dockerd: $o{pidfile}: $!\n";
	print $f "$$\n";
	close $f;
}

my %lists = (
	'/containers/json' => ['containers.json', '[]'],
	'/networks'        => ['networks.json', '[]'],
	'/volumes'         => ['volumes.json', '{"Volumes":[],"Warnings":null}'],
	'/images/json'     => ['images.json', '[]'],
);

sub answer {
	my ($c, $status, $body, %h) = @_;
	my $head = "HTTP/1.1 $status\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nServer: fake-dockerd\r\n";
	$head .= "$_: $h{$_}\r\n" for sort keys %h;
	$head .= "Content-Length: " . length($body) . "\r\n" unless exists $h{'Transfer-Encoding'};
	print $c "$head\r\n$body";
}

# the plugin's answer to an AuthZReq: [allow, msg]
sub ask_plugin {
	my ($method, $uri, $headers) = @_;
	my $req = encode_json({RequestMethod => $method, RequestUri => $uri,
			       RequestHeaders => $headers, User => '', UserAuthNMethod => ''});
	my $p = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $o{plugin})
		or return [0, "plugin cnauthz: $o{plugin}: $!"];
	print $p "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: plugin\r\n" .
		"Content-Type: application/json\r\nContent-Length: " . length($req) .
		"\r\nConnection: close\r\n\r\n$req";
	local $/;
	my $r = <$p> // '';
	my ($body) = $r =~ /\r\n\r\n(.*)\z/s;
	my $j = eval { decode_json($body // '') };
	return [0, "plugin cnauthz: an answer that is not JSON"] unless ref $j eq 'HASH';
	return [$j->{Allow} ? 1 : 0, $j->{Msg} // $j->{Err} // ''];
}

sub serve {
	my $c = shift;
	$c->autoflush(1);
	my $head = '';
	while ($head !~ /\r\n\r\n/) {
		my $n = sysread($c, $head, 4096, length $head);
		return if !$n;
	}
	my ($line, @h) = split /\r\n/, $head;
	my ($method, $uri) = $line =~ /^(\S+) (\S+) HTTP\/1\.[01]$/ or return;
	my %headers;
	for (@h) {
		last if $_ eq '';
		my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
		$k = join '-', map { ucfirst lc } split /-/, $k; # as Go's net/http
		$headers{$k} = $v;
	}
	my $verdict = ask_plugin($method, $uri, \%headers);
	if (!$verdict->[0]) {
		answer($c, '403 Forbidden',
		       encode_json({message => "authorization denied by plugin cnauthz: $verdict->[1]"}) . "\n");
		return;
	}
	(my $path = $uri) =~ s/\?.*//;
	$path =~ s{^/v[0-9.]+/}{/};
	if ($method eq 'GET' && $path eq '/events') {
		answer($c, '200 OK', '', 'Transfer-Encoding' => 'chunked');
		1 while sysread($c, my $junk, 4096); # until the caller hangs up
		return;
	}
	if ($method eq 'GET' && $lists{$path}) {
		my ($file, $empty) = @{$lists{$path}};
		my $body = $empty;
		if (defined $o{objects} && open my $f, '<', "$o{objects}/$file") {
			local $/;
			$body = <$f>;
		}
		answer($c, '200 OK', $body);
		return;
	}
	answer($c, '404 Not Found', encode_json({message => "page not found"}) . "\n");
}

for (;;) {
	my $c = $srv->accept or next;
	my $pid = fork;
	if (defined $pid && $pid == 0) {
		$SIG{TERM} = 'DEFAULT';
		close $srv;
		serve($c);
		exit 0;
	}
	$kids{$pid} = 1 if $pid;
	close $c;
}
