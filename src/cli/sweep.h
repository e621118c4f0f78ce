/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fault sweep (SQLite's fail-the-Nth-allocation discipline applied to
 * the simulated kernel): run a scenario once to count the allocations that
 * reach the choke point, then fail each allocation N in turn (transient:
 * only N; persistent: N and every later one), and after every such run
 * check every invariant.  A failure during boot is a kernel panic and ends
 * that run, which is an accepted outcome; anything the checker finds is a
 * violation.
 *
 * How the runs are made: by default one pass per mode runs the scenario
 * once, and at each chosen allocation N forks; the child fails N (and, in
 * persistent mode, every later one), runs to the end, checks, writes its
 * result to a pipe and exits, while the parent goes on with allocation N
 * succeeding.  Up to @jobs children run at once; the parent collects
 * their results oldest first, so runs are reported in allocation order
 * and the output is the same for any @jobs.  Spreading a sweep over
 * machines is the job of shards run by make -j, xargs -P or GNU parallel
 * (--shard K/N, tools/sweep-merge).  With @replay every run starts from
 * the beginning instead, as the sweep first did; both give the same runs,
 * results and output (tests/unit/test_sweep.c compares them).  A run whose
 * scenario ends in a `check` that found nothing is not checked again.
 */
#ifndef HVO_SWEEP_H
#define HVO_SWEEP_H

#include <stdio.h>

#include "types.h"

struct sweep_opts {
	bool transient, persistent;
	unsigned site_mask;   /* 0: every site */
	unsigned min_order;
	uint64_t max_runs;    /* 0: no limit; else stride N to fit */
	bool verbose;
	bool replay;          /* every run from the start (the reference) */
	/*
	 * Check the final machine even when the scenario's last command was a
	 * `check` that found nothing (the machine is as it saw it, see
	 * struct scenario's checked_at, so by default that result stands): the
	 * reference the tests compare the shortcut with.
	 */
	bool recheck;
	/*
	 * Shard K of N (1 <= K <= N): of the allocation points the sweep would
	 * run (every one, or every step-th with @max_runs), only the K-th,
	 * (K+N)-th, ...  0/0: all.  Only shard 1 counts the clean run's own
	 * violation, so the shards of a sweep add up to the whole.
	 */
	uint64_t shard_k, shard_n;
	FILE *json;           /* one JSON line per run and a summary line; NULL: none */
	unsigned jobs;        /* forked runs at once (0 is 1; --replay: one at a time) */
};

struct sweep_result {
	uint64_t allocations;  /* counted in the clean run */
	uint64_t runs;
	uint64_t injected;     /* failures injected, over all runs */
	uint64_t panics;       /* runs that ended in a failed boot */
	uint64_t violations;   /* runs with an invariant violation */
	uint64_t final_checks_skipped; /* runs whose last `check` stood (see recheck) */
};

/*
 * 0 done (see @res), or 2 when the scenario does not run cleanly without
 * injection (an error, or no machine booted; the reason on @log) or a
 * run could not be started (fork, pipe).
 */
int fault_sweep(const char *name, const char *buf, size_t len,
		const struct sweep_opts *o, struct sweep_result *res, FILE *log);

#endif
