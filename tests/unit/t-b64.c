/*
 * t-b64.c - strict base64: only what Go's encoding/json writes for a []byte
 * (RFC 4648 section 4, standard alphabet, with padding) decodes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "tap.h"

/* b64_decode and b64_check with the reason as a string (valid until the
 * next call of the same one), as the tests below compare them. */
static int decode(const char *in, size_t len, unsigned char **out,
		  size_t *outlen, const char **why)
{
	static struct cnz_err err;
	int rc = b64_decode(in, len, out, outlen, &err);

	if (rc < 0)
		*why = err.msg;
	return rc;
}

static int check(const char *in, size_t len, const char **why)
{
	static struct cnz_err err;
	int rc = b64_check(in, len, &err);

	if (rc < 0)
		*why = err.msg;
	return rc;
}

/* Stands for "not touched": b64_decode must set *out on every path. */
static unsigned char sentinel[1];

/* Decodes s; returns 1 when it decoded to exactly want[0..wantlen). */
static int decodes_to(const char *s, const char *want, size_t wantlen)
{
	unsigned char *out = sentinel;
	size_t outlen = 99;
	const char *why = NULL;
	int good;

	if (decode(s, strlen(s), &out, &outlen, &why) != 0) {
		diag("\"%s\" refused: %s", s, why ? why : "(no reason)");
		return 0;
	}
	good = outlen == wantlen && memcmp(out, want, wantlen) == 0 &&
	       out[outlen] == '\0';
	free(out);
	return good;
}

/* Decodes s[0..len); returns 1 when refused with a reason and no output. */
static int refused_n(const char *s, size_t len, const char **whyp)
{
	unsigned char *out = sentinel;
	size_t outlen = 99;
	const char *why = NULL;

	if (decode(s, len, &out, &outlen, &why) == 0) {
		free(out);
		return 0;
	}
	if (whyp != NULL)
		*whyp = why;
	return out == NULL && outlen == 0 && why != NULL && why[0] != '\0';
}

static int refused(const char *s, const char **whyp)
{
	return refused_n(s, strlen(s), whyp);
}

/*
 * The specification, written the slow way: one character at a time, as
 * RFC 4648 section 4 reads, to judge the table-driven decoder against.
 * Returns the decoded length, or -1 for a string Go would never write.
 */
static int ref_decode(const char *s, size_t len, unsigned char *o)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	int k = 0;

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			const char *p = s[i + j] != '\0' ? strchr(alpha, s[i + j]) : NULL;

			if (s[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (p == NULL || pad > 0)
				return -1;
			v[j] = (int)(p - alpha);
		}
		if (pad == 2 && (v[1] & 0x0f))
			return -1;
		if (pad == 1 && (v[2] & 0x03))
			return -1;
		o[k++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			o[k++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			o[k++] = (unsigned char)(v[2] << 6 | v[3]);
	}
	return k;
}

/* Every string of length len over abc: decode, check and the reference
 * agree on accepting it, and on what it decodes to. */
static void exhaustive(const char *abc, size_t len)
{
	size_t na = strlen(abc), total = 1, bad = 0;
	char s[16];
	unsigned char want[16];

	for (size_t i = 0; i < len; i++)
		total *= na;
	for (size_t x = 0; x < total; x++) {
		unsigned char *out = NULL;
		size_t outlen = 0, y = x;
		const char *why = NULL, *why2 = NULL;
		int r, dec, chk;

		for (size_t i = 0; i < len; i++, y /= na)
			s[i] = abc[y % na];
		r = ref_decode(s, len, want);
		dec = decode(s, len, &out, &outlen, &why);
		chk = check(s, len, &why2);
		if ((r < 0) != (dec < 0) || (r < 0) != (chk < 0) ||
		    (r >= 0 && (outlen != (size_t)r ||
				memcmp(out, want, outlen) != 0 ||
				outlen != b64_decoded_len(s, len))) ||
		    (dec < 0 && (why == NULL || why2 == NULL ||
				 strcmp(why, why2) != 0))) {
			if (bad++ < 3)
				diag("\"%.*s\": reference %d, decode %d, check %d",
				     (int)len, s, r, dec, chk);
		}
		free(out);
	}
	ok(bad == 0, "all %zu strings of %zu over \"%s\": decoder, checker "
	   "and the character-by-character reference agree", total, len, abc);
}

/* Long strings, where the decoder takes sixteen characters at a time:
 * valid ones of every length up to 400, and the same with one byte
 * replaced by each of the 256 values at positions that fall in every
 * lane of a block; decode, check and the reference agree. */
static void long_strings(void)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t bad = 0, total = 0;
	char s[400];
	unsigned char want[300];
	unsigned x = 12345;

	for (size_t len = 4; len <= sizeof s; len += 4) {
		for (size_t i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			s[i] = alpha[(x >> 16) % 64];
		}
		for (int pos = -1; pos < (int)len; pos += pos < 40 ? 1 : 37) {
			for (int v = 0; v < 256; v += pos < 0 ? 256 : 1) {
				unsigned char *out = NULL;
				size_t outlen = 0;
				const char *why = NULL, *why2 = NULL;
				char keep = pos >= 0 ? s[pos] : 0;
				int r, dec, chk;

				if (pos >= 0)
					s[pos] = (char)v;
				r = ref_decode(s, len, want);
				dec = decode(s, len, &out, &outlen, &why);
				chk = check(s, len, &why2);
				total++;
				if ((r < 0) != (dec < 0) || (r < 0) != (chk < 0) ||
				    (r >= 0 && (outlen != (size_t)r ||
						memcmp(out, want, outlen) != 0)) ||
				    (dec < 0 && (why == NULL || why2 == NULL ||
						 strcmp(why, why2) != 0))) {
					if (bad++ < 3)
						diag("length %zu, byte %d at %d: reference %d, decode %d, check %d",
						     len, v, pos, r, dec, chk);
				}
				free(out);
				if (pos >= 0)
					s[pos] = keep;
			}
		}
	}
	ok(bad == 0, "%zu long strings (up to 400 characters, one byte "
	   "changed): decoder, checker and the reference agree", total);
}

