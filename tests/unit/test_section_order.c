// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic design is driven by the section (docs/generations.md#generic):
 * the compound order and zone a section records before sparse_init are
 * what vmemmap_populate() and memmap_init() go by, whoever recorded them.
 * A right order gives the optimized layout with no HugeTLB code involved;
 * a wrong one gives wrong struct pages, and the checker and explain say so.
 */
#include <stdlib.h>
#include <string.h>

#include "arch/pgtable.h"
#include "cli/report.h"
#include "harness.h"
#include "mm/cmdline.h"
#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/sparse.h"
#include "mm/vmstat.h"
#include "sim/check.h"
#include "sim/generations.h"
#include "sim/sim.h"
#include "testutil.h"

#define GIANT_ORDER 18u /* 1 GiB on 4 KiB pages */

static int64_t counter(struct machine *m, const char *name)
{
	int64_t v = 0;

	counter_get(m, name, &v);
	return v;
}

/* The section order to plant, through the before_sparse_init seam. */
struct plant {
	unsigned order; /* order written into every section of the page */
	pfn_t pfn;      /* the bootmem page's first pfn (found by the seam) */
	uint64_t first, nr; /* sections planted */
	bool plain_section; /* plant on a section with no huge page instead */
};

static void plant_order(struct machine *m)
{
	struct plant *p = m->test_data;
	const struct geometry *g = &m->geo;

	if (p->plain_section) {
		/* a RAM section in ZONE_NORMAL that nobody asked to optimize */
		p->first = pfn_to_section_nr(g, (3ULL << 30) >> g->page_shift);
		p->nr = 1;
		p->pfn = section_nr_to_pfn(g, p->first);
		m->mem_section[p->first].order = (uint8_t)p->order;
		m->mem_section[p->first].zone = (uint8_t)page_zone(m, p->pfn)->idx;
		return;
	}
	if (!m->nr_bootmem_pages)
		return;
	p->pfn = m->bootmem_pages[0].pfn;
	p->first = pfn_to_section_nr(g, p->pfn);
	p->nr = (1ULL << GIANT_ORDER) / g->pages_per_section;
	for (uint64_t s = p->first; s < p->first + p->nr; s++)
		m->mem_section[s].order = (uint8_t)p->order;
}

/* A 6 GiB generic machine with @cmdline, @p planted before sparse_init. */
static struct machine *boot_planted(const char *cmdline, struct plant *p)
{
	struct machine_config cfg;
	struct boot_params bp;
	char err[256] = "";
	struct machine *m;

	machine_config_default(&cfg);
	cfg.mem_bytes = 6ULL << 30;
	cfg.gen = generation_find("generic");
	m = machine_create(&cfg, err, sizeof(err));
	if (!m)
		return NULL;
	boot_params_init(&bp);
	if (cmdline_parse(&bp, cmdline, err, sizeof(err)) ||
	    hugetlb_apply_boot_params(m, &bp, err, sizeof(err)))
		goto fail;
	m->test_data = p;
	m->before_sparse_init = p ? plant_order : NULL;
	if (machine_boot(m, err, sizeof(err)) || hugetlb_late_init(m, err, sizeof(err)))
		goto fail;
	return m;
fail:
	fprintf(stderr, "boot: %s\n", err);
	machine_destroy(m);
	return NULL;
}

/* Does the PTE for the vmemmap page of @pfn's struct page map @frame ro? */
static bool maps_ro(struct machine *m, pfn_t pfn, pfn_t frame)
{
	struct pt_walk w;

	if (vmemmap_walk_va(m, pfn_to_page_va(&m->geo, pfn), &w) || w.leaf != PT_PTE)
		return false;
	return w.pfn == frame && !entry_writable(*w.pte);
}

/*
 * The order HugeTLB records is the whole story: planting that same order
 * changes nothing, and the counters are those of the optimized layout.
 */
TEST(section_order_as_hugetlb_records_it)
{
	const char *c = "hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1";
	struct plant p = { .order = GIANT_ORDER };
	struct machine *a = boot_planted(c, NULL), *b = boot_planted(c, &p);
	struct zone *z;
	pfn_t tail;

	ASSERT_TRUE(a && b);
	ASSERT_EQ(b->mem_section[p.first].order, GIANT_ORDER);
	ASSERT_EQ(section_vmemmap_order(b, &b->mem_section[p.first]), GIANT_ORDER);
	/* one head page for 8 sections, none for the 7 others */
	ASSERT_EQ(section_nr_vmemmap_pages(b, p.first), 1);
	ASSERT_EQ(section_nr_vmemmap_pages(b, p.first + 1), 0);
	z = page_zone(b, p.pfn);
	tail = vmemmap_shared_tail_page(b, GIANT_ORDER, z);
	ASSERT_TRUE(maps_ro(b, p.pfn + b->geo.spp, tail));
	ASSERT_TRUE(maps_ro(b, p.pfn + (1ULL << GIANT_ORDER) - 1, tail));
	ASSERT_EQ(counter(a, "nr_memmap_boot_pages"), counter(b, "nr_memmap_boot_pages"));
	ASSERT_EQ(counter(a, "memmap_init_pages"), counter(b, "memmap_init_pages"));
	ASSERT_EQ(counter(b, "nr_vmemmap_optimized"), 1);
	ASSERT_EQ(check_machine(a), 0);
	ASSERT_EQ(check_machine(b), 0);
	machine_destroy(a);
	machine_destroy(b);
	return 0;
}

