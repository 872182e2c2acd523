/*
 * tap.h - a small TAP producer for the C unit tests, run by prove.
 *
 *   ok(cond, "name %d", i);      is_int(got, want, "name");
 *   is_str(got, want, "name");   like(got, "substring", "name");
 *   diag("note");                return done_testing();
 */
#ifndef CNZ_TAP_H
#define CNZ_TAP_H

#include <stddef.h>

int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int tap_is_int(long long got, long long want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int tap_is_str(const char *got, const char *want, const char *file, int line,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int tap_like(const char *got, const char *sub, const char *file, int line,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the plan; returns the exit status (0 when all passed). */
int done_testing(void);

#define ok(c, ...) tap_ok(!!(c), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(g, w, ...) tap_is_int((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(g, w, ...) tap_is_str((g), (w), __FILE__, __LINE__, __VA_ARGS__)
#define like(g, s, ...) tap_like((g), (s), __FILE__, __LINE__, __VA_ARGS__)

/* The repository's top directory (for fixtures), from $CNZ_TOP or ".". */
const char *tap_top(void);

#endif
