// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of hvo_share_pte: what 1 GiB pages cost with and without the
 * option, what every allocation failure on its new paths leaves behind,
 * and that the checker notices a damaged shared table.
 */
#include "sim/sim.h"
#include "mm/alloc.h"
#include "harness.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/pgtable.h"
#include "cli/sweep.h"
#include "testutil.h"
#include "mm/vmemmap_share_pte.h"
#include "mm/vmstat.h"

static int64_t counter(struct machine *m, const char *name)
{
	int64_t v = -1;
	counter_get(m, name, &v);
	return v;
}

/* A 12 GiB machine: its Normal zone holds several free 1 GiB ranges. */
static struct machine *boot_share(const char *design, bool share)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "machine mem=12G\ncmdline hugetlb_free_vmemmap=on hvo_share_pte=%s\ndesign %s\nboot\n",
		 share ? "on" : "off", design);
	return boot_scenario(text);
}

static int set_1g(struct machine *m, uint64_t n)
{
	char err[128];
	return hugetlb_set_nr(m, SZ_1G, n, NUMA_NO_NODE, err, sizeof(err));
}

static int64_t memmap(struct machine *m)
{
	return counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages");
}

static void inject(struct machine *m, unsigned site, uint64_t nth, bool persistent)
{
	fault_attr_init(&m->fault);
	m->fault.fail_nth = nth;
	m->fault.persistent = persistent;
	m->fault.site_mask = 1u << site;
}

/*
 * N runtime 1 GiB pages: 8N page tables without the option, N + 1 with it
 * (one zone), the same memmap; restoring them gives every PMD a private
 * table again, so both end at the same count, plus the kept shared table.
 *
 * One 1 GiB folio (docs/vmemmap-layout.md#gigantic, #share-pte):
 *
 *   hvo_share_pte=off
 *   PMD            0                    1                 7
 *   vmemmap page   0    1  ...  511     512 ...  1023 ... 3584 ... 4095
 *                |N   |T  ...|T   |   |T   ...|T   |...|T   ...|T   |
 *                 rw   ro      ro      ro       ro       ro       ro
 *   PTE tables     private              private            private
 *
 *   hvo_share_pte=on
 *   PMD            0                    1          ...      7
 *                |table F          |  |table S |   ...   |table S |
 *   PTE            0    1  ...  511     512 entries each, all T, ro
 *                |N   |T  ...|T   |
 *                 rw   ro      ro
 *   F: the folio's own PTE table    S: one per zone and order, shared
 *
 * Expect 8 page tables per folio without the option and 1 (plus S, once)
 * with it, 4095 memmap pages freed per folio either way.
 */
TEST(share_pte_1g_costs_one_table_per_page)
{
	static const char *const designs[] = { "shared-tail", "generic" };
	const int64_t n = 4;

	for (unsigned d = 0; d < 2; d++) {
		struct machine *off = boot_share(designs[d], false);
		struct machine *on = boot_share(designs[d], true);
		int64_t base, mm, free_off, free_on;

		ASSERT_TRUE(off && on);
		base = counter(off, "vmemmap_pgtable_pages");
		mm = memmap(off);
		ASSERT_EQ(counter(on, "vmemmap_pgtable_pages"), base);
		ASSERT_EQ(set_1g(off, n), 0);
		ASSERT_EQ(set_1g(on, n), 0);
		ASSERT_EQ(counter(on, "hugepages-1048576kB/nr_hugepages"), n);
		ASSERT_EQ(counter(on, "nr_vmemmap_optimized"), n);
		ASSERT_EQ(counter(off, "vmemmap_pgtable_pages"), base + 8 * n);
		ASSERT_EQ(counter(on, "vmemmap_pgtable_pages"), base + n + 1);
		ASSERT_EQ(counter(on, "nr_shared_pte_tables"), 1);
		ASSERT_EQ(counter(on, "nr_shared_pte_pmds"), 7 * n);
		ASSERT_EQ(memmap(on), memmap(off));
		ASSERT_EQ(memmap(on), mm - 4095 * n);
		/* the 7N tables not allocated, less the shared one, stay free */
		free_off = counter(off, "nr_free_pages");
		free_on = counter(on, "nr_free_pages");
		ASSERT_EQ(free_on - free_off, 7 * n - 1);
		ASSERT_EQ(check_machine(off), 0);
		ASSERT_EQ(check_machine(on), 0);

		ASSERT_EQ(set_1g(off, 0), 0);
		ASSERT_EQ(set_1g(on, 0), 0);
		ASSERT_EQ(memmap(on), mm);
		ASSERT_EQ(memmap(off), mm);
		ASSERT_EQ(counter(off, "vmemmap_pgtable_pages"), base + 8 * n);
		ASSERT_EQ(counter(on, "vmemmap_pgtable_pages"), base + 8 * n + 1);
		ASSERT_EQ(counter(on, "nr_shared_pte_pmds"), 0);
		ASSERT_EQ(check_machine(on), 0);

		/* again: the restored private tables are freed, none allocated */
		ASSERT_EQ(set_1g(on, n), 0);
		ASSERT_EQ(counter(on, "vmemmap_pgtable_pages"), base + n + 1);
		ASSERT_EQ(check_machine(on), 0);
		machine_destroy(off);
		machine_destroy(on);
	}
	return 0;
}

