/* SPDX-License-Identifier: MIT
 * libtandem's events subscriber: an nng sub0 socket dialled to tandemd's
 * pub0 socket. A message is the topic, one NUL byte, then a packed Event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "client_dial.h"
#include "tandem/tandem.h"

struct td_events {
	nng_socket sock;
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
	if ((rv = nng_sub0_open(&e->sock)) != 0) {
		snprintf(errmsg, TD_ERRMSG_MAX, "cannot open socket: %s",
		         nng_strerror(rv));
		free(e);
		return TD_EINTERNAL;
	}
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
	rv = client_dial(e->sock, url, opts ? opts : &(td_client_opts) { 0 },
	                 true, NULL, errmsg);
	if (rv != TD_OK) {
		td_events_close(e);
		return rv;
	}
	*out = e;
	return TD_OK;
}

int
td_events_recv(td_events *e, int timeout_ms, Tandem__V1__Event **ev,
               char *errmsg)
{
	nng_msg *m;
	nng_socket_set_ms(e->sock, NNG_OPT_RECVTIMEO,
	                  timeout_ms < 0 ? NNG_DURATION_INFINITE : timeout_ms);
	int rv = nng_recvmsg(e->sock, &m, 0);
	if (rv == NNG_ETIMEDOUT) {
		return TD_ETIMEDOUT;
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
		free(e);
	}
}
