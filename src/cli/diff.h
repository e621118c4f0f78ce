/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `hvo diff`: one scenario run in two generations in lockstep, two
 * machines in one process, compared (sim/diff.c) after every command.  The
 * first difference is printed with its command (FILE:LINE and the line),
 * its pfn and virtual address and both sides' `show pfn`.
 */
#ifndef HVO_CLI_DIFF_H
#define HVO_CLI_DIFF_H

#include <stdio.h>

#include "generation.h"
#include "machine.h"

struct diff_run {
	const char *file;                 /* the name in messages */
	const struct hvo_generation *a, *b;
	FILE *out;                        /* the report */
	FILE *err;                        /* side a's error lines */
	/* Test seam: called with side a's machine after each command, before
	 * the comparison (tests plant a difference with it). */
	void (*after_command)(struct machine *a, unsigned line, void *arg);
	void *arg;
	/* filled in */
	unsigned nr_commands;             /* commands compared */
	unsigned diff_line;               /* line of the first difference, 0 if none */
	pfn_t diff_pfn;                   /* its pfn, PFN_NONE if none or no pfn */
};

/* Run and compare @buf; 0 no difference, 1 a difference, 2 an error. */
int diff_scenario(struct diff_run *r, const char *buf, size_t len);

#endif
