/* SPDX-License-Identifier: MIT
 * libtandem: nng req0 client with one context per call (so one client may
 * be shared by threads), deadlines carried in the envelope, a grace period
 * on the client's own timer so the server's DEADLINE_EXCEEDED arrives
 * first, and a live-pipe count so "no server" is UNAVAILABLE, fast; a
 * dialer that nng 1.5.2 gave up is dialled again (revive).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <nng/supplemental/tls/tls.h>

#include "client_dial.h"
#include "tandem/nng_stat.h"
#include "tandem/tandem.h"

#ifndef TD_VERSION
#define TD_VERSION "0.0.0"
#endif
#define DEFAULT_TIMEOUT_MS 30000
#define GRACE_MS           500
/* How long a call waits for a first connection before UNAVAILABLE. */
#define CONNECT_WAIT_MS 1500
/* While a call waits for a connection, how often it looks for a dialer
 * that nng gave up (revive). */
#define REVIVE_EVERY_MS 100

/* A server's dialer and its URL (to dial it again). */
typedef struct dialed {
	nng_dialer d;
	char      *url;
} dialed;

struct td_client {
	nng_socket      sock;
	char           *token;
	int             timeout_ms;
	atomic_int      pipes;
	char            urls[512];
	pthread_mutex_t dial_mu; /* dialers, while one is dialled again */
	dialed         *dialers;
	size_t          n_dialers;
	td_client_opts  tls; /* tls_ca and tls_server_name, copied */
};

void
client_count_pipes(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	atomic_int *pipes = arg;
	(void) p;
	if (ev == NNG_PIPE_EV_ADD_POST) {
		atomic_fetch_add(pipes, 1);
	} else if (ev == NNG_PIPE_EV_REM_POST) {
		atomic_fetch_sub(pipes, 1);
	}
}

bool
client_dialer_gave_up(nng_stat *all, nng_dialer d)
{
	return td_nng_stat(all, "dialer", nng_dialer_id(d), "other") > 0;
}

int
client_dial(nng_socket sock, const char *url, const td_client_opts *o,
            bool wait, nng_dialer *out, char *errmsg)
{
	nng_dialer d;
	int        rv = nng_dialer_create(&d, sock, url);
	if (rv != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "bad server URL %s: %s", url,
		         nng_strerror(rv));
		return TD_EINVAL;
	}
	if (strncmp(url, "tls+", 4) == 0) {
		nng_tls_config *tls = NULL;
		if ((rv = nng_tls_config_alloc(&tls, NNG_TLS_MODE_CLIENT)) == 0
		    && o->tls_ca != NULL) {
			rv = nng_tls_config_ca_file(tls, o->tls_ca);
		}
		if (rv == 0) {
			rv = nng_tls_config_auth_mode(
			    tls, NNG_TLS_AUTH_MODE_REQUIRED);
		}
		if (rv == 0 && o->tls_server_name != NULL) {
			rv = nng_tls_config_server_name(tls,
			                                o->tls_server_name);
		}
		if (rv == 0) {
			rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, tls);
		}
		if (tls != NULL) {
			nng_tls_config_free(tls);
		}
		if (rv != 0) {
			snprintf(errmsg, TD_ERRMSG_MAX,
			         "TLS setup for %s failed (CA %s): %s", url,
			         o->tls_ca ? o->tls_ca : "none",
			         nng_strerror(rv));
			nng_dialer_close(d);
			return TD_EINVAL;
		}
	}
	nng_dialer_set_ms(d, NNG_OPT_RECONNMINT, 50);
	nng_dialer_set_ms(d, NNG_OPT_RECONNMAXT, 1000);
	/* Non-blocking: a server that is down now is redialled in the
	 * background, and calls wait briefly for it. */
	if ((rv = nng_dialer_start(d, wait ? 0 : NNG_FLAG_NONBLOCK)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot dial %s: %s", url,
		         nng_strerror(rv));
		return TD_EINVAL;
	}
	if (out != NULL) {
		*out = d;
	}
	return TD_OK;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

