// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo compare`: one scenario in each design, counters side by side.
 */
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/plot.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "cli/sweep.h"
#include "lib/fault.h"
#include "lib/parse.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

static const char *const compare_counters[] = {
	"nr_memmap_boot_pages", "nr_memmap_pages", "vmemmap_pgtable_pages",
	"nr_shared_tail_pages", "nr_vmemmap_optimized", "nr_free_pages", "MemTotal",
	"HugePages_Total", "Hugetlb", "nr_synchronize_rcu", "nr_pte_writes",
	"nr_tlb_flush_all", "memmap_init_pages", "mmu_faults",
};

/* legacy, shared-tail and generic: the rows marked for comparison. */
#define NR_COMPARED 3

int cmd_compare(int argc, char **argv)
{
	const char *file = argc == 1 ? argv[0] : NULL;
	int64_t val[NR_COMPARED][ARRAY_SIZE(compare_counters)];
	int status[NR_COMPARED], refused = 0;
	char *buf;
	size_t len;
	FILE *sink;

	if (argc != 1 || argv[0][0] == '-' ) {
		fprintf(stderr, "hvo compare: exactly one scenario FILE\n");
		print_usage(stderr);
		return 2;
	}
	buf = load_scenario(&file, &len);
	sink = fopen("/dev/null", "w");
	if (!buf || !sink)
		return 2;
	for (int d = 0; d < NR_COMPARED; d++) {
		struct scenario sc;
		scenario_init(&sc, file, sink, stderr);
		sc.quiet = true;
		sc.forced_gen = generation_compared((unsigned)d);
		status[d] = scenario_run_buffer(&sc, buf, len);
		for (unsigned k = 0; k < ARRAY_SIZE(compare_counters); k++)
			if (!sc.m || sc.m->phase != PHASE_RUNNING ||
			    counter_get(sc.m, compare_counters[k], &val[d][k]))
				val[d][k] = 0;
		scenario_destroy(&sc);
		refused += status[d] == 2;
	}
	fclose(sink);
	free(buf);
	/* A design may refuse the scenario (its error is on stderr): "-". */
	if (refused == NR_COMPARED)
		return 2;
	printf("%-24s", "counter");
	for (int d = 0; d < NR_COMPARED; d++)
		printf(" %14s", generation_compared((unsigned)d)->name);
	printf("\n");
	for (unsigned k = 0; k < ARRAY_SIZE(compare_counters); k++) {
		printf("%-24s", compare_counters[k]);
		for (int d = 0; d < NR_COMPARED; d++) {
			if (status[d] == 2)
				printf(" %14s", "-");
			else
				printf(" %14lld", (long long)val[d][k]);
		}
		printf("\n");
	}
	printf("%-24s", "expects and checks");
	for (int d = 0; d < NR_COMPARED; d++)
		printf(" %14s", status[d] == 2 ? "refused" : status[d] ? "FAILED" : "ok");
	printf("\n");
	for (int d = 0; d < NR_COMPARED; d++)
		if (status[d] == 1)
			return 1;
	return 0;
}

