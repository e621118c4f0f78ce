// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the booted machine: layout, counters, page table, MMU and
 * TLB, struct pages, the checker.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"
#include "mm/alloc.h"
#include "sim/check.h"
#include "harness.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "mm/page_struct.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "testutil.h"
#include "mm/vmstat.h"
#include "mm/hugetlb.h"
#include "mm/sparse.h"

static int64_t counter(struct machine *m, const char *name)
{
	int64_t v = -1;
	counter_get(m, name, &v);
	return v;
}

/*
 * QEMU pc, 4 GiB: [0,3G) and [4G,5G), 32 present sections
 * (docs/oracle-numbers.md#case-a).
 */
TEST(qemu_pc_4g_layout)
{
	struct machine *m = boot_scenario("machine mem=4G layout=qemu-pc\nboot\n");

	ASSERT_TRUE(m);
	ASSERT_EQ(counter(m, "present_sections"), 32);
	ASSERT_EQ(counter(m, "zone_present"), 1048446);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 16384);
	ASSERT_EQ(counter(m, "nr_memmap_pages"), 0);
	ASSERT_EQ(m->max_pfn, 0x140000);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

TEST(qemu_pc_6g_layout)
{
	struct machine *m = boot_scenario("machine mem=6G layout=qemu-pc\nboot\n");

	ASSERT_TRUE(m);
	ASSERT_EQ(counter(m, "present_sections"), 48);
	ASSERT_EQ(counter(m, "zone_present"), 1572734);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 24576);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* No hidden global state: two machines side by side stay independent. */
TEST(two_machines_in_one_process)
{
	struct machine *a = boot_scenario("machine mem=4G layout=qemu-pc\nboot\n");
	struct machine *b = boot_scenario("machine mem=2G nodes=2\ncmdline hugepages=64 hugetlb_free_vmemmap=on\nboot\n");

	ASSERT_TRUE(a && b);
	ASSERT_EQ(counter(a, "nr_memmap_boot_pages"), 16384);
	ASSERT_EQ(counter(b, "nr_memmap_boot_pages"), 16 * 512 - 64 * 8);
	ASSERT_EQ(counter(b, "nr_memmap_pages"), 64);
	ASSERT_EQ(counter(a, "HugePages_Total"), 0);
	ASSERT_EQ(check_machine(a), 0);
	ASSERT_EQ(check_machine(b), 0);
	machine_destroy(a);
	ASSERT_EQ(check_machine(b), 0);
	machine_destroy(b);
	return 0;
}

/* Boot maps each 128 MiB section's memmap with one 2 MiB PMD leaf. */
TEST(boot_uses_pmd_leaves)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct pt_walk w;

	ASSERT_TRUE(m);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(&m->geo, 12345), &w), 0);
	ASSERT_EQ(w.leaf, PT_PMD);
	ASSERT_TRUE(w.writable);
	ASSERT_EQ(frame_owner(&m->frames, w.pfn), FO_VMEMMAP);
	ASSERT_EQ(frame_origin(&m->frames, w.pfn), ORIGIN_MEMBLOCK);
	/* 1 PUD table + 1 PMD table map 8 sections */
	ASSERT_EQ(counter(m, "vmemmap_pgtable_pages"), 2);
	machine_destroy(m);
	return 0;
}

/* arm64 16K and 64K: base-page population, section memmap 32 / 8 pages. */
TEST(arm64_geometries_boot)
{
	struct machine *m = boot_scenario("machine mem=2G page_size=16K\nboot\n");
	struct pt_walk w;

	ASSERT_TRUE(m);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 16 * 32);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(&m->geo, 1000), &w), 0);
	ASSERT_EQ(w.leaf, PT_PTE);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	m = boot_scenario("machine mem=4G page_size=64K\nboot\n");
	ASSERT_TRUE(m);
	ASSERT_EQ(counter(m, "nr_memmap_boot_pages"), 8 * 8);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* Struct pages read back with the node and zone of their pfn. */
TEST(struct_pages_carry_node_and_zone)
{
	struct machine *m = boot_scenario("machine mem=8G nodes=2\nboot\n");
	struct page_struct ps;

	ASSERT_TRUE(m);
	ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, 0x10), &ps), 0);
	ASSERT_EQ(flags_zone(ps.flags), ZONE_DMA);
	ASSERT_EQ(flags_nid(ps.flags), 0);
	ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, 0x180000), &ps), 0); /* 6G */
	ASSERT_EQ(flags_zone(ps.flags), ZONE_NORMAL);
	ASSERT_EQ(flags_nid(ps.flags), 1);
	ASSERT_EQ(ps.refcount, 0); /* free page */
	ASSERT_EQ(page_read(m, pfn_to_page_va(&m->geo, (16 << 20) >> 12), &ps), 0);
	ASSERT_TRUE(test_flag(ps.flags, PG_reserved)); /* kernel image */
	ASSERT_EQ(check_machine(m), 0); /* generated frames are checked too */
	machine_destroy(m);
	return 0;
}

/*
 * The split of a PMD block writes its 512 PTEs (counted), but the host
 * holds the new table as its first entry until something reads it: a
 * frame reader sees the same entries as a walk, and the first walk gives
 * the table its bytes.
 */
TEST(split_pte_table_has_host_bytes_only_once_read)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	const struct geometry *g = &m->geo;
	vaddr_t va = ALIGN_DOWN(pfn_to_page_va(g, 5000), 1ULL << g->pmd_shift);
	uint64_t writes, used, buf[4];
	struct pt_walk w;
	pfn_t block, table;
	bool rw;

	ASSERT_TRUE(m);
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	ASSERT_EQ(w.leaf, PT_PMD);
	block = entry_pfn(*w.pmd);
	rw = entry_writable(*w.pmd);
	writes = m->stat.nr_pte_writes;
	used = m->frames.host.nr_in_use;
	ASSERT_EQ(vmemmap_split_pmd(m, w.pmd, va, 0, true), 0);
	ASSERT_EQ(m->stat.nr_pte_writes, writes + g->ptrs_per_table + 1);
	table = entry_pfn(*w.pmd);
	ASSERT_EQ(frame_owner(&m->frames, table), FO_PGTABLE);
	ASSERT_TRUE(frame_entry(&m->frames, table) & FRAME_GEN);
	ASSERT_EQ(m->frames.host.nr_in_use, used);
	for (uint64_t i = 0; i < g->ptrs_per_table; i++) {
		ASSERT_EQ(vmemmap_walk_va(m, va + i * g->page_size, &w), 0);
		ASSERT_TRUE(w.leaf == PT_PTE && w.pfn == block + i && w.writable == rw);
		ASSERT_TRUE(frame_entry(&m->frames, table) & FRAME_DATA);
	}
	ASSERT_EQ(m->frames.host.nr_in_use, used + 1);

	va += 1ULL << g->pmd_shift; /* the next block, read as a frame first */
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	ASSERT_EQ(w.leaf, PT_PMD);
	block = entry_pfn(*w.pmd);
	ASSERT_EQ(vmemmap_split_pmd(m, w.pmd, va, 0, true), 0);
	table = entry_pfn(*w.pmd);
	ASSERT_TRUE(frame_entry(&m->frames, table) & FRAME_GEN);
	ASSERT_EQ(frame_read(m, table, 8 * 510, buf, 16), 0); /* entries 510, 511 */
	ASSERT_EQ(buf[0], mk_pte(block + 510, rw));
	ASSERT_EQ(buf[1], mk_pte(block + 511, rw));
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* A write through a read-only PTE faults and changes nothing. */
TEST(mmu_read_only_write_faults)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	vaddr_t va = pfn_to_page_va(&m->geo, 5000);
	struct pt_walk w;
	uint64_t before, after, v = 0x1234;

	ASSERT_TRUE(m);
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	ASSERT_EQ(vmemmap_split_pmd(m, w.pmd, va, 0, false), 0);
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	ASSERT_EQ(w.leaf, PT_PTE);
	set_pt_entry(m, pt_walk_pte_mut(m, &w), mk_pte(w.pfn, false));
	flush_tlb_kernel_range(m, va, va + 1);
	ASSERT_EQ(page_read_u64(m, va, PAGE_OFF_MAPPING, &before), 0);
	ASSERT_EQ(vmemmap_write(m, va + PAGE_OFF_MAPPING, &v, 8), -EFAULT);
	ASSERT_EQ(m->mmu.nr_faults, 1);
	ASSERT_TRUE(strstr(m->mmu.last_fault, "read-only"));
	ASSERT_EQ(page_read_u64(m, va, PAGE_OFF_MAPPING, &after), 0);
	ASSERT_EQ(before, after);
	machine_destroy(m);
	return 0;
}

/*
 * Forgetting a TLB flush is caught: the stale translation keeps reaching
 * the old frame; once that frame is freed an access faults, and the
 * checker reports the stale entry.
 */