/*
 * An order recorded on a plain RAM section, by nobody who will use it, is
 * obeyed all the same: the section is populated as 2 MiB compound pages
 * (64 heads, every other vmemmap page the shared tail) and memmap_init
 * writes only the heads' vmemmap pages.  Its free pages then read as
 * tails of compound pages they are not part of.  (The checker does not
 * decode the struct pages of free buddy pages; the wrong order on a huge
 * page's sections, below, is what it reports.)
 */
TEST(section_order_on_a_plain_section_is_obeyed)
{
	struct plant p = { .order = 9, .plain_section = true };
	struct machine *a = boot_planted("hugetlb_free_vmemmap=on", NULL);
	struct machine *b = boot_planted("hugetlb_free_vmemmap=on", &p);
	const struct geometry *g;
	uint64_t heads;
	vaddr_t head;

	ASSERT_TRUE(a && b);
	g = &b->geo;
	heads = g->pages_per_section >> 9;
	ASSERT_EQ(section_nr_vmemmap_pages(b, p.first), heads);
	/* 32768 struct pages become 64 head vmemmap pages of 64 each */
	ASSERT_EQ(counter(a, "memmap_init_pages") - counter(b, "memmap_init_pages"),
		  g->pages_per_section - heads * g->spp);
	ASSERT_EQ(counter(a, "nr_memmap_boot_pages") - counter(b, "nr_memmap_boot_pages"),
		  section_memmap_pages(g) - heads);
	ASSERT_TRUE(maps_ro(b, p.pfn + 512 + g->spp,
			    vmemmap_shared_tail_page(b, 9, page_zone(b, p.pfn))));
	/* a free page of that section reads as a tail of a 2 MiB compound */
	ASSERT_EQ(compound_head(b, pfn_to_page_va(g, p.pfn + 512 + 100), &head), 0);
	ASSERT_EQ(head, pfn_to_page_va(g, p.pfn + 512));
	ASSERT_EQ(compound_head(a, pfn_to_page_va(&a->geo, p.pfn + 512 + 100), &head), 0);
	ASSERT_EQ(head, pfn_to_page_va(&a->geo, p.pfn + 512 + 100));
	ASSERT_EQ(check_machine(a), 0);
	machine_destroy(a);
	machine_destroy(b);
	return 0;
}

/*
 * A wrong order on the sections of a boot-time 1 GiB page: 9 instead of
 * 18.  sparse_init populates 512 compound pages of 2 MiB, each with its
 * own head vmemmap page, where the folio has one head: the struct pages
 * at every 2 MiB boundary are not tails of the folio, and the tails after
 * them name a 2 MiB head.  The checker reports the folio; explain shows
 * the section's order and the wrong head.
 */
TEST(wrong_section_order_is_wrong_struct_pages)
{
	const char *c = "hugetlb_free_vmemmap=on hugepagesz=1G hugepages=1";
	struct plant p = { .order = 9 };
	struct machine *m = boot_planted(c, &p);
	struct check_report *r = malloc(sizeof(*r));
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	uint64_t n;
	vaddr_t head;
	pfn_t tail_pfn;

	ASSERT_TRUE(m && r);
	ASSERT_EQ(m->mem_section[p.first].order, 9);
	/* 8 sections of 64 compound pages: 512 head pages instead of 1 */
	ASSERT_EQ(section_nr_vmemmap_pages(m, p.first), 64);
	tail_pfn = p.pfn + 512 + 100; /* a tail of the folio past its first 2 MiB */
	ASSERT_EQ(compound_head(m, pfn_to_page_va(&m->geo, tail_pfn), &head), 0);
	ASSERT_EQ(head, pfn_to_page_va(&m->geo, p.pfn + 512)); /* not the folio's head */
	n = mm_check(m, r);
	ASSERT_TRUE(n > 0);
	f = open_memstream(&out, &len);
	ASSERT_TRUE(f);
	check_report_print(r, f);
	fclose(f);
	ASSERT_TRUE(strstr(out, "compound_head") != NULL);
	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	ASSERT_TRUE(f);
	show_pfn(m, tail_pfn, f);
	fclose(f);
	ASSERT_TRUE(strstr(out, "compound order 9") != NULL);
	free(out);
	free(r);
	machine_destroy(m);
	return 0;
}
