/* SPDX-License-Identifier: MIT
 * Per-peer budget for audit rows of denied and unauthenticated calls: an
 * unauthenticated peer must not be able to make every call cost a row and
 * a commit. Each peer may have RPC_DENIED_AUDIT_PER_SEC rows a second;
 * the rest are counted and reported in one summary row when the peer's
 * next second begins. Local (ipc) peers are not limited. Peers share a fixed
 * table (hash slots), so memory stays bounded whatever the number of peers.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "rpc.h"

/* Enough for a busy legitimate client that mistypes a token, far below
 * what a flood sends. */
#define RPC_DENIED_AUDIT_PER_SEC 20
#define RPC_PEER_SLOTS           1024

typedef struct peer_slot {
	char    peer[64];
	int64_t second;
	long    used, skipped;
} peer_slot;

static peer_slot       slots[RPC_PEER_SLOTS];
static pthread_mutex_t slots_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u; /* FNV-1a */
	for (; *s; s++) {
		h = (h ^ (unsigned char) *s) * 16777619u;
	}
	return h;
}

bool
rpc_audit_budget(const char *peer, int64_t now_us, long *skipped)
{
	const char *p   = peer && peer[0] ? peer : "unknown";
	int64_t     sec = now_us / 1000000;
	bool        ok;
	*skipped = 0;
	if (strcmp(p, "ipc") == 0) {
		return true; /* a local socket: the peer is this machine */
	}
	pthread_mutex_lock(&slots_mu);
	peer_slot *s = &slots[hash(p) % RPC_PEER_SLOTS];
	if (strcmp(s->peer, p) != 0) {
		/* another peer had the slot: start afresh */
		snprintf(s->peer, sizeof(s->peer), "%s", p);
		s->second = sec;
		s->used = s->skipped = 0;
	}
	if (s->second != sec) {
		*skipped   = s->skipped;
		s->second  = sec;
		s->used    = 0;
		s->skipped = 0;
	}
	ok = s->used < RPC_DENIED_AUDIT_PER_SEC;
	if (ok) {
		s->used++;
	} else {
		s->skipped++;
	}
	pthread_mutex_unlock(&slots_mu);
	return ok;
}
