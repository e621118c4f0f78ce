// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of HugeTLB vmemmap optimization: the designs' mappings and
 * struct pages, and what every failure leaves behind.
 */
#include <string.h>

#include "sim/sim.h"
#include "mm/alloc.h"
#include "harness.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "arch/pgtable.h"
#include "testutil.h"
#include "mm/vmstat.h"

static int64_t counter(struct machine *m, const char *name)
{
	int64_t v = -1;
	counter_get(m, name, &v);
	return v;
}

/* The first 2 MiB folio of the pool. */
static pfn_t first_folio(struct machine *m, uint64_t size)
{
	struct hstate *h = size_to_hstate(m, size);

	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		if (h->freelists[nid].nr)
			return h->freelists[nid].v[0].pfn;
	return PFN_NONE;
}

static struct machine *boot_design(const char *design, const char *cmdline)
{
	char text[512];

	snprintf(text, sizeof(text), "machine mem=4G layout=qemu-pc\ncmdline %s\ndesign %s\nboot\n",
		 cmdline, design);
	return boot_scenario(text);
}

/*
 * Shared tails cost one page per zone and order; everything else is the
 * same in every design: free memory differs by exactly those pages.
 */
TEST(designs_save_the_same_minus_shared_tails)
{
	const char *c = "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=512";
	struct machine *l = boot_design("legacy", c);
	struct machine *s = boot_design("shared-tail", c);
	struct machine *g = boot_design("generic", c);

	ASSERT_TRUE(l && s && g);
	ASSERT_EQ(counter(s, "nr_shared_tail_pages"), 2); /* DMA32 and Normal */
	ASSERT_EQ(counter(l, "nr_free_pages") - counter(s, "nr_free_pages"), 2);
	ASSERT_EQ(counter(g, "nr_free_pages"), counter(s, "nr_free_pages"));
	ASSERT_EQ(counter(l, "vmemmap_pgtable_pages"), counter(s, "vmemmap_pgtable_pages"));
	ASSERT_EQ(counter(l, "nr_memmap_pages"), counter(g, "nr_memmap_pages"));
	machine_destroy(l);
	machine_destroy(s);
	machine_destroy(g);
	return 0;
}

/*
 * Legacy: vmemmap pages 1..7 alias the copied head page, so the struct
 * page at the start of each is a fake head (PG_head set) that
 * compound_head() resolves through page[1] to the real head.
 *
 * One 2 MiB folio (docs/vmemmap-layout.md#legacy):
 *
 *   vmemmap page   0   1   2   3   4   5   6   7
 *                |N  |N  |N  |N  |N  |N  |N  |N  |
 *                 rw  ro  ro  ro  ro  ro  ro  ro
 *   N: a new page holding a copy of the old head page
 *
 * Expect the struct page at the start of pages 1..7 (pfn head + 64k) to
 * show PG_head and resolve to the head, and to be taken at face value once
 * the static key is off.
 */
TEST(legacy_fake_heads_resolve_to_the_head)
{
	struct machine *m = boot_design("legacy", "hugetlb_free_vmemmap=on hugepages=8");
	pfn_t head;
	vaddr_t hva, ch;
	struct page_struct ps;

	ASSERT_TRUE(m);
	head = first_folio(m, 2 * SZ_1M);
	hva = pfn_to_page_va(&m->geo, head);
	for (unsigned k = 1; k < 8; k++) {
		vaddr_t fake = hva + k * m->geo.page_size;
		ASSERT_EQ(page_read(m, fake, &ps), 0);
		ASSERT_TRUE(test_flag(ps.flags, PG_head));   /* looks like a head */
		ASSERT_EQ(ps.compound_info & 1, 0);
		ASSERT_EQ(compound_head(m, fake, &ch), 0);
		ASSERT_EQ(ch, hva);                          /* but resolves */
	}
	/* Without the static key the fake head would be taken at face value. */
	m->hugetlb_optimize_vmemmap_key = 0;
	ASSERT_EQ(compound_head(m, hva + m->geo.page_size, &ch), 0);
	ASSERT_EQ(ch, hva + m->geo.page_size);
	machine_destroy(m);
	return 0;
}

