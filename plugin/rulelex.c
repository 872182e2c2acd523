/* rulelex.c - see rulelex.h */
#include "rulelex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* The scanner over the whole buffer. */
struct rulelex {
	const char *name;
	const char *buf;
	size_t len, pos;
	unsigned line, col;
	struct cnz_err *err;
	char *word; /* scratch for the word being read */
};

static int peek(const struct rulelex *s)
{
	return s->pos < s->len ? (unsigned char)s->buf[s->pos] : -1;
}

static void advance(struct rulelex *s)
{
	if (s->buf[s->pos] == '\n') {
		s->line++;
		s->col = 1;
	} else {
		s->col++;
	}
	s->pos++;
}

int rulelex_fail(struct rulelex *s, unsigned line, unsigned col,
		 const char *msg)
{
	cnz_err_set(s->err, s->name, line, col, "%s", msg);
	/* messages quote the file's words, which can hold a CR (escaped,
	 * quoted or in a bracket): none reaches a log or a terminal */
	if (s->err != NULL)
		for (char *c = s->err->msg; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
	return -1;
}

/* Length of the continuation at buf[pos] (backslash, then LF or CRLF),
 * 0 when there is none. */
static size_t continuation(const char *buf, size_t len, size_t pos)
{
	if (pos + 1 >= len || buf[pos] != '\\')
		return 0;
	if (buf[pos + 1] == '\n')
		return 2;
	if (buf[pos + 1] == '\r' && pos + 2 < len && buf[pos + 2] == '\n')
		return 3;
	return 0;
}

/* Skips blanks, continuations and a backslash that ends the file. */
static void skip_blanks(struct rulelex *s)
{
	for (;;) {
		int c = peek(s);
		size_t n = continuation(s->buf, s->len, s->pos);

		if (c == ' ' || c == '\t' || c == '\r' ||
		    (c == '\\' && s->pos + 1 == s->len)) {
			advance(s);
		} else if (n > 0) {
			while (n-- > 0)
				advance(s);
		} else {
			return;
		}
	}
}

static int word_add(struct rulelex *s, char *w, size_t *n, int c)
{
	if (*n >= RULELEX_MAX_WORD)
		return rulelex_fail(s, s->line, s->col, "word too long");
	w[(*n)++] = (char)c;
	return 0;
}

/* Reads one word at the current position (not at a blank). */
static int read_word(struct rulelex *s, struct rule_word *out, bool bracket)
{
	char *w = s->word;
	size_t n = 0;

	out->s = NULL;
	out->line = s->line;
	out->col = s->col;
	out->bracket = bracket;
	if (w == NULL)
		return rulelex_fail(s, s->line, s->col, "out of memory");
	if (bracket) { /* "[...]" up to the closing bracket */
		for (;;) {
			int c = peek(s);

			if (c < 0 || c == '\n')
				return rulelex_fail(s, out->line, out->col,
						    "unterminated '[' control");
			if (word_add(s, w, &n, c) < 0)
				goto fail;
			advance(s);
			if (c == ']')
				break;
		}
		goto done;
	}
	for (;;) {
		int c = peek(s);

		if (c < 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n')
			break;
		if (c == '\\') {
			if (s->pos + 1 >= s->len)
				break; /* trailing backslash at EOF: ignore */
			if (continuation(s->buf, s->len, s->pos) > 0)
				break; /* continuation ends the word */
			advance(s);
			c = peek(s);
			if (word_add(s, w, &n, c) < 0)
				goto fail;
			advance(s);
			continue;
		}
		if (c == '"') {
			unsigned ql = s->line, qc = s->col;

			advance(s);
			for (;;) {
				c = peek(s);
				if (c < 0 || c == '\n')
					return rulelex_fail(s, ql, qc,
							    "unterminated quoted string");
				if (c == '"') {
					advance(s);
					break;
				}
				if (c == '\\') {
					int e = s->pos + 1 < s->len
							? (unsigned char)s->buf[s->pos + 1]
							: -1;

					if (e != '"' && e != '\\')
						return rulelex_fail(s, s->line, s->col,
								    "only \\\" and \\\\ are escapes inside quotes");
					advance(s);
					c = e;
				}
				if (word_add(s, w, &n, c) < 0)
					goto fail;
				advance(s);
			}
			continue;
		}
		if (word_add(s, w, &n, c) < 0)
			goto fail;
		advance(s);
	}
done:
	w[n] = '\0';
	/* words are kept as long as the rule set: exactly their length */
	out->s = strndup(w, n);
	if (out->s == NULL)
		return rulelex_fail(s, out->line, out->col, "out of memory");
	out->len = n;
	return 0;
fail:
	return -1;
}

struct rulelex *rulelex_new(const char *name, const char *buf, size_t len,
			    struct cnz_err *err)
{
	struct rulelex *s = calloc(1, sizeof *s);

	if (s == NULL || (s->word = malloc(RULELEX_MAX_WORD + 1)) == NULL) {
		free(s);
		cnz_err_set(err, name, 0, 0, "out of memory");
		return NULL;
	}
	s->name = name;
	s->buf = buf;
	s->len = len;
	s->line = 1;
	s->col = 1;
	s->err = err;
	if (len > RULELEX_MAX_SIZE) {
		cnz_err_set(err, name, 0, 0, "rule file larger than %d bytes",
			    RULELEX_MAX_SIZE);
		goto fail;
	}
	/* Control bytes other than tab, CR and LF have no business here;
	 * a NUL would hide the rest of a line from a reviewer. Nor has
	 * anything but UTF-8: a value in another encoding could never equal
	 * what dockerd decodes, so a deny holding one would never fire. */
	for (size_t i = 0, line = 1, col = 1; i < len; i++, col++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n') {
			line++;
			col = 0;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			cnz_err_set(err, name, (unsigned)line, (unsigned)col,
				    "control character 0x%02x", c);
			goto fail;
		} else if (c >= 0x80) {
			size_t n = text_utf8_seq((const unsigned char *)buf + i,
						 len - i);

			if (n == 0) {
				cnz_err_set(err, name, (unsigned)line,
					    (unsigned)col,
					    "byte 0x%02x is not UTF-8 (rule files are UTF-8 text)",
					    c);
				goto fail;
			}
			/* columns count bytes, as everywhere in the lexer */
			i += n - 1;
			col += n - 1;
		}
	}
	return s;
fail:
	rulelex_free(s);
	return NULL;
}

void rulelex_free(struct rulelex *s)
{
	if (s == NULL)
		return;
	free(s->word);
	free(s);
}

int rulelex_line(struct rulelex *s, struct rule_word *words, size_t max,
		 size_t *nw, size_t *from, size_t *to)
{
	while (s->pos < s->len) {
		*nw = 0;
		skip_blanks(s);
		*from = s->pos;
		*to = s->pos;
		for (;;) {
			int c = peek(s);

			if (c < 0 || c == '\n')
				break;
			if (c == '#') { /* comment: to the end of the line */
				while (peek(s) >= 0 && peek(s) != '\n')
					advance(s);
				break;
			}
			if (*nw >= max) {
				/* at the first argument too many */
				rulelex_fail(s, words[max - 1].line,
					     words[max - 1].col,
					     "too many arguments");
				goto fail;
			}
			if (read_word(s, &words[*nw], *nw == 0 && c == '[') < 0)
				goto fail;
			(*nw)++;
			*to = s->pos;
			skip_blanks(s);
		}
		if (peek(s) == '\n')
			advance(s);
		if (*nw > 0)
			return 1;
	}
	return 0;
fail:
	for (size_t i = 0; i < *nw; i++) {
		free(words[i].s);
		words[i].s = NULL;
	}
	return -1;
}

char *rulelex_text(const struct rulelex *s, size_t from, size_t to)
{
	const char *buf = s->buf;
	char *t = malloc(to - from + 1);
	size_t n = 0;

	if (t == NULL)
		return NULL;
	for (size_t i = from; i < to; i++) {
		size_t c = continuation(buf, to, i);

		if (c > 0) {
			t[n++] = ' ';
			i += c - 1;
		} else if (buf[i] == '\n' || buf[i] == '\r' || buf[i] == '\t') {
			t[n++] = ' ';
		} else {
			t[n++] = buf[i];
		}
	}
	while (n > 0 && t[n - 1] == ' ')
		n--;
	t[n] = '\0';
	return t;
}

