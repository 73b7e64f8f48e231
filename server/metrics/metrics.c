/* SPDX-License-Identifier: MIT
 * The metrics' state and its text exposition. Every counter is a relaxed
 * atomic: workers bump them on their own path, the HTTP callback reads
 * them, and nobody waits. Histograms keep per-bucket counts (not
 * cumulative) and are summed up when rendered.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "tandem/wire.h"

/* go-grpc-prometheus's default buckets (prometheus.DefBuckets), in µs. */
static const int64_t dur_bounds_us[]
    = { 5000,   10000,   25000,   50000,   100000,  250000,
	500000, 1000000, 2500000, 5000000, 10000000 };
#define N_DUR (sizeof(dur_bounds_us) / sizeof(dur_bounds_us[0]))
/* Message sizes: powers of 4 from 64 bytes to 64 MiB (the transport's
 * cap is 4 × the 16 MiB default message limit). */
static const uint64_t size_bounds[]
    = { 64,     256,     1024,    4096,     16384,   65536,
	262144, 1048576, 4194304, 16777216, 67108864 };
#define N_SIZE (sizeof(size_bounds) / sizeof(size_bounds[0]))

/* Workers are capped at 256 by tandemd's option parser. */
#define MAX_WORKERS 256

typedef _Atomic uint64_t counter;

typedef struct method_stats {
	char   *service; /* "tandem.v1.Health" */
	char   *method; /* "Check" */
	char   *kind; /* ingest kind ("outcomes") or NULL */
	counter started;
	counter handled[TD_CODE_COUNT];
	counter dur[N_DUR + 1]; /* the last is +Inf only */
	counter dur_sum_us;
	counter req[N_SIZE + 1];
	counter req_sum;
	counter rep[N_SIZE + 1];
	counter rep_sum;
	counter ingested;
} method_stats;

static struct {
	method_stats *m; /* n + 1: the last is "unknown" */
	size_t        n;
	char          version[64];
	int           protocol;
	_Atomic int   db[MAX_WORKERS]; /* -1 unknown, 0 down, 1 up */
	counter       suppressed;
	counter       events;
} M;