int main(void)
{
	static const struct {
		const char *enc, *dec;
	} rfc[] = {
		/* RFC 4648 section 10 */
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg==", "foob" },
		{ "Zm9vYmE=", "fooba" },
		{ "Zm9vYmFy", "foobar" },
		/* '+' and '/' are the standard alphabet's 62 and 63 */
		{ "+/+/", "\xfb\xff\xbf" },
		{ "AAAA", "\0\0\0" },
		{ "////", "\xff\xff\xff" },
	};
	static const char *const bad_len[] = {
		"Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zm9vYg=", "Zg==Z",
	};
	/* each a multiple of 4 long, so only the character is wrong */
	static const char *const bad_char[] = {
		"Zm9v Yg=", /* a space */
		"Zm9v\nYg=", /* a newline, as a MIME encoder would write */
		"Zm9\n",
		"Zm9\t",
		" Zm9",
		"Zm9v\r\n==",
		"-_-_",            /* URL-safe alphabet */
		"Zm9-",
		"Zm9_",
		"Zm9.",
		"Zm9*",
		"Zm9\"",
		"Zm\x80v",
		"Zm\xffv",
	};
	static const char *const bad_pad[] = {
		"Zg==Zm9v", /* padding, then more */
		"Zm8=Zm9v",
		"Zg==Zg==",
		"Z===",     /* one data character cannot make a byte */
		"x===",
		"====",
		"Zg=A",     /* '=' then data in the same quantum */
		"Z=g=",
		"=Zg=",
		"Zm9v====",
	};
	unsigned char all[300];
	const char *why;
	int rt_ok = 1, len_ok = 1;

	for (size_t i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
		size_t n = strlen(rfc[i].dec);

		if (rfc[i].enc[0] == 'A')
			n = 3; /* "\0\0\0" */
		ok(decodes_to(rfc[i].enc, rfc[i].dec, n),
		   "\"%s\" decodes to its %zu bytes", rfc[i].enc, n);
		is_int((long long)b64_decoded_len(rfc[i].enc, strlen(rfc[i].enc)),
		       (long long)n, "b64_decoded_len(\"%s\") is %zu",
		       rfc[i].enc, n);
	}

	ok(decodes_to("QQ==", "A", 1), "\"QQ==\" (pad bits zero) decodes");
	ok(refused("QR==", &why), "\"QR==\" (non-zero pad bits) is refused");
	like(why, "pad bits", "the reason for \"QR==\" names the pad bits");
	ok(decodes_to("QUI=", "AB", 2), "\"QUI=\" (pad bits zero) decodes");
	ok(refused("QUJ=", &why), "\"QUJ=\" (non-zero pad bits) is refused");
	like(why, "pad bits", "the reason for \"QUJ=\" names the pad bits");
	for (int c = 1; c < 16; c++) {
		/* 'Q' is 16; Q+c sets some of the four pad bits of "xx==" */
		static const char tab[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		char s[5] = { 'Q', tab[16 + c], '=', '=', '\0' };

		if (!refused(s, NULL)) {
			ok(0, "\"%s\" (non-zero pad bits) is refused", s);
			len_ok = 0;
		}
	}
	ok(len_ok, "every \"Qx==\" with non-zero pad bits is refused");

	for (size_t i = 0; i < sizeof bad_len / sizeof bad_len[0]; i++) {
		ok(refused(bad_len[i], &why),
		   "\"%s\" (length %zu, not a multiple of 4) is refused",
		   bad_len[i], strlen(bad_len[i]));
		like(why, "multiple of 4",
		     "the reason for \"%s\" names the length", bad_len[i]);
		is_int((long long)b64_decoded_len(bad_len[i], strlen(bad_len[i])),
		       -1LL, "b64_decoded_len(\"%s\") is (size_t)-1",
		       bad_len[i]);
	}
	for (size_t i = 0; i < sizeof bad_char / sizeof bad_char[0]; i++) {
		char q[64];
		size_t k = 0;

		for (const char *p = bad_char[i]; *p && k < sizeof q - 5; p++)
			k += (size_t)snprintf(q + k, sizeof q - k,
					      (unsigned char)*p < 0x20 ||
							      (unsigned char)*p >= 0x7f
						      ? "\\x%02x"
						      : "%c",
					      (unsigned char)*p);
		ok(refused(bad_char[i], &why),
		   "\"%s\" (a character outside the standard alphabet) is refused",
		   q);
		like(why, "character",
		     "the reason for \"%s\" names the character", q);
	}
	for (size_t i = 0; i < sizeof bad_pad / sizeof bad_pad[0]; i++)
		ok(refused(bad_pad[i], NULL),
		   "\"%s\" (misplaced or excess padding) is refused",
		   bad_pad[i]);

	/* A NUL byte inside the counted input is not the end of it. */
	ok(refused_n("Zg\0=", 4, NULL), "an embedded NUL byte is refused");
	ok(refused_n("Zm9vYmFy\0\0\0\0", 12, NULL),
	   "NUL bytes after valid base64 inside the length are refused");

	/* Empty input: no bytes, but a valid (NUL-terminated) buffer. */
	{
		unsigned char *out = NULL;
		size_t outlen = 99;

		why = NULL;
		ok(decode("", 0, &out, &outlen, &why) == 0 && out != NULL &&
			   outlen == 0 && out[0] == '\0',
		   "empty input decodes to zero bytes in a NUL-terminated buffer");
		free(out);
		out = NULL;
		ok(decode(NULL, 0, &out, &outlen, &why) == 0 && outlen == 0,
		   "a NULL pointer with length 0 decodes to zero bytes");
		free(out);
	}

	/* Only len bytes are read: what follows is not looked at. */
	{
		unsigned char *o = NULL;
		size_t ol = 0;

		ok(decode("Zm9vYmFy", 4, &o, &ol, &why) == 0 && ol == 3 &&
			   memcmp(o, "foo", 4) == 0,
		   "decoding stops at len, not at the string's end");
		free(o);
	}

	/* Round trip: every byte value, every length 0..300. */
	for (size_t i = 0; i < sizeof all; i++)
		all[i] = (unsigned char)(i * 7 + 3);
	for (size_t n = 0; n <= sizeof all; n++) {
		const unsigned char *src = all;
		size_t elen = 12345, dlen = 0;
		char *enc = b64_encode(src, n, &elen);
		unsigned char *dec = NULL;

		if (enc == NULL || elen != strlen(enc) ||
		    elen != (n + 2) / 3 * 4 || elen % 4 != 0 ||
		    b64_decoded_len(enc, elen) != n ||
		    decode(enc, elen, &dec, &dlen, &why) != 0 || dlen != n ||
		    memcmp(dec, src, n) != 0) {
			if (rt_ok)
				diag("round trip failed at length %zu", n);
			rt_ok = 0;
		}
		free(enc);
		free(dec);
	}
	ok(rt_ok, "b64_encode then b64_decode returns every length 0..300");
	{
		unsigned char bytes[256];
		char *enc;
		unsigned char *dec = NULL;
		size_t dlen = 0;

		for (int i = 0; i < 256; i++)
			bytes[i] = (unsigned char)i;
		enc = b64_encode(bytes, sizeof bytes, NULL);
		ok(enc != NULL && decode(enc, strlen(enc), &dec, &dlen,
					     &why) == 0 &&
			   dlen == 256 && memcmp(dec, bytes, 256) == 0,
		   "all 256 byte values survive a round trip");
		ok(enc != NULL && strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "abcdefghijklmnopqrstuvwxyz"
					      "0123456789+/=") == strlen(enc),
		   "b64_encode writes only the standard alphabet and '='");
		free(enc);
		free(dec);
	}
	{
		char *e0 = b64_encode((const unsigned char *)"", 0, NULL);
		char *e1 = b64_encode((const unsigned char *)"f", 1, NULL);
		char *e2 = b64_encode((const unsigned char *)"fo", 2, NULL);
		char *e6 = b64_encode((const unsigned char *)"foobar", 6, NULL);

		is_str(e0, "", "b64_encode of nothing is \"\"");
		is_str(e1, "Zg==", "b64_encode pads one byte with \"==\"");
		is_str(e2, "Zm8=", "b64_encode pads two bytes with \"=\"");
		is_str(e6, "Zm9vYmFy", "b64_encode does not pad three bytes");
		free(e0);
		free(e1);
		free(e2);
		free(e6);
	}
	exhaustive("AQg/=-", 4);
	exhaustive("AQg/=-", 8);
	exhaustive("Ag=!", 12);
	long_strings();
	return done_testing();
}
