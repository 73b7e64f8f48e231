/* SPDX-License-Identifier: MIT
 * One request in, one reply out: envelope decoding, limits, deadline,
 * dispatch through the method table, the gRPC status, and one log line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "state/answers.h"
#include "state/audit.h"
#include "auth.h"
#include "rpc.h"
#include "metrics/metrics.h"
#include "store/store.h"
#include "store/store_access.h"
#include "tandem/v1/rpc.pb-c.h"

/* Decoding may grow a message many times over (a 2-byte repeated entry
 * unpacks to a ~100-byte struct). A call's arena may hold this many times
 * the message limit, whatever the wire size: a ceiling on memory per call
 * that hostile messages hit and well-formed batches do not. */
#define RPC_DECODE_GROWTH 16
/* How long a write's reply waits for its notification (a call that wrote
 * nothing, such as a dry run, waits this long for none). 20 ms was too
 * short on a loaded machine: integration.instances saw the other
 * instance serve its cached answer once under ctest -j2 at load 3. */
#define RPC_WRITE_HEARD_MS 100
/* The fast path decodes nothing larger on nng's threads: the calls it can
 * answer are small, and a batch's copy would hold the I/O thread. */
#define RPC_FAST_MAX_BYTES (64u * 1024u)

static size_t
string_limit(const char *field)
{
	if (strcmp(field, "text") == 0 || strcmp(field, "notes") == 0
	    || strcmp(field, "note") == 0
	    || strcmp(field, "description") == 0
	    /* a PDSA cycle's change idea, prediction and result */
	    || strcmp(field, "change_idea") == 0
	    || strcmp(field, "prediction") == 0
	    || strcmp(field, "result") == 0) {
		return TD_MAX_TEXT;
	}
	return TD_MAX_STRING;
}

/* Where a string sits in the request ("outcomes[12].school"), written
 * out only for a problem: formatting it for every field of every record
 * was a quarter of tandemd's time for an outcome batch (perf: snprintf
 * under walk, 600,000 records x 6 fields). */
typedef struct path_seg {
	const struct path_seg *up;
	const char            *name;
	size_t                 idx;
	bool                   indexed;
} path_seg;

static size_t
path_format(const path_seg *p, char *out, size_t cap)
{
	if (p == NULL) {
		out[0] = '\0';
		return 0;
	}
	size_t at = path_format(p->up, out, cap);
	int    w  = p->indexed
	        ? snprintf(out + at, cap - at, "%s%s[%zu]", at ? "." : "", p->name,
	                   p->idx)
	        : snprintf(out + at, cap - at, "%s%s", at ? "." : "", p->name);
	at += w > 0 ? (size_t) w : 0;
	return at < cap ? at : cap - 1;
}

static void
check_string(rpc_call *call, int64_t rec, const path_seg *at,
             const char *field, const char *s)
{
	if (s == NULL || s == protobuf_c_empty_string) {
		return;
	}
	char   path[256];
	size_t len   = strlen(s);
	size_t block = rpc_arena_block_size(s);
	if (block != 0 && block != len + 1) {
		path_format(at, path, sizeof(path));
		rpc_detail(call, rec, field, "no_nul",
		           "%s contains a NUL byte at offset %zu", path, len);
		return;
	}
	size_t limit
	    = len > TD_MAX_STRING ? string_limit(field) : TD_MAX_STRING;
	if (len > limit) {
		path_format(at, path, sizeof(path));
		rpc_detail(call, rec, field, "max_length",
		           "%s is %zu bytes, over the %zu-byte limit", path,
		           len, limit);
		return;
	}
	if (!td_utf8_valid(s, len)) {
		path_format(at, path, sizeof(path));
		rpc_detail(call, rec, field, "utf8", "%s is not valid UTF-8",
		           path);
	}
}

static void walk(rpc_call *call, const ProtobufCMessage *m, int depth,
                 int64_t rec, const path_seg *up);