static void
add(counter *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static uint64_t
get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* snake turns "SurveyResponses" into "survey_responses". */
static char *
snake(const char *camel)
{
	char  *out = malloc(2 * strlen(camel) + 1);
	size_t k   = 0;
	if (out == NULL) {
		return NULL;
	}
	for (const char *p = camel; *p; p++) {
		if (*p >= 'A' && *p <= 'Z') {
			if (k > 0) {
				out[k++] = '_';
			}
			out[k++] = (char) (*p - 'A' + 'a');
		} else {
			out[k++] = *p;
		}
	}
	out[k] = '\0';
	return out;
}

int
metrics_init(size_t n, const char *const *paths, const char *version,
             int protocol)
{
	M.m = calloc(n + 1, sizeof(*M.m));
	if (M.m == NULL) {
		return TD_ENOMEM;
	}
	M.n = n;
	snprintf(M.version, sizeof(M.version), "%s", version);
	M.protocol = protocol;
	for (int w = 0; w < MAX_WORKERS; w++) {
		atomic_store(&M.db[w], -1);
	}
	for (size_t i = 0; i <= n; i++) {
		method_stats *s = &M.m[i];
		if (i == n) {
			s->service = strdup("unknown");
			s->method  = strdup("unknown");
		} else {
			/* "/tandem.v1.Ingest/SubmitOutcomes" */
			const char *p     = paths[i] + (paths[i][0] == '/');
			const char *slash = strchr(p, '/');
			s->service = slash ? strndup(p, (size_t) (slash - p))
			                   : strdup(p);
			s->method  = strdup(slash ? slash + 1 : "");
			if (s->service != NULL
			    && strcmp(s->service, "tandem.v1.Ingest") == 0
			    && s->method != NULL
			    && strncmp(s->method, "Submit", 6) == 0) {
				s->kind = snake(s->method + 6);
			}
		}
		if (s->service == NULL || s->method == NULL) {
			metrics_shutdown();
			return TD_ENOMEM;
		}
	}
	return TD_OK;
}

void
metrics_shutdown(void)
{
	for (size_t i = 0; M.m != NULL && i <= M.n; i++) {
		free(M.m[i].service);
		free(M.m[i].method);
		free(M.m[i].kind);
	}
	free(M.m);
	M.m = NULL;
	M.n = 0;
}

static method_stats *
slot(int i)
{
	if (M.m == NULL) {
		return NULL;
	}
	return &M.m[i >= 0 && (size_t) i < M.n ? (size_t) i : M.n];
}

void
metrics_rpc_started(int i)
{
	method_stats *s = slot(i);
	if (s != NULL) {
		add(&s->started, 1);
	}
}

static size_t
bucket_of(uint64_t v, const uint64_t *bounds, size_t n)
{
	size_t b = 0;
	while (b < n && v > bounds[b]) {
		b++;
	}
	return b;
}

void
metrics_rpc_handled(int i, int code, int64_t duration_us, size_t request_bytes,
                    size_t reply_bytes)
{
	method_stats *s = slot(i);
	if (s == NULL) {
		return;
	}
	if (code < 0 || code >= TD_CODE_COUNT) {
		code = TD_CODE_UNKNOWN;
	}
	if (duration_us < 0) {
		duration_us = 0;
	}
	add(&s->handled[code], 1);
	size_t b = 0;
	while (b < N_DUR && duration_us > dur_bounds_us[b]) {
		b++;
	}
	add(&s->dur[b], 1);
	add(&s->dur_sum_us, (uint64_t) duration_us);
	add(&s->req[bucket_of(request_bytes, size_bounds, N_SIZE)], 1);
	add(&s->req_sum, request_bytes);
	add(&s->rep[bucket_of(reply_bytes, size_bounds, N_SIZE)], 1);
	add(&s->rep_sum, reply_bytes);
}

void
metrics_records_ingested(const char *method_path, uint64_t n)
{
	const char *p = method_path + (method_path[0] == '/');
	for (size_t i = 0; M.m != NULL && i < M.n; i++) {
		method_stats *s  = &M.m[i];
		size_t        ls = strlen(s->service);
		if (s->kind != NULL && strncmp(p, s->service, ls) == 0
		    && p[ls] == '/' && strcmp(p + ls + 1, s->method) == 0) {
			add(&s->ingested, n);
			return;
		}
	}
}

void
metrics_db_state(int worker, int up)
{
	if (worker >= 0 && worker < MAX_WORKERS) {
		atomic_store_explicit(&M.db[worker], up ? 1 : 0,
		                      memory_order_relaxed);
	}
}

static void
db_counts(int *up, int *down)
{
	*up = *down = 0;
	for (int w = 0; w < MAX_WORKERS; w++) {
		int v = atomic_load_explicit(&M.db[w], memory_order_relaxed);
		*up += v == 1;
		*down += v == 0;
	}
}

int
metrics_db_up(void)
{
	int up, down;
	db_counts(&up, &down);
	return up > 0;
}

void
metrics_suppressed_cells_add(uint64_t n)
{
	add(&M.suppressed, n);
}

void
metrics_events_published_add(uint64_t n)
{
	add(&M.events, n);
}

/* ---- rendering ---- */

typedef struct buf {
	char  *p;
	size_t len, cap;
	int    oom;
} buf;

static void bprintf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bprintf(buf *b, const char *fmt, ...)
{
	for (;;) {
		if (b->oom) {
			return;
		}
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (k >= 0 && (size_t) k < b->cap - b->len) {
			b->len += (size_t) k;
			return;
		}
		size_t cap = b->cap * 2 + (k > 0 ? (size_t) k : 0);
		char  *p   = realloc(b->p, cap);
		if (p == NULL) {
			b->oom = 1;
			return;
		}
		b->p   = p;
		b->cap = cap;
	}
}

static void
header(buf *b, const char *name, const char *type, const char *help)
{
	bprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define LABELS "grpc_type=\"unary\",grpc_service=\"%s\",grpc_method=\"%s\""

static uint64_t
histogram_count(counter *buckets, size_t n)
{
	uint64_t c = 0;
	for (size_t k = 0; k <= n; k++) {
		c += get(&buckets[k]);
	}
	return c;
}

/* size_histogram renders one size histogram for every method used. */
static void
size_histogram(buf *b, const char *name, const char *help, int reply)
{
	header(b, name, "histogram", help);
	for (size_t i = 0; i <= M.n; i++) {
		method_stats *s  = &M.m[i];
		counter      *bk = reply ? s->rep : s->req;
		if (histogram_count(bk, N_SIZE) == 0) {
			continue;
		}
		uint64_t cum = 0;
		for (size_t k = 0; k <= N_SIZE; k++) {
			cum += get(&bk[k]);
			if (k < N_SIZE) {
				bprintf(b,
				        "%s_bucket{" LABELS
				        ",le=\"%llu\"} %llu\n",
				        name, s->service, s->method,
				        (unsigned long long) size_bounds[k],
				        (unsigned long long) cum);
			} else {
				bprintf(b,
				        "%s_bucket{" LABELS
				        ",le=\"+Inf\"} %llu\n",
				        name, s->service, s->method,
				        (unsigned long long) cum);
			}
		}
		bprintf(b, "%s_sum{" LABELS "} %llu\n", name, s->service,
		        s->method,
		        (unsigned long long) get(reply ? &s->rep_sum
		                                       : &s->req_sum));
		bprintf(b, "%s_count{" LABELS "} %llu\n", name, s->service,
		        s->method, (unsigned long long) cum);
	}
}

static uint64_t
started(method_stats *s)
{
	return get(&s->started);
}

static uint64_t
received(method_stats *s)
{
	return histogram_count(s->req, N_SIZE);
}

static uint64_t
sent(method_stats *s)
{
	return histogram_count(s->rep, N_SIZE);
}

/* method_counter renders one counter with a value for every method. */
static void
method_counter(buf *b, const char *name, const char *help,
               uint64_t (*value)(method_stats *))
{
	header(b, name, "counter", help);
	for (size_t i = 0; i <= M.n; i++) {
		bprintf(b, "%s{" LABELS "} %llu\n", name, M.m[i].service,
		        M.m[i].method, (unsigned long long) value(&M.m[i]));
	}
}

static void
render_rpc(buf *b)
{
	method_counter(b, "grpc_server_started_total",
	               "Total number of RPCs started on the server.", started);
	header(b, "grpc_server_handled_total", "counter",
	       "Total number of RPCs completed on the server, regardless "
	       "of success or failure.");
	for (size_t i = 0; i <= M.n; i++) {
		for (int c = 0; c < TD_CODE_COUNT; c++) {
			uint64_t v = get(&M.m[i].handled[c]);
			if (v == 0 && c != TD_CODE_OK) {
				continue;
			}
			bprintf(b,
			        "grpc_server_handled_total{" LABELS
			        ",grpc_code=\"%s\"} %llu\n",
			        M.m[i].service, M.m[i].method, td_code_name(c),
			        (unsigned long long) v);
		}
	}
	method_counter(b, "grpc_server_msg_received_total",
	               "Total number of RPC messages received on the server.",
	               received);
	method_counter(b, "grpc_server_msg_sent_total",
	               "Total number of RPC messages sent by the server.",
	               sent);
	header(b, "grpc_server_handling_seconds", "histogram",
	       "Histogram of response latency (seconds) of gRPC that had "
	       "been application-level handled by the server.");
	for (size_t i = 0; i <= M.n; i++) {
		method_stats *s = &M.m[i];
		if (histogram_count(s->dur, N_DUR) == 0) {
			continue;
		}
		uint64_t cum = 0;
		for (size_t k = 0; k <= N_DUR; k++) {
			cum += get(&s->dur[k]);
			if (k < N_DUR) {
				bprintf(b,
				        "grpc_server_handling_seconds_"
				        "bucket{" LABELS ",le=\"%g\"} %llu\n",
				        s->service, s->method,
				        (double) dur_bounds_us[k] / 1e6,
				        (unsigned long long) cum);
			} else {
				bprintf(b,
				        "grpc_server_handling_seconds_"
				        "bucket{" LABELS
				        ",le=\"+Inf\"} %llu\n",
				        s->service, s->method,
				        (unsigned long long) cum);
			}
		}
		bprintf(
		    b, "grpc_server_handling_seconds_sum{" LABELS "} %.6f\n",
		    s->service, s->method, (double) get(&s->dur_sum_us) / 1e6);
		bprintf(
		    b, "grpc_server_handling_seconds_count{" LABELS "} %llu\n",
		    s->service, s->method, (unsigned long long) cum);
	}
	size_histogram(b, "grpc_server_request_size_bytes",
	               "Histogram of request sizes (bytes, whole envelope).",
	               0);
	size_histogram(b, "grpc_server_response_size_bytes",
	               "Histogram of reply sizes (bytes, whole envelope).", 1);
}

char *
metrics_render(size_t *len)
{
	buf b = { malloc(16384), 0, 16384, 0 };
	if (b.p == NULL || M.m == NULL) {
		free(b.p);
		return NULL;
	}
	header(&b, "tandem_build_info", "gauge",
	       "Version and wire protocol of this tandemd; always 1.");
	bprintf(&b, "tandem_build_info{version=\"%s\",protocol=\"%d\"} 1\n",
	        M.version, M.protocol);
	render_rpc(&b);
	header(&b, "tandem_records_ingested_total", "counter",
	       "Records stored by Ingest methods, by kind (replays and dry "
	       "runs store none).");
	for (size_t i = 0; i < M.n; i++) {
		if (M.m[i].kind != NULL) {
			bprintf(&b,
			        "tandem_records_ingested_total{kind=\"%s\"} "
			        "%llu\n",
			        M.m[i].kind,
			        (unsigned long long) get(&M.m[i].ingested));
		}
	}
	int up, down;
	db_counts(&up, &down);
	header(&b, "tandem_database_up", "gauge",
	       "1 when at least one worker's database connection answered "
	       "at its last use.");
	bprintf(&b, "tandem_database_up %d\n", up > 0);
	header(&b, "tandem_database_connections", "gauge",
	       "Workers' database connections by state at their last use.");
	bprintf(&b, "tandem_database_connections{state=\"up\"} %d\n", up);
	bprintf(&b, "tandem_database_connections{state=\"down\"} %d\n", down);
	header(&b, "tandem_suppressed_cells_total", "counter",
	       "Cells suppressed by disclosure control in answers served.");
	bprintf(&b, "tandem_suppressed_cells_total %llu\n",
	        (unsigned long long) get(&M.suppressed));
	header(&b, "tandem_events_published_total", "counter",
	       "Events published on the events socket.");
	bprintf(&b, "tandem_events_published_total %llu\n",
	        (unsigned long long) get(&M.events));
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}