bool
client_copy_tls(td_client_opts *dst, const td_client_opts *o)
{
	dst->tls_ca          = dup_or_null(o ? o->tls_ca : NULL);
	dst->tls_server_name = dup_or_null(o ? o->tls_server_name : NULL);
	if ((o && o->tls_ca && dst->tls_ca == NULL)
	    || (o && o->tls_server_name && dst->tls_server_name == NULL)) {
		client_free_tls(dst);
		return false;
	}
	return true;
}

void
client_free_tls(td_client_opts *t)
{
	free((char *) t->tls_ca);
	free((char *) t->tls_server_name);
	t->tls_ca = t->tls_server_name = NULL;
}

int
td_client_create(td_client **out, const td_client_opts *o, char *errmsg)
{
	static const char *const def[] = { TD_DEFAULT_URL };
	const char *const       *urls  = o && o->urls ? o->urls : def;
	size_t                   n     = o && o->urls ? o->n_urls : 1;
	td_client               *c     = calloc(1, sizeof(*c));
	int                      rv;

	if (c == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		return TD_ENOMEM;
	}
	c->timeout_ms
	    = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (o && o->token) {
		c->token = strdup(o->token);
	}
	atomic_init(&c->pipes, 0);
	pthread_mutex_init(&c->dial_mu, NULL);
	c->dialers = calloc(n, sizeof(*c->dialers));
	bool oom   = !client_copy_tls(&c->tls, o) || c->dialers == NULL;
	if ((rv = nng_req0_open(&c->sock)) != 0 || oom) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot open socket: %s",
		         rv ? nng_strerror(rv) : "out of memory");
		if (rv == 0) {
			nng_close(c->sock);
		}
		free(c->dialers);
		client_free_tls(&c->tls);
		pthread_mutex_destroy(&c->dial_mu);
		free(c->token);
		free(c);
		return TD_EINTERNAL;
	}
	nng_socket_set_size(c->sock, NNG_OPT_RECVMAXSZ, TD_CLIENT_MAX_REPLY);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_ADD_POST, client_count_pipes,
	                &c->pipes);
	nng_pipe_notify(c->sock, NNG_PIPE_EV_REM_POST, client_count_pipes,
	                &c->pipes);
	for (size_t i = 0; i < n; i++) {
		size_t used = strlen(c->urls);
		snprintf(c->urls + used, sizeof(c->urls) - used, "%s%s",
		         i ? ", " : "", urls[i]);
		dialed *e = &c->dialers[c->n_dialers];
		if ((e->url = strdup(urls[i])) == NULL) {
			snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
			td_client_destroy(c);
			return TD_ENOMEM;
		}
		c->n_dialers++;
		if ((rv = client_dial(c->sock, urls[i], &c->tls, false, &e->d,
		                      errmsg))
		    != TD_OK) {
			td_client_destroy(c);
			return rv;
		}
	}
	*out = c;
	return TD_OK;
}

const char *
td_version(void)
{
	return TD_VERSION;
}

int
td_protocol_version(void)
{
	return TD_PROTOCOL_VERSION;
}

void
td_client_destroy(td_client *c)
{
	if (c == NULL) {
		return;
	}
	nng_close(c->sock);
	for (size_t i = 0; i < c->n_dialers; i++) {
		free(c->dialers[i].url);
	}
	free(c->dialers);
	client_free_tls(&c->tls);
	pthread_mutex_destroy(&c->dial_mu);
	free(c->token);
	free(c);
}

void
td_client_set_timeout(td_client *c, int timeout_ms)
{
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS;
}

void
td_status_reset(td_status *st)
{
	if (st == NULL) {
		return;
	}
	for (size_t i = 0; i < st->n_details; i++) {
		free(st->details[i].field);
		free(st->details[i].rule);
		free(st->details[i].message);
	}
	free(st->details);
	memset(st, 0, sizeof(*st));
}

static int set_status(td_status *st, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
set_status(td_status *st, int code, const char *fmt, ...)
{
	va_list ap;
	st->code = code;
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);
	va_end(ap);
	return code;
}