/*
 * shared-tail, generic: no fake head anywhere; tails are byte-identical.
 *
 * One 2 MiB folio (docs/vmemmap-layout.md#shared-tail):
 *
 *   vmemmap page   0   1   2   3   4   5   6   7
 *                |N  |T  |T  |T  |T  |T  |T  |T  |
 *                 rw  ro  ro  ro  ro  ro  ro  ro
 *   N: a copy of the old head page   T: the zone's shared tail for order 9
 *
 * Expect a tail of one folio (pfn a + 64, in page 1) to equal, byte for
 * byte, a tail of another (pfn b + 200, in page 3), without PG_head, and
 * compound_head() to return each folio's own head.
 */
TEST(shared_designs_have_no_fake_heads)
{
	static const char *const designs[] = { "shared-tail", "generic" };

	for (unsigned d = 0; d < 2; d++) {
		struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on hugepages=8");
		pfn_t a, b;
		struct page_struct pa, pb;
		vaddr_t ch;

		ASSERT_TRUE(m);
		a = first_folio(m, 2 * SZ_1M);
		b = m->hstates[m->default_hstate].freelists[0].v[5].pfn;
		ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, a + 64), &pa), 0);
		ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, b + 200), &pb), 0);
		ASSERT_FALSE(test_flag(pa.flags, PG_head));
		ASSERT_EQ(memcmp(&pa, &pb, sizeof(pa)), 0); /* identical tails */
		ASSERT_EQ(compound_head(m, pfn_to_page_va(&m->geo, b + 200), &ch), 0);
		ASSERT_EQ(ch, pfn_to_page_va(&m->geo, b));
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/* Fail the @nth allocation from @site from now on (and later ones if @persistent). */
static void inject(struct machine *m, unsigned site, uint64_t nth, bool persistent)
{
	fault_attr_init(&m->fault);
	m->fault.fail_nth = nth;
	m->fault.persistent = persistent;
	m->fault.site_mask = 1u << site;
}

/* Allocate one fresh 2 MiB folio (HVO on, not yet optimized). */
static pfn_t fresh_folio(struct machine *m, unsigned order)
{
	char err[128];
	bool on = m->vmemmap_optimize_enabled;
	pfn_t pfn;

	m->vmemmap_optimize_enabled = false;
	if (hugetlb_set_nr(m, m->geo.page_size << order, 1, NUMA_NO_NODE, err, sizeof(err)))
		return PFN_NONE;
	m->vmemmap_optimize_enabled = on;
	pfn = first_folio(m, m->geo.page_size << order);
	return pfn;
}

/* Optimize the pool's only folio directly, keeping the pool counter right. */
static int optimize_pool_folio(struct machine *m, unsigned order, pfn_t pfn)
{
	int ret = hugetlb_vmemmap_optimize_folio(m, order, pfn);
	if (!ret && folio_vmemmap_optimized(m, pfn))
		size_to_hstate(m, m->geo.page_size << order)->nr_optimized++;
	return ret;
}

/*
 * Legacy: when the new head page cannot be allocated, the old head page is
 * kept and the 7 tail pages are freed: -7 boot pages, no buddy page.
 *
 * One 2 MiB folio (docs/vmemmap-layout.md#legacy-fallback):
 *
 *   before         0   1   2   3   4   5   6   7
 *                |a  |b  |c  |d  |e  |f  |g  |h  |
 *                 rw  rw  rw  rw  rw  rw  rw  rw
 *   after          0   1   2   3   4   5   6   7
 *                |a  |a  |a  |a  |a  |a  |a  |a  |
 *                 rw  ro  ro  ro  ro  ro  ro  ro
 *   freed: b c d e f g h
 *
 * Expect the folio optimized, the boot counter 7 lower and nr_memmap_pages
 * unchanged.
 */