static void
walk(rpc_call *call, const ProtobufCMessage *m, int depth, int64_t rec,
     const path_seg *up)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *member = (const char *) m + f->offset;
		if (f->type != PROTOBUF_C_TYPE_STRING
		    && f->type != PROTOBUF_C_TYPE_MESSAGE) {
			continue;
		}
		/* The members of a oneof share one union: only the one its
		 * case names holds a value of this field's type. */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0
		    && *(const uint32_t *) ((const char *) m
		                            + f->quantifier_offset)
		        != f->id) {
			continue;
		}
		path_seg at = { up, f->name, 0, false };
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t       n   = *(const size_t *) ((const char *) m
                                                      + f->quantifier_offset);
			void *const *arr = *(void *const *const *) member;
			at.indexed       = true;
			for (size_t k = 0; k < n; k++) {
				int64_t r
				    = (depth == 0
				       && f->type == PROTOBUF_C_TYPE_MESSAGE)
				    ? (int64_t) k
				    : rec;
				at.idx = k;
				if (f->type == PROTOBUF_C_TYPE_STRING) {
					check_string(call, r, &at, f->name,
					             arr[k]);
				} else if (arr[k] != NULL) {
					walk(call, arr[k], depth + 1, r, &at);
				}
			}
		} else {
			const void *v = *(const void *const *) member;
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				check_string(call, rec, &at, f->name, v);
			} else if (v != NULL) {
				walk(call, v, depth + 1, rec, &at);
			}
		}
	}
}

size_t
rpc_validate(rpc_call *call, const ProtobufCMessage *m)
{
	size_t before = call->n_details + (size_t) call->details_omitted;
	walk(call, m, 0, -1, NULL);
	return call->n_details + (size_t) call->details_omitted - before;
}

/* ---- the request path ---- */

/* answer_lookup builds the call's answer-cache key (the method, the
 * caller's role and scope, the request packed again by protobuf-c, so the
 * same question sent with its fields in another order or with defaults
 * spelt out is the same key) and reads the version before anything is
 * read; true when the cache holds the answer, now in call->cached_reply. */
static bool
answer_lookup(rpc_call *call, const rpc_method *m, const ProtobufCMessage *req)
{
	const rpc_principal *who  = &call->who;
	size_t               pl   = strlen(m->path) + 1;
	size_t               sl   = strlen(who->school) + 1;
	size_t               dl   = strlen(who->district) + 1;
	size_t               body = protobuf_c_message_get_packed_size(req);
	size_t               n    = pl + 1 + sl + dl + body;
	uint8_t             *key  = rpc_arena_alloc(call->arena, n ? n : 1);
	if (key == NULL) {
		return false;
	}
	memcpy(key, m->path, pl);
	key[pl] = (uint8_t) who->role;
	memcpy(key + pl + 1, who->school, sl);
	memcpy(key + pl + 1 + sl, who->district, dl);
	protobuf_c_message_pack(req, key + pl + 1 + sl + dl);
	call->cache_key     = key;
	call->cache_key_len = n;
	if (!rpc_data_version(call, &call->cache_version)) {
		return false;
	}
	return answers_get(key, n, call->cache_version, call->arena,
	                   &call->cached_reply, &call->cached_reply_len,
	                   &call->records, call->audit_note,
	                   sizeof(call->audit_note), !call->fast);
}

static int
run_call(rpc_call *call, const Tandem__V1__RequestEnvelope *env,
         ProtobufCMessage **resp)
{
	const rpc_method *m = rpc_find(env->method);
	if (call->fast
	    && (m == NULL || m->handler == NULL
	        || (!m->open && !audit_queued())
	        || (m->fast == NULL
	            && (m->reads != RPC_READ_CACHED
	                || call->cfg->answer_cache_mib == 0)))) {
		/* Nothing it could answer from memory (or no writer to
		 * take its audit row without the store). */
		return rpc_defer(call);
	}
	if (m == NULL) {
		return rpc_fail(call, TD_CODE_UNIMPLEMENTED,
		                "unknown method %s", env->method);
	}
	if (m->handler == NULL) {
		return rpc_fail(call, TD_CODE_UNIMPLEMENTED,
		                "method %s is declared but not implemented "
		                "by this server version",
		                env->method);
	}
	if (auth_check(call, m) != TD_CODE_OK) {
		return call->code;
	}
	ProtobufCMessage *req = protobuf_c_message_unpack(
	    m->desc->input, rpc_arena_allocator(call->arena), env->payload.len,
	    env->payload.data);
	if (req == NULL && rpc_arena_exhausted(call->arena)) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "payload of %zu bytes needs more memory to "
		                "decode than a call may use",
		                env->payload.len);
	}
	if (req == NULL) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "payload of %zu bytes is not a valid %s",
		                env->payload.len, m->desc->input->name);
	}
	if (rpc_validate(call, req) > 0) {
		return rpc_fail(call, TD_CODE_INVALID_ARGUMENT,
		                "%zu invalid field(s) in %s",
		                call->n_details
		                    + (size_t) call->details_omitted,
		                m->desc->input->name);
	}
	if (call->deadline_us != 0 && rpc_remaining_ms(call) <= 0) {
		return rpc_fail(call, TD_CODE_DEADLINE_EXCEEDED,
		                "deadline passed before %s started",
		                env->method);
	}
	call->payload     = env->payload.data;
	call->payload_len = env->payload.len;
	if (m->reads == RPC_READ_CACHED && call->cfg->answer_cache_mib > 0
	    && answer_lookup(call, m, req)) {
		return TD_CODE_OK;
	}
	if (call->fast && m->fast == NULL) {
		return rpc_defer(call); /* not cached: the handler computes */
	}
	int code = (call->fast ? m->fast : m->handler)(call, req, resp);
	if (code == TD_CODE_OK && *resp == NULL) {
		return rpc_fail(call, TD_CODE_INTERNAL, "%s produced no reply",
		                env->method);
	}
	if (code != TD_CODE_OK && call->code == TD_CODE_OK) {
		call->code = code;
	}
	return code;
}