static void
new_request_id(char out[33])
{
	unsigned char b[16];
	if (getrandom(b, sizeof(b), 0) != (ssize_t) sizeof(b)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memcpy(b, &ts,
		       sizeof(b) < sizeof(ts) ? sizeof(b) : sizeof(ts));
	}
	for (int i = 0; i < 16; i++) {
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	}
}

/* revive dials again every server whose dialer nng has given up, while
 * no connection is up (see client_dialer_gave_up). */
static void
revive(td_client *c)
{
	nng_stat *all = NULL;
	pthread_mutex_lock(&c->dial_mu);
	if (atomic_load(&c->pipes) != 0 || nng_stats_get(&all) != 0) {
		pthread_mutex_unlock(&c->dial_mu);
		return;
	}
	for (size_t i = 0; i < c->n_dialers; i++) {
		dialed    *e = &c->dialers[i];
		char       err[TD_ERRMSG_MAX];
		nng_dialer d;
		if (!client_dialer_gave_up(all, e->d)) {
			continue;
		}
		nng_dialer_close(e->d);
		if (client_dial(c->sock, e->url, &c->tls, false, &d, err)
		    == TD_OK) {
			e->d = d;
		}
	}
	pthread_mutex_unlock(&c->dial_mu);
	nng_stats_free(all);
}

static int
wait_for_pipe(td_client *c)
{
	/* A local dial connects in well under a millisecond: poll finely
	 * at first, so a short-lived CLI does not sleep 10 ms per run. */
	for (int waited = 0; atomic_load(&c->pipes) == 0;) {
		int step = waited < 20 ? 1 : 10;
		if (waited >= CONNECT_WAIT_MS) {
			return 0;
		}
		if (waited >= 20 && waited % REVIVE_EVERY_MS == 0) {
			revive(c);
		}
		nng_msleep(step);
		waited += step;
	}
	return 1;
}

/* A call in flight: its own context (nng's req0 matches the reply to
 * it), so one client may have many. */
struct td_pending {
	td_client                        *c;
	nng_ctx                           ctx;
	nng_aio                          *aio;
	char                              request_id[40];
	const ProtobufCMessageDescriptor *resp_desc;
};

/* start sends msg on a context of its own and starts waiting for the
 * reply without blocking; the message is the library's on every path. */
static int
start(td_client *c, nng_msg *msg, td_pending **out, td_status *st)
{
	td_pending *p = calloc(1, sizeof(*p));
	int         rv;
	if (p == NULL) {
		nng_msg_free(msg);
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED,
		                  "out of memory");
	}
	p->c = c;
	if (!wait_for_pipe(c)) {
		nng_msg_free(msg);
		free(p);
		return set_status(st, TD_CODE_UNAVAILABLE,
		                  "no tandemd reachable at %s", c->urls);
	}
	if ((rv = nng_ctx_open(&p->ctx, c->sock)) != 0) {
		nng_msg_free(msg);
		free(p);
		return set_status(st, TD_CODE_INTERNAL, "nng: %s",
		                  nng_strerror(rv));
	}
	if ((rv = nng_aio_alloc(&p->aio, NULL, NULL)) != 0) {
		nng_msg_free(msg);
		nng_ctx_close(p->ctx);
		free(p);
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED, "nng: %s",
		                  nng_strerror(rv));
	}
	nng_aio_set_timeout(p->aio, c->timeout_ms + GRACE_MS);
	nng_aio_set_msg(p->aio, msg);
	nng_ctx_send(p->ctx, p->aio);
	nng_aio_wait(p->aio);
	if ((rv = nng_aio_result(p->aio)) != 0) {
		nng_msg_free(nng_aio_get_msg(p->aio));
		nng_aio_free(p->aio);
		nng_ctx_close(p->ctx);
		free(p);
		return rv == NNG_ETIMEDOUT
		    ? set_status(st,
		                 atomic_load(&c->pipes) == 0
		                     ? TD_CODE_UNAVAILABLE
		                     : TD_CODE_DEADLINE_EXCEEDED,
		                 "no reply from %s within %d ms", c->urls,
		                 c->timeout_ms)
		    : set_status(st, TD_CODE_UNAVAILABLE, "%s: %s", c->urls,
		                 nng_strerror(rv));
	}
	nng_ctx_recv(p->ctx, p->aio); /* the reply arrives meanwhile */
	*out = p;
	return TD_CODE_OK;
}

