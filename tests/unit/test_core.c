/*
 * Unit tests of the lower layers: parsers, geometry, memblock, buddy.
 */
#include "cmdline.h"
#include "geometry.h"
#include "harness.h"
#include "memblock.h"
#include "page_alloc.h"
#include "parse.h"

TEST(parse_size_suffixes)
{
	uint64_t v;

	ASSERT_EQ(parse_size("4G", &v), 0);
	ASSERT_EQ(v, 4ULL << 30);
	ASSERT_EQ(parse_size("512m", &v), 0);
	ASSERT_EQ(v, 512ULL << 20);
	ASSERT_EQ(parse_size("2MB", &v), 0);
	ASSERT_EQ(v, 2ULL << 20);
	ASSERT_EQ(parse_size("4096", &v), 0);
	ASSERT_EQ(v, 4096);
	ASSERT_NE(parse_size("", &v), 0);
	ASSERT_NE(parse_size("G", &v), 0);
	ASSERT_NE(parse_size("4X", &v), 0);
	ASSERT_NE(parse_size("-1G", &v), 0);
	ASSERT_NE(parse_size("99999999999999999999", &v), 0);
	ASSERT_NE(parse_size("17000000000000P", &v), 0); /* overflow */
	return 0;
}

TEST(parse_bool_kstrtobool)
{
	bool b;

	ASSERT_EQ(parse_bool("on", &b), 0);
	ASSERT_TRUE(b);
	ASSERT_EQ(parse_bool("0", &b), 0);
	ASSERT_FALSE(b);
	ASSERT_NE(parse_bool("maybe", &b), 0);
	ASSERT_NE(parse_bool("", &b), 0);
	return 0;
}

TEST(cmdline_hugepages_follow_hugepagesz)
{
	struct boot_params bp;
	char err[256];

	boot_params_init(&bp);
	ASSERT_EQ(cmdline_parse(&bp, "console=ttyS0 hugepages=3 hugepagesz=1G hugepages=2 "
				     "hugetlb_free_vmemmap=on quiet", err, sizeof(err)), 0);
	ASSERT_EQ(bp.nr_hp, 2);
	ASSERT_EQ(bp.hp[0].size, 0); /* default size */
	ASSERT_EQ(bp.hp[0].count, 3);
	ASSERT_EQ(bp.hp[1].size, 1ULL << 30);
	ASSERT_EQ(bp.hp[1].count, 2);
	ASSERT_EQ(bp.hugetlb_free_vmemmap, 1);
	ASSERT_TRUE(strstr(bp.ignored, "console=ttyS0") && strstr(bp.ignored, "quiet"));
	return 0;
}

TEST(cmdline_per_node_counts)
{
	struct boot_params bp;
	char err[256];

	boot_params_init(&bp);
	ASSERT_EQ(cmdline_parse(&bp, "hugepagesz=2M hugepages=0:2,1:3", err, sizeof(err)), 0);
	ASSERT_TRUE(bp.hp[0].per_node);
	ASSERT_EQ(bp.hp[0].node_count[0], 2);
	ASSERT_EQ(bp.hp[0].node_count[1], 3);
	ASSERT_EQ(bp.hp[0].count, 5);
	return 0;
}

TEST(cmdline_rejects_malformed)
{
	static const char *const bad[] = {
		"hugepages=", "hugepages=abc", "hugepagesz=", "hugepagesz=2Q",
		"hugetlb_free_vmemmap=maybe", "=x", "hugepages=0:", "hugepages=x:1",
		"movablecore=lots", "a=\"unterminated", "hugepagesz=2M hugepagesz=2M",
		"hugepages=1 hugepages=2",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct boot_params bp;
		char err[256] = "";
		boot_params_init(&bp);
		if (cmdline_parse(&bp, bad[i], err, sizeof(err)) != -EINVAL || !err[0]) {
			fprintf(stderr, "    accepted '%s'\n", bad[i]);
			return 1;
		}
	}
	return 0;
}

TEST(geometry_constants)
{
	struct geometry g;

	ASSERT_EQ(geometry_init(&g, 4096, 64, false), 0);
	ASSERT_EQ(g.spp, 64);
	ASSERT_EQ(g.pages_per_section, 32768);
	ASSERT_EQ(section_memmap_pages(&g), 512);
	ASSERT_EQ(g.pmd_shift, 21);
	ASSERT_EQ(g.pud_shift, 30);
	ASSERT_EQ(geometry_init(&g, 16384, 64, true), 0);
	ASSERT_EQ(g.pmd_shift, 25); /* 32 MiB */
	ASSERT_EQ(section_memmap_pages(&g), 32);
	ASSERT_EQ(geometry_init(&g, 65536, 64, true), 0);
	ASSERT_EQ(g.section_shift, 29);
	ASSERT_EQ(g.pmd_shift, 29); /* 512 MiB */
	ASSERT_EQ(section_memmap_pages(&g), 8);
	ASSERT_EQ(geometry_init(&g, 4096, 72, false), 0);
	ASSERT_FALSE(g.struct_page_pow2);
	ASSERT_EQ(section_memmap_pages(&g), 576);
	ASSERT_NE(geometry_init(&g, 8192, 64, false), 0);
	ASSERT_NE(geometry_init(&g, 4096, 60, false), 0);
	return 0;
}

/*
 * memblock: regions merge, allocation is top-down and skips reservations.
 *
 *   0        0x100      0x200      0x300
 *   |  mem node 0       |  mem node 1  |
 *              [rsv]
 */