TEST(tlb_forgotten_flush_is_caught)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	vaddr_t va = pfn_to_page_va(&m->geo, 70000);
	struct alloc_request req = kernel_page_request(SITE_KERNEL, 0);
	struct pt_walk w;
	struct page_struct ps;
	pfn_t newp, old;

	ASSERT_TRUE(m);
	ASSERT_EQ(page_read(m, va, &ps), 0); /* caches the translation */
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	ASSERT_EQ(vmemmap_split_pmd(m, w.pmd, va, 0, true), 0); /* no flush! */
	ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
	old = w.pfn;
	newp = alloc_frames(m, &req);
	ASSERT_NE(newp, PFN_NONE);
	ASSERT_EQ(frame_claim(&m->frames, newp, FO_VMEMMAP, ORIGIN_BUDDY), 0);
	memcpy(frame_contents(m, newp), frame_contents(m, old), m->geo.page_size);
	set_pt_entry(m, pt_walk_pte_mut(m, &w), mk_pte(newp, true)); /* remap, still no flush */
	ASSERT_TRUE(check_machine(m) > 0);          /* stale TLB entry */
	frame_release(&m->frames, old);              /* "free" the old page */
	ASSERT_EQ(page_read(m, va, &ps), -EFAULT);
	ASSERT_TRUE(strstr(m->mmu.last_fault, "stale TLB"));
	flush_tlb_all(m);
	ASSERT_EQ(page_read(m, va, &ps), 0);
	machine_destroy(m);
	return 0;
}

/* docs/encoding.md#worked-example: mask encoding of an order-9 folio. */
TEST(compound_head_mask_worked_example)
{
	struct geometry g;

	ASSERT_EQ(geometry_init(&g, ARCH_X86_64, 4096, 64), 0);
	ASSERT_EQ(pfn_to_page_va(&g, 0x40200), 0xffffea0001008000ULL);
	ASSERT_EQ(pfn_to_page_va(&g, 0x40321), 0xffffea000100c840ULL);
	ASSERT_EQ(encode_tail_mask(&g, 9), 0xffffffffffff8001ULL);
	ASSERT_EQ(encode_tail_mask(&g, 18), 0xffffffffff000001ULL);
	ASSERT_EQ(pfn_to_page_va(&g, 0x40321) & encode_tail_mask(&g, 9),
		  pfn_to_page_va(&g, 0x40200));
	return 0;
}

/* The checker is not blind: corrupt the state and it notices. */
TEST(checker_detects_corruption)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct alloc_request req = kernel_page_request(SITE_KERNEL, 0);
	struct zone *z;
	pfn_t p;

	ASSERT_TRUE(m);
	ASSERT_EQ(check_machine(m), 0);
	/* A page taken from buddy with no owner: a leak. */
	p = alloc_frames(m, &req);
	ASSERT_NE(p, PFN_NONE);
	ASSERT_TRUE(check_machine(m) > 0);
	free_frames(m, p, 0);
	ASSERT_EQ(check_machine(m), 0);
	/* A counter that disagrees with the frames. */
	m->stat.nr_memmap_boot_pages++;
	ASSERT_TRUE(check_machine(m) > 0);
	m->stat.nr_memmap_boot_pages--;
	/* A free list that disagrees with its count. */
	z = page_zone(m, 0x30000);
	z->buddy.area[3].nr_free++;
	ASSERT_TRUE(check_machine(m) > 0);
	z->buddy.area[3].nr_free--;
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* A memmap allocation failing at boot stops the boot with a message. */
TEST(boot_fails_cleanly_when_memmap_allocation_fails)
{
	struct machine_config cfg;
	char err[256] = "";
	struct machine *m;

	machine_config_default(&cfg);
	cfg.mem_bytes = 1ULL << 30;
	m = machine_create(&cfg, err, sizeof(err));
	ASSERT_TRUE(m);
	m->fault.fail_nth = 3;
	m->fault.persistent = true;
	ASSERT_NE(machine_boot(m, err, sizeof(err)), 0);
	ASSERT_TRUE(strstr(err, "memory map backing failed"));
	machine_destroy(m);
	return 0;
}

TEST(impossible_machines_are_rejected)
{
	static const char *const bad[] = {
		"machine mem=0\nboot\n",
		"machine mem=100M\nboot\n",
		"machine mem=128T\nboot\n",
		"machine mem=4G node_mem=3G,2G\nboot\n",
		"machine mem=4G layout=qemu-pc page_size=64K\nboot\n",
		"machine mem=4G nodes=100\nboot\n",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct scenario_result r;
		run_scenario_text("<t>", bad[i], &r);
		if (r.status != 2 || !strstr(r.err, "<t>:")) {
			fprintf(stderr, "    '%s' gave status %d: %s\n", bad[i], r.status, r.err);
			free(r.err);
			return 1;
		}
		free(r.err);
	}
	return 0;
}

/*
 * A run that needs more host memory than the limit stops with one line
 * saying so and status 2, instead of swapping or meeting the OOM killer.
 * 3 MiB lets the request past the estimate made before it starts (at
 * least 4 KiB per folio: 2 MiB) but not through (8 KiB per folio).
 */