/* log_escape copies s for a logfmt value between quotes: a client's
 * string must not be able to end the value or the line and forge one. */
static const char *
log_escape(char *out, size_t cap, const char *s)
{
	size_t k = 0;
	for (; s != NULL && *s && k + 5 < cap; s++) {
		unsigned char c = (unsigned char) *s;
		if (c == '"' || c == '\\') {
			out[k++] = '\\';
			out[k++] = (char) c;
		} else if (c < 0x20 || c == 0x7f) {
			k += (size_t) snprintf(out + k, cap - k, "\\x%02x", c);
		} else {
			out[k++] = (char) c;
		}
	}
	out[k] = '\0';
	return out;
}

static void
log_line(const rpc_call *call, int64_t start_us, size_t in_len, size_t out_len)
{
	if (!call->cfg->log_requests) {
		return;
	}
	struct timespec wall;
	struct tm       tm;
	char            ts[32];
	clock_gettime(CLOCK_REALTIME, &wall);
	gmtime_r(&wall.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* logfmt: one line; every client-given string quoted and escaped. */
	char method[300], rid[300], msg[1100];
	fprintf(stderr,
	        "ts=%s.%03ldZ level=%s msg=request method=\"%s\" status=%s "
	        "duration_us=%" PRId64 " request_id=\"%s\" worker=%d "
	        "bytes_in=%zu bytes_out=%zu records=%" PRId64 "%s%s%s\n",
	        ts, wall.tv_nsec / 1000000,
	        call->code == TD_CODE_OK ? "info" : "warn",
	        log_escape(method, sizeof(method),
	                   call->method && *call->method ? call->method : "-"),
	        td_code_name(call->code), rpc_now_us() - start_us,
	        log_escape(rid, sizeof(rid), call->request_id), call->worker,
	        in_len, out_len, call->records,
	        call->code != TD_CODE_OK ? " error=\"" : "",
	        call->code != TD_CODE_OK
	            ? log_escape(msg, sizeof(msg), call->message)
	            : "",
	        call->code != TD_CODE_OK ? "\"" : "");
}

static int
pack_reply(rpc_call *call, const ProtobufCMessage *resp, void **out,
           size_t *out_len)
{
	Tandem__V1__ResponseEnvelope env = TANDEM__V1__RESPONSE_ENVELOPE__INIT;
	Tandem__V1__Status           st  = TANDEM__V1__STATUS__INIT;
	uint8_t                     *payload = NULL;
	size_t                       plen    = 0;

	if (call->code == TD_CODE_OK && call->cached_reply != NULL) {
		payload = call->cached_reply;
		plen    = call->cached_reply_len;
	} else if (call->code == TD_CODE_OK && resp != NULL) {
		plen    = protobuf_c_message_get_packed_size(resp);
		payload = rpc_arena_alloc(call->arena, plen ? plen : 1);
		if (payload == NULL) {
			rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			         "out of memory packing the reply");
		} else {
			protobuf_c_message_pack(resp, payload);
		}
		if (payload != NULL && call->cache_key != NULL
		    && plen + 1024 <= call->cfg->max_message) {
			answers_put(call->cache_key, call->cache_key_len,
			            call->cache_version, payload, plen,
			            call->records, call->audit_note);
		}
		if (call->code == TD_CODE_OK
		    && plen + 1024 > call->cfg->max_message) {
			rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
			         "reply of %zu bytes exceeds the %zu-byte "
			         "message limit (--max-message-bytes); "
			         "narrow the request",
			         plen, call->cfg->max_message);
		}
	}
	st.code    = (Tandem__V1__Code) call->code;
	st.message = call->code == TD_CODE_OK ? "" : call->message;
	if (call->code != TD_CODE_OK) {
		st.n_details = call->n_details;
		st.details   = (Tandem__V1__ErrorDetail **) call->details;
		st.details_omitted = call->details_omitted;
	}
	env.status     = &st;
	env.request_id = (char *) (call->request_id ? call->request_id : "");
	env.protocol_version = TD_PROTOCOL_VERSION;
	if (call->code == TD_CODE_OK && payload != NULL) {
		env.payload.data = payload;
		env.payload.len  = plen;
	}
	size_t   n   = tandem__v1__response_envelope__get_packed_size(&env);
	uint8_t *buf = malloc(n ? n : 1);
	if (buf == NULL) {
		return TD_ENOMEM;
	}
	tandem__v1__response_envelope__pack(&env, buf);
	*out     = buf;
	*out_len = n;
	return TD_OK;
}

