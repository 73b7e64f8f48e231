/* SPDX-License-Identifier: MIT
 * server/stats: pure statistics over arrays (GSL inside, nothing of libpq,
 * nng or protobuf). This header only holds the module's start-up call; each
 * statistic has its own stats_*.h.
 */
#ifndef TD_STATS_H
#define TD_STATS_H

/* stats_init turns GSL's abort-on-error handler off, so every GSL failure
 * comes back as a return code. Call once at start, before any thread. */
void stats_init(void);

/* stats_set_errmsg writes a sentence of at most TD_ERRMSG_MAX bytes into
 * errmsg, which may be NULL (then nothing is written): the one helper the
 * statistics use to say why they failed. */
void stats_set_errmsg(char *errmsg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* TD_STATS_H */
