/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One scenario run in each design (`hvo compare`, and the side-by-side
 * table of `hvo html`): the counters each design ends with, each run's own
 * status and messages, and which designs the scenario's expects and checks
 * are claimed for.
 *
 * A scenario's `design X` line says its expects and checks are for X: a
 * failure in another design is reported as that design's and is not a
 * failure of the scenario.  A scenario without a design line claims every
 * design.  A design X that is not one of the three compared (a kernel
 * variant such as legacy-6.10) is run as a fourth column.
 */
#ifndef HVO_COMPARE_H
#define HVO_COMPARE_H

#include <stdio.h>

#include "types.h"

#define COMPARE_MAX_DESIGNS 4
#define COMPARE_MAX_COUNTERS 16

struct compare_run {
	const struct hvo_generation *gen;
	bool claimed;           /* the scenario's expects and checks are for it */
	int status;             /* 0, 1 or 2, as `hvo run` would exit */
	unsigned expects_failed, checks_failed, expects_passed;
	int64_t val[COMPARE_MAX_COUNTERS];
	char *messages;         /* what the run wrote to stderr (to free) */
};

struct compare_result {
	unsigned nr_runs;
	struct compare_run run[COMPARE_MAX_DESIGNS];
	const struct hvo_generation *declared; /* its design line, or NULL */
};

/* The counters compared, and the unit of each ("kB", "pages", "count"). */
extern const char *const compare_counters[];
extern const unsigned nr_compare_counters;
const char *compare_unit(const char *counter);

/* Run @buf (named @file) in every design.  0, or -ENOMEM. */
int compare_designs(const char *file, const char *buf, size_t len,
		    struct compare_result *r);
void compare_result_free(struct compare_result *r);
/* The exit status: 2 if a claimed design refused the scenario (or all did),
 * 1 if a claimed design failed, else 0. */
int compare_status(const struct compare_result *r);
/* "ok", "refused", "1 expect failed", "2 expects, 1 check failed" */
void compare_run_status(const struct compare_run *c, char *buf, size_t len);

#endif
