/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The host's memory rates that price a bench row (floor.c).
 */
#ifndef HVO_BENCH_FLOOR_H
#define HVO_BENCH_FLOOR_H

#include <stdbool.h>
#include <stddef.h>

struct host_rates {
	size_t sample_bytes; /* bytes each measurement touched */
	double touch;        /* first touch of fresh memory, bytes/s */
	double touch_thp;    /* the same, advised MADV_HUGEPAGE */
	double rewrite;      /* memset of memory already touched, bytes/s */
};

/* Measure every rate @reps times over @bytes, keeping the best of each. */
void host_rates_measure(struct host_rates *r, size_t bytes, unsigned reps);
/*
 * The least time this host needs to first-touch @fresh bytes (advised
 * MADV_HUGEPAGE if @thp) and rewrite @reused bytes: a row's floor.
 */
double host_floor_seconds(const struct host_rates *r, bool thp, double fresh, double reused);

#endif
