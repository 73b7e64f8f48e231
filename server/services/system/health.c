/* SPDX-License-Identifier: MIT
 * Health/Check with grpc.health.v1 semantics: SERVING only when the database
 * answers and holds the Tandem schema. As gRPC servers do, it answers from
 * the state the server already knows (store_health): a background probe
 * asks the database every HEALTH_PROBE_MS and hears at once when the
 * server closes its connection, and every call that meets a failed
 * connection records it. Only when that state is stale does a check ask
 * the database itself.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "services.h"
#include "store/store.h"
#include "tandem/v1/health.pb-c.h"

/* How often the probe asks; a state older than HEALTH_FRESH_US (three
 * probes missed) is not trusted. */
#define HEALTH_PROBE_MS 1000
#define HEALTH_FRESH_US (3 * HEALTH_PROBE_MS * 1000)
/* While the database is down the probe retries this often. */
#define HEALTH_RETRY_MS 200

static pthread_t   probe_thread;
static int         probe_wake[2] = { -1, -1 };
static atomic_bool probe_stop;
static bool        probe_running;

static void *
probe(void *arg)
{
	const td_config *cfg = arg;
	store           *s   = NULL;
	if (store_open(&s, cfg->db, -1) != TD_OK) {
		return NULL;
	}
	while (!atomic_load(&probe_stop)) {
		int version = 0;
		int rv      = store_ping(s, &version);
		if (rv == TD_OK) {
			rv = store_watch(s, HEALTH_PROBE_MS, probe_wake[0]);
		}
		if (rv != TD_OK && !atomic_load(&probe_stop)) {
			usleep(HEALTH_RETRY_MS * 1000);
		}
	}
	store_close(s);
	return NULL;
}

int
health_probe_start(const td_config *cfg)
{
	atomic_store(&probe_stop, false);
	if (pipe(probe_wake) != 0) {
		return TD_EINTERNAL;
	}
	if (pthread_create(&probe_thread, NULL, probe, (void *) cfg) != 0) {
		close(probe_wake[0]);
		close(probe_wake[1]);
		return TD_EINTERNAL;
	}
	probe_running = true;
	return TD_OK;
}

void
health_probe_stop(void)
{
	if (!probe_running) {
		return;
	}
	atomic_store(&probe_stop, true);
	if (write(probe_wake[1], "x", 1) < 0) {
		/* the probe still stops within HEALTH_PROBE_MS */
	}
	pthread_join(probe_thread, NULL);
	close(probe_wake[0]);
	close(probe_wake[1]);
	probe_running = false;
}

/* known answers from the known state; false when it is too old. */
static bool
known(Tandem__V1__HealthCheckResponse *out)
{
	store_health h;
	store_health_get(&h);
	if (h.ok_age_us < HEALTH_FRESH_US && h.ok_age_us < h.fail_age_us
	    && h.schema_version > 0) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
		out->schema_version = h.schema_version;
		return true;
	}
	/* A failure newer than the last answer, or nothing recent: ask (the
	 * database may be back already; reconnects are throttled). */
	return false;
}

/* check answers from the known state, or asks the database when it is too
 * old (with ask; without, RPC_DEFER: the fast path has no store). */
static int
check(rpc_call *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
      bool ask)
{
	const Tandem__V1__HealthCheckRequest *in
	    = (const Tandem__V1__HealthCheckRequest *) req;
	Tandem__V1__HealthCheckResponse *out
	    = RPC_NEW(call->arena, Tandem__V1__HealthCheckResponse,
	              tandem__v1__health_check_response__init);
	if (out == NULL) {
		return rpc_fail(call, TD_CODE_RESOURCE_EXHAUSTED,
		                "out of memory");
	}
	out->version          = (char *) call->cfg->version;
	out->protocol_version = TD_PROTOCOL_VERSION;
	if (in->service[0] != '\0'
	    && strncmp(in->service, "tandem.v1.", 10) != 0) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVICE_UNKNOWN;
		*resp = &out->base;
		return TD_CODE_OK;
	}
	if (known(out)) {
		out->detail = "";
		*resp       = &out->base;
		return TD_CODE_OK;
	}
	if (!ask) {
		return rpc_defer(call);
	}
	int version = 0;
	int rv      = store_begin_request(call->store, rpc_remaining_ms(call));
	if (rv == TD_OK) {
		rv = store_ping(call->store, &version);
	}
	if (rv == TD_ETIMEDOUT) {
		return rpc_fail_err(call, rv, store_errmsg(call->store));
	}
	out->schema_version = version;
	if (rv != TD_OK) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
		out->detail
		    = rpc_arena_strdup(call->arena, store_errmsg(call->store));
	} else if (version == 0) {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
		out->detail = "the database has no Tandem schema: run "
		              "tandemd --migrate";
	} else {
		out->status
		    = TANDEM__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
	}
	if (out->detail == NULL) {
		out->detail = "";
	}
	*resp = &out->base;
	return TD_CODE_OK;
}

int
health_check(rpc_call *call, const ProtobufCMessage *req,
             ProtobufCMessage **resp)
{
	return check(call, req, resp, true);
}

int
health_check_known(rpc_call *call, const ProtobufCMessage *req,
                   ProtobufCMessage **resp)
{
	return check(call, req, resp, false);
}
