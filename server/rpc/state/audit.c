/* SPDX-License-Identifier: MIT
 * See audit.h. Workers append rows to a bounded queue and go on; one
 * writer thread with its own connection takes whatever is queued and
 * writes it in one INSERT and one commit, so a call's reply never waits
 * for the audit log's disk flush and many calls share one. A full queue
 * makes workers wait (memory stays bounded; the log is never skipped).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "store/store.h"
#include "store/store_access.h"

#define QUEUE_ROWS 2048
#define BATCH_ROWS 512
/* While the database refuses the rows, retry this often; rows that have
 * waited this many attempts are given up (each one's log line has it). */
#define RETRY_MS    200
#define GIVE_UP_TRY 25

static pthread_mutex_t   mu       = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t    has_rows = PTHREAD_COND_INITIALIZER;
static pthread_cond_t    has_room = PTHREAD_COND_INITIALIZER;
static pthread_cond_t    written  = PTHREAD_COND_INITIALIZER;
static store_audit_entry queue[QUEUE_ROWS];
static size_t            head, count; /* ring */
static uint64_t          queued_total, written_total; /* rows */
static bool              running, stopping;
static pthread_t         writer;
static store            *wstore;

static void *
writer_main(void *arg)
{
	(void) arg;
	static store_audit_entry batch[BATCH_ROWS];
	int                      tries = 0;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (count == 0 && !stopping) {
			pthread_cond_wait(&has_rows, &mu);
		}
		if (count == 0 && stopping) {
			break;
		}
		size_t n = count < BATCH_ROWS ? count : BATCH_ROWS;
		for (size_t i = 0; i < n; i++) {
			batch[i] = queue[(head + i) % QUEUE_ROWS];
		}
		pthread_mutex_unlock(&mu);
		int rv = store_begin_request(wstore, 5000);
		if (rv == TD_OK) {
			rv = store_audit_append_many(wstore, batch, n);
		}
		store_end_request(wstore);
		if (rv != TD_OK && ++tries < GIVE_UP_TRY && !stopping) {
			struct timespec t = { 0, RETRY_MS * 1000000L };
			nanosleep(&t, NULL);
			pthread_mutex_lock(&mu);
			continue;
		}
		if (rv != TD_OK) {
			fprintf(stderr,
			        "level=warn msg=\"audit rows not written\" "
			        "rows=%zu error=\"%s\"\n",
			        n, store_errmsg(wstore));
		}
		tries = 0;
		pthread_mutex_lock(&mu);
		head = (head + n) % QUEUE_ROWS;
		count -= n;
		written_total += n;
		pthread_cond_broadcast(&has_room);
		pthread_cond_broadcast(&written);
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int
audit_start(const char *conninfo)
{
	if (store_open(&wstore, conninfo, -2) != TD_OK) {
		return TD_ENOMEM;
	}
	stopping = false;
	if (pthread_create(&writer, NULL, writer_main, NULL) != 0) {
		store_close(wstore);
		wstore = NULL;
		return TD_EINTERNAL;
	}
	running = true;
	return TD_OK;
}

void
audit_stop(void)
{
	if (!running) {
		return;
	}
	pthread_mutex_lock(&mu);
	stopping = true;
	pthread_cond_broadcast(&has_rows);
	pthread_mutex_unlock(&mu);
	pthread_join(writer, NULL);
	store_close(wstore);
	wstore  = NULL;
	running = false;
}

bool
audit_queued(void)
{
	return running;
}

/* queue_row appends row (under mu, with room) and returns its ticket. */
static uint64_t
queue_row(const store_audit_entry *row)
{
	queue[(head + count) % QUEUE_ROWS] = *row;
	count++;
	pthread_cond_signal(&has_rows);
	return ++queued_total;
}

uint64_t
audit_enqueue(const store_audit_entry *row)
{
	uint64_t ticket = 0;
	pthread_mutex_lock(&mu);
	while (count == QUEUE_ROWS && !stopping) {
		pthread_cond_wait(&has_room, &mu);
	}
	if (count < QUEUE_ROWS) {
		ticket = queue_row(row);
	}
	pthread_mutex_unlock(&mu);
	return ticket;
}

uint64_t
audit_try_enqueue(const store_audit_entry *row)
{
	uint64_t ticket = 0;
	pthread_mutex_lock(&mu);
	if (running && !stopping && count < QUEUE_ROWS) {
		ticket = queue_row(row);
	}
	pthread_mutex_unlock(&mu);
	return ticket;
}

void
audit_wait(uint64_t ticket)
{
	pthread_mutex_lock(&mu);
	while (running && written_total < ticket) {
		pthread_cond_wait(&written, &mu);
	}
	pthread_mutex_unlock(&mu);
}

void
audit_flush(void)
{
	pthread_mutex_lock(&mu);
	uint64_t want = queued_total;
	while (running && written_total < want) {
		pthread_cond_wait(&written, &mu);
	}
	pthread_mutex_unlock(&mu);
}
