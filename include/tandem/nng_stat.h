/* SPDX-License-Identifier: MIT
 * One counter of one nng dialer or listener, shared by libtandem and
 * tandemd's transport (both link nng; this header links nothing).
 *
 * nng 1.5.2's (Debian 12's) nng_stat_find_dialer and
 * nng_stat_find_listener return the first dialer or listener of the whole
 * process whatever the one asked for, so with two listeners (tandemd's
 * requests and events) one was read for the other. A snapshot's top
 * level holds one scope per socket, listener, dialer and pipe, each with
 * its "id"; td_nng_stat finds the scope by that id.
 */
#ifndef TANDEM_NNG_STAT_H
#define TANDEM_NNG_STAT_H

#include <stdint.h>
#include <string.h>

#include <nng/nng.h>

/* td_nng_stat: the counter name ("other", "accept", ...) of the object of
 * this kind ("dialer", "listener") and id in the snapshot all (from
 * nng_stats_get); 0 when there is none. */
static inline uint64_t
td_nng_stat(nng_stat *all, const char *kind, uint32_t id, const char *name)
{
	for (nng_stat *s = all != NULL ? nng_stat_child(all) : NULL; s != NULL;
	     s           = nng_stat_next(s)) {
		nng_stat *sid;
		if (strcmp(nng_stat_name(s), kind) != 0
		    || (sid = nng_stat_find(s, "id")) == NULL
		    || nng_stat_value(sid) != id) {
			continue;
		}
		nng_stat *v = nng_stat_find(s, name);
		return v != NULL ? nng_stat_value(v) : 0;
	}
	return 0;
}

#endif /* TANDEM_NNG_STAT_H */