TEST(legacy_head_alloc_failure_reuses_old_head)
{
	struct machine *m = boot_design("legacy", "hugetlb_free_vmemmap=on");
	int64_t boot, buddy;
	pfn_t pfn;

	ASSERT_TRUE(m);
	pfn = fresh_folio(m, 9);
	ASSERT_NE(pfn, PFN_NONE);
	boot = counter(m, "nr_memmap_boot_pages");
	buddy = counter(m, "nr_memmap_pages");
	inject(m, SITE_VMEMMAP_HEAD, 1, false);
	ASSERT_EQ(optimize_pool_folio(m, 9, pfn), 0);
	ASSERT_EQ(m->fault.nr_injected, 1);
	ASSERT_TRUE(folio_vmemmap_optimized(m, pfn));
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), boot - 7);
	ASSERT_EQ(counter(m, "nr_memmap_pages"), buddy);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* shared-tail and generic: no fallback; the folio stays untouched. */
TEST(shared_head_alloc_failure_leaves_folio_untouched)
{
	static const char *const designs[] = { "shared-tail", "generic" };
	static const unsigned sites[] = { SITE_VMEMMAP_HEAD, SITE_SHARED_TAIL };

	for (unsigned d = 0; d < 2; d++) {
		for (unsigned s = 0; s < 2; s++) {
			struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on");
			int64_t boot, buddy, nr_free;
			pfn_t pfn;

			ASSERT_TRUE(m);
			pfn = fresh_folio(m, 9);
			boot = counter(m, "nr_memmap_boot_pages");
			buddy = counter(m, "nr_memmap_pages");
			nr_free = counter(m, "nr_free_pages");
			inject(m, sites[s], 1, false);
			ASSERT_EQ(optimize_pool_folio(m, 9, pfn), -ENOMEM);
			ASSERT_EQ(m->fault.nr_injected, 1);
			ASSERT_FALSE(folio_vmemmap_optimized(m, pfn));
			ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), boot);
			ASSERT_EQ(counter(m, "nr_memmap_pages"), buddy);
			/* a shared tail published before the head failed stays */
			ASSERT_EQ(counter(m, "nr_free_pages"),
				  nr_free - counter(m, "nr_shared_tail_pages"));
			ASSERT_EQ(check_machine(m), 0);
			machine_destroy(m);
		}
	}
	return 0;
}

/*
 * A 1 GiB folio's vmemmap spans 8 PMDs; the 5th PMD split fails: the walk
 * rolls back exactly the prefix it remapped
 * (docs/failure-modes.md#mid-walk-failure).  The head keeps its new copy in
 * shared-tail and generic (the 2026 rollback fix) and its folio metadata
 * survives.  Then the same folio optimizes fine.
 */
TEST(rollback_after_mid_walk_failure_is_exact)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on");
		int64_t total, pgt;
		pfn_t pfn;
		struct page_struct head;

		ASSERT_TRUE(m);
		pfn = fresh_folio(m, 18);
		ASSERT_NE(pfn, PFN_NONE);
		total = counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages");
		pgt = counter(m, "vmemmap_pgtable_pages");
		inject(m, SITE_PGTABLE, 5, false);
		ASSERT_EQ(optimize_pool_folio(m, 18, pfn), -ENOMEM);
		ASSERT_EQ(m->fault.nr_injected, 1);
		ASSERT_FALSE(folio_vmemmap_optimized(m, pfn));
		/* 4 PMDs were split and stay split; no vmemmap page is lost */
		ASSERT_EQ(counter(m, "vmemmap_pgtable_pages"), pgt + 4);
		ASSERT_EQ(counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages"), total);
		ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, pfn), &head), 0);
		ASSERT_TRUE(test_flag(head.flags, PG_head));
		ASSERT_EQ(head.mapcount, PAGE_TYPE_HUGETLB);
		ASSERT_EQ(check_machine(m), 0);
		fault_attr_init(&m->fault);
		ASSERT_EQ(optimize_pool_folio(m, 18, pfn), 0);
		ASSERT_TRUE(folio_vmemmap_optimized(m, pfn));
		ASSERT_EQ(counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages"),
			  total - 4095);
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/*
 * Freeing with no memory to restore the vmemmap: the folios go back into the
 * pool as surplus pages, optimized still
 * (docs/failure-modes.md#restore-failures); asking for them again turns them
 * back into persistent pages.
 */
