/*
 * tlsget.c - the latency of one cheap Docker API call as a TLS client sees
 * it: one TCP connection, one TLS handshake (client certificate), then N
 * sequential keep-alive "GET PATH" requests, each timed from the first
 * byte written to the last byte of the answer read.
 *
 *   tlsget --port P --ca CA --cert CERT --key KEY [--host 127.0.0.1]
 *          [--path /v1.41/containers/json] [--count N] [--warmup N]
 *          [--label NAME]
 *
 * Prints "BENCH tlsget label=... n=... p50_us=... ..."; exit status 1 when
 * any answer was not 200.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static char rbuf[1 << 20];
static size_t rlen;

/* Reads until buf holds n bytes (or an error): 0 / -1. */
static int fill(SSL *ssl, size_t n)
{
	while (rlen < n) {
		int got;

		if (n > sizeof rbuf)
			return -1;
		got = SSL_read(ssl, rbuf + rlen, (int)(sizeof rbuf - rlen));
		if (got <= 0)
			return -1;
		rlen += (size_t)got;
	}
	return 0;
}

/* One HTTP/1.1 answer: status, or -1. The body is consumed. */
static int read_answer(SSL *ssl, char *first, size_t firstsz)
{
	char *he;
	size_t hlen, clen = (size_t)-1, pos;
	bool chunked = false;
	int status;

	while ((he = memmem(rbuf, rlen, "\r\n\r\n", 4)) == NULL)
		if (fill(ssl, rlen + 1) < 0)
			return -1;
	hlen = (size_t)(he - rbuf) + 4;
	*he = '\0';
	if (sscanf(rbuf, "HTTP/1.%*1[01] %3d", &status) != 1)
		return -1;
	for (char *l = strstr(rbuf, "\r\n"); l != NULL; l = strstr(l + 2, "\r\n")) {
		if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
			clen = strtoul(l + 17, NULL, 10);
		else if (strncasecmp(l + 2, "Transfer-Encoding:", 18) == 0 &&
			 strstr(l + 2, "chunked") != NULL)
			chunked = true;
	}
	*he = '\r';
	pos = hlen;
	if (!chunked) {
		if (clen == (size_t)-1)
			return -1; /* an answer ended by close: not keep-alive */
		if (fill(ssl, hlen + clen) < 0)
			return -1;
		snprintf(first, firstsz, "%.*s", (int)(clen < 200 ? clen : 200),
			 rbuf + hlen);
		pos = hlen + clen;
	} else {
		first[0] = '\0';
		for (;;) {
			char *crlf;
			size_t sz;

			while ((crlf = memmem(rbuf + pos, rlen - pos, "\r\n", 2)) == NULL)
				if (fill(ssl, rlen + 1) < 0)
					return -1;
			sz = strtoul(rbuf + pos, NULL, 16);
			pos = (size_t)(crlf - rbuf) + 2;
			if (fill(ssl, pos + sz + 2) < 0)
				return -1;
			if (first[0] == '\0' && sz > 0)
				snprintf(first, firstsz, "%.*s",
					 (int)(sz < 200 ? sz : 200), rbuf + pos);
			pos += sz + 2;
			if (sz == 0)
				break;
		}
	}
	memmove(rbuf, rbuf + pos, rlen - pos);
	rlen -= pos;
	return status;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"ca", required_argument, NULL, 'a'},
		{"cert", required_argument, NULL, 'c'},
		{"key", required_argument, NULL, 'k'},
		{"path", required_argument, NULL, 'P'},
		{"count", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"label", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	const char *host = "127.0.0.1", *ca = NULL, *cert = NULL, *key = NULL,
		   *path = "/v1.41/containers/json", *label = "run";
	unsigned port = 0, count = 2000, warmup = 200, failed = 0;
	struct sockaddr_in sa;
	SSL_CTX *ctx;
	SSL *ssl;
	char req[512], first[256];
	uint64_t *v, sum = 0;
	int fd, one = 1, ch, reqlen;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'h': host = optarg; break;
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'a': ca = optarg; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'P': path = optarg; break;
		case 'n': count = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'w': warmup = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': label = optarg; break;
		default:
			fprintf(stderr, "usage: tlsget --port P --ca CA --cert CERT --key KEY "
					"[--host H] [--path P] [--count N] [--warmup N] [--label L]\n");
			return 2;
		}
	}
	if (port == 0 || ca == NULL || cert == NULL || key == NULL || count == 0) {
		fprintf(stderr, "tlsget: --port, --ca, --cert and --key are required\n");
		return 2;
	}
	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "tlsget: connect %s:%u: %s\n", host, port,
			strerror(errno));
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	ssl = SSL_new(ctx);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1) {
		ERR_print_errors_fp(stderr);
		return 1;
	}
	reqlen = snprintf(req, sizeof req,
			  "GET %s HTTP/1.1\r\nHost: %s:%u\r\n"
			  "User-Agent: cnauthz-bench/1\r\n\r\n",
			  path, host, port);
	v = calloc(count, sizeof *v);
	if (v == NULL)
		return 1;
	for (unsigned i = 0; i < warmup + count; i++) {
		uint64_t t0 = now_ns();
		int st;

		if (SSL_write(ssl, req, reqlen) != reqlen ||
		    (st = read_answer(ssl, first, sizeof first)) < 0) {
			fprintf(stderr, "tlsget: connection failed at request %u\n", i);
			return 1;
		}
		if (st != 200) {
			if (failed++ < 3)
				fprintf(stderr, "tlsget: status %d: %s\n", st, first);
		}
		if (i >= warmup) {
			v[i - warmup] = now_ns() - t0;
			sum += v[i - warmup];
		}
	}
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	SSL_CTX_free(ctx);
	qsort(v, count, sizeof *v, cmp_u64);
	printf("%s: GET %s x %u on one TLS connection: p50 %.1f us, p90 %.1f us, "
	       "p99 %.1f us, min %.1f us, mean %.1f us; %u not 200\n",
	       label, path, count, v[count / 2] / 1e3, v[count * 9 / 10] / 1e3,
	       v[(size_t)(count * 0.99)] / 1e3, v[0] / 1e3,
	       (double)sum / count / 1e3, failed);
	printf("BENCH tlsget label=%s n=%u p50_us=%.1f p90_us=%.1f p99_us=%.1f "
	       "min_us=%.1f mean_us=%.1f failed=%u\n",
	       label, count, v[count / 2] / 1e3, v[count * 9 / 10] / 1e3,
	       v[(size_t)(count * 0.99)] / 1e3, v[0] / 1e3,
	       (double)sum / count / 1e3, failed);
	free(v);
	return failed > 0 ? 1 : 0;
}