/* audit_row writes one audit row: queued for the writer (audit.h) when it
 * runs, else in the call's own transaction. With wait, the row is committed
 * before this returns (a write is never acknowledged unaudited). */
static int
audit_row(rpc_call *call, const char *client_id, const char *method,
          const char *status, const char *request_id, int64_t records,
          int64_t duration_us, const char *detail, bool async, bool wait)
{
	if (call->fast && !audit_queued()) {
		return RPC_DEFER;
	}
	if (!audit_queued()) {
		return store_audit_append(call->store, client_id, method,
		                          status, request_id, records,
		                          duration_us, detail, async);
	}
	store_audit_entry e;
	snprintf(e.client_id, sizeof(e.client_id), "%s",
	         client_id ? client_id : "");
	snprintf(e.method, sizeof(e.method), "%s", method);
	snprintf(e.status, sizeof(e.status), "%s", status);
	snprintf(e.request_id, sizeof(e.request_id), "%s",
	         request_id ? request_id : "");
	snprintf(e.detail, sizeof(e.detail), "%s", detail ? detail : "");
	e.records     = records;
	e.duration_us = duration_us;
	if (call->fast) {
		/* nng's thread never waits for room: a full queue defers */
		return audit_try_enqueue(&e) != 0 ? TD_OK : RPC_DEFER;
	}
	uint64_t ticket = audit_enqueue(&e);
	if (wait) {
		audit_wait(ticket);
	}
	return TD_OK;
}

/* audit records every call but the open health and reflection ones:
 * who, what, when, how many, and how it ended. A database that is down
 * cannot take the row; the log line on stderr still has it. Returns
 * RPC_DEFER when the fast path could not queue the row (else TD_OK). */
static int
audit(rpc_call *call, int64_t start_us, const char *peer)
{
	const rpc_method *m = rpc_find(call->method);
	if (m != NULL && m->open) {
		return TD_OK;
	}
	/* Calls without a known client, or refused, are what a flood is
	 * made of: their rows commit without waiting for the disk, and past
	 * a budget per peer and second they are counted, not written. */
	bool denied = call->who.client_id[0] == '\0'
	    || call->code == TD_CODE_UNAUTHENTICATED
	    || call->code == TD_CODE_PERMISSION_DENIED;
	long skipped = 0;
	if (denied && !rpc_audit_budget(peer, rpc_now_us(), &skipped)) {
		return TD_OK;
	}
	/* caller-given strings are stored escaped (no control characters)
	 * and bounded */
	char emethod[200], erid[128], summary[160];
	log_escape(emethod, sizeof(emethod), call->method);
	log_escape(erid, sizeof(erid), call->request_id);
	if (skipped > 0) {
		snprintf(summary, sizeof(summary),
		         "%ld denied call(s) from %s were not audited one by "
		         "one (rate limit)",
		         skipped, peer);
		if (audit_row(call, NULL, "(rate-limited)",
		              "PERMISSION_DENIED", "", skipped, 0, summary,
		              true, false)
		    != TD_OK) {
			fprintf(stderr,
			        "level=warn msg=\"audit summary not written\" "
			        "skipped=%ld\n",
			        skipped);
		}
	}
	int rv = audit_row(
	    call, call->who.client_id, emethod, td_code_name(call->code), erid,
	    call->records, rpc_now_us() - start_us,
	    call->code == TD_CODE_OK ? call->audit_note : call->message,
	    denied, !denied && m != NULL && m->reads == RPC_WRITES);
	if (rv == RPC_DEFER) {
		return RPC_DEFER;
	}
	if (rv != TD_OK) {
		char method[300], rid[300], err[600];
		fprintf(
		    stderr,
		    "level=warn msg=\"audit row not written\" method=\"%s\" "
		    "request_id=\"%s\" error=\"%s\"\n",
		    log_escape(method, sizeof(method), call->method),
		    log_escape(rid, sizeof(rid), call->request_id),
		    log_escape(err, sizeof(err), store_errmsg(call->store)));
	}
	return TD_OK;
}