TEST(restore_failure_makes_surplus_pages)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on hugepages=4");
		char err[128];
		int64_t total;

		ASSERT_TRUE(m);
		total = counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages");
		inject(m, SITE_VMEMMAP_RESTORE, 1, true);
		ASSERT_EQ(hugetlb_set_nr(m, 2 * SZ_1M, 0, NUMA_NO_NODE, err, sizeof(err)), 0);
		ASSERT_EQ(counter(m, "HugePages_Total"), 4);
		ASSERT_EQ(counter(m, "HugePages_Surp"), 4);
		ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 4);
		ASSERT_EQ(counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages"), total);
		ASSERT_EQ(check_machine(m), 0);
		fault_attr_init(&m->fault);
		ASSERT_EQ(hugetlb_set_nr(m, 2 * SZ_1M, 4, NUMA_NO_NODE, err, sizeof(err)), 0);
		ASSERT_EQ(counter(m, "HugePages_Total"), 4);
		ASSERT_EQ(counter(m, "HugePages_Surp"), 0);
		ASSERT_EQ(hugetlb_set_nr(m, 2 * SZ_1M, 0, NUMA_NO_NODE, err, sizeof(err)), 0);
		ASSERT_EQ(counter(m, "HugePages_Total"), 0);
		ASSERT_EQ(counter(m, "nr_memmap_pages") + counter(m, "nr_memmap_boot_pages"),
			  total + 4 * 7);
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/* Pool growth that runs out of memory stops quietly with what it got. */
TEST(pool_growth_stops_at_oom)
{
	struct machine *m = boot_design("generic", "hugetlb_free_vmemmap=on");
	char err[128];

	ASSERT_TRUE(m);
	inject(m, SITE_HUGETLB, 11, true);
	ASSERT_EQ(hugetlb_set_nr(m, 2 * SZ_1M, 100, NUMA_NO_NODE, err, sizeof(err)), 0);
	ASSERT_EQ(counter(m, "HugePages_Total"), 10);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/*
 * Restore copies plain tails back: every struct page equals a fresh prep.
 *
 * One 2 MiB folio after restore (docs/vmemmap-layout.md#legacy-restore):
 *
 *   vmemmap page   0   1   2   3   4   5   6   7
 *                |N  |r1 |r2 |r3 |r4 |r5 |r6 |r7 |
 *                 rw  rw  rw  rw  rw  rw  rw  rw
 *   r1..r7: new pages, copies of N with struct pages 0..3 reset (legacy)
 *           or copies of the shared tail T (shared-tail, generic)
 *
 * Expect struct pages 4..511 all alike, each a plain tail.
 */
TEST(restore_rebuilds_plain_tails)
{
	static const char *const designs[] = { "legacy", "shared-tail", "generic" };

	for (unsigned d = 0; d < 3; d++) {
		struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on hugepages=2");
		pfn_t pfn;
		struct page_struct a, b;

		ASSERT_TRUE(m);
		pfn = first_folio(m, 2 * SZ_1M);
		ASSERT_EQ(hugetlb_vmemmap_restore_folio(m, 9, pfn), 0);
		m->hstates[m->default_hstate].nr_optimized--;
		for (unsigned i = 4; i < 512; i++) {
			ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, pfn + i), &a), 0);
			ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, pfn + 4), &b), 0);
			ASSERT_EQ(a.mapping, TAIL_MAPPING);
			ASSERT_EQ(memcmp(&a, &b, sizeof(a)), 0);
		}
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/*
 * bd225530a4c7: with a folio in use (refcount 1), a speculative
 * get_page_unless_zero() on a fake head (pfn head + 64) must not write the
 * read-only tail.  6.12 skips fake heads; legacy-6.10 writes and faults.
 * The real head takes a reference either way; a plain tail has none.
 */
