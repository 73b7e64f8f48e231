/* SPDX-License-Identifier: MIT
 * libFuzzer target: request bytes as tandemd receives them, without a
 * database. First the decode steps of rpc_handle up to the handler, rebuilt
 * from the public pieces (envelope, rpc_validate, rpc_find, payload); then
 * the real rpc_handle, with a store whose database never answers, whose
 * reply must always be a well-formed ResponseEnvelope.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rpc/rpc.h"
#include "services/services.h"
#include "store/store.h"
#include "tandem/v1/rpc.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A Unix socket in a directory that does not exist: every connection
 * attempt fails at once, so the store answers UNAVAILABLE. */
#define DEAD_DB "host=/nonexistent/tandem-fuzz port=1 user=fuzz dbname=fuzz"

static rpc_arena *arena;
static store     *dead;
static td_config  cfg;

/* die reports a broken promise and aborts, which libFuzzer records as a
 * crash with this input. On stdout: rpc_handle logs a line on stderr for
 * every audit row the dead store cannot take, so bench/fuzz closes the
 * targets' stderr (-close_fd_mask=2; sanitizer reports still get out). */
static void die(const char *what) __attribute__((noreturn));

static void
die(const char *what)
{
	printf("fuzz_envelope: %s\n", what);
	fflush(stdout);
	abort();
}

static void
setup(void)
{
	size_t                  nb;
	const services_binding *b = services_bindings(&nb);
	if (rpc_methods_init(b, nb) != TD_OK || rpc_arena_create(&arena) != 0
	    || store_open(&dead, DEAD_DB, 0) != TD_OK) {
		die("setup failed");
	}
	cfg.max_message  = TD_DEFAULT_MAX_MESSAGE;
	cfg.min_n        = 10;
	cfg.log_requests = 0;
	cfg.version      = "fuzz";
	cfg.db           = DEAD_DB;
}

/* What the decode steps concluded, for checking rpc_handle's reply. */
enum verdict {
	V_BAD_ENVELOPE, /* INVALID_ARGUMENT (or RESOURCE_EXHAUSTED) */
	V_EXPIRED, /* DEADLINE_EXCEEDED */
	V_UNKNOWN, /* UNIMPLEMENTED */
	V_CALL, /* went on to auth, payload and handler */
};

/* decode: rpc_handle's steps before auth_check and the handler. The
 * deadline arithmetic is left to the real rpc_handle below so that a
 * problem there is reported in rpc.c, not in a copy of it. */
static enum verdict
decode(const uint8_t *data, size_t size, const rpc_method **method,
       int64_t *deadline_ms)
{
	rpc_call call;
	memset(&call, 0, sizeof(call));
	call.arena   = arena;
	call.cfg     = &cfg;
	call.method  = "";
	*method      = NULL;
	*deadline_ms = 0;
	rpc_arena_reset(arena);

	if (size > cfg.max_message) {
		return V_BAD_ENVELOPE;
	}
	Tandem__V1__RequestEnvelope *env
	    = tandem__v1__request_envelope__unpack(rpc_arena_allocator(arena),
	                                           size, data);
	if (env == NULL) {
		return V_BAD_ENVELOPE;
	}
	call.method     = env->method;
	call.request_id = env->request_id;
	call.token      = env->token;
	*deadline_ms    = env->deadline_ms;
	if (rpc_validate(&call, &env->base) > 0) {
		/* rpc_handle quotes the first detail in its message */
		if (call.n_details == 0 || call.details[0] == NULL) {
			die("envelope invalid but no detail to quote");
		}
		const Tandem__V1__ErrorDetail *d
		    = (const Tandem__V1__ErrorDetail *) call.details[0];
		if (d->message == NULL || d->message[0] == '\0') {
			die("envelope detail without a message");
		}
		return V_BAD_ENVELOPE;
	}
	if (env->method[0] == '\0') {
		return V_BAD_ENVELOPE;
	}
	if (env->deadline_ms < 0) {
		return V_EXPIRED;
	}
	const rpc_method *m = rpc_find(env->method);
	if (m == NULL || m->handler == NULL) {
		return V_UNKNOWN;
	}
	*method               = m;
	ProtobufCMessage *req = protobuf_c_message_unpack(
	    m->desc->input, rpc_arena_allocator(arena), env->payload.len,
	    env->payload.data);
	if (req != NULL) {
		(void) rpc_validate(&call, req);
		protobuf_c_message_free_unpacked(req,
		                                 rpc_arena_allocator(arena));
	}
	tandem__v1__request_envelope__free_unpacked(
	    env, rpc_arena_allocator(arena));
	return V_CALL;
}

/* A deadline this far away cannot pass while one small request is
 * decoded, even under the sanitizers. */
#define FAR_DEADLINE_MS 60000

/* check_reply: the reply unpacks, carries a known status, and agrees with
 * what decode saw. Without a database nothing but the open methods can
 * succeed. */
static void
check_reply(enum verdict v, const rpc_method *m, int64_t deadline_ms,
            const uint8_t *out, size_t out_len)
{
	Tandem__V1__ResponseEnvelope *r
	    = tandem__v1__response_envelope__unpack(NULL, out_len, out);
	if (r == NULL) {
		die("rpc_handle's reply is not a ResponseEnvelope");
	}
	if (r->status == NULL) {
		die("reply without a status");
	}
	int code = (int) r->status->code;
	if (code < 0 || code >= TD_CODE_COUNT) {
		die("reply status outside the gRPC codes");
	}
	if (code != TD_CODE_OK && r->status->message[0] == '\0') {
		die("error reply without a message");
	}
	if (code != TD_CODE_OK && r->payload.len != 0) {
		die("error reply with a payload");
	}
	switch (v) {
	case V_BAD_ENVELOPE:
		if (code != TD_CODE_INVALID_ARGUMENT
		    && code != TD_CODE_RESOURCE_EXHAUSTED) {
			die("malformed envelope not refused as such");
		}
		break;
	case V_EXPIRED:
		if (code != TD_CODE_DEADLINE_EXCEEDED) {
			die("expired deadline not DEADLINE_EXCEEDED");
		}
		break;
	case V_UNKNOWN:
		if (code != TD_CODE_UNIMPLEMENTED) {
			die("unknown method not UNIMPLEMENTED");
		}
		break;
	case V_CALL:
		if (code == TD_CODE_OK && !m->open) {
			die("a method that needs a token succeeded with no "
			    "database");
		}
		if (code == TD_CODE_DEADLINE_EXCEEDED
		    && deadline_ms >= FAR_DEADLINE_MS) {
			die("a deadline a minute or more away was answered "
			    "DEADLINE_EXCEEDED");
		}
		break;
	}
	tandem__v1__response_envelope__free_unpacked(r, NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (arena == NULL) {
		setup();
	}
	const rpc_method *m;
	int64_t           deadline_ms;
	enum verdict      v = decode(data, size, &m, &deadline_ms);

	rpc_worker_ctx w
	    = { .worker = 0, .store = dead, .arena = arena, .cfg = &cfg };
	void  *out     = NULL;
	size_t out_len = 0;
	if (rpc_handle(&w, data, size, &out, &out_len) != TD_OK) {
		die("rpc_handle produced no reply");
	}
	check_reply(v, m, deadline_ms, out, out_len);
	free(out);
	return 0;
}
