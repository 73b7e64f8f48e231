/* SPDX-License-Identifier: MIT
 * See auth.h. The token is looked up by its hash; the hash found is then
 * compared with CRYPTO_memcmp, so no comparison of secret bytes takes time
 * that depends on where they first differ.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "auth.h"
#include "store/store.h"
#include "store/store_access.h"

static const struct {
	const char *name;
	int         bit;
} roles[] = {
	{ "school", RPC_ROLE_SCHOOL },   { "district", RPC_ROLE_DISTRICT },
	{ "council", RPC_ROLE_COUNCIL }, { "evaluator", RPC_ROLE_EVALUATOR },
	{ "admin", RPC_ROLE_ADMIN },
};

int
auth_role_bit(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(roles[i].name, role) == 0) {
			return roles[i].bit;
		}
	}
	return 0;
}

static const char *
role_name(int bit)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].bit == bit) {
			return roles[i].name;
		}
	}
	return "none";
}

static bool
random_bytes(unsigned char *b, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(b + got, n - got, 0);
		if (r <= 0) {
			return false;
		}
		got += (size_t) r;
	}
	return true;
}

int
auth_new_token(char token[AUTH_TOKEN_LEN + 1], unsigned char hash[32],
               char id[16])
{
	unsigned char raw[32], idb[6];
	if (!random_bytes(raw, sizeof(raw))
	    || !random_bytes(idb, sizeof(idb))) {
		return TD_EINTERNAL;
	}
	memcpy(token, "td_", 3);
	for (int i = 0; i < 32; i++) {
		snprintf(token + 3 + 2 * i, 3, "%02x", raw[i]);
	}
	memcpy(id, "cl_", 3);
	for (int i = 0; i < 6; i++) {
		snprintf(id + 3 + 2 * i, 3, "%02x", idb[i]);
	}
	SHA256((const unsigned char *) token, strlen(token), hash);
	OPENSSL_cleanse(raw, sizeof(raw));
	return TD_OK;
}

/* Tokens known to be good, each under the data version it was read at:
 * any write (a revocation is one) makes them all stale, so a revoked
 * token is refused by every instance as soon as the write is heard of.
 * A few entries, replaced in turn; revoked and unknown tokens are never
 * kept, so they always meet the database. */
#define TOKENS 64
static pthread_mutex_t tokens_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t     version;
	store_client c;
} tokens[TOKENS];
static size_t tokens_next;

static bool
token_known(const unsigned char hash[32], uint64_t version, store_client *out)
{
	bool hit = false;
	pthread_mutex_lock(&tokens_mu);
	for (size_t i = 0; i < TOKENS && !hit; i++) {
		if (tokens[i].version == version && version != 0
		    && CRYPTO_memcmp(tokens[i].c.token_sha256, hash, 32)
		        == 0) {
			*out = tokens[i].c;
			hit  = true;
		}
	}
	pthread_mutex_unlock(&tokens_mu);
	return hit;
}

static void
token_keep(const store_client *c, uint64_t version)
{
	if (version != store_data_version()) {
		return; /* read from data that may have changed since */
	}
	pthread_mutex_lock(&tokens_mu);
	tokens[tokens_next].version = version;
	tokens[tokens_next].c       = *c;
	tokens_next                 = (tokens_next + 1) % TOKENS;
	pthread_mutex_unlock(&tokens_mu);
}

int
auth_check(rpc_call *call, const rpc_method *m)
{
	if (m->open) {
		return TD_CODE_OK;
	}
	if (call->fast && (call->token == NULL || call->token[0] == '\0')) {
		return rpc_defer(call); /* refusals are the workers' */
	}
	if (call->token == NULL || call->token[0] == '\0') {
		return rpc_fail(call, TD_CODE_UNAUTHENTICATED,
		                "%s needs a bearer token (tandem --token or "
		                "TANDEM_TOKEN)",
		                m->path);
	}
	unsigned char hash[32];
	store_client  c;
	bool          found = false;
	SHA256((const unsigned char *) call->token, strlen(call->token), hash);
	uint64_t version;
	if (!rpc_data_version(call, &version)) {
		return rpc_defer(call);
	}
	if (token_known(hash, version, &c)) {
		found = true;
	} else if (call->fast) {
		/* Unknown, revoked, or not read since the last write: only
		 * the database can say, on a worker. */
		return rpc_defer(call);
	} else {
		int rv
		    = store_begin_request(call->store, rpc_remaining_ms(call));
		if (rv == TD_OK) {
			rv = store_client_by_token(call->store, hash, &c,
			                           &found);
		}
		if (rv != TD_OK) {
			return rpc_fail_err(call, rv,
			                    store_errmsg(call->store));
		}
		if (found && c.revoked_at[0] == '\0'
		    && CRYPTO_memcmp(hash, c.token_sha256, 32) == 0) {
			token_keep(&c, version);
		}
	}
	if (!found || CRYPTO_memcmp(hash, c.token_sha256, 32) != 0) {
		return rpc_fail(call, TD_CODE_UNAUTHENTICATED,
		                "the token is not known to this server");
	}
	if (c.revoked_at[0] != '\0') {
		snprintf(call->who.client_id, sizeof(call->who.client_id),
		         "%s", c.id);
		return rpc_fail(call, TD_CODE_UNAUTHENTICATED,
		                "the token of client %s was revoked at %s",
		                c.id, c.revoked_at);
	}
	snprintf(call->who.client_id, sizeof(call->who.client_id), "%s", c.id);
	snprintf(call->who.name, sizeof(call->who.name), "%s", c.name);
	snprintf(call->who.school, sizeof(call->who.school), "%s", c.school);
	snprintf(call->who.district, sizeof(call->who.district), "%s",
	         c.district);
	call->who.role = auth_role_bit(c.role);
	if ((m->roles & call->who.role) == 0) {
		if (call->fast) {
			return rpc_defer(call);
		}
		return rpc_fail(call, TD_CODE_PERMISSION_DENIED,
		                "role %s may not call %s",
		                role_name(call->who.role), m->path);
	}
	return TD_CODE_OK;
}
