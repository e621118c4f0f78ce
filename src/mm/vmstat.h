/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's counters, by the names the kernel gives them, and the
 * reports built from them (/proc/meminfo, /proc/vmstat, /proc/zoneinfo).
 *
 * Every counter is registered once in a table with its unit, so `expect`,
 * `show` and --json read the same numbers.  meminfo names are in kB, as in
 * /proc/meminfo; vmstat names are in pages; HugePages_* are counts.
 */
#ifndef HVO_VMSTAT_H
#define HVO_VMSTAT_H

#include "machine.h"

enum counter_group { CG_MEMINFO, CG_VMSTAT, CG_HVO };

struct counter_desc {
	const char *name;
	enum counter_group group;
	const char *unit; /* "kB", "pages", "" */
	int64_t (*get)(struct machine *m);
	const char *help;
};

/* All counters, NULL-terminated by name. */
extern const struct counter_desc counter_table[];

/* Value of counter @name: 0, or -ENOENT when there is no such counter. */
int counter_get(struct machine *m, const char *name, int64_t *val);

void show_meminfo(struct machine *m, FILE *out);
void show_vmstat(struct machine *m, FILE *out);
void show_zoneinfo(struct machine *m, FILE *out);
void show_buddyinfo(struct machine *m, FILE *out);
void show_pool(struct machine *m, FILE *out);
/* Every counter as one JSON object (no trailing newline). */
void counters_json(struct machine *m, FILE *out);

#endif
