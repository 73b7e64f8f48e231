/* SPDX-License-Identifier: MIT
 * transport_http: GET /metrics (Prometheus text format) and GET /healthz on
 * nng 1.5.2's own HTTP server. The callbacks run on nng's threads: they only
 * read atomics and format text, never touch the database or block.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "metrics/metrics.h"
#include "transport.h"
#include "tandem/errors.h"

static nng_http_server *server;

static void
reply(nng_aio *aio, uint16_t status, const char *type, const char *body,
      size_t len)
{
	nng_http_res *res;
	int           rv = nng_http_res_alloc(&res);
	if (rv != 0) {
		nng_aio_finish(aio, rv);
		return;
	}
	if ((rv = nng_http_res_set_status(res, status)) != 0
	    || (rv = nng_http_res_set_header(res, "Content-Type", type)) != 0
	    || (rv = nng_http_res_copy_data(res, body, len)) != 0) {
		nng_http_res_free(res);
		nng_aio_finish(aio, rv);
		return;
	}
	nng_aio_set_output(aio, 0, res);
	nng_aio_finish(aio, 0);
}

static void
on_metrics(nng_aio *aio)
{
	size_t len;
	char  *text = metrics_render(&len);
	if (text == NULL) {
		static const char oom[] = "out of memory\n";
		reply(aio, NNG_HTTP_STATUS_INTERNAL_SERVER_ERROR,
		      "text/plain; charset=utf-8", oom, sizeof(oom) - 1);
		return;
	}
	reply(aio, NNG_HTTP_STATUS_OK,
	      "text/plain; version=0.0.4; charset=utf-8", text, len);
	free(text);
}

/* /healthz answers from what the workers last saw of the database, so a
 * load balancer's probe costs no query. */
static void
on_healthz(nng_aio *aio)
{
	static const char ok[]   = "ok\n";
	static const char down[] = "database unavailable\n";
	if (metrics_db_up()) {
		reply(aio, NNG_HTTP_STATUS_OK, "text/plain; charset=utf-8", ok,
		      sizeof(ok) - 1);
	} else {
		reply(aio, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE,
		      "text/plain; charset=utf-8", down, sizeof(down) - 1);
	}
}

static int
add_handler(const char *path, void (*cb)(nng_aio *))
{
	nng_http_handler *h;
	int               rv = nng_http_handler_alloc(&h, path, cb);
	if (rv != 0) {
		return rv;
	}
	if ((rv = nng_http_server_add_handler(server, h)) != 0) {
		nng_http_handler_free(h);
	}
	return rv;
}

int
transport_http_start(const char *url, char *errmsg)
{
	nng_url *u;
	int      rv = nng_url_parse(&u, url);
	if (rv != 0 || strcmp(u->u_scheme, "http") != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX,
		         "--metrics-listen %s: want http://HOST:PORT (%s)",
		         url, rv != 0 ? nng_strerror(rv) : "not http");
		if (rv == 0) {
			nng_url_free(u);
		}
		return TD_EINVAL;
	}
	rv = nng_http_server_hold(&server, u);
	nng_url_free(u);
	if (rv == 0 && (rv = add_handler("/metrics", on_metrics)) == 0
	    && (rv = add_handler("/healthz", on_healthz)) == 0) {
		rv = nng_http_server_start(server);
	}
	if (rv != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX,
		         "cannot serve metrics on %s: %s", url,
		         nng_strerror(rv));
		if (server != NULL) {
			nng_http_server_release(server);
			server = NULL;
		}
		return TD_EINVAL;
	}
	return TD_OK;
}

void
transport_http_stop(void)
{
	if (server != NULL) {
		nng_http_server_stop(server);
		nng_http_server_release(server);
		server = NULL;
	}
}
