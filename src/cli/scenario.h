/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario language: one command per line, '#' starts a comment.
 *
 *   machine mem=SIZE [layout=flat|qemu-pc] [nodes=N | node_mem=S,S,...]
 *           [arch=x86-64|arm64|riscv64|loongarch64|s390|powerpc]
 *           [page_size=4K|16K|64K] [struct_page=56|64|72|80]
 *           [movablecore=SIZE] [kernel_reserve=SIZE] [whatif=hvo-bbm]
 *   cmdline <kernel command line>
 *   design legacy|legacy-6.12.115|legacy-6.12.0|shared-tail|generic
 *   boot
 *   hugepages SIZE COUNT [node=N]
 *   hotplug add node=N size=S [addr=A] [memmap_on_memory] | hotplug remove addr=A size=S
 *   dax create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A] | dax destroy NAME
 *   fault nth=N [persistent] [site=NAME]... [min_order=K] | fault off
 *   poke pfn N | poke huge SIZE INDEX OFFSET
 *   sysctl NAME=VALUE
 *   show meminfo|vmstat|zoneinfo|hugepages|report|dmesg|pfn N
 *   check [fails]
 *   snapshot [LABEL]
 *   expect NAME[+NAME...] [since LABEL] OP VALUE   (OP: == != < <= > >=)
 *
 * Errors stop the run with "FILE:LINE: message" (exit status 2); failed
 * expects and checks are reported and the run goes on (exit status 1).
 * The parser never exits and takes a buffer, so it can be fuzzed.
 */
#ifndef HVO_SCENARIO_H
#define HVO_SCENARIO_H

#include "mm/cmdline.h"
#include "machine.h"

#define MAX_SNAPSHOTS 16

struct counter_snapshot;

struct scenario {
	const char *file;       /* name used in messages */
	unsigned line;
	FILE *out;              /* command output */
	FILE *err;              /* error and failure messages */
	bool json;              /* final JSON instead of text output */
	bool check_each;        /* run the checker after every command */
	bool quiet;             /* no summary line */
	uint64_t max_mem_bytes; /* refuse more memory (HVO_MAX_MEM, fuzzing); 0 = no cap */
	bool sweeping;          /* fault sweep: failed expects are not failures */
	const struct hvo_generation *forced_gen; /* ignore 'design' lines (hvo compare) */
	struct fault_attr fault; /* given to the machine at boot (fault sweep) */
	struct machine_config cfg;
	bool have_machine;
	bool arch_given;
	bool page_size_given;
	const struct hvo_generation *gen; /* from the 'design' line */
	struct boot_params bp;
	unsigned cmdline_line;
	struct machine *m;
	unsigned nr_maps;       /* map commands that succeeded (default names) */
	unsigned nr_snapshots;
	struct counter_snapshot *snapshots[MAX_SNAPSHOTS];
	unsigned nr_commands, nr_expect_ok, nr_expect_fail, nr_check_fail;
	/*
	 * nr_commands when a `check` last found nothing with no pfn walker
	 * pending (so nothing ran after it): while nr_commands still equals
	 * it, the machine is exactly as that check saw it.  0 = never.
	 */
	unsigned checked_at;
	bool error;
};

void scenario_init(struct scenario *sc, const char *file, FILE *out, FILE *err);
void scenario_destroy(struct scenario *sc);

/* Run every line of @buf.  Returns 0 (all good), 1 (failures), 2 (error). */
int scenario_run_buffer(struct scenario *sc, const char *buf, size_t len);
/*
 * Run the one line of @buf that starts at *@pos (@pos 0 for the first) and
 * move *@pos past it; the caller stops when *@pos reaches @len.  0, or 2
 * after an error (one line on sc->err).  `hvo diff` steps two scenarios.
 */
int scenario_step(struct scenario *sc, const char *buf, size_t len, size_t *pos);
/* 1 if an expect or check failed so far, else 0 (an error is scenario_step()'s 2). */
int scenario_status(const struct scenario *sc);
/* Print the final JSON object or summary line. */
void scenario_finish(struct scenario *sc);

/*
 * Run @buf with its output discarded and hand back the machine it booted
 * (the caller destroys it), for commands that look at the end state
 * (`hvo explain`, `hvo plot`).  A non-NULL @gen overrides the scenario's
 * design, as `hvo compare` does.  *@status is what `hvo run` would exit with; NULL
 * (status 2) after an error or when nothing was booted, with one line on @err.
 */
struct machine *scenario_boot_quietly(const char *file, const char *buf, size_t len,
				      const struct hvo_generation *gen, FILE *err,
				      int *status);

/* The scenario `make run` runs when no file is given. */
extern const char default_scenario[];

#endif