TEST(speculative_get_skips_fake_heads)
{
	static const char *const designs[] = { "legacy", "legacy-6.10" };

	for (unsigned d = 0; d < 2; d++) {
		struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on hugepages=1");
		uint64_t faults;
		pfn_t pfn;

		ASSERT_TRUE(m);
		pfn = first_folio(m, 2 * SZ_1M);
		ASSERT_TRUE(folio_vmemmap_optimized(m, pfn));
		ASSERT_EQ(set_page_count(m, pfn, 1), 0);
		faults = m->mmu.nr_faults;
		ASSERT_FALSE(get_page_unless_zero(m, pfn + 64));
		ASSERT_EQ(m->mmu.nr_faults, faults + d);
		ASSERT_FALSE(get_page_unless_zero(m, pfn + 65));
		ASSERT_TRUE(get_page_unless_zero(m, pfn));
		put_page(m, pfn);
		ASSERT_EQ(m->mmu.nr_faults, faults + d);
		ASSERT_EQ(set_page_count(m, pfn, 0), 0);
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}

/*
 * f13b83fdd996 (docs/bugs.md#batch-flush): a batch optimize that runs out of
 * memory at its 3rd folio must flush the TLB before it frees the vmemmap
 * pages of folios 1 and 2, which the TLB may still map (their heads were
 * written through it).  The real path flushes and is clean; the test seam
 * that skips the flush is caught: freeing frames the TLB still maps is a
 * fault, and the checker reports it even after the batch's final flush.
 */
TEST(batch_enomem_flushes_before_freeing)
{
	static const char *const designs[] = { "shared-tail", "generic" };

	for (unsigned d = 0; d < 2; d++) {
		for (unsigned skip = 0; skip < 2; skip++) {
			struct machine *m = boot_design(designs[d], "hugetlb_free_vmemmap=on");
			uint64_t flushes;
			char err[128];

			ASSERT_TRUE(m);
			m->test_skip_enomem_flush = skip;
			flushes = m->mmu.nr_flush_all;
			inject(m, SITE_VMEMMAP_HEAD, 3, false);
			ASSERT_EQ(hugetlb_set_nr(m, 2 * SZ_1M, 8, NUMA_NO_NODE, err, sizeof(err)), 0);
			ASSERT_EQ(m->fault.nr_injected, 1);
			/* the 3rd folio is retried after the free and optimizes */
			ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 8);
			ASSERT_EQ(m->mmu.nr_flush_all, flushes + 3 - skip);
			if (skip) {
				ASSERT_EQ(m->mmu.nr_freed_while_cached, 2);
				ASSERT_TRUE(check_machine(m) > 0);
			} else {
				ASSERT_EQ(m->mmu.nr_freed_while_cached, 0);
				ASSERT_EQ(check_machine(m), 0);
			}
			machine_destroy(m);
		}
	}
	return 0;
}

/*
 * d8f5f7e445f0 (docs/bugs.md#flag-before-optimize): a folio whose vmemmap is
 * optimized is a hugetlb folio.  Clearing the page type of an optimized pool
 * folio (what setting the flag only after optimizing allowed) is a violation.
 */
TEST(check_optimized_folio_is_hugetlb)
{
	struct machine *m = boot_design("generic", "hugetlb_free_vmemmap=on hugepages=1");
	int32_t none = -1;
	pfn_t pfn;

	ASSERT_TRUE(m);
	pfn = first_folio(m, 2 * SZ_1M);
	ASSERT_TRUE(folio_vmemmap_optimized(m, pfn));
	ASSERT_EQ(check_machine(m), 0);
	ASSERT_EQ(vmemmap_write(m, pfn_to_page_va(&m->geo, pfn) + PAGE_OFF_MAPCOUNT,
				&none, sizeof(none)), 0);
	ASSERT_EQ(check_machine(m), 1);
	machine_destroy(m);
	return 0;
}

/* Boot names every parameter it does not model, in the kernel log. */
TEST(boot_logs_unmodelled_params)
{
	struct machine *m = boot_scenario("machine mem=1G\n"
					  "cmdline cma=64M foo=bar\nboot\n");

	ASSERT_TRUE(m != NULL);
	ASSERT_TRUE(strstr(m->log.buf, "Unknown kernel command line parameters \"foo=bar\", "
				       "will be passed to user space."));
	ASSERT_TRUE(strstr(m->log.buf, "accepted, not modelled: cma"));
	machine_destroy(m);
	return 0;
}

