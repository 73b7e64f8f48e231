/* SPDX-License-Identifier: MIT
 * Bump allocator with a size header per block (see arena.h for why).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define ARENA_CHUNK (64u * 1024u)
#define ARENA_MAGIC 0x7d4a11c3u
#define ARENA_ALIGN 16u

typedef struct chunk {
	struct chunk *next;
	size_t        size;
	size_t        used;
	/* data follows, aligned */
} chunk;

typedef struct block_hdr {
	size_t   size;
	uint32_t magic;
	uint32_t pad;
} block_hdr;

struct rpc_arena {
	chunk             *head;
	chunk             *first; /* kept across resets */
	size_t             used;
	size_t             limit;
	int                exhausted;
	ProtobufCAllocator alloc;
};

static size_t
align_up(size_t n)
{
	return (n + (ARENA_ALIGN - 1)) & ~(size_t) (ARENA_ALIGN - 1);
}

static chunk *
chunk_new(size_t need)
{
	size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
	chunk *c    = malloc(align_up(sizeof(chunk)) + size);
	if (c == NULL) {
		return NULL;
	}
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

static void *
pb_alloc(void *data, size_t size)
{
	return rpc_arena_alloc(data, size);
}

static void
pb_free(void *data, void *p)
{
	(void) data;
	(void) p; /* freed with the arena */
}

int
rpc_arena_create(rpc_arena **out)
{
	rpc_arena *a = calloc(1, sizeof(*a));
	if (a == NULL) {
		return 2;
	}
	a->first = chunk_new(ARENA_CHUNK);
	if (a->first == NULL) {
		free(a);
		return 2;
	}
	a->head                 = a->first;
	a->alloc.alloc          = pb_alloc;
	a->alloc.free           = pb_free;
	a->alloc.allocator_data = a;
	*out                    = a;
	return 0;
}

void
rpc_arena_reset(rpc_arena *a)
{
	if (a == NULL) {
		return;
	}
	chunk *c = a->head;
	while (c != NULL && c != a->first) {
		chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head        = a->first;
	a->first->used = 0;
	a->first->next = NULL;
	a->used        = 0;
	a->exhausted   = 0;
}

void
rpc_arena_destroy(rpc_arena *a)
{
	if (a == NULL) {
		return;
	}
	rpc_arena_reset(a);
	free(a->first);
	free(a);
}

void *
rpc_arena_alloc(rpc_arena *a, size_t size)
{
	if (a->limit != 0 && a->used + size > a->limit) {
		a->exhausted = 1;
		return NULL;
	}
	size_t need = align_up(sizeof(block_hdr)) + align_up(size ? size : 1);
	chunk *c    = a->head;
	if (c->size - c->used < need) {
		chunk *n = chunk_new(need);
		if (n == NULL) {
			return NULL;
		}
		n->next = a->head;
		a->head = n;
		c       = n;
	}
	unsigned char *base = (unsigned char *) c + align_up(sizeof(chunk));
	block_hdr     *h    = (block_hdr *) (base + c->used);
	h->size             = size;
	h->magic            = ARENA_MAGIC;
	c->used += need;
	a->used += size;
	void *p = (unsigned char *) h + align_up(sizeof(block_hdr));
	memset(p, 0, size);
	return p;
}

size_t
rpc_arena_block_size(const void *p)
{
	const block_hdr *h
	    = (const block_hdr *) ((const unsigned char *) p
	                           - align_up(sizeof(block_hdr)));
	return h->magic == ARENA_MAGIC ? h->size : 0;
}

char *
rpc_arena_strdup(rpc_arena *a, const char *s)
{
	size_t n = strlen(s);
	char  *d = rpc_arena_alloc(a, n + 1);
	if (d != NULL) {
		memcpy(d, s, n + 1);
	}
	return d;
}

char *
rpc_arena_printf(rpc_arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		return NULL;
	}
	char *d = rpc_arena_alloc(a, (size_t) n + 1);
	if (d == NULL) {
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(d, (size_t) n + 1, fmt, ap);
	va_end(ap);
	return d;
}

ProtobufCAllocator *
rpc_arena_allocator(rpc_arena *a)
{
	return &a->alloc;
}

size_t
rpc_arena_used(const rpc_arena *a)
{
	return a->used;
}

void
rpc_arena_set_limit(rpc_arena *a, size_t limit)
{
	a->limit = limit;
}

int
rpc_arena_exhausted(const rpc_arena *a)
{
	return a->exhausted;
}