/* protocol_matches refuses a client that says it speaks another wire
 * protocol; one that says nothing predates the key and speaks 1. */
static bool
protocol_matches(rpc_call *call, const Tandem__V1__RequestEnvelope *env)
{
	for (size_t i = 0; i < env->n_metadata; i++) {
		const Tandem__V1__MetadataEntry *e = env->metadata[i];
		if (e == NULL || strcmp(e->key, TD_PROTOCOL_KEY) != 0) {
			continue;
		}
		char want[16];
		snprintf(want, sizeof(want), "%d", TD_PROTOCOL_VERSION);
		if (strcmp(e->value, want) != 0) {
			char v[40];
			rpc_fail(call, TD_CODE_FAILED_PRECONDITION,
			         "incompatible protocol: the client speaks "
			         "Tandem protocol %s, this server (tandemd "
			         "%s) speaks protocol %d; upgrade the older "
			         "side",
			         log_escape(v, sizeof(v), e->value),
			         call->cfg->version, TD_PROTOCOL_VERSION);
			return false;
		}
	}
	return true;
}

/* method_index: the method's place in the table (the metrics' label), -1
 * for a path the table does not hold. */
static int
method_index(const char *path)
{
	size_t            n;
	const rpc_method *m = path != NULL && *path ? rpc_find(path) : NULL;
	return m != NULL ? (int) (m - rpc_methods(&n)) : -1;
}

/* handle is rpc_handle, and with fast rpc_fast: every step that would
 * need the store, and every status but OK (refusals, errors and their
 * audit budget are the workers'), returns RPC_DEFER before anything is
 * written, logged or counted, so a worker takes the call from the start. */
