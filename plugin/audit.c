/* audit.c - see audit.h */
#include "audit.h"

#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditcut.h"
#include "auditpairs.h"
#include "auditsink.h"
#include "config.h"
#include "decide.h"
#include "identity.h"
#include "text.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define FACTS_MAX (16u * 1024)   /* serialized facts beyond this: cut */

struct audit {
	pthread_mutex_t lock;
	struct audit_sinks *sinks;
	bool fail_open;
	/* The chain, under lock. */
	uint64_t seq;        /* last committed */
	char prev[65];       /* its hash */
	struct audit_pairs *pairs;
	EVP_MD_CTX *md;
	EVP_MD *sha256;      /* fetched once: an implicit fetch per record is slow */
	struct buf line;     /* the record being written */
	long pid;
};

/* ------------------------------------------------------------------ */
/* records                                                             */
/* ------------------------------------------------------------------ */

static void add_str(struct buf *b, const char *s)
{
	buf_add_json_str(b, s, strlen(s));
}

static void add_date(struct buf *b, time_t when)
{
	struct tm tm;
	char t[48];

	gmtime_r(&when, &tm);
	strftime(t, sizeof t, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
	buf_adds(b, t);
}

static void add_str_or_null(struct buf *b, const char *s)
{
	if (s == NULL || s[0] == '\0')
		buf_adds(b, "null");
	else
		add_str(b, s);
}

/* Everything after "req": the part that needs no lock. */
static void format_body(struct buf *b, const struct decision *d)
{
	const struct identity *id = d->id;
	size_t mark;

	buf_adds(b, ",\"who\":");
	if (id == NULL) {
		buf_adds(b, "null");
	} else if (identity_is_local(id)) {
		buf_adds(b, "{\"local\":true}");
	} else {
		buf_adds(b, "{\"cn\":");
		add_str(b, identity_cn(id));
		if (identity_has_cert(id)) {
			buf_adds(b, ",\"sha256\":");
			add_str(b, identity_fingerprint(id));
			buf_adds(b, ",\"serial\":");
			add_str(b, identity_serial(id));
			buf_adds(b, ",\"issuer\":");
			add_str(b, identity_issuer(id));
			buf_adds(b, ",\"not_after\":");
			if (identity_not_after(id) != 0)
				add_date(b, identity_not_after(id));
			else
				buf_adds(b, "null");
		}
		buf_adds(b, "}");
	}
	buf_adds(b, ",\"method\":");
	add_str_or_null(b, d->method);
	buf_adds(b, ",\"path\":");
	add_str_or_null(b, d->path);
	buf_adds(b, ",\"uri\":");
	add_str_or_null(b, d->uri);
	buf_adds(b, d->allow ? ",\"decision\":\"allow\",\"msg\":"
			     : ",\"decision\":\"deny\",\"msg\":");
	add_str(b, d->msg);
	buf_adds(b, ",\"rule\":");
	add_str_or_null(b, d->rule);
	buf_adds(b, ",\"stack\":");
	add_str_or_null(b, d->stack);
	buf_adds(b, ",\"ruleset\":");
	add_str_or_null(b, d->ruleset);
	if (d->status > 0)
		buf_printf(b, ",\"status\":%d", d->status);
	else
		buf_adds(b, ",\"status\":null");
	buf_adds(b, ",\"facts\":");
	mark = b->len;
	if (d->facts != NULL)
		buf_adds(b, d->facts);
	else
		buf_adds(b, "{}");
	if (b->len - mark > FACTS_MAX) {
		b->len = mark;
		buf_adds(b, "{\"truncated\":true}");
	}
}

/* A record's hash: SHA-256 of its line up to (not including) the
 * ',"hash":' member, closed with '}', as hex into hex[65]. 0, or -1 when
 * it cannot be computed. */
static int chain_hash(EVP_MD_CTX *ctx, const EVP_MD *sha256, const char *line,
		      size_t len, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (!EVP_DigestInit_ex(ctx, sha256, NULL) ||
	    !EVP_DigestUpdate(ctx, line, len) ||
	    !EVP_DigestUpdate(ctx, "}", 1) ||
	    !EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		return -1;
	text_hex(md, 32, hex);
	return 0;
}

/* allow: info; a denial by the rules: notice; a request that could not
 * be judged at all (unreadable, no identity, no stack ran): warning. */
static enum audit_severity severity(const struct decision *d)
{
	if (d->allow)
		return AUDIT_SEV_INFO;
	if (d->id == NULL || d->stack[0] == '\0')
		return AUDIT_SEV_WARNING;
	return AUDIT_SEV_NOTICE;
}

static bool wanted(enum server_call call, const struct decision *d)
{
	return call == SERVER_AUTHZ_REQ || d->status > 0 || !d->allow;
}

int audit_record(struct audit *a, enum server_call call,
		 const struct decision *d, char *why, size_t whysz)
{
	struct buf body;
	struct timespec now;
	char hash[65], ts[64];
	uint64_t seq, req = 0;
	bool paired = false;
	size_t ok = 0, failed = 0;
	int rc = 0;

	if (whysz > 0)
		why[0] = '\0';
	if (!wanted(call, d)) {
		/* Not recorded, but its AuthZReq's entry is done with. */
		pthread_mutex_lock(&a->lock);
		(void)audit_pairs_pop(a->pairs, d->digest, &req);
		pthread_mutex_unlock(&a->lock);
		return 0;
	}
	buf_init(&body);
	format_body(&body, d);
	if (body.oom) {
		snprintf(why, whysz, "out of memory formatting the record");
		buf_free(&body);
		return -1;
	}
	if (body.len > AUDIT_BODY_MAX) { /* never silently cut: auditcut.h */
		struct buf cut;

		buf_init(&cut);
		if (audit_cut(body.p, body.len, AUDIT_BODY_MAX, &cut) < 0) {
			snprintf(why, whysz,
				 "the record is longer than %d bytes and cannot be cut to fit",
				 AUDIT_RECORD_MAX);
			buf_free(&cut);
			buf_free(&body);
			return -1;
		}
		buf_free(&body);
		body = cut;
	}

	pthread_mutex_lock(&a->lock);
	seq = a->seq + 1;
	clock_gettime(CLOCK_REALTIME, &now);
	a->line.len = 0;
	a->line.oom = false;
	buf_printf(&a->line, "{\"seq\":%" PRIu64, seq);
	if (seq == 1)
		buf_printf(&a->line,
			   ",\"start\":{\"pid\":%ld,\"version\":\"%s\"}", a->pid,
			   CNAUTHZ_VERSION);
	buf_adds(&a->line, ",\"time\":\"");
	{
		size_t t0 = a->line.len;

		audit_time(&a->line, &now);
		snprintf(ts, sizeof ts, "%.*s", (int)(a->line.len - t0),
			 a->line.p != NULL ? a->line.p + t0 : "-");
	}
	buf_adds(&a->line, call == SERVER_AUTHZ_REQ
				   ? "\",\"call\":\"AuthZReq\",\"req\":"
				   : "\",\"call\":\"AuthZRes\",\"req\":");
	if (call == SERVER_AUTHZ_REQ) {
		req = seq;
		paired = true;
	} else {
		paired = audit_pairs_pop(a->pairs, d->digest, &req);
	}
	if (paired)
		buf_printf(&a->line, "%" PRIu64, req);
	else
		buf_adds(&a->line, "null");
	buf_add(&a->line, body.p, body.len);
	buf_adds(&a->line, ",\"prev\":\"");
	buf_adds(&a->line, a->prev);
	buf_adds(&a->line, "\"");
	if (a->line.oom ||
	    chain_hash(a->md, a->sha256, a->line.p, a->line.len, hash) < 0) {
		snprintf(why, whysz, "cannot format or hash the record");
		rc = -1;
		goto out;
	}
	buf_adds(&a->line, ",\"hash\":\"");
	buf_adds(&a->line, hash);
	buf_adds(&a->line, "\"}\n");
	if (a->line.oom) {
		snprintf(why, whysz, "out of memory formatting the record");
		rc = -1;
		goto out;
	}
	if (a->line.len > AUDIT_RECORD_MAX) { /* cannot happen: auditcut.h */
		snprintf(why, whysz, "the record is longer than %d bytes",
			 AUDIT_RECORD_MAX);
		rc = -1;
		goto out;
	}

	ok = audit_sinks_send(a->sinks, a->line.p, a->line.len, ts, severity(d),
			      call == SERVER_AUTHZ_REQ ? "AuthZReq" : "AuthZRes",
			      seq, &failed, why, whysz);
	if (ok == 0) {
		/* Nowhere: not part of the chain, the next record takes
		 * this seq. The request is denied (or, fail open, told on
		 * stderr by the caller). */
		rc = -1;
		goto out;
	}
	a->seq = seq;
	memcpy(a->prev, hash, sizeof a->prev);
	/* dockerd asks AuthZRes only for a request it let through. */
	if (call == SERVER_AUTHZ_REQ && d->allow && (failed == 0 || a->fail_open))
		audit_pairs_push(a->pairs, d->digest, seq);
	if (failed > 0)
		rc = -1;
out:
	pthread_mutex_unlock(&a->lock);
	buf_free(&body);
	return rc;
}

int audit_reopen(struct audit *a, char *why, size_t whysz)
{
	int rc;

	pthread_mutex_lock(&a->lock);
	rc = audit_sinks_reopen(a->sinks, why, whysz);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

uint64_t audit_seq(struct audit *a)
{
	uint64_t v;

	pthread_mutex_lock(&a->lock);
	v = a->seq;
	pthread_mutex_unlock(&a->lock);
	return v;
}

struct audit *audit_open(const struct audit_opts *o, struct cnz_err *err)
{
	struct audit *a = calloc(1, sizeof *a);

	if (a == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	buf_init(&a->line);
	if (o->nsinks > AUDIT_MAX_SINKS) {
		cnz_err_set(err, NULL, 0, 0, "at most %d --audit sinks",
			    AUDIT_MAX_SINKS);
		goto fail;
	}
	a->sinks = audit_sinks_open(o->sinks, o->nsinks,
				    o->stdout_fd > 0 ? o->stdout_fd
						     : STDOUT_FILENO,
				    o->notice, o->notice_arg, err);
	if (a->sinks == NULL)
		goto fail;
	a->fail_open = o->fail_open;
	a->pid = (long)getpid();
	memcpy(a->prev, ZERO_HASH, sizeof a->prev);
	a->pairs = audit_pairs_new(o->pairs_max);
	a->md = EVP_MD_CTX_new();
	a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (a->pairs == NULL || a->md == NULL || a->sha256 == NULL) {
		cnz_err_set(err, NULL, 0, 0, "out of memory");
		goto fail;
	}
	return a;
fail:
	audit_close(a);
	return NULL;
}

void audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	audit_sinks_close(a->sinks);
	audit_pairs_free(a->pairs);
	EVP_MD_CTX_free(a->md);
	EVP_MD_free(a->sha256);
	buf_free(&a->line);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ------------------------------------------------------------------ */
/* the hash of a line, as verify recomputes it                         */
/* ------------------------------------------------------------------ */

int audit_line_hash(const char *line, size_t len, char *hex,
		    const char **claimed)
{
	static const char tail[] = ",\"hash\":\"";
	const size_t tl = sizeof tail - 1;
	EVP_MD_CTX *ctx;
	size_t body;
	int rc;

	/* ...,"hash":"<64 hex>"} */
	if (len < tl + 64 + 2 + 1 || line[len - 1] != '}' ||
	    line[len - 2] != '"')
		return -1;
	body = len - 2 - 64 - tl;
	if (memcmp(line + body, tail, tl) != 0)
		return -1;
	for (size_t i = 0; i < 64; i++)
		if (text_hexval(line[body + tl + i]) < 0 ||
		    (line[body + tl + i] >= 'A' && line[body + tl + i] <= 'F'))
			return -1;
	*claimed = line + body + tl;
	ctx = EVP_MD_CTX_new();
	rc = ctx != NULL ? chain_hash(ctx, EVP_sha256(), line, body, hex) : -1;
	EVP_MD_CTX_free(ctx);
	return rc;
}
