/* SPDX-License-Identifier: MIT
 * Tandem error codes, shared by the client library, the server and its
 * pure modules. Functions that can fail return one of these (0 = success)
 * and write results through out-parameters. Append only; never renumber.
 */
#ifndef TANDEM_ERRORS_H
#define TANDEM_ERRORS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum td_err {
	TD_OK          = 0,
	TD_EINVAL      = 1, /* an argument or input value breaks a rule */
	TD_ENOMEM      = 2, /* allocation failed */
	TD_ENOTFOUND   = 3, /* a named thing does not exist */
	TD_EEXIST      = 4, /* already exists (with different content) */
	TD_ERANGE      = 5, /* a value is outside its allowed range */
	TD_ETOOBIG     = 6, /* a limit (size, count, length) was exceeded */
	TD_ESINGULAR   = 7, /* a matrix or design is singular / degenerate */
	TD_ETOOFEW     = 8, /* not enough data points for the statistic */
	TD_EZEROVAR    = 9, /* zero variance where a variance is divided by */
	TD_EUNAVAIL    = 10, /* a dependency (database, server) is down */
	TD_ETIMEDOUT   = 11, /* a deadline passed */
	TD_EPROTO      = 12, /* malformed message on the wire */
	TD_EPERM       = 13, /* not allowed for this caller */
	TD_EAUTH       = 14, /* caller not authenticated */
	TD_EINTERNAL   = 15, /* a bug or an unexpected failure */
	TD_ENOTIMPL    = 16, /* not implemented */
	TD_ECANCELED   = 17, /* the operation was cancelled */
	TD_ESUPPRESSED = 18, /* every value was suppressed for small cells */
	TD_EIO         = 19, /* file or stream input/output failed */
} td_err;

/* Length of the human-readable error buffers passed around with td_err. */
#define TD_ERRMSG_MAX 256

/* td_strerror returns a static, short English name for the code. */
const char *td_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_ERRORS_H */
