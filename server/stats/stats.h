/* SPDX-License-Identifier: MIT
 * server/stats: pure statistics over arrays (GSL inside, nothing of libpq,
 * nng or protobuf). This header holds the module's start-up call and its
 * error-message helper; each statistic has its own stats_*.h.
 */
#ifndef TD_STATS_H
#define TD_STATS_H

/* stats_init turns GSL's abort-on-error handler off, so every GSL failure
 * comes back as a return code. Call once at start, before any thread. */
void stats_init(void);

/* stats_set_err writes a printf-style sentence into errmsg (TD_ERRMSG_MAX
 * bytes, as every stats_* function takes it; NULL is allowed and ignored).
 * The one way the module's functions say what failed. */
void stats_set_err(char *errmsg, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* TD_STATS_H */
