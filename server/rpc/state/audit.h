/* SPDX-License-Identifier: MIT
 * The audit writer: every call's audit row goes through a bounded queue to
 * one thread that writes what has gathered in one statement and commit.
 * A call that writes data replies only once its row is committed (audit_wait;
 * concurrent calls share the commit), so no acknowledged write is ever
 * missing from the log. A read's row reaches the table within one commit of
 * its reply (about a millisecond on an idle server): only a read's row still
 * queued when the process is killed (not stopped) can be lost; rows queued
 * at a clean stop are written.
 * Without audit_start (tools, tests of the layer), rows are written by
 * the call itself as before.
 */
#ifndef TD_AUDIT_H
#define TD_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "store/store_access.h"

/* audit_start opens the writer's own connection and starts it. */
int audit_start(const char *conninfo);
/* audit_stop writes what is queued and stops the writer. */
void audit_stop(void);
/* audit_queued: is the writer running? */
bool audit_queued(void);
/* audit_enqueue queues a copy of row; waits while the queue is full.
 * Returns the row's ticket for audit_wait (0 when stopping). */
uint64_t audit_enqueue(const store_audit_entry *row);
/* audit_try_enqueue is audit_enqueue for nng's threads: it never waits;
 * 0 (nothing queued) when the queue is full or the writer is not running. */
uint64_t audit_try_enqueue(const store_audit_entry *row);
/* audit_wait returns once the row of ticket is written (or given up). */
void audit_wait(uint64_t ticket);
/* audit_flush returns once every row queued before it was called is
 * written (or given up); Admin/Audit calls it before reading. */
void audit_flush(void);

#endif /* TD_AUDIT_H */