TEST(host_memory_limit_stops_with_a_message)
{
	static const char text[] =
		"machine mem=4G\n"
		"cmdline hugetlb_free_vmemmap=on\n"
		"boot\n"
		"hugepages 2M 512\n";
	char buf[1024] = "";
	int fd[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	ASSERT_EQ(pipe(fd), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		struct scenario_result r;
		dup2(fd[1], 2);
		close(fd[0]);
		setenv("HVO_HOST_MEM", "3M", 1);
		/*
		 * Without sharing, 512 optimized folios need 4 MiB (a head page
		 * and its copy each); with it the copies cost nothing and the
		 * pool fits, so the store runs here as it would without.
		 */
		setenv("HVO_HOST_SHARE", "0", 1);
		run_scenario_text("limit", text, &r);
		_exit(0); /* not reached */
	}
	close(fd[1]);
	while ((n = read(fd[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 2);
	ASSERT_TRUE(strstr(buf, "hvo: host memory exhausted (limit 3 MiB, HVO_HOST_MEM)") != NULL);
	ASSERT_EQ((int)(strchr(buf, '\n') - buf), (int)strlen(buf) - 1); /* one line */
	return 0;
}

/*
 * Are the TLBs of @a and @b, as their entries read (block fills still
 * pending included), their valid maps and their counters the same?
 */
static bool tlbs_equal(const struct machine *a, const struct machine *b)
{
	for (unsigned i = 0; i < TLB_ENTRIES; i++) {
		struct tlb_entry x = tlb_entry(&a->mmu, i), y = tlb_entry(&b->mmu, i);

		if (x.vpage != y.vpage || (x.vpage != ~0ULL && (x.pfn != y.pfn || x.writable != y.writable)))
			return false;
	}
	return a->mmu.nr_valid == b->mmu.nr_valid && a->mmu.nr_tlb_hits == b->mmu.nr_tlb_hits &&
	       a->mmu.nr_tlb_misses == b->mmu.nr_tlb_misses && a->mmu.nr_faults == b->mmu.nr_faults &&
	       !memcmp(a->mmu.valid_map, b->mmu.valid_map, sizeof(a->mmu.valid_map));
}

/*
 * mmu_translate_block() leaves the TLB and its counters exactly as a
 * translation page by page would: two machines, one translated each way.
 */
TEST(translate_block_equals_page_by_page)
{
	struct machine *a = boot_scenario("machine mem=4G\nboot\n");
	struct machine *b = boot_scenario("machine mem=4G\nboot\n");
	const struct geometry *g;
	vaddr_t va;
	pfn_t first, pfn;

	ASSERT_TRUE(a && b);
	g = &a->geo;
	va = pfn_to_page_va(g, 32768); /* section 1: one PMD block of memmap */
	ASSERT_EQ(va & ((1ULL << g->pmd_shift) - 1), 0);
	ASSERT_EQ(mmu_translate_block(a, va, g->ptrs_per_table, true, &first), 0);
	for (uint64_t i = 0; i < g->ptrs_per_table; i++) {
		ASSERT_EQ(mmu_translate(b, va + i * g->page_size, true, &pfn), 0);
		ASSERT_EQ(pfn, first + i);
	}
	ASSERT_TRUE(tlbs_equal(a, b));
	/* written out, the arrays are the page-by-page ones */
	mmu_tlb_sync(a);
	ASSERT_TRUE(tlbs_equal(a, b));
	ASSERT_TRUE(!memcmp(a->mmu.tlb_vpage, b->mmu.tlb_vpage, sizeof(a->mmu.tlb_vpage)));
	ASSERT_TRUE(!memcmp(a->mmu.tlb_pfn, b->mmu.tlb_pfn, sizeof(a->mmu.tlb_pfn)));
	ASSERT_TRUE(!memcmp(a->mmu.tlb_writable, b->mmu.tlb_writable, sizeof(a->mmu.tlb_writable)));
	/* A page already cached: the shortcut declines and nothing changes. */
	ASSERT_EQ(mmu_translate_block(a, va, g->ptrs_per_table, true, &first), -EAGAIN);
	ASSERT_EQ(a->mmu.nr_tlb_hits, b->mmu.nr_tlb_hits);
	ASSERT_EQ(check_machine(a), 0);
	machine_destroy(a);
	machine_destroy(b);
	return 0;
}

/*
 * Block fills are left pending until something needs the entries they
 * hold; whatever the order of fills, single translations and flushes, the
 * TLB reads and counts as if each page were translated on its own: 3000
 * random steps on two machines, one with block fills, compared after each.
 */
TEST(pending_block_fills_read_as_page_by_page)
{
	struct machine *a = boot_scenario("machine mem=16G\nboot\n");
	struct machine *b = boot_scenario("machine mem=16G\nboot\n");
	const struct geometry *g;
	uint64_t seed = 12345, blocks = 0, declined = 0;

	ASSERT_TRUE(a && b);
	g = &a->geo;
	for (int step = 0; step < 3000; step++) {
		uint64_t r, sec, off, n, kind;
		vaddr_t va;
		pfn_t first, pfn;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		r = seed >> 16;
		kind = r % 100;
		sec = 1 + (r >> 8) % 120; /* a PMD block of boot memmap each */
		off = (r >> 16) % g->ptrs_per_table;
		va = pfn_to_page_va(g, sec * g->pages_per_section) + off * g->page_size;
		if (kind < 60) {
			n = 1 + (r >> 28) % (g->ptrs_per_table - off);
			if (!mmu_translate_block(a, va, n, kind & 1, &first)) {
				blocks++;
				for (uint64_t i = 0; i < n; i++) {
					ASSERT_EQ(mmu_translate(b, va + i * g->page_size, kind & 1, &pfn), 0);
					ASSERT_EQ(pfn, first + i);
				}
			} else {
				declined++;
			}
		} else if (kind < 90) {
			ASSERT_EQ(mmu_translate(a, va, kind & 1, &first), 0);
			ASSERT_EQ(mmu_translate(b, va, kind & 1, &pfn), 0);
			ASSERT_EQ(first, pfn);
		} else if (kind < 98) {
			n = 1 + (r >> 28) % 600;
			flush_tlb_kernel_range(a, va, va + n * g->page_size);
			flush_tlb_kernel_range(b, va, va + n * g->page_size);
		} else {
			flush_tlb_all(a);
			flush_tlb_all(b);
		}
		if (!tlbs_equal(a, b))
			test_fail(__FILE__, __LINE__, "step %d (kind %llu): the TLBs differ", step,
				  (unsigned long long)kind);
	}
	ASSERT_TRUE(blocks > 500 && declined > 50);
	ASSERT_EQ(check_machine(a), 0);
	mmu_tlb_sync(a);
	ASSERT_TRUE(tlbs_equal(a, b));
	ASSERT_EQ(check_machine(a), 0);
	machine_destroy(a);
	machine_destroy(b);
	return 0;
}

/*
 * The same with block fills that merge into one pending block of the whole
 * TLB: the PMDs of sections 1 to 10 are pointed at the memmap blocks in
 * ascending order (memblock hands them out top down), so consecutive
 * fills continue each other; a later fill then meets that block at both
 * of its own ends.  The TLBs alone are compared (the struct pages no
 * longer describe their pfns).
 */
TEST(pending_block_fills_that_wrap_read_as_page_by_page)
{
	struct machine *m[2] = { boot_scenario("machine mem=16G\nboot\n"),
				 boot_scenario("machine mem=16G\nboot\n") };
	const struct geometry *g = &m[0]->geo;
	pfn_t block[11], first, pfn;
	uint64_t n = g->ptrs_per_table;

	for (int k = 0; k < 2; k++) {
		ASSERT_TRUE(m[k] != NULL);
		for (unsigned s = 1; s <= 10; s++) {
			struct pt_walk w;
			ASSERT_EQ(vmemmap_walk_va(m[k], pfn_to_page_va(g, s * g->pages_per_section), &w), 0);
			ASSERT_EQ(w.leaf, PT_PMD);
			block[s] = w.pfn;
		}
		for (unsigned s = 1; s < 10; s++)
			ASSERT_EQ(block[s + 1] + n, block[s]); /* top down, adjacent */
		for (unsigned s = 1; s <= 10; s++) {
			struct pt_walk w;
			ASSERT_EQ(vmemmap_walk_va(m[k], pfn_to_page_va(g, s * g->pages_per_section), &w), 0);
			set_pt_entry(m[k], (uint64_t *)w.pmd, mk_pmd_leaf(block[11 - s], true));
		}
		flush_tlb_all(m[k]);
	}
	/*
	 * Section 1 from page 100, sections 2..8, then section 9's first 100
	 * pages, in order: one pending block of all 4096 entries, starting
	 * at the entry of section 1's page 100.
	 */
	for (unsigned s = 1; s <= 9; s++) {
		uint64_t from = s == 1 ? 100 : 0, len = s == 9 ? 100 : n - from;
		vaddr_t va = pfn_to_page_va(g, s * g->pages_per_section) + from * g->page_size;

		ASSERT_EQ(mmu_translate_block(m[0], va, len, true, &first), 0);
		ASSERT_EQ(first, block[11 - s] + from);
		for (uint64_t i = 0; i < len; i++) {
			ASSERT_EQ(mmu_translate(m[1], va + i * g->page_size, true, &pfn), 0);
			ASSERT_EQ(pfn, first + i);
		}
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
	}
	ASSERT_EQ(m[0]->mmu.nr_pending, 1);
	ASSERT_EQ(m[0]->mmu.pending[0].n, TLB_ENTRIES);
	/*
	 * Pages 50..149 of section 17 take entries on both sides of that
	 * block's start: they meet it at both of their ends.
	 */
	{
		vaddr_t va = pfn_to_page_va(g, 17 * g->pages_per_section) + 50 * g->page_size;

		ASSERT_EQ(mmu_translate_block(m[0], va, 100, false, &first), 0);
		for (uint64_t i = 0; i < 100; i++)
			ASSERT_EQ(mmu_translate(m[1], va + i * g->page_size, false, &pfn), 0);
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
		flush_tlb_kernel_range(m[0], va, va + g->page_size); /* and a page of it flushed */
		flush_tlb_kernel_range(m[1], va, va + g->page_size);
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
	}
	for (int k = 0; k < 2; k++)
		machine_destroy(m[k]);
	return 0;
}

/* @sp (a struct page's bytes) with its zone bits set to @zone, node 0, into @out. */
static void struct_page_in_zone(const struct geometry *g, const uint8_t *sp,
				enum zone_type zone, uint8_t *out)
{
	struct page_struct ps;

	page_struct_decode(g, sp, &ps);
	ps.flags = (ps.flags & ~(ZONES_MASK << ZONES_PGSHIFT)) | page_flags_node_zone(0, zone);
	page_struct_encode(g, &ps, out);
}

/*
 * A struct page whose node or zone bits disagree with the layout is found,
 * pfn by pfn, whether its vmemmap page has bytes of its own, repeats one
 * struct page (a pattern frame: the checker decodes that one once when the
 * whole page lies in one zone, so both ways are tried) or repeats one but
 * for a few (a pattern with exceptions; given real bytes, one of them is
 * the frame with bytes).
 */
TEST(checker_finds_struct_pages_in_the_wrong_zone)
{
	struct machine *m = boot_scenario("machine mem=1G\ncmdline hugetlb_free_vmemmap=on\n"
					  "design legacy\nboot\nhugepages 2M 4\nhugepages 2M 2\n");
	const struct geometry *g;
	struct check_report *r = malloc(sizeof(*r));
	bool did_bytes = false, did_pattern = false, did_px = false;

	ASSERT_TRUE(m && r);
	g = &m->geo;
	ASSERT_EQ(mm_check(m, r), 0);
	for (pfn_t pfn = 0; pfn < m->max_pfn && !(did_bytes && did_pattern && did_px);
	     pfn += g->spp) {
		struct pt_walk w;
		const uint8_t *pat;
		uint8_t *bytes, save[MAX_STRUCT_PAGE], bad[MAX_STRUCT_PAGE];
		struct zone *z = page_zone(m, pfn);
		uint64_t present = 0;

		if (!z || vmemmap_walk_va(m, pfn_to_page_va(g, pfn), &w) ||
		    frame_owner(&m->frames, w.pfn) != FO_VMEMMAP)
			continue;
		for (unsigned i = 0; i < g->spp; i++)
			present += pfn_present(m, pfn + i);
		if (!pfn_present(m, pfn + 1))
			continue;
		if (frame_px(&m->frames, w.pfn) && did_px && !did_bytes)
			ASSERT_TRUE(frame_materialize_px(&m->frames, w.pfn) != NULL);
		pat = frame_pattern(&m->frames, w.pfn);
		bytes = frame_bytes(&m->frames, w.pfn);
		if (frame_px(&m->frames, w.pfn) && !did_px) {
			ASSERT_EQ(frame_read(m, w.pfn, g->struct_page_size, save,
					     g->struct_page_size), 0);
			struct_page_in_zone(g, save, z->idx == ZONE_DMA32 ? ZONE_NORMAL : ZONE_DMA32, bad);
			ASSERT_EQ(frame_set_slot(&m->frames, w.pfn, 1, bad), 0);
			ASSERT_TRUE(mm_check(m, r) >= 1);
			ASSERT_TRUE(strstr(r->lines[0], "struct page says node 0 zone"));
			ASSERT_EQ(frame_set_slot(&m->frames, w.pfn, 1, save), 0);
			ASSERT_EQ(mm_check(m, r), 0);
			did_px = true;
			continue;
		}
		if ((pat && did_pattern) || (bytes && did_bytes) || (!pat && !bytes))
			continue;
		memcpy(save, pat ? pat : bytes + g->struct_page_size, g->struct_page_size);
		struct_page_in_zone(g, save, z->idx == ZONE_DMA32 ? ZONE_NORMAL : ZONE_DMA32, bad);
		if (pat) {
			ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, bad), 0);
			ASSERT_EQ(mm_check(m, r), present); /* every struct page of it */
			ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, save), 0);
			did_pattern = true;
		} else {
			memcpy(bytes + g->struct_page_size, bad, g->struct_page_size);
			ASSERT_TRUE(mm_check(m, r) >= 1); /* a huge page's head says so too */
			memcpy(bytes + g->struct_page_size, save, g->struct_page_size);
			did_bytes = true;
		}
		ASSERT_TRUE(strstr(r->lines[0], "struct page says node 0 zone"));
		ASSERT_TRUE(strstr(r->lines[0], "layout says node 0 zone"));
		ASSERT_EQ(mm_check(m, r), 0);
	}
	ASSERT_TRUE(did_bytes);
	ASSERT_TRUE(did_pattern);
	ASSERT_TRUE(did_px);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * The checker decodes one tail page of an optimized folio and, when its
 * verdict cannot depend on the address, not the folio's other tails that
 * map the same frame.  With the mask encoding the head is the address
 * masked: a shared tail whose mask is a 2 MiB folio's is right for the
 * first 32 KiB of a 1 GiB folio's struct pages and wrong after, and the
 * checker must still say so (it would not if it trusted the second page).
 */
TEST(checker_mask_too_small_is_caught_past_the_first_tail_pages)
{
	struct machine *m = boot_scenario("machine mem=3G\n"
					  "cmdline hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1\n"
					  "design generic\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	struct hstate *h;
	struct page_struct ps;
	struct pt_walk w;
	uint8_t *tail, enc[MAX_STRUCT_PAGE];
	pfn_t folio;

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	ASSERT_EQ(mm_check(m, r), 0);
	h = size_to_hstate(m, SZ_1G);
	ASSERT_TRUE(h && h->freelists[0].nr == 1);
	folio = h->freelists[0].v[0].pfn;
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, folio) + g->page_size, &w), 0);
	tail = frame_contents(m, w.pfn); /* the zone's shared tail page */
	ASSERT_TRUE(tail != NULL);
	page_struct_decode(g, tail, &ps);
	ASSERT_TRUE(ps.compound_info & 1);
	ps.compound_info = ~((512ULL * g->struct_page_size) - 1) | 1; /* order 9's mask */
	page_struct_encode(g, &ps, enc);
	for (unsigned i = 0; i < g->spp; i++)
		memcpy(tail + i * g->struct_page_size, enc, g->struct_page_size);
	ASSERT_TRUE(mm_check(m, r) >= 1);
	ASSERT_TRUE(strstr(r->lines[0], "compound_head() is") != NULL);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * memmap_generate() makes a whole run of alike struct pages once: every
 * vmemmap page of machines with holes, reserved ranges, two nodes, a
 * movable node, hot-added memory and DAX reads, byte for byte, as the
 * same page generated one struct page at a time (the per-pfn path).  And
 * memmap_page_alike() says a page repeats one struct page only when the
 * page made a struct page at a time does, with that struct page; with
 * its memo active (a section found alike answering for its pages) it
 * gives every page the same answer as without.
 */
