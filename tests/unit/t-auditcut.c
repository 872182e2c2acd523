/*
 * t-auditcut.c - an audit record too long for syslog (auditcut.h) is cut,
 * never silently: facts replaced by their length and SHA-256, then the
 * longest strings halved and marked, "truncated" saying how long the
 * fields were; the record stays within AUDIT_RECORD_MAX in the file and
 * in the syslog datagram alike, and its hash still chains (verify).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "audit.h"
#include "auditcut.h"
#include "auditverify.h"
#include "decide.h"
#include "tap.h"
#include "testlib.h"

static struct audit *open_sinks(const char *file, const char *sock)
{
	char f[300], s[300];
	const char *sinks[2] = {f, s};
	struct audit_opts o;
	struct cnz_err err;
	struct audit *a;

	snprintf(f, sizeof f, "file:%s", file);
	snprintf(s, sizeof s, "syslog:local3@%s", sock);
	memset(&o, 0, sizeof o);
	o.sinks = sinks;
	o.nsinks = 2;
	a = audit_open(&o, &err);
	if (a == NULL)
		bail(err.msg);
	return a;
}

static void plain(struct decision *d)
{
	memset(d, 0, sizeof *d);
	d->allow = true;
	snprintf(d->msg, sizeof d->msg, "allowed by admin:2");
	snprintf(d->rule, sizeof d->rule, "admin:2");
	snprintf(d->stack, sizeof d->stack, "admin");
	snprintf(d->method, sizeof d->method, "POST");
	snprintf(d->path, sizeof d->path, "/containers/create");
	snprintf(d->uri, sizeof d->uri, "/v1.41/containers/create");
	snprintf(d->ruleset, sizeof d->ruleset, "%064d", 0);
}

static json_t *parse(const char *line)
{
	json_error_t e;

	return json_loads(line, 0, &e);
}

/* The syslog datagram's length and whether it ends in the record. */
static ssize_t datagram(int fd, char *buf, size_t sz)
{
	ssize_t n = recv(fd, buf, sz - 1, MSG_DONTWAIT);

	if (n >= 0)
		buf[n] = '\0';
	return n;
}

