// SPDX-License-Identifier: GPL-2.0-only
/*
 * One scenario in each design (see compare.h): runs it once per design
 * with its messages captured, so each can be reported as that design's,
 * and reads the scenario's own design line to know which designs its
 * expects and checks are claimed for.
 */
#include <errno.h>
#include <string.h>

#include "cli/compare.h"
#include "cli/scenario.h"
#include "mm/vmstat.h"
#include "sim/generations.h"
#include "sim/sim.h"

const char *const compare_counters[] = {
	"nr_memmap_boot_pages", "nr_memmap_pages", "vmemmap_pgtable_pages",
	"nr_shared_tail_pages", "nr_vmemmap_optimized", "nr_free_pages", "MemTotal",
	"HugePages_Total", "Hugetlb", "nr_synchronize_rcu", "nr_pte_writes",
	"nr_tlb_flush_all", "memmap_init_pages", "mmu_faults",
};
const unsigned nr_compare_counters = ARRAY_SIZE(compare_counters);

_Static_assert(ARRAY_SIZE(compare_counters) <= COMPARE_MAX_COUNTERS, "compare_counters");

/* legacy, shared-tail and generic: the rows marked for comparison. */
#define NR_COMPARED 3

const char *compare_unit(const char *counter)
{
	for (const struct counter_desc *c = counter_table; c->name; c++)
		if (!strcmp(c->name, counter))
			return c->unit[0] ? c->unit : "count";
	return "";
}

/*
 * The generation of the scenario's last `design NAME` line (the one the
 * interpreter would use), or NULL; an unknown name is left to the runs,
 * which report it.
 */
static const struct hvo_generation *declared_design(const char *buf, size_t len)
{
	const struct hvo_generation *gen = NULL;
	size_t pos = 0;

	while (pos < len) {
		char line[128], name[64];
		size_t n = 0;

		while (pos < len && buf[pos] != '\n') {
			if (n + 1 < sizeof(line))
				line[n++] = buf[pos];
			pos++;
		}
		pos++;
		line[n] = '\0';
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		if (sscanf(line, " design %63s", name) == 1 && generation_find(name))
			gen = generation_find(name);
	}
	return gen;
}

static int run_one(const char *file, const char *buf, size_t len, FILE *sink,
		   struct compare_run *c)
{
	struct scenario sc;
	size_t mlen = 0;
	FILE *err = open_memstream(&c->messages, &mlen);

	if (!err)
		return -ENOMEM;
	scenario_init(&sc, file, sink, err);
	sc.quiet = true;
	sc.forced_gen = c->gen;
	c->status = scenario_run_buffer(&sc, buf, len);
	c->expects_failed = sc.nr_expect_fail;
	c->expects_passed = sc.nr_expect_ok;
	c->checks_failed = sc.nr_check_fail;
	for (unsigned k = 0; k < nr_compare_counters; k++)
		if (!sc.m || sc.m->phase != PHASE_RUNNING ||
		    counter_get(sc.m, compare_counters[k], &c->val[k]))
			c->val[k] = 0;
	scenario_destroy(&sc);
	fclose(err);
	return c->messages ? 0 : -ENOMEM;
}

int compare_designs(const char *file, const char *buf, size_t len,
		    struct compare_result *r)
{
	FILE *sink = fopen("/dev/null", "w");

	memset(r, 0, sizeof(*r));
	if (!sink)
		return -ENOMEM;
	r->declared = declared_design(buf, len);
	for (unsigned d = 0; d < NR_COMPARED; d++)
		r->run[r->nr_runs++].gen = generation_compared(d);
	if (r->declared) {
		unsigned d = 0;
		while (d < r->nr_runs && r->run[d].gen != r->declared)
			d++;
		if (d == r->nr_runs)
			r->run[r->nr_runs++].gen = r->declared;
	}
	for (unsigned d = 0; d < r->nr_runs; d++) {
		struct compare_run *c = &r->run[d];
		c->claimed = !r->declared || c->gen == r->declared;
		if (run_one(file, buf, len, sink, c)) {
			fclose(sink);
			compare_result_free(r);
			return -ENOMEM;
		}
	}
	fclose(sink);
	return 0;
}

void compare_result_free(struct compare_result *r)
{
	for (unsigned d = 0; d < r->nr_runs; d++) {
		free(r->run[d].messages);
		r->run[d].messages = NULL;
	}
}

int compare_status(const struct compare_result *r)
{
	unsigned refused = 0;
	int st = 0;

	for (unsigned d = 0; d < r->nr_runs; d++) {
		const struct compare_run *c = &r->run[d];
		refused += c->status == 2;
		if (!c->claimed)
			continue;
		if (c->status == 2 && r->declared)
			return 2;
		if (c->status == 1)
			st = 1;
	}
	return refused == r->nr_runs ? 2 : st;
}

void compare_run_status(const struct compare_run *c, char *buf, size_t len)
{
	if (c->status == 2)
		snprintf(buf, len, "refused");
	else if (!c->expects_failed && !c->checks_failed)
		snprintf(buf, len, "ok");
	else if (!c->checks_failed)
		snprintf(buf, len, "%u expect%s failed", c->expects_failed,
			 c->expects_failed == 1 ? "" : "s");
	else if (!c->expects_failed)
		snprintf(buf, len, "%u check%s failed", c->checks_failed,
			 c->checks_failed == 1 ? "" : "s");
	else
		snprintf(buf, len, "%u expect%s, %u check%s failed", c->expects_failed,
			 c->expects_failed == 1 ? "" : "s", c->checks_failed,
			 c->checks_failed == 1 ? "" : "s");
}