TEST(memmap_generate_runs_equal_page_by_page)
{
	static const char *const machines[] = {
		"machine mem=4G layout=qemu-pc\ncmdline hugepagesz=1G hugepages=1\nboot\n",
		"machine mem=6G nodes=2\ncmdline movable_node\nboot\n",
		("machine mem=4G layout=qemu-pc node_mem=4G,0\nboot\n"
		 "hotplug add node=1 size=1G movable\ndax create size=1G align=2M addr=9G\n"),
		"machine mem=2G arch=arm64 page_size=64K\nboot\n",
	};

	for (size_t k = 0; k < sizeof(machines) / sizeof(machines[0]); k++) {
		struct machine *m = boot_scenario(machines[k]);
		const struct geometry *g;
		uint8_t *a, *b, sp[MAX_STRUCT_PAGE], *said;
		uint64_t pages, fast = 0, alike = 0;
		bool *is_alike;

		ASSERT_TRUE(m != NULL);
		g = &m->geo;
		a = malloc(g->page_size);
		b = malloc(g->page_size);
		ASSERT_TRUE(a && b);
		pages = DIV_ROUND_UP(section_nr_to_pfn(g, m->nr_sections_used) * g->struct_page_size,
				     g->page_size);
		said = calloc(pages, MAX_STRUCT_PAGE);
		is_alike = calloc(pages, sizeof(*is_alike));
		ASSERT_TRUE(said && is_alike);
		for (uint64_t v = 0; v < pages; v++) {
			memmap_generate(m, v, 0, a, g->page_size);
			for (size_t off = 0; off < g->page_size; off += g->struct_page_size)
				memmap_generate(m, v, off, b + off, g->struct_page_size);
			if (memcmp(a, b, g->page_size))
				test_fail(__FILE__, __LINE__, "machine %zu: vmemmap page %llu differs",
					  k, (unsigned long long)v);
			fast += !memcmp(a, a + g->struct_page_size, g->struct_page_size);
			if (!memmap_page_alike(m, v, sp))
				continue;
			is_alike[v] = true;
			memcpy(said + v * MAX_STRUCT_PAGE, sp, g->struct_page_size);
			alike++;
			for (size_t off = 0; off < g->page_size; off += g->struct_page_size)
				if (memcmp(b + off, sp, g->struct_page_size))
					test_fail(__FILE__, __LINE__,
						  "machine %zu: vmemmap page %llu said alike, slot %zu differs",
						  k, (unsigned long long)v, off / g->struct_page_size);
		}
		ASSERT_TRUE(fast > 0 && alike > 0);
		memmap_alike_memo_begin(m);
		for (uint64_t v = 0; v < pages; v++)
			if (memmap_page_alike(m, v, sp) != is_alike[v] ||
			    (is_alike[v] && memcmp(sp, said + v * MAX_STRUCT_PAGE, g->struct_page_size)))
				test_fail(__FILE__, __LINE__,
					  "machine %zu: vmemmap page %llu answered otherwise with the memo",
					  k, (unsigned long long)v);
		memmap_alike_memo_end(m);
		free(said);
		free(is_alike);
		free(a);
		free(b);
		machine_destroy(m);
	}
	return 0;
}

/* Are two walks' results the same (entry pointers, leaf, frame, access)? */
static bool walks_equal(const struct pt_walk *a, const struct pt_walk *b)
{
	return a->pud == b->pud && a->pmd == b->pmd && a->pte == b->pte &&
	       a->leaf == b->leaf && a->pfn == b->pfn && a->writable == b->writable;
}

/*
 * The checker's walk that keeps the last PTE table gives what a full walk
 * gives at every address of a memmap with PMD blocks, split PMDs and
 * optimized folios (read-only tails), and notices a PMD entry changed
 * under it (here: a PMD block split after the cursor went through it).
 */
