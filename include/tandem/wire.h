/* SPDX-License-Identifier: MIT
 * The wire contract's C side, shared by client and server: gRPC status codes
 * (same numbers and names as gRPC), the mapping from td_err to them (the one
 * place it is made), and the limits both sides enforce.
 */
#ifndef TANDEM_WIRE_H
#define TANDEM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "tandem/errors.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gRPC status codes. */
enum td_code {
	TD_CODE_OK                  = 0,
	TD_CODE_CANCELLED           = 1,
	TD_CODE_UNKNOWN             = 2,
	TD_CODE_INVALID_ARGUMENT    = 3,
	TD_CODE_DEADLINE_EXCEEDED   = 4,
	TD_CODE_NOT_FOUND           = 5,
	TD_CODE_ALREADY_EXISTS      = 6,
	TD_CODE_PERMISSION_DENIED   = 7,
	TD_CODE_RESOURCE_EXHAUSTED  = 8,
	TD_CODE_FAILED_PRECONDITION = 9,
	TD_CODE_ABORTED             = 10,
	TD_CODE_OUT_OF_RANGE        = 11,
	TD_CODE_UNIMPLEMENTED       = 12,
	TD_CODE_INTERNAL            = 13,
	TD_CODE_UNAVAILABLE         = 14,
	TD_CODE_DATA_LOSS           = 15,
	TD_CODE_UNAUTHENTICATED     = 16,
};
#define TD_CODE_COUNT 17

/* Default application limit on one request or reply (bytes). The server's
 * --max-message-bytes changes it; a breach is RESOURCE_EXHAUSTED. */
#define TD_DEFAULT_MAX_MESSAGE (16u * 1024u * 1024u)
/* nng's transport cap is this many times the application limit, so a message
 * between the two gets a clear error instead of being dropped silently. */
#define TD_TRANSPORT_CAP_FACTOR 4u
/* The largest request a client sends (bigger is refused locally). The
 * server's transport cap is never below it, so whatever a client sends
 * reaches the server's own check and gets a clear answer, whatever
 * --max-message-bytes says. */
#define TD_CLIENT_MAX_REQUEST                                                 \
	((size_t) TD_DEFAULT_MAX_MESSAGE * TD_TRANSPORT_CAP_FACTOR)
/* Longest string field (bytes), and the longest free-text field (notes, item
 * text). */
#define TD_MAX_STRING 1024u
#define TD_MAX_TEXT   65536u
/* Most records in one batch. */
#define TD_MAX_RECORDS 200000u
/* Most error details in one reply; the rest are counted. */
#define TD_MAX_DETAILS 1000u

#define TD_DEFAULT_URL "tcp://127.0.0.1:7450"

/* The wire protocol's version: the envelope, the status codes and what
 * every message means. Additions (new fields, new methods) keep it;
 * a change an older peer would misread bumps it. Each side sends its own
 * (the client in the request's metadata, the server in the reply) and
 * refuses a call when the other's differs, saying both numbers. */
#define TD_PROTOCOL_VERSION 1
/* The RequestEnvelope metadata key that carries the client's version. */
#define TD_PROTOCOL_KEY "tandem-protocol"

/* td_code_name returns gRPC's name for a code ("INVALID_ARGUMENT"), or
 * "UNKNOWN" for a number outside the table. Static storage. */
const char *td_code_name(int code);

/* td_code_from_err maps an internal td_err to the gRPC code it travels as. */
int td_code_from_err(int err);

/* td_utf8_valid checks that s[0..len) is well-formed UTF-8 (no overlongs,
 * no surrogates, nothing past U+10FFFF). */
int td_utf8_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TANDEM_WIRE_H */
