/* SPDX-License-Identifier: MIT
 * The RPC layer: one call's context, the handler signature every service
 * method has, and rpc_handle, which turns request bytes into reply bytes
 * (envelope, limits, deadline, dispatch, status, log line).
 */
#ifndef TD_RPC_H
#define TD_RPC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "arena.h"
#include "tandem/wire.h"

struct store;
struct td_config;

/* rpc_publisher hands one event message (topic, NUL, packed Event) to the
 * transport's pub0 socket. It must not block: a slow subscriber loses
 * events, never delays a worker. Returns 0 or an error (event dropped). */
typedef int (*rpc_publisher)(void *arg, const void *buf, size_t len);

/* The caller as authenticated from the envelope's token. */
typedef struct rpc_principal {
	char    client_id[40]; /* "" when unauthenticated */
	char    name[128];
	int     role; /* RPC_ROLE_* */
	int64_t school_id;
	int64_t district_id;
	char    school[72];
	char    district[72];
} rpc_principal;

enum {
	RPC_ROLE_NONE      = 0,
	RPC_ROLE_SCHOOL    = 1 << 0,
	RPC_ROLE_DISTRICT  = 1 << 1,
	RPC_ROLE_COUNCIL   = 1 << 2,
	RPC_ROLE_EVALUATOR = 1 << 3,
	RPC_ROLE_ADMIN     = 1 << 4,
};

/* One call in flight on one worker. Everything allocated for the reply
 * comes from arena and dies with the call. */
typedef struct rpc_call {
	const char             *method;
	const char             *request_id;
	const char             *token;
	const uint8_t          *payload; /* the request bytes as sent */
	size_t                  payload_len;
	int64_t                 deadline_us; /* monotonic; 0 = none */
	struct store           *store; /* the worker's own connection */
	rpc_arena              *arena;
	const struct td_config *cfg;
	rpc_principal           who;
	int                     worker;
	rpc_publisher           publish; /* NULL = no --events-listen */
	void                   *publish_arg;
	/* outcome */
	int                code;
	char               message[512];
	ProtobufCMessage **details; /* Tandem__V1__ErrorDetail * */
	size_t             n_details;
	size_t             cap_details;
	int                details_omitted;
	int64_t            records; /* for the log and the audit */
	char audit_note[512]; /* the audit row's detail on success */
	/* the answer cache (answers.h): the key, the version it was read
	 * under, and the packed reply when it came from the cache */
	const uint8_t *cache_key;
	size_t         cache_key_len;
	uint64_t       cache_version;
	uint8_t       *cached_reply;
	size_t         cached_reply_len;
	/* On nng's thread (rpc_fast): no store; whatever needs one defers. */
	bool fast;
} rpc_call;

/* A status no client sees: the fast path (rpc_fast) cannot answer the
 * call from memory and hands it to a worker. */
#define RPC_DEFER 1000

/* A service method. Returns a TD_CODE_*; on OK sets *resp to a reply
 * allocated from call->arena; otherwise sets the call's message (rpc_fail). */
typedef int (*rpc_handler)(rpc_call *call, const ProtobufCMessage *req,
                           ProtobufCMessage **resp);

typedef struct rpc_method {
	const char                       *path; /* "/tandem.v1.Health/Check" */
	const ProtobufCMethodDescriptor  *desc;
	const ProtobufCServiceDescriptor *service;
	rpc_handler                       handler; /* NULL = UNIMPLEMENTED */
	int                               roles; /* RPC_ROLE_* allowed */
	bool                              open; /* no token needed */
	int                               reads; /* RPC_WRITES, ... */
	rpc_handler fast; /* answers from memory or RPC_DEFER; NULL = none */
} rpc_method;

/* What a method does with the data: writes (the default: a successful call
 * moves this process's data version, so its own caches never serve what
 * it has just changed, whatever the database's notification does), reads
 * with answers cached per data version (answers.h), or reads uncached. */
enum { RPC_WRITES = 0, RPC_READ_CACHED = 1, RPC_READ = 2 };

/* rpc_fail sets the call's status and returns code, for
 * `return rpc_fail(call, TD_CODE_X, "…", …);`. */
