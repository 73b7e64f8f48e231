/* SPDX-License-Identifier: MIT
 * Status code names, the td_err → gRPC code mapping and UTF-8 checking:
 * the small C layer of the wire contract that client and server share.
 */
#include "tandem/wire.h"

static const char *const code_names[TD_CODE_COUNT] = {
	"OK",
	"CANCELLED",
	"UNKNOWN",
	"INVALID_ARGUMENT",
	"DEADLINE_EXCEEDED",
	"NOT_FOUND",
	"ALREADY_EXISTS",
	"PERMISSION_DENIED",
	"RESOURCE_EXHAUSTED",
	"FAILED_PRECONDITION",
	"ABORTED",
	"OUT_OF_RANGE",
	"UNIMPLEMENTED",
	"INTERNAL",
	"UNAVAILABLE",
	"DATA_LOSS",
	"UNAUTHENTICATED",
};

const char *
td_code_name(int code)
{
	if (code < 0 || code >= TD_CODE_COUNT) {
		return "UNKNOWN";
	}
	return code_names[code];
}

int
td_code_from_err(int err)
{
	switch (err) {
	case TD_OK:
		return TD_CODE_OK;
	case TD_EINVAL:
	case TD_ERANGE:
	case TD_EPROTO:
		return TD_CODE_INVALID_ARGUMENT;
	/* The request is well formed but the data cannot support it (too
	 * few points, no variance, a singular design, all suppressed): the
	 * state of the system, not the argument, is wrong. */
	case TD_ESINGULAR:
	case TD_ETOOFEW:
	case TD_EZEROVAR:
	case TD_ESUPPRESSED:
		return TD_CODE_FAILED_PRECONDITION;
	case TD_ENOTFOUND:
		return TD_CODE_NOT_FOUND;
	case TD_EEXIST:
		return TD_CODE_ALREADY_EXISTS;
	case TD_ETOOBIG:
	case TD_ENOMEM:
		return TD_CODE_RESOURCE_EXHAUSTED;
	case TD_EUNAVAIL:
		return TD_CODE_UNAVAILABLE;
	case TD_ETIMEDOUT:
		return TD_CODE_DEADLINE_EXCEEDED;
	case TD_EPERM:
		return TD_CODE_PERMISSION_DENIED;
	case TD_EAUTH:
		return TD_CODE_UNAUTHENTICATED;
	case TD_ENOTIMPL:
		return TD_CODE_UNIMPLEMENTED;
	case TD_ECANCELED:
		return TD_CODE_CANCELLED;
	default:
		return TD_CODE_INTERNAL;
	}
}

const char *
td_strerror(int err)
{
	static const char *const names[] = {
		"success",
		"invalid argument",
		"out of memory",
		"not found",
		"already exists",
		"out of range",
		"limit exceeded",
		"singular design",
		"too few data points",
		"zero variance",
		"unavailable",
		"deadline exceeded",
		"malformed message",
		"permission denied",
		"not authenticated",
		"internal error",
		"not implemented",
		"cancelled",
		"all values suppressed",
		"input/output error",
	};
	if (err < 0 || (size_t) err >= sizeof(names) / sizeof(names[0])) {
		return "unknown error";
	}
	return names[err];
}

int
td_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t               i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t        need;
		uint32_t      cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp   = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp   = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp   = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= need) {
			return 0;
		}
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80) {
				return 0;
			}
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000)
		    || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
			return 0;
		}
		i += need + 1;
	}
	return 1;
}
