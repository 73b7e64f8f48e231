/* SPDX-License-Identifier: MIT
 * See validate.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common.h"
#include "validate.h"

bool
validate_code(rpc_call *call, int64_t rec, const char *field,
              const char *value)
{
	common_code_rule r = common_code_check(value);
	switch (r) {
	case COMMON_CODE_OK:
		return true;
	case COMMON_CODE_EMPTY:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s is empty", field);
		break;
	case COMMON_CODE_TOO_LONG:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s is %zu bytes, over the %d-byte limit for codes",
		           field, strlen(value), COMMON_CODE_MAX);
		break;
	case COMMON_CODE_CONTROL:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s contains a control character", field);
		break;
	case COMMON_CODE_PADDING:
		rpc_detail(call, rec, field, common_code_rule_name(r),
		           "%s '%s' has leading or trailing spaces", field,
		           value);
		break;
	}
	return false;
}

bool
validate_date(rpc_call *call, int64_t rec, const char *field,
              const char *value, int32_t *days)
{
	if (value[0] == '\0') {
		rpc_detail(call, rec, field, "required", "%s is empty", field);
		return false;
	}
	if (!common_date_parse(value, days)) {
		rpc_detail(call, rec, field, "date",
		           "%s '%s' is not a real date YYYY-MM-DD in %d..%d",
		           field, value, COMMON_YEAR_MIN, COMMON_YEAR_MAX);
		return false;
	}
	return true;
}

bool
validate_enum(rpc_call *call, int64_t rec, const char *field,
              const char *value, const char *const *allowed)
{
	char   list[256];
	size_t used = 0;
	for (const char *const *a = allowed; *a; a++) {
		if (strcmp(*a, value) == 0) {
			return true;
		}
		used += (size_t) snprintf(list + used, sizeof(list) - used,
		                          "%s%s", used ? "|" : "", *a);
		if (used >= sizeof(list)) {
			break;
		}
	}
	rpc_detail(call, rec, field, "enum", "%s '%s' is not one of %s", field,
	           value, list);
	return false;
}

/* ---- keyset: open addressing over FNV-1a hashes ---- */

typedef struct slot {
	uint64_t hash;
	char    *key;
	size_t   len;
	int64_t  rec;
} slot;

struct keyset {
	slot  *slots;
	size_t cap, n;
};

static uint64_t
fnv1a(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t             h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h = (h ^ b[i]) * 1099511628211ull;
	}
	return h;
}

keyset *
keyset_create(size_t expected)
{
	keyset *k = calloc(1, sizeof(*k));
	if (k == NULL) {
		return NULL;
	}
	k->cap = 16;
	while (k->cap < expected * 2) {
		k->cap *= 2;
	}
	k->slots = calloc(k->cap, sizeof(slot));
	if (k->slots == NULL) {
		free(k);
		return NULL;
	}
	return k;
}

void
keyset_destroy(keyset *k)
{
	if (k == NULL) {
		return;
	}
	for (size_t i = 0; i < k->cap; i++) {
		free(k->slots[i].key);
	}
	free(k->slots);
	free(k);
}

static bool
grow(keyset *k)
{
	size_t cap = k->cap * 2;
	slot  *s   = calloc(cap, sizeof(slot));
	if (s == NULL) {
		return false;
	}
	for (size_t i = 0; i < k->cap; i++) {
		if (k->slots[i].key == NULL) {
			continue;
		}
		size_t j = k->slots[i].hash & (cap - 1);
		while (s[j].key != NULL) {
			j = (j + 1) & (cap - 1);
		}
		s[j] = k->slots[i];
	}
	free(k->slots);
	k->slots = s;
	k->cap   = cap;
	return true;
}

int64_t
keyset_add(keyset *k, const void *key, size_t len, int64_t rec)
{
	if ((k->n + 1) * 2 > k->cap && !grow(k)) {
		return -1; /* cannot tell: the database key is the backstop */
	}
	uint64_t h = fnv1a(key, len);
	size_t   j = h & (k->cap - 1);
	while (k->slots[j].key != NULL) {
		slot *s = &k->slots[j];
		if (s->hash == h && s->len == len
		    && memcmp(s->key, key, len) == 0) {
			return s->rec;
		}
		j = (j + 1) & (k->cap - 1);
	}
	char *copy = malloc(len ? len : 1);
	if (copy == NULL) {
		return -1;
	}
	memcpy(copy, key, len);
	k->slots[j] = (slot) { h, copy, len, rec };
	k->n++;
	return -1;
}

void
payload_sha256(const rpc_call *call, unsigned char out[32])
{
	SHA256(call->payload ? call->payload : (const uint8_t *) "",
	       call->payload_len, out);
}

bool
pseudonym(const td_config *cfg, const char *district, const char *respondent,
          unsigned char out[PSEUDONYM_LEN])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int  len = 0;
	char          msg[2 * TD_MAX_STRING + 2];
	size_t        dl = strlen(district), rl = strlen(respondent);
	if (cfg->hmac_key == NULL || cfg->hmac_key_len == 0
	    || dl + rl + 1 > sizeof(msg)) {
		return false;
	}
	/* district NUL respondent: the same id in two districts is two
	 * students. */
	memcpy(msg, district, dl + 1);
	memcpy(msg + dl + 1, respondent, rl);
	if (HMAC(EVP_sha256(), cfg->hmac_key, (int) cfg->hmac_key_len,
	         (const unsigned char *) msg, dl + 1 + rl, mac, &len)
	        == NULL
	    || len < PSEUDONYM_LEN) {
		return false;
	}
	memcpy(out, mac, PSEUDONYM_LEN);
	return true;
}

bool
validate_value(rpc_call *call, int64_t rec, const char *field,
               const char *unit, double value)
{
	const char *u = unit ? unit : "";
	if (!isfinite(value)) {
		rpc_detail(call, rec, field, "finite",
		           "%s is not a finite number", field);
		return false;
	}
	if (strcmp(u, "proportion") == 0 && !(value >= 0 && value <= 1)) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is outside 0..1 (the measure is a "
		           "proportion)",
		           field, value);
		return false;
	}
	if (strcmp(u, "percent") == 0 && !(value >= 0 && value <= 100)) {
		rpc_detail(
		    call, rec, field, "range",
		    "%s %g is outside 0..100 (the measure is a percent)",
		    field, value);
		return false;
	}
	if (strcmp(u, "count") == 0
	    && !(value >= 0 && value <= VALIDATE_VALUE_MAX
	         && value == floor(value))) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is not a non-negative whole number (the "
		           "measure is a count)",
		           field, value);
		return false;
	}
	if (strcmp(u, "rate") == 0 && !(value >= 0)) {
		rpc_detail(call, rec, field, "range",
		           "%s %g is negative (the measure is a rate)", field,
		           value);
		return false;
	}
	if (fabs(value) > VALIDATE_VALUE_MAX) {
		rpc_detail(call, rec, field, "range", "%s %g is beyond +-%g",
		           field, value, VALIDATE_VALUE_MAX);
		return false;
	}
	return true;
}

bool
validate_horizon(rpc_call *call, int64_t rec, const char *field,
                 const char *value, int32_t days)
{
	int64_t today = (int64_t) time(NULL) / 86400;
	if (days > today + call->cfg->horizon_days) {
		rpc_detail(call, rec, field, "horizon",
		           "%s %s is more than %d days after today", field,
		           value, call->cfg->horizon_days);
		return false;
	}
	return true;
}