TEST(walk_cursor_equals_a_full_walk)
{
	struct machine *m = boot_scenario("machine mem=2G\n"
					  "cmdline hugetlb_free_vmemmap=on hugepagesz=2M hugepages=100\n"
					  "boot\nhugepages 2M 300\n");
	struct pt_cursor cur = { 0 };
	const struct geometry *g;
	struct pt_walk a, b;
	vaddr_t start, end, va;
	uint64_t nr_pte = 0, nr_pmd = 0, saved;
	int ra, rb;

	ASSERT_TRUE(m != NULL);
	g = &m->geo;
	start = pfn_to_page_va(g, 0);
	end = pfn_to_page_va(g, 2ULL << (30 - g->page_shift));
	for (va = start; va < end; va += g->page_size) {
		ra = vmemmap_walk_va(m, va, &a);
		rb = vmemmap_walk_va_cursor(m, va, &b, &cur);
		ASSERT_EQ(ra, rb);
		ASSERT_TRUE(walks_equal(&a, &b));
		nr_pte += !ra && a.leaf == PT_PTE;
		nr_pmd += !ra && a.leaf == PT_PMD;
	}
	ASSERT_TRUE(nr_pte > 0 && nr_pmd > 0); /* both kinds were walked */
	/* A PMD block split after a walk went through it: seen anew. */
	for (va = start; va < end; va += 1ULL << g->pmd_shift) {
		ASSERT_EQ(vmemmap_walk_va(m, va, &a), 0);
		if (a.leaf == PT_PMD)
			break;
	}
	ASSERT_TRUE(va < end);
	ASSERT_EQ(vmemmap_walk_va_cursor(m, va, &b, &cur), 0);
	ASSERT_EQ(vmemmap_split_pmd(m, a.pmd, va, 0, true), 0);
	ASSERT_EQ(vmemmap_walk_va(m, va + g->page_size, &a), 0);
	ASSERT_EQ(vmemmap_walk_va_cursor(m, va + g->page_size, &b, &cur), 0);
	ASSERT_EQ(a.leaf, PT_PTE);
	ASSERT_TRUE(walks_equal(&a, &b));
	/* The PMD entry the cursor keeps, cleared: the address is unmapped. */
	saved = *a.pmd;
	set_pt_entry(m, a.pmd, 0);
	ASSERT_EQ(vmemmap_walk_va(m, va, &a), -EFAULT);
	ASSERT_EQ(vmemmap_walk_va_cursor(m, va, &b, &cur), -EFAULT);
	set_pt_entry(m, b.pmd, saved);
	ASSERT_EQ(vmemmap_walk_va_cursor(m, va, &b, &cur), 0);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* Does any line of the report contain @what? */
static bool report_says(const struct check_report *r, const char *what)
{
	for (unsigned i = 0; i < r->nr_lines; i++)
		if (strstr(r->lines[i], what))
			return true;
	return false;
}

/*
 * A listed block that a lookup of its pfn no longer finds is reported: one
 * slot of the zone's pfn hash emptied behind the allocator's back (its
 * count left alone, so only the lookups can tell).
 */
TEST(checker_finds_a_listed_block_missing_from_the_pfn_hash)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	struct buddy *b = NULL;
	struct bslot saved;
	uint64_t h = 0;

	ASSERT_TRUE(m != NULL && r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	for (unsigned z = 0; z < MAX_NR_ZONES && !b; z++)
		if (m->nodes[0].node_zones[z].initialized && m->nodes[0].node_zones[z].buddy.hash_used)
			b = &m->nodes[0].node_zones[z].buddy;
	ASSERT_TRUE(b != NULL);
	while (!b->hash[h].idx)
		h++;
	saved = b->hash[h];
	b->hash[h].idx = 0;
	ASSERT_TRUE(mm_check(m, r) >= 1);
	ASSERT_TRUE(report_says(r, "is not in the pfn hash"));
	b->hash[h] = saved;
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * A frame that has an owner and is also free is found whether the free
 * block is on a per-CPU list or on a buddy list: a memmap frame freed to
 * the zone's buddy behind its owner's back, then drained from the list.
 */
TEST(checker_finds_an_owned_frame_on_a_pcp_or_buddy_list)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	struct pt_walk w;
	struct zone *z;

	ASSERT_TRUE(m != NULL && r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(&m->geo, 0x30000), &w), 0);
	z = page_zone(m, w.pfn);
	ASSERT_TRUE(z != NULL);
	__free_pages(&z->buddy, w.pfn, 0);
	ASSERT_TRUE(z->buddy.nr_pcp_pages > 0); /* order 0 stays on a pcp list */
	ASSERT_TRUE(mm_check(m, r) > 0);
	ASSERT_TRUE(report_says(r, "owned frame is also free (block"));
	buddy_drain_pcp(&z->buddy);
	ASSERT_EQ(z->buddy.nr_pcp_pages, 0);
	ASSERT_TRUE(mm_check(m, r) > 0);
	ASSERT_TRUE(report_says(r, "owned frame is also free (block"));
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * The ownership check asks an extent of owned frames (here 512 frames of
 * boot memmap, held as one word) as a whole only when every frame would
 * pass: its frames unmapped, or one of them free, are still reported, each
 * one.
 */
TEST(checker_asks_each_frame_of_an_extent_in_doubt)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	struct pt_walk w;
	struct zone *z;
	uint64_t saved;
	pfn_t f;

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, 0x30000), &w), 0);
	ASSERT_EQ(w.leaf, PT_PMD);
	f = w.pfn;
	ASSERT_TRUE(IS_ALIGNED(f, 512));
	ASSERT_TRUE(frame_block_word(&m->frames, f) & FRAME_OWNER_MASK); /* an extent */

	/* the PMD mapping it cleared: its section, then each of the 512 frames */
	saved = *w.pmd;
	set_pt_entry(m, w.pmd, 0);
	ASSERT_EQ(mm_check(m, r), 1 + 512);
	ASSERT_TRUE(report_says(r, "is not mapped"));
	ASSERT_TRUE(report_says(r, "vmemmap frame is mapped nowhere (leaked)"));
	set_pt_entry(m, w.pmd, saved);
	ASSERT_EQ(mm_check(m, r), 0);

	/* one frame of it (the last) free as well as owned */
	z = page_zone(m, f + 511);
	ASSERT_TRUE(z != NULL);
	__free_pages(&z->buddy, f + 511, 0);
	buddy_drain_pcp(&z->buddy);
	ASSERT_EQ(mm_check(m, r), 2); /* and the accounting that follows */
	ASSERT_TRUE(report_says(r, "owned frame is also free (block"));
	ASSERT_TRUE(report_says(r, "managed pages are allocated but owners account for"));
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * An extent of owned frames laid over the kernel image, or over a pool
 * huge page, is reported frame by frame (512 lines each, besides what the
 * accounting says), not passed as a whole.
 */
TEST(checker_asks_each_frame_of_an_extent_over_the_image_or_a_folio)
{
	pfn_t at[2];

	for (unsigned k = 0; k < 2; k++) {
		struct machine *m = boot_scenario("machine mem=1G\nboot\nhugepages 2M 1\n");
		struct check_report *r = malloc(sizeof(*r));
		const struct hstate *h;

		ASSERT_TRUE(m != NULL && r != NULL);
		h = size_to_hstate(m, 2 * SZ_1M);
		ASSERT_TRUE(h && h->freelists[0].nr == 1);
		at[0] = (16 * SZ_1M) >> m->geo.page_shift; /* the image's start */
		at[1] = h->freelists[0].v[0].pfn;
		ASSERT_TRUE(IS_ALIGNED(at[k], 512) && m->kernel_reserved_pages >= 512);
		ASSERT_EQ(mm_check(m, r), 0);
		ASSERT_EQ(frame_claim_lazy_run(&m->frames, at[k], 512, FO_PGTABLE, ORIGIN_BUDDY, 0), 0);
		ASSERT_TRUE(frame_block_word(&m->frames, at[k]) & FRAME_OWNER_MASK); /* an extent */
		ASSERT_TRUE(mm_check(m, r) >= 512);
		ASSERT_TRUE(report_says(r, k ? "owned frame lies inside a huge page"
					      : "owned frame lies inside the kernel image"));
		free(r);
		machine_destroy(m);
	}
	return 0;
}

/*
 * The kernel image given to the buddy allocator (a freeing bug): the free
 * blocks it makes, merged with the free memory after it, are reported.
 * (A block holding the whole image with neither end inside it cannot be
 * made today: the image starts at 16 MiB, where ZONE_DMA ends, so every
 * block over it starts inside it; the checker asks for any overlap
 * anyway.)
 */
TEST(checker_finds_a_free_block_over_the_kernel_image)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	pfn_t image = (16 * SZ_1M) >> 12, block = PFN_NONE;
	struct zone *z;

	ASSERT_TRUE(m != NULL && r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	z = page_zone(m, image);
	ASSERT_TRUE(z != NULL && m->kernel_reserved_pages > 0);
	for (pfn_t p = image; p < image + m->kernel_reserved_pages; p++)
		__free_pages(&z->buddy, p, 0);
	buddy_drain_pcp(&z->buddy);
	ASSERT_TRUE(buddy_free_order(&z->buddy, image + m->kernel_reserved_pages / 2, &block) >= 0);
	ASSERT_TRUE(mm_check(m, r) > 0);
	ASSERT_TRUE(report_says(r, "free block overlaps the kernel image"));
	free(r);
	machine_destroy(m);
	return 0;
}

/* page_zone_run(): one zone for a whole run, or NULL across an edge. */
TEST(page_zone_run_is_one_zone_or_none)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	pfn_t edge, spsec;

	ASSERT_TRUE(m != NULL);
	edge = page_zone(m, 0)->zone_start_pfn + page_zone(m, 0)->spanned_pages;
	spsec = m->geo.pages_per_section;
	ASSERT_TRUE(page_zone_run(m, edge - 512, 512) == page_zone(m, 0));
	ASSERT_TRUE(page_zone_run(m, edge, 512) == page_zone(m, edge));
	ASSERT_TRUE(page_zone_run(m, edge - 256, 512) == NULL);
	ASSERT_TRUE(page_zone_run(m, edge - 1, 1) == page_zone(m, 0));
	ASSERT_TRUE(page_zone_run(m, 3 * spsec - 256, 512) == NULL); /* two sections */
	ASSERT_TRUE(page_zone_run(m, 3 * spsec, 512) == page_zone(m, 3 * spsec));
	machine_destroy(m);
	return 0;
}

/*
 * A section with a zone edge inside (DMA and DMA32 share the first 128
 * MiB): the checker's zone for a run of struct pages comes from the run,
 * not from the section's start, so a DMA32 page saying DMA is found.
 */
TEST(checker_zone_of_a_run_in_a_section_with_a_zone_edge)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	uint8_t sp[MAX_STRUCT_PAGE], bad[MAX_STRUCT_PAGE];
	struct pt_walk w;
	pfn_t edge;

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	edge = page_zone(m, 0)->zone_start_pfn + page_zone(m, 0)->spanned_pages;
	ASSERT_EQ(page_zone(m, 0)->idx, ZONE_DMA);
	ASSERT_EQ(page_zone(m, edge)->idx, ZONE_DMA32);
	ASSERT_TRUE(edge % g->pages_per_section && edge % g->spp == 0);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, edge), &w), 0);
	ASSERT_EQ(frame_read(m, w.pfn, 0, sp, g->struct_page_size), 0);
	struct_page_in_zone(g, sp, ZONE_DMA, bad);
	ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, bad), 0);
	ASSERT_EQ(mm_check(m, r), g->spp);
	ASSERT_TRUE(report_says(r, "layout says node 0 zone DMA32"));
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * A run of PTEs that map one frame is asked once only while its verdict
 * cannot change along it: here four PTEs of a split memmap PMD map the
 * frame of the last DMA struct pages, across the DMA | DMA32 edge inside
 * section 0.  The two pages past the edge are wrong, pfn by pfn (the
 * checker would miss them if it trusted the run after its first page).
 */
