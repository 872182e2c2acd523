/*
 * auditjson.h - JSON as the audit trail (audit.h) writes it: ASCII only,
 * so a record is the same bytes whatever reads it, and the facts the
 * built-in checks saw with every secret-looking key dropped, long strings
 * cut and deep nesting cut.
 */
#ifndef CNZ_AUDITJSON_H
#define CNZ_AUDITJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "text.h"

/* Whether a facts key looks like it could hold a secret (env, cmd,
 * password, token, auth, key, credential ...): such keys are never
 * written, at any depth. */
bool audit_secret_key(const char *key);

/* Appends v as compact ASCII-only JSON, secret-looking keys dropped,
 * strings cut at 512 bytes, depth cut at 8. */
void audit_json(struct buf *b, json_t *v);

#endif
