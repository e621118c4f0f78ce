/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault sweep (SQLite's fail-the-Nth-allocation discipline applied to
 * the simulated kernel): run a scenario once to count the allocations that
 * reach the choke point, then once per allocation N with allocation N failing
 * (transient: only N; persistent: N and every later one), and after every
 * run check every invariant.  A failure during boot is a kernel panic and
 * ends that run, which is an accepted outcome; anything the checker finds
 * is a violation.
 */
#ifndef HVO_SWEEP_H
#define HVO_SWEEP_H

#include "types.h"

struct sweep_opts {
	bool transient, persistent;
	unsigned site_mask;   /* 0: every site */
	unsigned min_order;
	uint64_t max_runs;    /* 0: no limit; else stride N to fit */
	bool verbose;
};

struct sweep_result {
	uint64_t allocations;  /* counted in the clean run */
	uint64_t runs;
	uint64_t injected;     /* failures injected, over all runs */
	uint64_t panics;       /* runs that ended in a failed boot */
	uint64_t violations;   /* runs with an invariant violation */
};

/* 0 done (see @res), or 2 when the scenario itself is bad. */
int fault_sweep(const char *name, const char *buf, size_t len,
		const struct sweep_opts *o, struct sweep_result *res, FILE *log);

#endif