static int
handle(rpc_worker_ctx *w, const void *in, size_t in_len, void **out,
       size_t *out_len, bool fast)
{
	int64_t                      start = rpc_now_us();
	rpc_call                     call;
	ProtobufCMessage            *resp    = NULL;
	Tandem__V1__RequestEnvelope *env     = NULL;
	int                          midx    = -1;
	bool                         started = false;
	int                          rv      = RPC_DEFER;

	if (fast
	    && (in_len > RPC_FAST_MAX_BYTES || in_len > w->cfg->max_message)) {
		return RPC_DEFER;
	}
	rpc_arena_reset(w->arena);
	rpc_arena_set_limit(w->arena, RPC_DECODE_GROWTH * w->cfg->max_message);
	memset(&call, 0, sizeof(call));
	call.arena       = w->arena;
	call.store       = w->store;
	call.cfg         = w->cfg;
	call.worker      = w->worker;
	call.publish     = w->publish;
	call.publish_arg = w->publish_arg;
	call.method      = "";
	call.fast        = fast;

	if (in_len > w->cfg->max_message) {
		rpc_fail(&call, TD_CODE_RESOURCE_EXHAUSTED,
		         "request of %zu bytes exceeds the %zu-byte message "
		         "limit (--max-message-bytes); split the batch",
		         in_len, w->cfg->max_message);
		goto reply;
	}
	env = tandem__v1__request_envelope__unpack(
	    rpc_arena_allocator(w->arena), in_len, in);
	if (env == NULL && fast) {
		goto defer;
	}
	if (env == NULL && rpc_arena_exhausted(w->arena)) {
		rpc_fail(&call, TD_CODE_RESOURCE_EXHAUSTED,
		         "request of %zu bytes needs more than %zu bytes of "
		         "memory to decode",
		         in_len, RPC_DECODE_GROWTH * w->cfg->max_message);
		goto reply;
	}
	if (env == NULL) {
		rpc_fail(&call, TD_CODE_INVALID_ARGUMENT,
		         "malformed request: %zu bytes are not a "
		         "tandem.v1.RequestEnvelope",
		         in_len);
		goto reply;
	}
	call.method     = env->method;
	call.request_id = env->request_id;
	call.token      = env->token;
	midx            = method_index(env->method);
	if (!fast) {
		metrics_rpc_started(midx);
		started = true;
	}
	if (rpc_validate(&call, &env->base) > 0) {
		if (fast) {
			goto defer;
		}
		call.method     = "";
		call.request_id = ""; /* not valid enough to echo */
		rpc_fail(
		    &call, TD_CODE_INVALID_ARGUMENT,
		    "malformed request envelope: %s",
		    ((Tandem__V1__ErrorDetail *) call.details[0])->message);
		goto reply;
	}
	if (env->method[0] == '\0') {
		rpc_fail(&call, TD_CODE_INVALID_ARGUMENT,
		         "request envelope names no method");
		goto reply;
	}
	if (!protocol_matches(&call, env)) {
		goto reply;
	}
	if (env->deadline_ms < 0) {
		rpc_fail(&call, TD_CODE_DEADLINE_EXCEEDED,
		         "deadline had already passed when the request "
		         "arrived");
		goto reply;
	}
	if (env->deadline_ms > 0) {
		/* A deadline past what int64 microseconds hold is none. */
		call.deadline_us
		    = env->deadline_ms > (INT64_MAX - start) / 1000
		    ? 0
		    : start + env->deadline_ms * 1000;
	}
	uint64_t heard = fast ? 0 : store_version_heard();
	run_call(&call, env, &resp);
	if (fast) {
		/* Only an OK answered from memory leaves on nng's thread,
		 * and only with its audit row queued. */
		if (call.code != TD_CODE_OK
		    || audit(&call, start, w->peer) != TD_OK) {
			goto defer;
		}
		metrics_rpc_started(midx);
		started = true;
		goto reply;
	}
	store_end_request(call.store);
	if (call.code == TD_CODE_OK) {
		/* A write is seen by this process's caches as soon as its
		 * reply leaves; and the reply waits (briefly) for the
		 * database's notification of it to come back, so other
		 * instances have been told before the caller hears "done". */
		const rpc_method *m = rpc_find(call.method);
		if (m != NULL && m->reads == RPC_WRITES) {
			store_data_changed();
			(void) store_version_hear(heard, RPC_WRITE_HEARD_MS);
		}
	}
	(void) audit(&call, start, w->peer);
	metrics_db_state(w->worker, store_connected(call.store));

reply:
	if (fast && call.code != TD_CODE_OK) {
		goto defer;
	}
	rv = pack_reply(&call, resp, out, out_len);
	log_line(&call, start, in_len, rv == TD_OK ? *out_len : 0);
	if (!started) {
		metrics_rpc_started(midx);
	}
	metrics_rpc_handled(midx, call.code, rpc_now_us() - start, in_len,
	                    rv == TD_OK ? *out_len : 0);
defer:
	if (env != NULL) {
		tandem__v1__request_envelope__free_unpacked(
		    env, rpc_arena_allocator(w->arena));
	}
	return rv;
}

int
rpc_handle(rpc_worker_ctx *w, const void *in, size_t in_len, void **out,
           size_t *out_len)
{
	return handle(w, in, in_len, out, out_len, false);
}

int
rpc_fast(rpc_worker_ctx *w, const void *in, size_t in_len, void **out,
         size_t *out_len)
{
	return handle(w, in, in_len, out, out_len, true);
}

int
rpc_publish(rpc_call *call, const char *topic, const ProtobufCMessage *m)
{
	if (call->publish == NULL) {
		return TD_EINVAL;
	}
	size_t   tl  = strlen(topic) + 1; /* the NUL ends the topic */
	size_t   len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = rpc_arena_alloc(call->arena, tl + len);
	if (buf == NULL) {
		return TD_ENOMEM;
	}
	memcpy(buf, topic, tl);
	protobuf_c_message_pack(m, buf + tl);
	return call->publish(call->publish_arg, buf, tl + len);
}