TEST(checker_asks_a_run_of_ptes_again_across_a_zone_edge)
{
	struct machine *m = boot_scenario("machine mem=1G\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	struct pt_walk w;
	pfn_t edge;
	uint64_t pte;

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	edge = page_zone(m, 0)->zone_start_pfn + page_zone(m, 0)->spanned_pages;
	ASSERT_EQ(page_zone(m, edge)->idx, ZONE_DMA32);
	ASSERT_TRUE(edge % g->pages_per_section && edge % g->spp == 0);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, edge), &w), 0);
	if (w.leaf == PT_PMD)
		ASSERT_EQ(vmemmap_split_pmd(m, w.pmd, pfn_to_page_va(g, edge), 0, false), 0);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, edge - g->spp), &w), 0);
	ASSERT_EQ(w.leaf, PT_PTE);
	/* its bytes made (a lazy frame is taken to be where memmap_init put it) */
	ASSERT_TRUE(frame_materialize_lazy(&m->frames, w.pfn, g->page_size) != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	pte = *w.pte;
	for (int i = -2; i < 2; i++) /* PTEs stay in one table: edge is 4096 */
		set_pt_entry(m, pt_walk_pte_mut(m, &w) + 1 + i, pte);
	ASSERT_TRUE(mm_check(m, r) >= 2 * g->spp);
	ASSERT_TRUE(report_says(r, "struct page says node 0 zone DMA, layout says node 0 zone DMA32"));
	free(r);
	machine_destroy(m);
	return 0;
}

/* A 3 GiB legacy machine with one boot-time 1 GiB folio; *@head: its head's va. */
static struct machine *boot_one_1g_folio(const char *hvo, vaddr_t *head)
{
	char text[160];
	struct machine *m;
	const struct hstate *h;

	snprintf(text, sizeof(text),
		 "machine mem=3G\ncmdline hugetlb_free_vmemmap=%s hugepagesz=1G hugepages=1\n"
		 "design legacy\nboot\n", hvo);
	m = boot_scenario(text);
	ASSERT_TRUE(m != NULL);
	h = size_to_hstate(m, SZ_1G);
	ASSERT_TRUE(h && h->freelists[0].nr == 1);
	*head = pfn_to_page_va(&m->geo, h->freelists[0].v[0].pfn);
	return m;
}

/*
 * mmu_translate_ptes() leaves the TLB and its counters exactly as a
 * translation page by page would, over PTEs of one table: an optimized
 * 1 GiB folio's tails (read-only: a write declines, changing nothing; a
 * read goes through), then its restored vmemmap once freed (a frame of
 * its own per page).
 */
TEST(translate_ptes_equals_page_by_page)
{
	vaddr_t head[2];
	struct machine *m[2] = { boot_one_1g_folio("on", &head[0]), boot_one_1g_folio("on", &head[1]) };
	const struct geometry *g = &m[0]->geo;
	pfn_t pfns[MMU_PTES_MAX], pfn;
	uint64_t n = 300;
	char err[256];

	ASSERT_EQ(head[0], head[1]);
	for (int freed = 0; freed < 2; freed++) {
		vaddr_t va = head[0] + 2 * g->page_size;

		if (!freed)
			ASSERT_EQ(mmu_translate_ptes(m[0], va, n, true, pfns), -EAGAIN);
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
		ASSERT_EQ(mmu_translate_ptes(m[0], va, n, !!freed, pfns), 0);
		for (uint64_t i = 0; i < n; i++) {
			ASSERT_EQ(mmu_translate(m[1], va + i * g->page_size, !!freed, &pfn), 0);
			ASSERT_EQ(pfn, pfns[i]);
			if (freed && i)
				ASSERT_NE(pfns[i], pfns[i - 1]);
		}
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
		/* a page already cached: it declines, nothing changes */
		ASSERT_EQ(mmu_translate_ptes(m[0], va, n, false, pfns), -EAGAIN);
		ASSERT_TRUE(tlbs_equal(m[0], m[1]));
		for (int k = 0; k < 2 && !freed; k++) {
			ASSERT_EQ(hugetlb_set_nr(m[k], SZ_1G, 0, NUMA_NO_NODE, err, sizeof(err)), 0);
			flush_tlb_all(m[k]);
		}
	}
	for (int k = 0; k < 2; k++) {
		ASSERT_EQ(check_machine(m[k]), 0);
		machine_destroy(m[k]);
	}
	return 0;
}

/*
 * The checker's walks over a folio's vmemmap and a section's take a run
 * of equal (or present) PTEs at once; an entry that differs deep inside
 * the run is still found: a 1 GiB folio's 4095 tails all map one frame
 * read-only, and the 2000th made read-write, then the last one unmapped.
 */
TEST(checker_finds_a_pte_that_differs_inside_a_run)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("on", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	struct pt_walk w;
	uint64_t saved;

	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, head + 2000 * g->page_size, &w), 0);
	ASSERT_TRUE(w.leaf == PT_PTE && !w.writable);
	saved = *w.pte;
	set_pt_entry(m, pt_walk_pte_mut(m, &w), saved | _PAGE_RW);
	ASSERT_EQ(mm_check(m, r), 1);
	ASSERT_TRUE(report_says(r, "maps frame") && report_says(r, "read-write"));
	set_pt_entry(m, pt_walk_pte_mut(m, &w), saved);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, head + 4095 * g->page_size, &w), 0);
	saved = *w.pte;
	set_pt_entry(m, pt_walk_pte_mut(m, &w), 0);
	ASSERT_TRUE(mm_check(m, r) >= 2);
	ASSERT_TRUE(report_says(r, "vmemmap of the huge page unmapped"));
	ASSERT_TRUE(report_says(r, "is not mapped")); /* the section's walk */
	set_pt_entry(m, pt_walk_pte_mut(m, &w), saved);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * The check that every present section's struct pages are mapped asks the
 * ranges the leaf walk collected; it says what a walk of every vmemmap page
 * of the section would: its first unmapped page, once per section, and its
 * lines come before the leaf walk's.  Holes in a 1 GiB folio's vmemmap (one
 * PTE-mapped PMD per section): a section's first page, two pages side by
 * side, a section's last page, two apart in one section.
 */
