// SPDX-License-Identifier: GPL-2.0-only
/*
 * CMA areas (mm/cma.c, mm/hugetlb_cma.c): who may take their pages, what
 * the checker catches, and where a gigantic folio goes back when freed.
 */
#include <string.h>

#include "harness.h"
#include "mm/alloc.h"
#include "mm/cma.h"
#include "mm/hugetlb.h"
#include "sim/sim.h"
#include "testutil.h"

static struct machine *cma_machine(void)
{
	return boot_scenario("machine mem=6G\ncmdline hugetlb_cma=1G\nboot\n");
}

/* Unmovable requests never get CMA pages; movable ones do, first. */
TEST(cma_pages_only_for_movable_requests)
{
	struct machine *m = cma_machine();
	struct alloc_request kern = kernel_page_request(SITE_KERNEL, 0);
	struct alloc_request mov = { SITE_HUGETLB, 9, 0, true, ZONE_MOVABLE };
	pfn_t p, q;

	ASSERT_TRUE(m != NULL);
	ASSERT_EQ(m->nr_cma, 1);
	ASSERT_EQ(totalcma_pages(m), 262144);
	p = alloc_frames(m, &kern);
	ASSERT_TRUE(p != PFN_NONE && !cma_of_pfn(m, p));
	/* ZONE_NORMAL's own free memory is less than CMA's: CMA first */
	q = alloc_frames(m, &mov);
	ASSERT_TRUE(q != PFN_NONE && cma_of_pfn(m, q));
	ASSERT_EQ(global_cma_free_pages(m), 262144 - 512);
	free_frames(m, q, 9);
	free_frames(m, p, 0);
	ASSERT_EQ(global_cma_free_pages(m), 262144);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}

/* A CMA page taken behind the area's back is a violation. */
TEST(cma_checker_catches_a_lost_page)
{
	struct machine *m = cma_machine();
	struct cma *cma;

	ASSERT_TRUE(m != NULL);
	cma = &m->cma_areas[0];
	ASSERT_TRUE(buddy_alloc(&cma->free, 0, MIGRATE_CMA, 0) != PFN_NONE);
	ASSERT_TRUE(check_machine(m) > 0);
	machine_destroy(m);
	return 0;
}

/* A gigantic folio from CMA goes back to the area, not to the zone. */
TEST(cma_gigantic_folio_returns_to_its_area)
{
	struct machine *m = cma_machine();
	char err[256];
	uint64_t zone_free;

	ASSERT_TRUE(m != NULL);
	zone_free = global_free_pages(m) - global_cma_free_pages(m);
	ASSERT_EQ(hugetlb_set_nr(m, SZ_1G, 1, NUMA_NO_NODE, err, sizeof(err)), 0);
	ASSERT_EQ(global_cma_free_pages(m), 0);
	ASSERT_EQ(m->cma_areas[0].alloc_pages_success, 262144);
	ASSERT_EQ(hugetlb_set_nr(m, SZ_1G, 0, NUMA_NO_NODE, err, sizeof(err)), 0);
	ASSERT_EQ(global_cma_free_pages(m), 262144);
	/* the zone lost only what the restore allocated */
	ASSERT_TRUE(global_free_pages(m) - global_cma_free_pages(m) <= zone_free);
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}
