// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault sweep: every allocation of small scenarios fails once
 * (transient) and from there on (persistent), in every design; no run may
 * leave a violated invariant behind.
 */
#include <string.h>

#include "harness.h"
#include "cli/sweep.h"

static int sweep_text(const char *text, struct sweep_result *res, uint64_t max_runs)
{
	struct sweep_opts o = { .transient = true, .persistent = true, .max_runs = max_runs };
	FILE *log = stderr;

	return fault_sweep("<sweep>", text, strlen(text), &o, res, log);
}

TEST(sweep_runtime_pool_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign %s\nboot\n"
			 "hugepages 2M 3\nhugepages 2M 1\nhugepages 1G 0\nhugepages 2M 0\n"
			 "hugepages 2M 2\ncheck\n", designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 0), 0);
		ASSERT_TRUE(res.allocations > 20);
		/* every N up to the count injects in both modes */
		ASSERT_EQ(res.runs, 2 * res.allocations);
		ASSERT_TRUE(res.injected >= res.runs);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Boot-time gigantic pages with pre-HVO population and the restore path.
 * Restoring a 1 GiB page allocates 4095 pages, so this one strides: about
 * 60 allocations each way, spread over the whole run (hvo sweep does all).
 */
TEST(sweep_boot_gigantic_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=3G\ncmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
			 "design %s\nboot\nhugepages 1G 0\nhugepages 2M 2\nhugepages 1G 1\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 60), 0);
		ASSERT_TRUE(res.panics > 0); /* memmap failures at boot panic */
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Demote (1 GiB to 32 MiB on 16K pages: restore 255 pages, 32 heads, the
 * new folios optimized as one batch) under allocation failures: each
 * folio ends whole and optimized in the old pool or split into the new
 * one, never half of each (the checker sees every pool folio's struct
 * pages and vmemmap).  Strided; hvo sweep over
 * tests/scenarios/demote_16k_pages.hvo does every allocation.
 */
TEST(sweep_demote_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=3G arch=arm64 page_size=16K\n"
			 "cmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
			 "design %s\nboot\nhugepages 1G demote 1\ncheck\nhugepages 32M 0\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 40), 0);
		ASSERT_TRUE(res.allocations > 300);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/*
 * Surplus pages faulted, unmapped, freed by the worker, under every
 * allocation failure (the single-folio optimize, the worker's restore,
 * a failed mmap freeing what it gathered): nothing leaks, every counter
 * agrees with the folios (every allocation, both modes).
 */
TEST(sweep_surplus_every_design)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		char text[512];
		struct sweep_result res;

		snprintf(text, sizeof(text),
			 "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\ndesign %s\nboot\n"
			 "hugepages 2M 1\nsysctl vm.nr_overcommit_hugepages=3\n"
			 "map 2M 4 as a\ncheck\nmap 2M 1 as b\nunmap a\ncheck\nsettle\ncheck\n",
			 designs[d]);
		ASSERT_EQ(sweep_text(text, &res, 0), 0);
		ASSERT_TRUE(res.allocations > 20);
		ASSERT_EQ(res.runs, 2 * res.allocations);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}

/* A scenario with a syntax error is refused, not swept. */
TEST(sweep_refuses_bad_scenarios)
{
	struct sweep_result res;

	ASSERT_EQ(sweep_text("machine mem=1G\nboot\nfrobnicate\n", &res, 0), 2);
	return 0;
}

/*
 * Hot-add and hot-remove under every allocation failure: each failed add
 * rolls back exactly (generic carries the accounting fix; legacy would
 * show its underflow, see tests/scenarios/hotplug_add_fails_legacy.hvo).
 */
TEST(sweep_hotplug_generic)
{
	struct sweep_result res;
	static const char text[] =
		"machine mem=2G nodes=2\ncmdline hugetlb_free_vmemmap=on\ndesign generic\nboot\n"
		"hotplug add node=1 size=512M\nhugepages 2M 4 node=1\nhugepages 2M 0\n"
		"hotplug add node=0 size=256M memmap_on_memory\ncheck\n";

	ASSERT_EQ(sweep_text(text, &res, 0), 0);
	ASSERT_TRUE(res.allocations > 10);
	ASSERT_EQ(res.violations, 0);
	return 0;
}