TEST(checker_finds_each_sections_first_unmapped_page)
{
	static const unsigned holes[][2] = { /* section of the folio, page in it */
		{ 1, 0 }, { 2, 100 }, { 2, 101 }, { 3, 511 }, { 5, 300 }, { 5, 7 },
	};
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("on", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	uint64_t saved[ARRAY_SIZE(holes)], *ptes[ARRAY_SIZE(holes)];
	vaddr_t sec_bytes = g->pages_per_section * g->struct_page_size;
	unsigned expected = 0;
	struct pt_walk w;

	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(sec_bytes, 1ULL << g->pmd_shift);
	for (unsigned i = 0; i < ARRAY_SIZE(holes); i++) {
		vaddr_t va = head + holes[i][0] * sec_bytes + holes[i][1] * g->page_size;

		ASSERT_EQ(vmemmap_walk_va(m, va, &w), 0);
		ASSERT_TRUE(w.leaf == PT_PTE);
		ptes[i] = pt_walk_pte_mut(m, &w);
		saved[i] = *ptes[i];
		set_pt_entry(m, ptes[i], 0);
	}
	/* and a leaf the leaf walk finds wrong: a tail mapping its own table */
	ASSERT_EQ(vmemmap_walk_va(m, head + 6 * sec_bytes + 10 * g->page_size, &w), 0);
	uint64_t *bad = pt_walk_pte_mut(m, &w), bad_saved = *bad;

	set_pt_entry(m, bad, (bad_saved & ~PTE_PFN_MASK) | (entry_pfn(*w.pmd) << PTE_PFN_SHIFT));
	ASSERT_TRUE(mm_check(m, r) >= 5);
	/* page by page, as a walk finds them: the first hole of each section */
	for (vaddr_t s = head; s < head + 8 * sec_bytes; s += sec_bytes) {
		char line[160];

		for (vaddr_t va = s; va < s + sec_bytes; va += g->page_size) {
			if (!vmemmap_walk_va(m, va, &w))
				continue;
			snprintf(line, sizeof(line), "pfn %#llx: struct page at va %#llx is not mapped",
				 (unsigned long long)page_va_to_pfn(g, va), (unsigned long long)va);
			ASSERT_TRUE(expected < r->nr_lines);
			ASSERT_TRUE(!strcmp(r->lines[expected], line));
			expected++;
			break;
		}
	}
	ASSERT_EQ(expected, 4);
	for (unsigned i = expected; i < r->nr_lines; i++)
		ASSERT_TRUE(!strstr(r->lines[i], "struct page at va"));
	ASSERT_TRUE(report_says(r, "which is a page table"));
	set_pt_entry(m, bad, bad_saved);
	for (unsigned i = 0; i < ARRAY_SIZE(holes); i++)
		set_pt_entry(m, ptes[i], saved[i]);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/* A cursor walk to @va, then its run of same (or present) PTEs; 0 if unmapped. */
static uint64_t cursor_run_at(struct machine *m, struct pt_cursor *cur, vaddr_t va,
			      uint64_t max, bool same)
{
	struct pt_walk w;

	if (vmemmap_walk_va_cursor(m, va, &w, cur))
		return 0;
	return same ? pt_cursor_same_ptes(m, cur, va, max) : pt_cursor_present_ptes(m, cur, va, max);
}

/*
 * A cursor knows a table whose host bytes it has read whole as one entry
 * throughout, and answers for any table sharing those bytes without
 * reading them; a table that differs in one entry (or lacks one) is read
 * again, and its runs stop at that entry.
 */
TEST(cursor_runs_of_shared_and_unshared_tables)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("on", &head);
	const struct geometry *g = &m->geo;
	uint64_t n = g->ptrs_per_table, ps = g->page_size;
	vaddr_t t1 = head + n * ps, t2 = t1 + n * ps, t3 = t2 + n * ps;
	struct pt_cursor cur = { 0 };
	struct pt_walk w;

	ASSERT_EQ(vmemmap_walk_va(m, t2 + 300 * ps, &w), 0);
	set_pt_entry(m, pt_walk_pte_mut(m, &w), *w.pte | _PAGE_RW);
	ASSERT_EQ(vmemmap_walk_va(m, t3 + 450 * ps, &w), 0);
	set_pt_entry(m, pt_walk_pte_mut(m, &w), 0);
	for (unsigned pass = 0; pass < 2; pass++) {
		ASSERT_EQ(cursor_run_at(m, &cur, t3, n, false), 450);
		ASSERT_EQ(cursor_run_at(m, &cur, t3 + 10 * ps, n, false), 440);
		ASSERT_EQ(cursor_run_at(m, &cur, t3 + 10 * ps, n, true), 440);
		ASSERT_EQ(cursor_run_at(m, &cur, t3 + 450 * ps, n, true), 0);
		ASSERT_EQ(cursor_run_at(m, &cur, t1, n, true), n);
		ASSERT_EQ(cursor_run_at(m, &cur, t1, n, false), n);
		ASSERT_EQ(cursor_run_at(m, &cur, t1 + 7 * ps, n, true), n - 7);
		ASSERT_EQ(cursor_run_at(m, &cur, t2, n, true), 300);
		ASSERT_EQ(cursor_run_at(m, &cur, t2, n, false), n);
		ASSERT_EQ(cursor_run_at(m, &cur, t2 + 300 * ps, n, true), 1);
		ASSERT_EQ(cursor_run_at(m, &cur, t2 + 301 * ps, n, true), n - 301);
		ASSERT_EQ(cursor_run_at(m, &cur, t2 + n * ps, 10, true), 10);
	}
	machine_destroy(m);
	return 0;
}

/*
 * Host memory only: the 7 PTE tables of a 1 GiB folio's tails that hold
 * nothing but its reuse page, read-only, share one host page after HVO,
 * yet stay 7 frames of the simulated machine.  A write to one of them
 * gives it bytes of its own and changes no other; restoring the folio
 * writes through them all and leaves a machine the checker accepts.
 */
TEST(alike_pte_tables_share_host_bytes_until_written)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("on", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	const uint64_t *t[8];
	pfn_t tp[8], reuse;
	struct pt_walk w;
	uint64_t writes, n = g->ptrs_per_table;
	char err[256];

	ASSERT_TRUE(r != NULL && m->frames.host.share);
	for (unsigned k = 0; k < 8; k++) {
		ASSERT_EQ(vmemmap_walk_va(m, head + k * n * g->page_size, &w), 0);
		ASSERT_TRUE(w.leaf == PT_PTE);
		tp[k] = entry_pfn(*w.pmd);
		t[k] = pt_table(m, *w.pmd);
		for (unsigned j = 0; j < k; j++)
			ASSERT_NE(tp[j], tp[k]);
	}
	reuse = entry_pfn(t[0][0]);
	ASSERT_TRUE(t[0] != t[1]);
	for (unsigned k = 1; k < 8; k++) {
		ASSERT_TRUE(t[k] == t[1]);
		ASSERT_EQ(frame_owner(&m->frames, tp[k]), FO_PGTABLE);
	}
	for (uint64_t i = 0; i < n; i++)
		ASSERT_EQ(t[1][i], mk_pte(reuse, false));

	writes = m->stat.nr_pte_writes;
	ASSERT_EQ(vmemmap_walk_va(m, head + (3 * n + 5) * g->page_size, &w), 0);
	set_pt_entry(m, pt_walk_pte_mut(m, &w), mk_pte(reuse, true));
	ASSERT_EQ(m->stat.nr_pte_writes, writes + 1);
	ASSERT_TRUE(pt_table(m, *w.pmd) != t[1]);
	for (uint64_t i = 0; i < n; i++) {
		ASSERT_EQ(t[1][i], mk_pte(reuse, false));
		ASSERT_EQ(pt_table(m, *w.pmd)[i], mk_pte(reuse, i == 5));
	}
	ASSERT_EQ(mm_check(m, r), 1);
	ASSERT_TRUE(report_says(r, "read-write"));
	set_pt_entry(m, pt_walk_pte_mut(m, &w), mk_pte(reuse, false));
	ASSERT_EQ(mm_check(m, r), 0);

	ASSERT_EQ(hugetlb_set_nr(m, SZ_1G, 0, NUMA_NO_NODE, err, sizeof(err)), 0);
	ASSERT_EQ(size_to_hstate(m, SZ_1G)->nr_huge_pages, 0);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * set_pte_table_fill() writes a whole table as ptrs_per_table writes: it
 * shares the hint's host bytes only when they hold the same entry, and a
 * table sharing them that is filled again gets bytes of its own, leaving
 * the others as they were.  The legacy remap left tables 1..7 of a 1 GiB
 * folio sharing one page of the reuse page read-only (V); W is the same
 * read-write.
 */
TEST(pte_table_fill_shares_only_the_same_entries)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("on", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	uint64_t pmd[8], n = g->ptrs_per_table, writes, v, w_;
	struct pt_walk w;

	ASSERT_TRUE(r != NULL && m->frames.host.share);
	for (unsigned k = 0; k < 8; k++) {
		ASSERT_EQ(vmemmap_walk_va(m, head + k * n * g->page_size, &w), 0);
		pmd[k] = *w.pmd;
	}
	ASSERT_TRUE(pte_table_alike(m, pmd[1], &v));
	ASSERT_TRUE(!pte_table_alike(m, pmd[0], &w_));
	w_ = mk_pte(entry_pfn(v), true);

	writes = m->stat.nr_pte_writes;
	set_pte_table_fill(m, pmd[2], w_); /* no table holds W: bytes of its own */
	ASSERT_EQ(m->stat.nr_pte_writes, writes + n);
	ASSERT_TRUE(pt_table(m, pmd[2]) != pt_table(m, pmd[1]));
	set_pte_table_fill(m, pmd[3], w_); /* W is table 2's: shared */
	ASSERT_TRUE(pt_table(m, pmd[3]) == pt_table(m, pmd[2]));
	set_pte_table_fill(m, pmd[4], v);  /* the hint holds W, not V */
	ASSERT_TRUE(pt_table(m, pmd[4]) != pt_table(m, pmd[2]));
	set_pte_table_fill(m, pmd[2], v);  /* table 3 keeps W */
	ASSERT_EQ(m->stat.nr_pte_writes, writes + 4 * n);
	for (uint64_t i = 0; i < n; i++) {
		ASSERT_EQ(pt_table(m, pmd[1])[i], v);
		ASSERT_EQ(pt_table(m, pmd[2])[i], v);
		ASSERT_EQ(pt_table(m, pmd[3])[i], w_);
		ASSERT_EQ(pt_table(m, pmd[4])[i], v);
	}
	ASSERT_EQ(mm_check(m, r), (int)n); /* each tail of table 3 */
	ASSERT_TRUE(report_says(r, "read-write"));
	set_pte_table_fill(m, pmd[3], v);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * A PMD of the vmemmap whose 512 frames are one pattern extent (tails of
 * an unoptimized 1 GiB folio) is decided by its first page; an extent
 * whose pattern names the wrong zone is still reported for every struct
 * page of every frame, as one frame of that pattern outside it is.
 */
TEST(checker_decides_a_pattern_extent_pmd_by_its_first_page)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("off", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	struct pt_walk w, src;
	struct page_struct ps;
	uint8_t good[MAX_STRUCT_PAGE], bad[MAX_STRUCT_PAGE];
	uint64_t all;

	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	all = r->nr_struct_pages_checked;
	ASSERT_EQ(vmemmap_walk_va(m, head + 512 * g->page_size, &w), 0);
	ASSERT_EQ(w.leaf, PT_PMD);
	ASSERT_TRUE(IS_ALIGNED(w.pfn, FRAME_BLOCK));
	ASSERT_TRUE(frame_block_word(&m->frames, w.pfn) & FRAME_OWNER_MASK); /* an extent */
	ASSERT_TRUE(frame_block_word(&m->frames, w.pfn) & FRAME_PATTERN);
	ASSERT_EQ(vmemmap_walk_va(m, head + g->page_size, &src), 0);
	memcpy(good, frame_pattern(&m->frames, src.pfn), g->struct_page_size);

	page_struct_decode(g, good, &ps);
	ps.flags ^= page_flags_node_zone(0, flags_zone(ps.flags)) ^
		    page_flags_node_zone(0, flags_zone(ps.flags) == ZONE_DMA ? ZONE_DMA32 : ZONE_DMA);
	page_struct_encode(g, &ps, bad);
	ASSERT_EQ(frame_set_pattern(&m->frames, src.pfn, bad), 0);
	frame_share_pattern_run(&m->frames, w.pfn, FRAME_BLOCK, src.pfn);
	ASSERT_TRUE(frame_block_word(&m->frames, w.pfn) & FRAME_OWNER_MASK);
	/* the vmemmap's check and the folio's, each struct page of 513 frames */
	ASSERT_EQ(mm_check(m, r), 2 * g->spp * (FRAME_BLOCK + 1));
	ASSERT_TRUE(report_says(r, "layout says"));

	ASSERT_EQ(frame_set_pattern(&m->frames, src.pfn, good), 0);
	frame_share_pattern_run(&m->frames, w.pfn, FRAME_BLOCK, src.pfn);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(r->nr_struct_pages_checked, all);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * A vmemmap page that describes memory and a hole (qemu-pc's 640 KiB to
 * 1 MiB) is checked struct page by struct page: a present pfn's wrong
 * zone is found, the hole's struct pages are not asked.  A page that
 * describes only the hole is skipped as a whole.
 */
TEST(checker_asks_the_present_part_of_a_page_with_a_hole)
{
	struct machine *m = boot_scenario("machine mem=1G layout=qemu-pc\nboot\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	struct page_struct good[2], bad;
	const pfn_t pfn[2] = { 0x90, 0xc0 }; /* memory, and a page of hole alone */

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	ASSERT_EQ(g->spp, 64);
	ASSERT_TRUE(pfn_present(m, 0x90) && !pfn_present(m, 0xa0) && !pfn_present(m, 0xc0) &&
		    !pfn_present(m, 0xff));
	ASSERT_EQ(mm_check(m, r), 0);
	for (unsigned k = 0; k < 2; k++) {
		ASSERT_EQ(page_read(m, pfn_to_page_va(g, pfn[k]), &good[k]), 0);
		bad = good[k];
		bad.flags ^= page_flags_node_zone(0, flags_zone(bad.flags)) ^
			     page_flags_node_zone(0, flags_zone(bad.flags) == ZONE_DMA ? ZONE_DMA32 : ZONE_DMA);
		ASSERT_EQ(page_write(m, pfn_to_page_va(g, pfn[k]), &bad), 0);
	}
	ASSERT_EQ(mm_check(m, r), 1);
	ASSERT_TRUE(report_says(r, "pfn 0x90: struct page says"));
	for (unsigned k = 0; k < 2; k++)
		ASSERT_EQ(page_write(m, pfn_to_page_va(g, pfn[k]), &good[k]), 0);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * An unoptimized folio's tail vmemmap page is one pattern frame; the
 * checker decides its 64 struct pages from one when that one is a tail by
 * pointer to the right head in the right zone.  A pattern naming the wrong
 * zone is reported for every struct page, one naming another head or no
 * head at all is still caught.
 */
TEST(checker_asks_every_struct_page_of_a_wrong_pattern_frame)
{
	vaddr_t head;
	struct machine *m = boot_one_1g_folio("off", &head);
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g = &m->geo;
	struct pt_walk w;
	struct page_struct ps;
	uint8_t good[MAX_STRUCT_PAGE], bad[MAX_STRUCT_PAGE];

	ASSERT_TRUE(r != NULL);
	ASSERT_EQ(mm_check(m, r), 0);
	ASSERT_EQ(vmemmap_walk_va(m, head + 1000 * g->page_size, &w), 0);
	ASSERT_TRUE(frame_pattern(&m->frames, w.pfn) != NULL);
	memcpy(good, frame_pattern(&m->frames, w.pfn), g->struct_page_size);
	page_struct_decode(g, good, &ps);
	ASSERT_EQ(ps.compound_info, head + 1);

	ps.flags ^= page_flags_node_zone(0, flags_zone(ps.flags)) ^
		    page_flags_node_zone(0, flags_zone(ps.flags) == ZONE_DMA ? ZONE_DMA32 : ZONE_DMA);
	page_struct_encode(g, &ps, bad);
	ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, bad), 0);
	/*
	 * Each struct page twice: the vmemmap's check (its lines come first
	 * and fill the report) and the folio's.
	 */
	ASSERT_EQ(mm_check(m, r), 2 * g->spp);
	ASSERT_TRUE(report_says(r, "layout says"));

	page_struct_decode(g, good, &ps);
	ps.compound_info = head + 64 * g->struct_page_size + 1;
	page_struct_encode(g, &ps, bad);
	ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, bad), 0);
	ASSERT_EQ(mm_check(m, r), 1);
	ASSERT_TRUE(report_says(r, "compound_head() is"));

	page_struct_decode(g, good, &ps);
	ps.compound_info = 0;
	page_struct_encode(g, &ps, bad);
	ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, bad), 0);
	ASSERT_EQ(mm_check(m, r), 1);
	ASSERT_TRUE(report_says(r, "compound_head() is"));

	ASSERT_EQ(frame_set_pattern(&m->frames, w.pfn, good), 0);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * A folio's first vmemmap page is a pattern with exceptions; the checker
 * decides a stretch of its alike tail slots from one of them, up to the
 * next slot that differs: one tail slot in the middle made to name the
 * wrong zone is found by the folio check too, with the pointer encoding
 * (legacy) and the mask (generic); and alike slots whose mask does not
 * keep the folio are each asked.
 */
TEST(checker_finds_one_wrong_slot_among_alike_tails)
{
	static const char *const design[] = { "legacy", "generic" };

	for (unsigned d = 0; d < 2; d++) {
		char text[160];
		struct machine *m;
		struct check_report *r = malloc(sizeof(*r));
		const struct hstate *h;
		const struct geometry *g;
		struct pt_walk w;
		struct page_struct ps;
		uint8_t bad[MAX_STRUCT_PAGE];

		snprintf(text, sizeof(text), "machine mem=1G\ncmdline hugetlb_free_vmemmap=on\n"
			 "design %s\nboot\nhugepages 2M 3\n", design[d]);
		m = boot_scenario(text);
		ASSERT_TRUE(m != NULL && r != NULL);
		g = &m->geo;
		h = size_to_hstate(m, 2 * SZ_1M);
		ASSERT_TRUE(h && h->freelists[0].nr == 3);
		ASSERT_EQ(mm_check(m, r), 0);
		ASSERT_EQ(vmemmap_walk_va(m, pfn_to_page_va(g, h->freelists[0].v[0].pfn), &w), 0);
		ASSERT_TRUE(frame_px(&m->frames, w.pfn) != NULL);
		/* slot 40 is one of the alike tails: the pattern itself */
		page_struct_decode(g, frame_px_pattern(&m->frames, frame_px(&m->frames, w.pfn)), &ps);
		ASSERT_TRUE(ps.compound_info & 1);
		ps.flags ^= page_flags_node_zone(0, flags_zone(ps.flags)) ^
			    page_flags_node_zone(0, flags_zone(ps.flags) == ZONE_DMA ? ZONE_DMA32 : ZONE_DMA);
		page_struct_encode(g, &ps, bad);
		ASSERT_EQ(frame_set_slot(&m->frames, w.pfn, 40, bad), 0);
		/*
		 * The vmemmap's check and the folio's, at every page mapping
		 * the frame: legacy's 7 tail pages map the head page (its
		 * reuse page), generic's map the zone's shared tail.
		 */
		ASSERT_EQ(mm_check(m, r), d == 0 ? 2 * 8 : 2);
		ASSERT_TRUE(report_says(r, "tail struct page says zone"));
		if (d == 1) {
			/*
			 * Every tail slot of the page with a mask of 8 struct
			 * pages: slots 4 to 7 still mask to the head, slot 8
			 * does not, though it holds the same bytes.
			 */
			static const unsigned keep_slot[4] = { 0, 1, 2, 3 };
			uint8_t keep[4 * MAX_STRUCT_PAGE];

			frame_read_px(&m->frames, w.pfn, 0, keep, 4 * g->struct_page_size);
			page_struct_decode(g, frame_px_pattern(&m->frames, frame_px(&m->frames, w.pfn)), &ps);
			ps.compound_info = encode_tail_mask(g, 3);
			page_struct_encode(g, &ps, bad);
			ASSERT_EQ(frame_set_pattern_except(&m->frames, w.pfn, bad, 4, keep_slot, keep), 0);
			ASSERT_TRUE(mm_check(m, r) >= 1);
			ASSERT_TRUE(report_says(r, "compound_head() is"));
		}
		free(r);
		machine_destroy(m);
	}
	return 0;
}

/*
 * show pool lists every free huge page in list order; show buddyinfo's
 * first line per zone has the free blocks of each order and the per-CPU
 * pages, and its lists hold every pageblock-order block there is.
 */
TEST(show_pool_and_buddyinfo_list_what_the_allocator_holds)
{
	struct machine *m = boot_scenario("machine mem=1G\ncmdline hugetlb_free_vmemmap=on\n"
					  "boot\nhugepages 2M 3\n");
	char *text = NULL, line[160], want[64];
	size_t len = 0;
	const struct hstate *h;
	const struct zone *z;
	FILE *out;

	ASSERT_TRUE(m != NULL);
	out = open_memstream(&text, &len);
	ASSERT_TRUE(out != NULL);
	show_pool(m, out);
	show_buddyinfo(m, out);
	fclose(out);
	h = size_to_hstate(m, 2 * SZ_1M);
	ASSERT_TRUE(h && h->freelists[0].nr == 3);
	snprintf(line, sizeof(line), "pool order 9 node 0 free 3: 0x%llx 0x%llx 0x%llx\n",
		 (unsigned long long)h->freelists[0].v[0].pfn,
		 (unsigned long long)h->freelists[0].v[1].pfn,
		 (unsigned long long)h->freelists[0].v[2].pfn);
	ASSERT_TRUE(strstr(text, line) != NULL);
	z = page_zone(m, 0x30000);
	snprintf(want, sizeof(want), "   pcp %llu (count %d", (unsigned long long)z->buddy.nr_pcp_pages,
		 z->buddy.pcp.count);
	ASSERT_TRUE(strstr(text, want) != NULL);
	snprintf(want, sizeof(want), " %6llu   pcp", (unsigned long long)z->buddy.area[10].nr_free);
	ASSERT_TRUE(strstr(text, want) != NULL);
	ASSERT_TRUE(strstr(text, "  list o10 Movable: 0x") != NULL);
	free(text);
	machine_destroy(m);
	return 0;
}