/*
 * arm64 as mainline builds it (060a2c92d1b6): no HugeTLB HVO, so
 * hugetlb_free_vmemmap= joins the unknown parameters, every size can free
 * 0 KiB and the sysctl does not exist.  whatif=hvo-bbm builds HVO in and
 * changes every live vmemmap entry by break-before-make.
 */
TEST(arm64_has_no_hugetlb_hvo)
{
	struct machine *m = boot_scenario("machine mem=2G arch=arm64\n"
					  "cmdline foo=bar hugetlb_free_vmemmap=on hugepages=8\nboot\n");
	char err[512];

	ASSERT_TRUE(m != NULL);
	ASSERT_FALSE(hugetlb_vmemmap_configured(m));
	ASSERT_TRUE(strstr(m->log.buf, "Unknown kernel command line parameters "
				       "\"foo=bar hugetlb_free_vmemmap=on\", will be passed to user space."));
	ASSERT_TRUE(strstr(m->log.buf, "HugeTLB: 0 KiB vmemmap can be freed for a 2.00 MiB page"));
	ASSERT_EQ(hugetlb_vmemmap_optimizable_size(m, 9), 0);
	ASSERT_EQ(hugetlb_sysctl(m, "vm.hugetlb_optimize_vmemmap", "1", err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strstr(err, "does not exist"));
	ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 0);
	ASSERT_EQ(counter(m, "nr_bbm_sequences"), 0);
	machine_destroy(m);

	m = boot_scenario("machine mem=2G arch=arm64 whatif=hvo-bbm\n"
			  "cmdline hugetlb_free_vmemmap=on hugepages=8\nboot\n");
	ASSERT_TRUE(m != NULL);
	ASSERT_TRUE(hugetlb_vmemmap_configured(m));
	ASSERT_FALSE(strstr(m->log.buf, "Unknown kernel command line"));
	ASSERT_EQ(hugetlb_vmemmap_optimizable_size(m, 9), 7 * 4096);
	ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 8);
	/*
	 * two PMD splits, then the head and 7 tail PTEs of each page: the
	 * first page is the 2 MiB block left just below the memmap at the top
	 * of memory (the head of the order-9 movable list), the other seven
	 * come from the bottom of the order-10 list, under another PMD
	 */
	ASSERT_EQ(counter(m, "nr_bbm_sequences"), 2 + 8 * 8);
	ASSERT_EQ(counter(m, "nr_tlb_flush_range"), 2 + 8 * 8);
	ASSERT_EQ(hugetlb_sysctl(m, "vm.hugetlb_optimize_vmemmap", "0", err, sizeof(err)), 0);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/*
 * Pre-HVO of boot gigantic pages (legacy-6.18 and later) only where the
 * architecture selects ARCH_WANT_HUGETLB_VMEMMAP_PREINIT: x86-64.
 */
TEST(preinit_only_where_arch_selects_it)
{
	static const char *const arch[] = { "x86-64", "riscv64" };

	for (unsigned i = 0; i < 2; i++) {
		char text[256];
		struct machine *m;

		snprintf(text, sizeof(text), "machine mem=4G arch=%s\n"
			 "cmdline hugepagesz=1G hugepages=1 hugetlb_free_vmemmap=on\n"
			 "design legacy-6.18\nboot\n", arch[i]);
		m = boot_scenario(text);
		ASSERT_TRUE(m != NULL);
		ASSERT_EQ(hugetlb_vmemmap_preinit(m), i == 0);
		ASSERT_EQ(m->nr_bootmem_pages, 1);
		ASSERT_EQ(m->bootmem_pages[0].hvo, i == 0);
		ASSERT_EQ(counter(m, "nr_vmemmap_optimized"), 1); /* late HVO on riscv64 */
		ASSERT_EQ(check_machine(m), 0);
		machine_destroy(m);
	}
	return 0;
}