/* finish waits for p's reply and frees p on every path. */
static int
finish(td_pending *p, nng_msg **reply, td_status *st)
{
	td_client *c = p->c;
	nng_aio_wait(p->aio);
	int rv = nng_aio_result(p->aio);
	if (rv == 0) {
		*reply = nng_aio_get_msg(p->aio);
	}
	nng_aio_free(p->aio);
	nng_ctx_close(p->ctx);
	free(p);
	if (rv == 0) {
		return TD_CODE_OK;
	}
	if (rv == NNG_ETIMEDOUT) {
		return set_status(
		    st,
		    atomic_load(&c->pipes) == 0 ? TD_CODE_UNAVAILABLE
		                                : TD_CODE_DEADLINE_EXCEEDED,
		    "no reply from %s within %d ms", c->urls, c->timeout_ms);
	}
	return set_status(st, TD_CODE_UNAVAILABLE, "%s: %s", c->urls,
	                  nng_strerror(rv));
}

/* exchange sends msg and waits for the reply; the message is freed here
 * on every path. */
static int
exchange(td_client *c, nng_msg *msg, nng_msg **reply, td_status *st)
{
	td_pending *p  = NULL;
	int         rv = start(c, msg, &p, st);
	return rv != TD_CODE_OK ? rv : finish(p, reply, st);
}

int
td_call_bytes(td_client *c, const void *buf, size_t len, void **reply,
              size_t *reply_len, td_status *st)
{
	nng_msg *msg, *rep = NULL;
	int      rv;
	td_status_reset(st);
	if ((rv = nng_msg_alloc(&msg, 0)) != 0
	    || (rv = nng_msg_append(msg, buf, len)) != 0) {
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED, "nng: %s",
		                  nng_strerror(rv));
	}
	if ((rv = exchange(c, msg, &rep, st)) != TD_CODE_OK) {
		return rv;
	}
	*reply_len = nng_msg_len(rep);
	*reply     = malloc(*reply_len ? *reply_len : 1);
	if (*reply == NULL) {
		nng_msg_free(rep);
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED,
		                  "out of memory");
	}
	memcpy(*reply, nng_msg_body(rep), *reply_len);
	nng_msg_free(rep);
	return TD_CODE_OK;
}

static void
copy_details(td_status *st, const Tandem__V1__Status *s)
{
	st->details_omitted = s->details_omitted;
	if (s->n_details == 0) {
		return;
	}
	st->details = calloc(s->n_details, sizeof(*st->details));
	if (st->details == NULL) {
		st->details_omitted += (int) s->n_details;
		return;
	}
	for (size_t i = 0; i < s->n_details; i++) {
		const Tandem__V1__ErrorDetail *d = s->details[i];
		td_detail                     *o = &st->details[i];
		o->record_index                  = d->record_index;
		o->field                         = strdup(d->field);
		o->rule                          = strdup(d->rule);
		o->message                       = strdup(d->message);
	}
	st->n_details = s->n_details;
	st->details_omitted += s->details_omitted;
}

