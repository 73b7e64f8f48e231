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
/* The largest reply a client accepts: room for a server whose
 * --max-message-bytes was raised to four times the default. */
#define TD_CLIENT_MAX_REPLY ((size_t) TD_DEFAULT_MAX_MESSAGE * 4u)
/* The largest request a client sends (bigger is refused locally, naming the
 * limit). The server's transport takes frames of this size plus
 * TD_FRAME_HEADROOM whatever --max-message-bytes says, so whatever a client
 * sends reaches the server's own check and gets a clear answer. It is small
 * because the server holds a connection's partly received frame before it
 * can read the token: the frame size times the connections admitted is the
 * memory an unauthenticated sender can make tandemd hold. The CLI's batches
 * (at most 3 MiB of CSV each) encode to less. */
#define TD_CLIENT_MAX_REQUEST (4u * 1024u * 1024u)
/* Envelope around a payload (method, token, request id, metadata) and the
 * frame header: room enough that a payload under the limit still fits. */
#define TD_FRAME_HEADROOM (64u * 1024u)
/* Default budget for frames being received (bytes): tandemd admits a
 * connection only while every admitted connection could hold a maximum
 * frame within it (--max-pending-bytes). 160 MiB: 39 connections. */
#define TD_DEFAULT_MAX_PENDING (160u * 1024u * 1024u)
/* Default connections one network peer may hold (an IP address; local
 * ipc peers share the global budget only), so one host cannot take the
 * whole budget (--max-connections-per-peer). */
#define TD_DEFAULT_MAX_PER_PEER 16
/* Longest string field (bytes), and the longest free-text field (notes, item
 * text). */
#define TD_MAX_STRING 1024u
#define TD_MAX_TEXT   65536u
/* TD_V1 is the gRPC path of method m of service svc of package tandem.v1,
 * the one way both sides write one: TD_V1("Health", "Check") is
 * "/tandem.v1.Health/Check". */
#define TD_V1(svc, m) "/tandem.v1." svc "/" m

/* Longest code (school, survey, measure, respondent...), bytes. */
#define TD_MAX_CODE 64
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