/* No shared table: the page stays unoptimized, nothing else changes. */
TEST(share_pte_table_alloc_failure_leaves_folio_untouched)
{
	static const char *const designs[] = { "shared-tail", "generic" };

	for (unsigned d = 0; d < 2; d++) {
		struct machine *m = boot_share(designs[d], true);
		int64_t mm, pgt;

		ASSERT_TRUE(m);
		mm = memmap(m);
		pgt = counter(m, "vmemmap_pgtable_pages");
		inject(m, SITE_SHARED_PTE, 1, true);
		ASSERT_EQ(set_1g(m, 2), 0);
		ASSERT_EQ(m->fault.nr_injected > 0, 1);
		ASSERT_EQ(counter(m, "hugepages-1048576kB/nr_hugepages"), 2);
		ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 0);
		ASSERT_EQ(memmap(m), mm);
		/* the batch split the head PMDs first; they stay split */
		ASSERT_EQ(counter(m, "vmemmap_pgtable_pages"), pgt + 2);
		ASSERT_EQ(counter(m, "nr_shared_pte_tables"), 0);
		ASSERT_EQ(check_machine(m), 0);
		fault_attr_init(&m->fault);
		ASSERT_EQ(set_1g(m, 0), 0);
		ASSERT_EQ(set_1g(m, 2), 0);
		ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 2);
		ASSERT_EQ(counter(m, "nr_shared_pte_pmds"), 14);
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/*
 * Restore needs private copies of the shared tables (site pgtable) and then
 * the vmemmap pages (site vmemmap_restore).  Either failing leaves the
 * pages optimized and shared, as surplus pages, with every counter where it
 * was; the k-th table failing frees the k - 1 already taken.
 */