int rpc_fail(rpc_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rpc_detail adds one per-record problem (index -1 = the request). Past
 * TD_MAX_DETAILS they are only counted. */
void rpc_detail(rpc_call *call, int64_t index, const char *field,
                const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* rpc_defer marks a call of the fast path as the workers' (RPC_DEFER). */
int rpc_defer(rpc_call *call);
/* rpc_data_version reads the data version before the call reads anything
 * derived from the data (store_data_version); on the fast path false
 * when it may not be current (the call then defers). */
bool rpc_data_version(rpc_call *call, uint64_t *v)
    __attribute__((warn_unused_result));
/* rpc_fail_err maps a td_err and a message from a lower layer. */
int rpc_fail_err(rpc_call *call, int err, const char *msg);
/* rpc_remaining_ms: milliseconds left before the deadline (INT64_MAX if
 * none; <= 0 when passed). */
int64_t rpc_remaining_ms(const rpc_call *call);
int64_t rpc_now_us(void);

/* A handler bound to a method path by the layer above (services). */
typedef struct rpc_binding {
	const char *path;
	rpc_handler handler;
	int         roles; /* RPC_ROLE_* allowed */
	bool        open; /* callable without a token */
	int reads; /* RPC_WRITES (default), RPC_READ_CACHED, RPC_READ */
} rpc_binding;

/* The method table, built once from the protobuf-c service descriptors. */
const rpc_method *rpc_methods(size_t *count);
const rpc_method *rpc_find(const char *path);
/* rpc_methods_init builds the table and binds the n handlers of b (static
 * storage, e.g. services_bindings); call once at start. The RPC layer
 * thus never names the services above it. */
int rpc_methods_init(const rpc_binding *b, size_t nb)
    __attribute__((warn_unused_result));
/* rpc_methods_bind_fast gives the method at path (bound already) a fast
 * handler: the same answer as its handler from what the process knows,
 * without the store (call->store is NULL), or RPC_DEFER when it needs
 * one. It runs on nng's threads (rpc_fast): no blocking, no libpq. */
int rpc_methods_bind_fast(const char *path, rpc_handler fast)
    __attribute__((warn_unused_result));

/* rpc_handle processes one request message. in/in_len are the bytes
 * received; *out (malloc'd, owned by the caller) gets the packed
 * ResponseEnvelope. Never fails to produce a reply unless out of memory. */
typedef struct rpc_worker_ctx {
	int                     worker;
	struct store           *store;
	rpc_arena              *arena;
	const struct td_config *cfg;
	char peer[64]; /* the request's remote address ("" = unknown), set
	                * by the transport before rpc_handle */
	rpc_publisher publish; /* NULL = events off */
	void         *publish_arg;
} rpc_worker_ctx;

/* rpc_audit_budget: may a denied call from peer have its own audit row
 * now? false when the peer's budget for this second is spent (the call is
 * counted); *skipped gets the count from the peer's previous second, to be
 * written as one summary row. */
bool rpc_audit_budget(const char *peer, int64_t now_us, long *skipped);

int rpc_handle(rpc_worker_ctx *w, const void *in, size_t in_len, void **out,
               size_t *out_len) __attribute__((warn_unused_result));
/* rpc_fast is rpc_handle for nng's callback threads (w->store is NULL):
 * it answers, with the same reply, log line, metrics and audit row, the
 * calls that need no database (Health from known state, an Analysis
 * answer cached under the current data version for a token known under
 * it) and returns RPC_DEFER, with nothing done, for every other call,
 * which rpc_handle on a worker then takes from the start. It never
 * blocks: short locks on in-memory state only. */
int rpc_fast(rpc_worker_ctx *w, const void *in, size_t in_len, void **out,
             size_t *out_len) __attribute__((warn_unused_result));

/* rpc_publish sends event m under topic on the worker's publisher, if
 * any; call only after the data it describes is committed. The packed
 * bytes come from the call's arena. Returns 0, or nonzero when the event
 * was dropped (no publisher, out of memory, socket refused). */
int rpc_publish(rpc_call *call, const char *topic, const ProtobufCMessage *m);

/* rpc_validate walks an unpacked message: every string must be valid UTF-8,
 * within its length limit and free of NUL bytes; repeated fields of the top
 * level are the records. Problems are added as details; returns the count. */
size_t rpc_validate(rpc_call *call, const ProtobufCMessage *m);

#endif /* TD_RPC_H */
