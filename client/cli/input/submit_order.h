/* SPDX-License-Identifier: MIT
 * The order in which tandem submit sends a file's records (submit_order.c).
 */
#ifndef TD_SUBMIT_ORDER_H
#define TD_SUBMIT_ORDER_H

#include <stddef.h>

/* submit_group_order sets *order to the records' positions sorted by
 * keys[i], stable (records with one key keep their file order), or to NULL
 * when the keys are already in order. 0, or TD_ENOMEM. */
int submit_group_order(const char *const *keys, size_t n, size_t **order);

#endif /* TD_SUBMIT_ORDER_H */
