/* SPDX-License-Identifier: MIT
 * libtandem's events subscriber: an nng sub0 socket dialled to tandemd's
 * pub0 socket. A message is the topic, one NUL byte, then a packed Event.
 * While no connection is up, a dialer nng gave up is dialled again (see
 * client_dialer_gave_up), so a subscriber outlives tandemd's restarts.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/supplemental/util/platform.h>

#include "client_dial.h"
#include "tandem/tandem.h"

/* How often a subscriber waiting for an event looks at its dialer while
 * no connection is up. */
#define REVIVE_EVERY_MS 200

struct td_events {
	nng_socket     sock;
	nng_dialer     d;
	atomic_int     pipes;
	char          *url;
	td_client_opts tls; /* tls_ca and tls_server_name, copied */
};

int
td_events_open(td_events **out, const char *url, const char *topic,
               const td_client_opts *opts, char *errmsg)
{
	td_events *e = calloc(1, sizeof(*e));
	int        rv;
	if (e == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		return TD_ENOMEM;
	}
	atomic_init(&e->pipes, 0);
	if ((e->url = strdup(url)) == NULL
	    || !client_copy_tls(&e->tls, opts)) {
		snprintf(errmsg, TD_ERRMSG_MAX, "out of memory");
		free(e->url);
		free(e);
		return TD_ENOMEM;
	}
	if ((rv = nng_sub0_open(&e->sock)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot open socket: %s",
		         nng_strerror(rv));
		free(e->url);
		client_free_tls(&e->tls);
		free(e);
		return TD_EINTERNAL;
	}
	nng_pipe_notify(e->sock, NNG_PIPE_EV_ADD_POST, client_count_pipes,
	                &e->pipes);
	nng_pipe_notify(e->sock, NNG_PIPE_EV_REM_POST, client_count_pipes,
	                &e->pipes);
	topic = topic ? topic : "";
	rv    = nng_socket_set(e->sock, NNG_OPT_SUB_SUBSCRIBE, topic,
	                       strlen(topic));
	if (rv != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot subscribe to '%s': %s",
		         topic, nng_strerror(rv));
		td_events_close(e);
		return TD_EINVAL;
	}
	nng_socket_set_size(e->sock, NNG_OPT_RECVMAXSZ,
	                    TD_DEFAULT_MAX_MESSAGE);
	rv = client_dial(e->sock, url, &e->tls, true, &e->d, errmsg);
	if (rv != TD_OK) {
		td_events_close(e);
		return rv;
	}
	*out = e;
	return TD_OK;
}

/* revive dials the server again when no connection is up and nng has
 * given up the dialer. */
static void
revive(td_events *e)
{
	nng_stat  *all = NULL;
	nng_dialer d;
	char       err[TD_ERRMSG_MAX];
	if (atomic_load(&e->pipes) != 0 || nng_stats_get(&all) != 0) {
		return;
	}
	if (client_dialer_gave_up(all, e->d)) {
		nng_dialer_close(e->d);
		if (client_dial(e->sock, e->url, &e->tls, false, &d, err)
		    == TD_OK) {
			e->d = d;
		}
	}
	nng_stats_free(all);
}

int
td_events_recv(td_events *e, int timeout_ms, Tandem__V1__Event **ev,
               char *errmsg)
{
	nng_msg *m;
	nng_time until
	    = nng_clock() + (nng_time) (timeout_ms < 0 ? 0 : timeout_ms);
	int rv;
	/* Wait in slices, looking at the dialer between them. */
	for (;;) {
		nng_duration slice = REVIVE_EVERY_MS;
		if (timeout_ms >= 0) {
			nng_time now = nng_clock();
			if (now >= until) {
				return TD_ETIMEDOUT;
			}
			if (until - now < (nng_time) slice) {
				slice = (nng_duration) (until - now);
			}
		}
		nng_socket_set_ms(e->sock, NNG_OPT_RECVTIMEO, slice);
		rv = nng_recvmsg(e->sock, &m, 0);
		if (rv != NNG_ETIMEDOUT) {
			break;
		}
		revive(e);
	}
	if (rv != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot receive: %s",
		         nng_strerror(rv));
		return rv == NNG_ECLOSED ? TD_ECANCELED : TD_EIO;
	}
	const uint8_t *b   = nng_msg_body(m);
	size_t         len = nng_msg_len(m);
	const uint8_t *nul = memchr(b, '\0', len);
	*ev                = nul ? tandem__v1__event__unpack(
	                         NULL, len - (size_t) (nul + 1 - b), nul + 1)
	                         : NULL;
	nng_msg_free(m);
	if (*ev == NULL) {
		snprintf(errmsg, TD_ERRMSG_MAX,
		         "a message of %zu bytes is not a Tandem event", len);
		return TD_EPROTO;
	}
	return TD_OK;
}

void
td_events_close(td_events *e)
{
	if (e != NULL) {
		nng_close(e->sock);
		free(e->url);
		client_free_tls(&e->tls);
		free(e);
	}
}
