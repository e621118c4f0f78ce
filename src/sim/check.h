/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariant checker: walks the whole simulated machine and reports
 * every disagreement as a readable line ("pfn 0x12345: ..."), capped.
 * Callable from C (tests, the fault sweep) and from the `check` command.
 */
#ifndef HVO_CHECK_H
#define HVO_CHECK_H

#include "machine.h"

#define CHECK_MAX_LINES 32

struct check_report {
	uint64_t nr_violations;      /* all of them, even past the cap */
	unsigned nr_lines;
	char lines[CHECK_MAX_LINES][160];
	uint64_t nr_struct_pages_checked;
};

/* Run every check; returns the number of violations (0: all good). */
uint64_t mm_check(struct machine *m, struct check_report *r);
void check_report_print(const struct check_report *r, FILE *out);

/* Record a violation (used by the checks of other subsystems too). */
void check_fail(struct check_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