int main(void)
{
	struct decision d;
	struct audit *a;
	char why[256], file[200], sock[100], *text, *line2, *line3;
	static char dg[65536];
	struct sockaddr_un sa;
	json_t *facts, *rec;
	char *facts_text;
	int fd;
	size_t len;
	ssize_t n;
	struct buf out;

	scratch_make("auditcut");
	snprintf(file, sizeof file, "%s", scratch_at("audit.log"));
	snprintf(sock, sizeof sock, "%s", scratch_at("log.sock"));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		bail_errno("syslog socket");
	{
		int big = 1 << 20;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
	}

	buf_init(&out);
	is_int(audit_cut(",\"who\":null,\"facts\":{}", 22, 100, &out), 0,
	       "fields that fit: left as they are");
	buf_free(&out);

	a = open_sinks(file, sock);
	plain(&d);
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0, "a plain record");
	n = datagram(fd, dg, sizeof dg);
	ok(n > 0 && strstr(dg, "\"truncated\"") == NULL, "... not cut");

	/* 12 KiB of facts: under the facts' own 16 KiB cap, over syslog's */
	facts = json_object();
	for (int i = 0; i < 30; i++) {
		char k[16], v[401];

		snprintf(k, sizeof k, "k%02d", i);
		memset(v, 'a' + i % 26, 400);
		v[400] = '\0';
		json_object_set_new(facts, k, json_string(v));
	}
	/* the facts as the checks record them: a JSON object's text */
	facts_text = json_dumps(facts, JSON_COMPACT | JSON_PRESERVE_ORDER);
	d.facts = facts_text;
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0,
	       "a record with 12 KiB of facts: written");
	n = datagram(fd, dg, sizeof dg);
	ok(n > 0 && n <= 8192, "... its syslog datagram fits rsyslog's 8 KiB (%zd)", n);
	ok(n > 0 && strstr(dg, "\"hash\":\"") != NULL && dg[n - 1] != '\0' &&
		   strstr(dg, "\"}") != NULL,
	   "... whole, to its hash");

	/* strings too long even without facts: 6 bytes a byte escaped */
	plain(&d);
	memset(d.msg, 0xff, sizeof d.msg - 1);
	d.msg[sizeof d.msg - 1] = '\0';
	memset(d.uri, '"', sizeof d.uri - 1);
	d.uri[sizeof d.uri - 1] = '\0';
	memset(d.path, 0xfe, sizeof d.path - 1);
	d.path[sizeof d.path - 1] = '\0';
	is_int(audit_record(a, SERVER_AUTHZ_REQ, &d, why, sizeof why), 0,
	       "a record whose msg, uri and path escape to 9 KiB: written");
	n = datagram(fd, dg, sizeof dg);
	ok(n > 0 && n <= 8192, "... its datagram fits too (%zd)", n);
	plain(&d);
	d.status = 200;
	is_int(audit_record(a, SERVER_AUTHZ_RES, &d, why, sizeof why), 0, "and a plain one after");
	audit_close(a);
	close(fd);

	text = slurp(file, &len);
	if (text == NULL)
		bail("no audit file");
	line2 = strchr(text, '\n') + 1;
	line3 = strchr(line2, '\n') + 1;
	*strchr(line2, '\n') = '\0';
	ok(strlen(line2) + 1 <= AUDIT_RECORD_MAX, "the facts record is at most %d bytes (%zu)",
	   AUDIT_RECORD_MAX, strlen(line2) + 1);
	rec = parse(line2);
	ok(rec != NULL, "... a whole JSON record");
	ok(json_integer_value(json_object_get(rec, "truncated")) > 12000,
	   "... saying it was cut, from how many bytes (%lld)",
	   (long long)json_integer_value(json_object_get(rec, "truncated")));
	{
		json_t *m = json_object_get(rec, "facts");
		char *s = json_dumps(facts, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
		unsigned char md[32];
		char hex[65];

		EVP_Digest(s, strlen(s), md, NULL, EVP_sha256(), NULL);
		text_hex(md, 32, hex);
		ok(json_is_true(json_object_get(m, "truncated")), "... the facts replaced by a marker");
		is_int(json_integer_value(json_object_get(m, "bytes")), (long long)strlen(s),
		       "... their length");
		is_str(json_string_value(json_object_get(m, "sha256")), hex, "... and their SHA-256");
		free(s);
	}
	is_str(json_string_value(json_object_get(rec, "uri")), "/v1.41/containers/create",
	       "... the rest as it was");
	json_decref(rec);

	*strchr(line3, '\n') = '\0';
	ok(strlen(line3) + 1 <= AUDIT_RECORD_MAX, "the long-strings record is at most %d bytes (%zu)",
	   AUDIT_RECORD_MAX, strlen(line3) + 1);
	rec = parse(line3);
	ok(rec != NULL, "... a whole JSON record");
	{
		const char *msg = json_string_value(json_object_get(rec, "msg"));
		const char *uri = json_string_value(json_object_get(rec, "uri"));

		ok(msg != NULL && strlen(msg) > 8 && strcmp(msg + strlen(msg) - 8, "...[cut]") == 0,
		   "... its msg cut, and marked");
		ok(uri != NULL && strstr(uri, "\"\"\"\"") != NULL,
		   "... the uri kept as far as it fits (%zu)", uri ? strlen(uri) : 0);
		ok(json_integer_value(json_object_get(rec, "truncated")) > 9000,
		   "... and \"truncated\" says how long it was");
	}
	json_decref(rec);
	free(text);

	{
		const char *files[1] = {file};
		struct audit_verify_opts o = {false, true, false};
		FILE *dn = fopen("/dev/null", "w");

		is_int(audit_verify(files, 1, &o, dn, dn), 0,
		       "the chain verifies across the cut records");
		fclose(dn);
	}
	json_decref(facts);
	free(facts_text);
	scratch_remove();
	return done_testing();
}