int
td_call_begin(td_client *c, const char *method, const ProtobufCMessage *req,
              const ProtobufCMessageDescriptor *resp_desc, td_pending **out,
              td_status *st)
{
	Tandem__V1__RequestEnvelope env = TANDEM__V1__REQUEST_ENVELOPE__INIT;
	char                        rid[33];
	nng_msg                    *msg = NULL;
	int                         rv;

	td_status_reset(st);
	*out = NULL;
	new_request_id(rid);
	snprintf(st->request_id, sizeof(st->request_id), "%s", rid);
	size_t plen = protobuf_c_message_get_packed_size(req);
	size_t cap  = TD_CLIENT_MAX_REQUEST;
	if (plen + TD_FRAME_HEADROOM > cap) {
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED,
		                  "request of %zu bytes exceeds the %zu-byte "
		                  "request limit; split the batch",
		                  plen, cap);
	}
	uint8_t *payload = malloc(plen ? plen : 1);
	if (payload == NULL) {
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED,
		                  "out of memory");
	}
	protobuf_c_message_pack(req, payload);
	env.method       = (char *) method;
	env.payload.data = payload;
	env.payload.len  = plen;
	env.token        = c->token ? c->token : "";
	env.request_id   = rid;
	env.deadline_ms  = c->timeout_ms;
	/* Our wire protocol, so a server of another can say so. */
	char                       proto[16];
	Tandem__V1__MetadataEntry  pe    = TANDEM__V1__METADATA_ENTRY__INIT;
	Tandem__V1__MetadataEntry *md[1] = { &pe };
	snprintf(proto, sizeof(proto), "%d", TD_PROTOCOL_VERSION);
	pe.key         = TD_PROTOCOL_KEY;
	pe.value       = proto;
	env.n_metadata = 1;
	env.metadata   = md;
	size_t n       = tandem__v1__request_envelope__get_packed_size(&env);
	if ((rv = nng_msg_alloc(&msg, n)) != 0) {
		free(payload);
		return set_status(st, TD_CODE_RESOURCE_EXHAUSTED, "nng: %s",
		                  nng_strerror(rv));
	}
	tandem__v1__request_envelope__pack(&env, nng_msg_body(msg));
	free(payload);
	if ((rv = start(c, msg, out, st)) != TD_CODE_OK) {
		return rv;
	}
	(*out)->resp_desc = resp_desc;
	snprintf((*out)->request_id, sizeof((*out)->request_id), "%s", rid);
	return TD_CODE_OK;
}

int
td_call_end(td_pending *p, ProtobufCMessage **resp, td_status *st)
{
	const ProtobufCMessageDescriptor *resp_desc = p->resp_desc;
	td_client                        *c         = p->c;
	nng_msg                          *rep       = NULL;
	int                               rv;

	td_status_reset(st);
	*resp = NULL;
	snprintf(st->request_id, sizeof(st->request_id), "%s", p->request_id);
	if ((rv = finish(p, &rep, st)) != TD_CODE_OK) {
		return rv;
	}
	Tandem__V1__ResponseEnvelope *renv
	    = tandem__v1__response_envelope__unpack(NULL, nng_msg_len(rep),
	                                            nng_msg_body(rep));
	nng_msg_free(rep);
	if (renv == NULL) {
		return set_status(st, TD_CODE_INTERNAL,
		                  "malformed reply from the server");
	}
	if (renv->protocol_version != 0
	    && renv->protocol_version != TD_PROTOCOL_VERSION) {
		rv = set_status(
		    st, TD_CODE_FAILED_PRECONDITION,
		    "incompatible protocol: the server at %s speaks "
		    "Tandem protocol %d, this client (libtandem %s) "
		    "speaks protocol %d; upgrade the older side",
		    c->urls, (int) renv->protocol_version, td_version(),
		    TD_PROTOCOL_VERSION);
	} else if (renv->status == NULL) {
		rv = set_status(st, TD_CODE_INTERNAL,
		                "reply from the server has no status");
	} else if (renv->status->code != TANDEM__V1__CODE__OK) {
		rv = set_status(st, (int) renv->status->code, "%s",
		                renv->status->message);
		copy_details(st, renv->status);
	} else {
		*resp = protobuf_c_message_unpack(
		    resp_desc, NULL, renv->payload.len, renv->payload.data);
		rv = *resp ? set_status(st, TD_CODE_OK, "%s", "")
		           : set_status(st, TD_CODE_INTERNAL,
		                        "reply payload is not a valid %s",
		                        resp_desc->name);
	}
	tandem__v1__response_envelope__free_unpacked(renv, NULL);
	return rv;
}

int
td_call(td_client *c, const char *method, const ProtobufCMessage *req,
        const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
        td_status *st)
{
	td_pending *p  = NULL;
	int         rv = td_call_begin(c, method, req, resp_desc, &p, st);
	if (rv != TD_CODE_OK) {
		*resp = NULL;
		return rv;
	}
	return td_call_end(p, resp, st);
}
