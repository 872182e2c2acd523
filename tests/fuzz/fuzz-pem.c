/*
 * fuzz-pem.c - the client certificate: identity_from_pem (PEM framing,
 * text around the block, DER, the subject's one CN, fingerprint, serial,
 * issuer and subject, validity), then the same certificate carried in an
 * AuthZReq (base64 of the PEM, as dockerd sends it) through
 * identity_from_request; and identity_pem_as_dockerd (cnauthz test --cert),
 * which must give back the same certificate and its CN.
 *
 * Input: PEM text, as one RequestPeerCertificates entry decodes to.
 */
#include <string.h>

#include "b64.h"
#include "common.h"
#include "identity.h"
#include "request.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') ||
		      *s == '-'))
			return false;
	return true;
}

/* The certificate as dockerd would send it, with User = cn. */
static void through_request(const uint8_t *data, size_t size,
			    const struct identity *want)
{
	struct buf b;
	struct cnz_err err;
	struct request *r;
	struct identity *id;
	size_t n;
	char *s = b64_encode(data, size, &n);

	FUZZ_CHECK(s != NULL);
	buf_init(&b);
	buf_adds(&b, "{\"User\":");
	buf_add_json_str(&b, identity_cn(want), strlen(identity_cn(want)));
	buf_adds(&b, ",\"UserAuthNMethod\":\"TLS\",\"RequestMethod\":\"GET\","
		     "\"RequestUri\":\"/v1.41/info\",\"RequestPeerCertificates\":[\"");
	buf_add(&b, s, n);
	buf_adds(&b, "\"]}");
	free(s);
	FUZZ_CHECK(!b.oom);
	r = request_decode(b.p, b.len, &err);
	FUZZ_CHECK(r != NULL);
	id = identity_from_request(r, NULL, &err);
	FUZZ_CHECK(id != NULL);
	FUZZ_CHECK(strcmp(identity_cn(id), identity_cn(want)) == 0);
	FUZZ_CHECK(strcmp(identity_fingerprint(id),
			  identity_fingerprint(want)) == 0);
	identity_unref(id);
	request_free(r);
	buf_free(&b);
}

/* cnauthz test --cert: the certificate as dockerd sends it. When the
 * input parses as a client certificate, the re-encoded PEM is the same
 * certificate and User its CN. */
static void as_dockerd(const uint8_t *data, size_t size,
		       const struct identity *want)
{
	struct cnz_err err;
	struct identity *again;
	char *pem = NULL, user[512];
	size_t pemlen = 0;
	int rc = identity_pem_as_dockerd((const char *)data, size, &pem,
					 &pemlen, user, sizeof user, &err);

	if (want == NULL) {
		free(pem);
		return;
	}
	FUZZ_CHECK(rc == 0 && pem != NULL && pemlen == strlen(pem));
	FUZZ_CHECK(strcmp(user, identity_cn(want)) == 0);
	again = identity_from_pem(pem, pemlen, &err);
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(strcmp(identity_fingerprint(again),
			  identity_fingerprint(want)) == 0);
	identity_unref(again);
	free(pem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnz_err err;
	struct identity *id;
	const char *cn;

	cnz_err_clear(&err);
	id = identity_from_pem((const char *)data, size, &err);
	as_dockerd(data, size, id);
	if (id == NULL) {
		FUZZ_CHECK(err.msg[0] != '\0');
		FUZZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		fuzz_input_done();
		return 0;
	}
	cn = identity_cn(id);
	FUZZ_CHECK(identity_name_valid(cn, strlen(cn)));
	FUZZ_CHECK(!identity_is_local(id) && identity_has_cert(id));
	FUZZ_CHECK(strcmp(identity_label(id), cn) == 0);
	FUZZ_CHECK(identity_x509(id) != NULL);
	FUZZ_CHECK(strlen(identity_fingerprint(id)) == 64 &&
		   is_hex(identity_fingerprint(id)));
	FUZZ_CHECK(identity_serial(id)[0] != '\0' &&
		   is_hex(identity_serial(id)));
	(void)strlen(identity_issuer(id));
	(void)strlen(identity_subject(id));
	(void)identity_not_after(id);
	(void)identity_not_before(id);
	identity_unref(identity_ref(id));
	through_request(data, size, id);
	identity_unref(id);
	fuzz_input_done();
	return 0;
}