TEST(memblock_top_down_alloc)
{
	struct memblock mb;
	pfn_t p;

	memblock_init(&mb);
	ASSERT_EQ(memblock_add_node(&mb, 0, 0x100, 0), 0);
	ASSERT_EQ(memblock_add_node(&mb, 0x100, 0x100, 0), 0);
	ASSERT_EQ(memblock_add_node(&mb, 0x200, 0x100, 1), 0);
	ASSERT_EQ(mb.memory.cnt, 2); /* node 0 regions merged */
	ASSERT_EQ(memblock_reserve(&mb, 0x1f0, 0x10), 0);
	p = memblock_alloc_range(&mb, 0x10, 0x10, 0, 0x300, 0);
	ASSERT_EQ(p, 0x1e0); /* highest free aligned block of node 0 */
	ASSERT_EQ(mb.reserved.cnt, 1); /* merged with the reservation above */
	p = memblock_alloc_range(&mb, 0x40, 0x40, 0, 0x300, 1);
	ASSERT_EQ(p, 0x2c0);
	ASSERT_EQ(memblock_pfn_nid(&mb, 0x2c5), 1);
	ASSERT_TRUE(memblock_is_reserved(&mb, 0x1e5));
	ASSERT_EQ(memblock_free(&mb, 0x1e0, 0x10), 0);
	ASSERT_FALSE(memblock_is_reserved(&mb, 0x1e5));
	ASSERT_TRUE(memblock_is_reserved(&mb, 0x1f5));
	ASSERT_EQ(memblock_alloc_range(&mb, 0x1000, 1, 0, 0x300, 0), PFN_NONE);
	ASSERT_EQ(memblock_type_pages_in(&mb.memory, 0xf0, 0x210), 0x120);
	memblock_destroy(&mb);
	return 0;
}

TEST(buddy_split_and_merge)
{
	struct buddy b;
	pfn_t a, c;

	ASSERT_EQ(buddy_init(&b, 0x100, 0x500, 10), 0);
	buddy_free_range(&b, 0x100, 0x500);
	/* [0x100,0x200) order 8, [0x200,0x400) order 9, [0x400,0x500) order 8 */
	ASSERT_EQ(b.nr_free_pages, 0x400);
	ASSERT_EQ(b.area[9].nr_free, 1);
	ASSERT_EQ(b.area[8].nr_free, 2);
	a = __alloc_pages(&b, 0);
	ASSERT_NE(a, PFN_NONE);
	ASSERT_EQ(b.nr_free_pages, 0x3ff);
	ASSERT_EQ(buddy_free_order(&b, a, NULL), -1);
	c = __alloc_pages(&b, 9);
	ASSERT_NE(c, PFN_NONE);
	ASSERT_TRUE(IS_ALIGNED(c, 512));
	__free_pages(&b, a, 0);
	__free_pages(&b, c, 9);
	ASSERT_EQ(b.nr_free_pages, 0x400);
	ASSERT_EQ(b.area[9].nr_free, 1);
	ASSERT_EQ(b.area[8].nr_free, 2);
	ASSERT_EQ(b.area[0].nr_free, 0);
	buddy_destroy(&b);
	return 0;
}

TEST(buddy_range_isolation)
{
	struct buddy b;

	ASSERT_EQ(buddy_init(&b, 0, 0x1000, 10), 0);
	buddy_free_range(&b, 0, 0x1000);
	ASSERT_TRUE(buddy_range_is_free(&b, 0x10, 0x30));
	buddy_isolate_range(&b, 0x10, 0x30);
	ASSERT_EQ(b.nr_free_pages, 0x1000 - 0x20);
	ASSERT_FALSE(buddy_range_is_free(&b, 0x0, 0x20));
	ASSERT_TRUE(buddy_range_is_free(&b, 0x0, 0x10));
	ASSERT_TRUE(buddy_range_is_free(&b, 0x30, 0x1000));
	buddy_free_range(&b, 0x10, 0x30);
	ASSERT_EQ(b.area[10].nr_free, 4); /* fully merged again */
	buddy_destroy(&b);
	return 0;
}

/*
 * Allocation churn: random allocations and frees never hand out a block
 * twice (stale stack entries are skipped), the free count stays exact, and
 * freeing everything merges back to max-order blocks.
 */
TEST(buddy_churn_no_double_alloc)
{
	static unsigned char used[4096];
	struct buddy b;
	pfn_t pfn[512];
	unsigned ord[512], n = 0, seed = 12345;
	uint64_t in_use = 0;

	memset(used, 0, sizeof(used));
	ASSERT_EQ(buddy_init(&b, 0, 4096, 10), 0);
	buddy_free_range(&b, 0, 4096);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245 + 12345;
		if (n < 512 && ((seed >> 8) & 1)) {
			unsigned o = (seed >> 12) % 5;
			pfn_t p = __alloc_pages(&b, o);
			if (p == PFN_NONE)
				continue;
			for (uint64_t i = 0; i < (1ULL << o); i++) {
				ASSERT_EQ(used[p + i], 0);
				used[p + i] = 1;
			}
			pfn[n] = p;
			ord[n++] = o;
			in_use += 1ULL << o;
		} else if (n) {
			unsigned k = (seed >> 16) % n;
			for (uint64_t i = 0; i < (1ULL << ord[k]); i++)
				used[pfn[k] + i] = 0;
			__free_pages(&b, pfn[k], ord[k]);
			in_use -= 1ULL << ord[k];
			pfn[k] = pfn[--n];
			ord[k] = ord[n];
		}
		ASSERT_EQ(b.nr_free_pages, 4096 - in_use);
	}
	while (n) {
		n--;
		__free_pages(&b, pfn[n], ord[n]);
	}
	ASSERT_EQ(b.area[10].nr_free, 4);
	buddy_destroy(&b);
	return 0;
}