TEST(share_pte_restore_failure_makes_surplus_pages)
{
	static const unsigned sites[] = { SITE_PGTABLE, SITE_VMEMMAP_RESTORE };
	static const char *const designs[] = { "shared-tail", "generic" };

	for (unsigned d = 0; d < 2; d++) {
		for (unsigned s = 0; s < 2; s++) {
			for (uint64_t nth = 1; nth <= 4; nth += 3) {
				struct machine *m = boot_share(designs[d], true);
				struct hstate *h;
				int64_t mm, pgt, nr_free;

				ASSERT_TRUE(m);
				ASSERT_EQ(set_1g(m, 2), 0);
				h = size_to_hstate(m, SZ_1G);
				mm = memmap(m);
				pgt = counter(m, "vmemmap_pgtable_pages");
				nr_free = counter(m, "nr_free_pages");
				inject(m, sites[s], nth, true);
				ASSERT_EQ(set_1g(m, 0), 0);
				ASSERT_TRUE(m->fault.nr_injected > 0);
				ASSERT_EQ(h->nr_huge_pages, 2);
				ASSERT_EQ(h->surplus_huge_pages, 2);
				ASSERT_EQ(h->nr_optimized, 2);
				ASSERT_EQ(memmap(m), mm);
				ASSERT_EQ(counter(m, "vmemmap_pgtable_pages"), pgt);
				ASSERT_EQ(counter(m, "nr_free_pages"), nr_free);
				ASSERT_EQ(counter(m, "nr_shared_pte_pmds"), 14);
				ASSERT_EQ(check_machine(m), 0);
				/* surplus pages become persistent again, then go */
				fault_attr_init(&m->fault);
				ASSERT_EQ(set_1g(m, 2), 0);
				ASSERT_EQ(h->surplus_huge_pages, 0);
				ASSERT_EQ(set_1g(m, 0), 0);
				ASSERT_EQ(h->nr_huge_pages, 0);
				ASSERT_EQ(memmap(m), mm + 2 * 4095);
				ASSERT_EQ(counter(m, "nr_shared_pte_pmds"), 0);
				ASSERT_EQ(check_machine(m), 0);
				machine_destroy(m);
			}
		}
	}
	return 0;
}

/* The checker sees a shared table that maps the wrong frame or miscounts. */
TEST(share_pte_checker_finds_damage)
{
	struct machine *m = boot_share("generic", true);
	struct zone *z;
	pfn_t table = 0;
	uint64_t *pte, saved;
	unsigned idx;

	ASSERT_TRUE(m);
	ASSERT_EQ(set_1g(m, 2), 0);
	ASSERT_EQ(check_machine(m), 0);
	idx = 18 - vmemmap_tail_min_order(&m->geo);
	z = &m->nodes[0].node_zones[ZONE_NORMAL];
	table = atomic_load(&z->vmemmap_pte_tables[idx]);
	ASSERT_TRUE(table != 0);
	pte = (uint64_t *)frame_bytes(&m->frames, table);
	/* an entry made writable */
	saved = pte[100];
	pte[100] |= _PAGE_RW;
	ASSERT_TRUE(check_machine(m) > 0);
	pte[100] = saved;
	ASSERT_EQ(check_machine(m), 0);
	/* a reference count that is off by one */
	atomic_fetch_add(&z->vmemmap_pte_refs[idx], 1);
	ASSERT_TRUE(check_machine(m) > 0);
	atomic_fetch_sub(&z->vmemmap_pte_refs[idx], 1);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/*
 * Fault sweeps over the option's paths: boot-time and runtime 1 GiB pages,
 * restore, re-optimize.  Every allocation of the sites these paths add to
 * or take from fails in turn, both ways (hvo sweep over the share_pte
 * scenarios covers the rest: restore pages, boot memmap).
 */
TEST(share_pte_sweep_gigantic)
{
	static const char *const designs[] = { "shared-tail", "generic" };
	unsigned mask = 1u << SITE_SHARED_PTE | 1u << SITE_PGTABLE | 1u << SITE_SHARED_TAIL |
			1u << SITE_VMEMMAP_HEAD | 1u << SITE_HUGETLB;

	for (unsigned d = 0; d < 2; d++) {
		struct sweep_opts o = { .transient = true, .persistent = true, .site_mask = mask };
		struct sweep_result res;
		char text[512];

		snprintf(text, sizeof(text),
			 "machine mem=5G\ncmdline hugetlb_free_vmemmap=on hvo_share_pte=on hugepagesz=1G hugepages=1\n"
			 "design %s\nboot\nhugepages 1G 2\nhugepages 1G 0\nhugepages 1G 1\ncheck\n",
			 designs[d]);
		ASSERT_EQ(fault_sweep("<share_pte>", text, strlen(text), &o, &res, stderr), 0);
		ASSERT_TRUE(res.allocations > 20);
		ASSERT_EQ(res.runs, 2 * res.allocations);
		ASSERT_EQ(res.violations, 0);
	}
	return 0;
}
