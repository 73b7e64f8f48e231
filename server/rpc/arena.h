/* SPDX-License-Identifier: MIT
 * A per-request bump allocator. Requests are unpacked into it and replies
 * are built in it, so one rpc_arena_reset frees a whole call. It also knows
 * each block's size, which lets the validator see strings that protobuf-c
 * truncated at an embedded NUL.
 */
#ifndef TD_RPC_ARENA_H
#define TD_RPC_ARENA_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

typedef struct rpc_arena rpc_arena;

/* rpc_arena_create makes an empty arena; the caller owns it. */
int  rpc_arena_create(rpc_arena **out) __attribute__((warn_unused_result));
void rpc_arena_destroy(rpc_arena *a);
/* rpc_arena_reset frees every block but keeps the first chunk for reuse. */
void rpc_arena_reset(rpc_arena *a);
/* rpc_arena_alloc returns zeroed memory owned by the arena, or NULL. */
void *rpc_arena_alloc(rpc_arena *a, size_t size);
char *rpc_arena_strdup(rpc_arena *a, const char *s);
char *rpc_arena_printf(rpc_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* rpc_arena_block_size returns the size asked for when p was allocated from
 * an arena, or 0 when p did not come from one. */
size_t rpc_arena_block_size(const void *p);
/* rpc_arena_allocator gives a protobuf-c allocator backed by the arena. */
ProtobufCAllocator *rpc_arena_allocator(rpc_arena *a);
/* rpc_arena_used is the number of bytes handed out since the last reset. */
size_t rpc_arena_used(const rpc_arena *a);
/* rpc_arena_set_limit caps the bytes handed out between resets (0 = none);
 * past it allocations fail and rpc_arena_exhausted says so, so a small
 * message that unpacks into a huge structure cannot take the machine. */
void rpc_arena_set_limit(rpc_arena *a, size_t limit);
int  rpc_arena_exhausted(const rpc_arena *a);

/* Allocate a protobuf-c message of type T from the arena and init it. */
#define RPC_NEW(a, type, init_fn)                                             \
	({                                                                    \
		type *m_ = rpc_arena_alloc((a), sizeof(type));                \
		if (m_ != NULL) {                                             \
			init_fn(m_);                                          \
		}                                                             \
		m_;                                                           \
	})

#endif /* TD_RPC_ARENA_H */
