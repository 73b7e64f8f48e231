/* SPDX-License-Identifier: MIT
 * libFuzzer target: every request message of every service. The first byte
 * picks the type (the methods of the service descriptors, in the order
 * server/rpc/methods.c lists them); the rest is unpacked into an arena the
 * way rpc_handle unpacks a payload and checked with rpc_validate, whose
 * count is compared with an independent walk of the same rules.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/rpc.h"
#include "tandem/v1/admin.pb-c.h"
#include "tandem/v1/analysis.pb-c.h"
#include "tandem/v1/export.pb-c.h"
#include "tandem/v1/health.pb-c.h"
#include "tandem/v1/improvement.pb-c.h"
#include "tandem/v1/ingest.pb-c.h"
#include "tandem/v1/registry.pb-c.h"
#include "tandem/v1/review.pb-c.h"
#include "tandem/v1/rpc.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same order as methods.c, so a seed's first byte keeps naming the
 * same request type as long as the .proto files only grow at the end. */
static const ProtobufCServiceDescriptor *const services[] = {
	&tandem__v1__health__descriptor,
	&tandem__v1__reflection__descriptor,
	&tandem__v1__registry__descriptor,
	&tandem__v1__ingest__descriptor,
	&tandem__v1__analysis__descriptor,
	&tandem__v1__admin__descriptor,
	&tandem__v1__improvement__descriptor,
	&tandem__v1__review__descriptor,
	&tandem__v1__export__descriptor,
};

#define MAX_TYPES 256

/* die reports a broken promise on stdout (bench/fuzz closes the targets'
 * stderr, see fuzz_envelope.c) and aborts, which libFuzzer records as a
 * crash with this input. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)))
__attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz_messages: ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
	abort();
}

static const ProtobufCMessageDescriptor *types[MAX_TYPES];
static size_t                            n_types;
static rpc_arena                        *arena;

static void
setup(void)
{
	for (size_t s = 0; s < sizeof(services) / sizeof(services[0]); s++) {
		for (unsigned m = 0; m < services[s]->n_methods; m++) {
			if (n_types == MAX_TYPES) {
				die("over %d methods: the selector is one "
				    "byte",
				    MAX_TYPES);
			}
			types[n_types++] = services[s]->methods[m].input;
		}
	}
	if (rpc_arena_create(&arena) != 0) {
		die("no arena");
	}
}

/* ---- the oracle: rpc_validate's rules, written out again ---- */

/* Well-formed UTF-8 per Unicode 15, table 3-7. */
static bool
utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c  = s[i];
		unsigned char lo = 0x80, hi = 0xBF;
		size_t        more;
		if (c <= 0x7F) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			more = 1;
		} else if (c >= 0xE0 && c <= 0xEF) {
			more = 2;
			lo   = c == 0xE0 ? 0xA0 : 0x80;
			hi   = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			more = 3;
			lo   = c == 0xF0 ? 0x90 : 0x80;
			hi   = c == 0xF4 ? 0x8F : 0xBF;
		} else {
			return false;
		}
		if (len - i - 1 < more) {
			return false;
		}
		if (s[i + 1] < lo || s[i + 1] > hi) {
			return false;
		}
		for (size_t k = 2; k <= more; k++) {
			if (s[i + k] < 0x80 || s[i + k] > 0xBF) {
				return false;
			}
		}
		i += more + 1;
	}
	return true;
}

/* README: strings at most 1024 bytes, free-text fields 65536. */
static size_t
limit_of(const char *field)
{
	static const char *const text[]
	    = { "text",        "notes",      "note",  "description",
		"change_idea", "prediction", "result" };
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		if (strcmp(field, text[i]) == 0) {
			return TD_MAX_TEXT;
		}
	}
	return TD_MAX_STRING;
}

/* bad_string: does s break a rule (embedded NUL, length, UTF-8)? The arena
 * remembers how many bytes protobuf-c asked for, which is the only trace
 * left of a NUL inside the string on the wire. */
static bool
bad_string(const char *field, const char *s)
{
	if (s == NULL || s == protobuf_c_empty_string) {
		return false;
	}
	size_t len   = strlen(s);
	size_t block = rpc_arena_block_size(s);
	if (block == 0) {
		/* every string of an unpacked request is the arena's */
		die("%s not from the arena", field);
	}
	return block != len + 1 || len > limit_of(field)
	    || !utf8_ok((const unsigned char *) s, len);
}

static size_t
count_bad(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	size_t                            n = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char  *member = (const char *) m + f->offset;
		size_t       count  = 1;
		void *const *items  = (void *const *) member;
		if (f->type != PROTOBUF_C_TYPE_STRING
		    && f->type != PROTOBUF_C_TYPE_MESSAGE) {
			continue;
		}
		/* A oneof's members share a union: only the set one counts. */
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0
		    && *(const uint32_t *) ((const char *) m
		                            + f->quantifier_offset)
		        != f->id) {
			continue;
		}
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *) ((const char *) m
			                           + f->quantifier_offset);
			items = *(void *const *const *) member;
		}
		for (size_t k = 0; k < count; k++) {
			if (f->type == PROTOBUF_C_TYPE_STRING) {
				n += bad_string(f->name, items[k]);
			} else if (items[k] != NULL) {
				n += count_bad(items[k]);
			}
		}
	}
	return n;
}

/* The most records any top-level repeated message field holds: a
 * detail's record index must be below it. */
static size_t
max_records(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d   = m->descriptor;
	size_t                            max = 0;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (f->label == PROTOBUF_C_LABEL_REPEATED
		    && f->type == PROTOBUF_C_TYPE_MESSAGE) {
			size_t n = *(const size_t *) ((const char *) m
			                              + f->quantifier_offset);
			max      = n > max ? n : max;
		}
	}
	return max;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (arena == NULL) {
		setup();
	}
	if (size == 0) {
		return 0;
	}
	const ProtobufCMessageDescriptor *desc = types[data[0] % n_types];

	rpc_arena_reset(arena);
	rpc_call call;
	memset(&call, 0, sizeof(call));
	call.arena  = arena;
	call.method = "";

	ProtobufCMessage *msg = protobuf_c_message_unpack(
	    desc, rpc_arena_allocator(arena), size - 1, data + 1);
	if (msg == NULL) {
		return 0; /* rpc_handle: INVALID_ARGUMENT, not a valid T */
	}
	size_t found  = rpc_validate(&call, msg);
	size_t expect = count_bad(msg);
	if (found != expect) {
		die("rpc_validate found %zu bad string(s) in a %s, the "
		    "oracle %zu",
		    found, desc->name, expect);
	}
	if (call.n_details + (size_t) call.details_omitted != found
	    || call.n_details > TD_MAX_DETAILS) {
		die("%zu details + %d omitted for %zu problems",
		    call.n_details, call.details_omitted, found);
	}
	size_t records = max_records(msg);
	for (size_t i = 0; i < call.n_details; i++) {
		const Tandem__V1__ErrorDetail *e
		    = (const Tandem__V1__ErrorDetail *) call.details[i];
		if (e->record_index < -1
		    || (e->record_index >= 0
		        && (uint64_t) e->record_index >= records)
		    || e->field[0] == '\0' || e->rule[0] == '\0'
		    || e->message[0] == '\0') {
			die("detail %zu of a %s is malformed (record %lld "
			    "of %zu)",
			    i, desc->name, (long long) e->record_index,
			    records);
		}
	}
	/* A no-op with the arena's allocator, as in rpc_handle. */
	protobuf_c_message_free_unpacked(msg, rpc_arena_allocator(arena));
	return 0;
}
