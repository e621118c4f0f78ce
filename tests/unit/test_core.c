// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the lower layers: parsers, geometry, memblock, buddy, the
 * frame store.
 */
#include "mm/cmdline.h"
#include "hw/frame.h"
#include "hw/geometry.h"
#include "harness.h"
#include "testutil.h"
#include "mm/memblock.h"
#include "mm/page_alloc.h"
#include "lib/parse.h"

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
	/* known kernel parameters hvo does not simulate: by name */
	ASSERT_TRUE(strstr(bp.unmodelled, "console") && strstr(bp.unmodelled, "quiet"));
	ASSERT_EQ(bp.unknown[0], '\0');
	return 0;
}

/*
 * No parameter is dropped in silence: unknown ones go to user space as
 * the kernel lists them, known but unsimulated ones by name, module
 * parameters (dotted) with them.
 */
TEST(cmdline_lists_what_it_does_not_model)
{
	struct boot_params bp;
	char err[256], many[2048];
	size_t off = 0;

	boot_params_init(&bp);
	ASSERT_EQ(cmdline_parse(&bp, "cma=64M foo=bar hugepage_alloc_threads=4 "
				     "kvm.nx_huge_pages=off single", err, sizeof(err)), 0);
	ASSERT_TRUE(!strcmp(bp.unknown, "foo=bar single"));
	ASSERT_TRUE(!strcmp(bp.unmodelled, "cma hugepage_alloc_threads kvm.nx_huge_pages"));
	/* hugetlb_cma= is modelled now: parsed, on no list */
	boot_params_init(&bp);
	ASSERT_EQ(cmdline_parse(&bp, "hugetlb_cma=0:1G,1:2G hugetlb_cma_only=on", err, sizeof(err)), 0);
	ASSERT_TRUE(!bp.unknown[0] && !bp.unmodelled[0]);
	ASSERT_EQ(bp.hugetlb_cma_size_in_node[1], 2 * SZ_1G);
	ASSERT_EQ(bp.hugetlb_cma_only, 1);
	/* a list that fills up says so instead of losing words quietly */
	boot_params_init(&bp);
	for (unsigned i = 0; i < 300; i++)
		off += (size_t)snprintf(many + off, sizeof(many) - off, "p%u=1 ", i);
	ASSERT_EQ(cmdline_parse(&bp, many, err, sizeof(err)), 0);
	ASSERT_TRUE(strlen(bp.unknown) < sizeof(bp.unknown));
	ASSERT_TRUE(!strcmp(bp.unknown + strlen(bp.unknown) - 4, " ..."));
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

	ASSERT_EQ(geometry_init(&g, ARCH_X86_64, 4096, 64), 0);
	ASSERT_EQ(g.spp, 64);
	ASSERT_EQ(g.pages_per_section, 32768);
	ASSERT_EQ(section_memmap_pages(&g), 512);
	ASSERT_EQ(g.pmd_shift, 21);
	ASSERT_EQ(g.pud_shift, 30);
	ASSERT_EQ(geometry_init(&g, ARCH_ARM64, 16384, 64), 0);
	ASSERT_EQ(g.pmd_shift, 25); /* 32 MiB */
	ASSERT_EQ(section_memmap_pages(&g), 32);
	ASSERT_EQ(geometry_init(&g, ARCH_ARM64, 65536, 64), 0);
	ASSERT_EQ(g.section_shift, 29);
	ASSERT_EQ(g.pmd_shift, 29); /* 512 MiB */
	ASSERT_EQ(section_memmap_pages(&g), 8);
	ASSERT_EQ(geometry_init(&g, ARCH_X86_64, 4096, 72), 0);
	ASSERT_FALSE(g.struct_page_pow2);
	ASSERT_EQ(section_memmap_pages(&g), 576);
	ASSERT_NE(geometry_init(&g, ARCH_X86_64, 8192, 64), 0);
	ASSERT_NE(geometry_init(&g, ARCH_X86_64, 4096, 60), 0);
	ASSERT_NE(geometry_init(&g, ARCH_X86_64, 16384, 64), 0); /* 4K only */
	return 0;
}

/*
 * Each architecture's row (docs/geometry.md#architectures): section size,
 * MAX_PAGE_ORDER, HugeTLB sizes, which optimizations its Kconfig selects,
 * and a vmemmap base aligned as the fake-head removal requires.
 */
TEST(geometry_architectures)
{
	struct geometry g;
	enum hvo_arch a;

	ASSERT_EQ(arch_from_name("riscv64", &a), 0);
	ASSERT_EQ(a, ARCH_RISCV64);
	ASSERT_NE(arch_from_name("mips", &a), 0);
	ASSERT_EQ(arch_default_page_size(ARCH_LOONGARCH64), 16384);
	ASSERT_FALSE(arch_has_page_size(ARCH_RISCV64, 16384));

	ASSERT_EQ(geometry_init(&g, ARCH_X86_64, 4096, 64), 0);
	ASSERT_EQ(g.arch_want, ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP |
			       ARCH_WANT_OPTIMIZE_DAX_VMEMMAP |
			       ARCH_WANT_HUGETLB_VMEMMAP_PREINIT);
	ASSERT_EQ(g.nr_huge_sizes, 2);
	ASSERT_EQ(g.vmemmap_align, 256 * SZ_1M); /* 16 GiB / 4K * 64 */

	ASSERT_EQ(geometry_init(&g, ARCH_ARM64, 4096, 64), 0);
	ASSERT_EQ(g.arch_want, 0); /* 060a2c92d1b6; no DAX select either */
	ASSERT_EQ(g.nr_huge_sizes, 4);
	ASSERT_EQ(g.huge_sizes[0], 64 * SZ_1K);
	ASSERT_EQ(g.default_huge_size, 2 * SZ_1M);

	ASSERT_EQ(geometry_init(&g, ARCH_RISCV64, 4096, 64), 0);
	ASSERT_EQ(g.section_shift, 27);
	ASSERT_EQ(g.max_order, 10);
	ASSERT_EQ(g.arch_want, ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP |
			       ARCH_WANT_OPTIMIZE_DAX_VMEMMAP);
	ASSERT_EQ(g.vmemmap_align, 256 * SZ_1M); /* max(section, 256M): 476849b0fba4 */

	ASSERT_EQ(geometry_init(&g, ARCH_LOONGARCH64, 16384, 64), 0);
	ASSERT_EQ(g.section_shift, 29);
	ASSERT_EQ(g.max_order, 11);
	ASSERT_EQ(g.arch_want, ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP);
	ASSERT_EQ(g.nr_huge_sizes, 1);
	ASSERT_EQ(g.default_huge_size, 32 * SZ_1M); /* PMD only */
	ASSERT_EQ(g.vmemmap_align, 64 * SZ_1M); /* max(PMD 32M, 64M): 2969b42c8f99 */

	ASSERT_EQ(geometry_init(&g, ARCH_S390, 4096, 64), 0);
	ASSERT_EQ(g.section_shift, 28);
	ASSERT_EQ(g.arch_want, 0); /* 64e2f60f355e */
	ASSERT_EQ(g.default_huge_size, SZ_1M);
	ASSERT_EQ(g.huge_sizes[1], 2 * SZ_1G);

	ASSERT_EQ(geometry_init(&g, ARCH_POWERPC, 4096, 64), 0);
	ASSERT_EQ(g.section_shift, 24);
	ASSERT_EQ(g.max_order, 12);
	ASSERT_EQ(g.arch_want, ARCH_WANT_OPTIMIZE_DAX_VMEMMAP);
	ASSERT_EQ(section_memmap_pages(&g), 64);
	ASSERT_NE(geometry_init(&g, ARCH_POWERPC, 65536, 64), 0); /* not modelled */

	for (unsigned i = 0; i < NR_HVO_ARCHS; i++) {
		ASSERT_EQ(geometry_init(&g, (enum hvo_arch)i, arch_default_page_size((enum hvo_arch)i), 64), 0);
		ASSERT_EQ(g.vmemmap_start % g.vmemmap_align, 0);
		ASSERT_TRUE(g.max_order + g.page_shift <= g.section_shift);
	}
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

	ASSERT_EQ(buddy_init(&b, 0x100, 0x500, 10, 9, MIGRATE_MOVABLE), 0);
	buddy_free_range(&b, 0x100, 0x500);
	/* [0x100,0x200) order 8, [0x200,0x400) order 9, [0x400,0x500) order 8 */
	ASSERT_EQ(b.nr_free_pages, 0x400);
	ASSERT_EQ(b.area[9].nr_free, 1);
	ASSERT_EQ(b.area[8].nr_free, 2);
	/* movable: the head of the order-8 list, freed first (to the tail) */
	a = buddy_alloc(&b, 0, MIGRATE_MOVABLE, 0);
	ASSERT_EQ(a, 0x100);
	ASSERT_EQ(b.nr_free_pages, 0x3ff);
	ASSERT_EQ(buddy_free_order(&b, a, NULL), -1);
	c = buddy_alloc(&b, 9, MIGRATE_MOVABLE, 0);
	ASSERT_EQ(c, 0x200);
	__free_pages(&b, a, 0);
	__free_pages(&b, c, 9);
	ASSERT_EQ(b.nr_free_pages, 0x400);
	ASSERT_EQ(b.area[9].nr_free, 1);
	ASSERT_EQ(b.area[8].nr_free, 2);
	ASSERT_EQ(b.area[0].nr_free, 0);
	buddy_destroy(&b);
	return 0;
}

/*
 * The pfn hash keys a node by the low 32 bits of its offset: a pfn outside
 * the span finds nothing, and on a span of more than 2^32 pages two free
 * blocks whose keys are equal are still told apart.
 */
TEST(buddy_lookup_keys_do_not_alias)
{
	const pfn_t far = 1ULL << 32;
	struct buddy b;

	ASSERT_EQ(buddy_init(&b, 0x100, 0x500, 10, 9, MIGRATE_MOVABLE), 0);
	buddy_free_range(&b, 0x100, 0x500);
	ASSERT_TRUE(buddy_lookup(&b, 0x200) != NULL);
	ASSERT_EQ(buddy_lookup(&b, 0x200)->order, 9);
	ASSERT_TRUE(buddy_lookup(&b, 0x200 + far) == NULL);
	buddy_destroy(&b);

	ASSERT_EQ(buddy_init(&b, 0, far + 0x400, 10, 9, MIGRATE_MOVABLE), 0);
	__free_pages(&b, 0x200, 9);
	__free_pages(&b, 0x200 + far, 9);
	ASSERT_TRUE(buddy_lookup(&b, 0x200) != NULL);
	ASSERT_TRUE(buddy_lookup(&b, 0x200 + far) != NULL);
	ASSERT_EQ(buddy_lookup(&b, 0x200)->pfn, 0x200);
	ASSERT_EQ(buddy_lookup(&b, 0x200 + far)->pfn, 0x200 + far);
	buddy_destroy(&b);
	return 0;
}

/* buddy_hash_found() marks node i exactly when buddy_lookup() of its pfn finds it. */
static int hash_found_matches_lookups(const struct buddy *b)
{
	uint64_t *found = calloc(b->cap_nodes / 64 + 1, sizeof(*found));

	ASSERT_TRUE(found != NULL);
	buddy_hash_found(b, found);
	for (uint32_t i = 1; i < b->nr_nodes; i++) {
		bool f = found[i / 64] & (1ULL << (i % 64));

		if (f != (buddy_lookup(b, b->nodes[i].pfn) == &b->nodes[i]))
			test_fail(__FILE__, __LINE__, "node %u: found %d, lookup says otherwise", i, f);
	}
	free(found);
	return 0;
}

/*
 * The checker's pass over the pfn hash says of every node what a lookup of
 * its pfn says, on a hash left by random allocations and frees and on the
 * same hash damaged at random: a slot emptied (its chain cut), two slots
 * swapped, a key or a node index changed, a slot copied into an empty one;
 * on a span of 2^32 pages and more too, where keys alias.
 */
TEST(buddy_hash_pass_equals_lookups)
{
	const pfn_t far = 1ULL << 32;
	uint64_t seed = 7;

	for (int span = 0; span < 2; span++) {
		struct buddy b;
		struct bslot *saved;

		if (!span) {
			ASSERT_EQ(buddy_init(&b, 0, 0x40000, 10, 9, MIGRATE_MOVABLE), 0);
			buddy_free_range(&b, 0, 0x40000);
			for (int k = 0; k < 4000; k++) {
				pfn_t p = buddy_alloc(&b, (unsigned)(test_rand(&seed) % 4), MIGRATE_MOVABLE, 0);

				if (p != PFN_NONE && test_rand(&seed) % 3)
					continue; /* kept: the free lists fragment */
				if (p != PFN_NONE)
					__free_pages(&b, p, 0); /* a page of it back: more blocks */
			}
		} else {
			ASSERT_EQ(buddy_init(&b, 0, far + 0x4000, 10, 9, MIGRATE_MOVABLE), 0);
			for (pfn_t p = 0; p < 0x4000; p += 0x400) {
				__free_pages(&b, p + 0x200, 9);
				__free_pages(&b, p + 0x200 + far, 9);
			}
		}
		ASSERT_TRUE(b.hash_used > 8);
		if (hash_found_matches_lookups(&b))
			return 1;
		saved = malloc(b.hash_cap * sizeof(*saved));
		ASSERT_TRUE(saved != NULL);
		memcpy(saved, b.hash, b.hash_cap * sizeof(*saved));
		for (int round = 0; round < 300; round++) {
			uint64_t h, j;

			do
				h = test_rand(&seed) % b.hash_cap;
			while (!b.hash[h].idx);
			j = test_rand(&seed) % b.hash_cap;
			switch (round % 5) {
			case 0: b.hash[h].idx = 0; break;
			case 1: { struct bslot t = b.hash[h]; b.hash[h] = b.hash[j]; b.hash[j] = t; break; }
			case 2: b.hash[h].key ^= 1u << (test_rand(&seed) % 12); break;
			case 3: b.hash[h].idx = 1 + (uint32_t)(test_rand(&seed) % (b.nr_nodes - 1)); break;
			case 4: /* the next empty slot gets a copy: a node found twice */
				for (j = (h + 1) % b.hash_cap; b.hash[j].idx; j = (j + 1) % b.hash_cap)
					;
				b.hash[j] = b.hash[h];
				break;
			}
			if (hash_found_matches_lookups(&b))
				return 1;
			memcpy(b.hash, saved, b.hash_cap * sizeof(*saved));
		}
		free(saved);
		buddy_destroy(&b);
	}
	return 0;
}

/*
 * An unmovable request with no unmovable block claims the largest movable
 * block (__rmqueue_claim): its pageblock becomes unmovable and the rest of
 * it goes on the unmovable lists, so the next unmovable page comes from it
 * too.  Freed pages go back to their pageblock's list.
 */
TEST(buddy_unmovable_claims_largest_block)
{
	struct buddy b;
	pfn_t a, c;

	ASSERT_EQ(buddy_init(&b, 0x100, 0x500, 10, 9, MIGRATE_MOVABLE), 0);
	buddy_free_range(&b, 0x100, 0x500);
	a = buddy_alloc(&b, 0, MIGRATE_UNMOVABLE, 0);
	ASSERT_EQ(a, 0x200);
	ASSERT_EQ(get_pfnblock_migratetype(&b, 0x200), MIGRATE_UNMOVABLE);
	ASSERT_EQ(get_pfnblock_migratetype(&b, 0x400), MIGRATE_MOVABLE);
	c = buddy_alloc(&b, 0, MIGRATE_UNMOVABLE, 0);
	ASSERT_EQ(c, 0x201);
	/* no order-9 block is left: order-8 blocks cannot serve it */
	ASSERT_EQ(buddy_alloc(&b, 9, MIGRATE_MOVABLE, 0), PFN_NONE);
	__free_pages(&b, c, 0);
	__free_pages(&b, a, 0);
	ASSERT_EQ(b.area[9].free_list[MIGRATE_UNMOVABLE].nr, 1);
	ASSERT_EQ(b.nr_free_pages, 0x400);
	buddy_destroy(&b);
	return 0;
}

/*
 * Per-CPU lists: a freed page waits on its list (LIFO) and the next request
 * of that order and type gets it back; a refill takes a batch from the
 * buddy lists in pfn order; a drain returns everything and merges.
 */
TEST(buddy_pcp_lists)
{
	struct buddy b;
	pfn_t a, c;

	ASSERT_EQ(buddy_init(&b, 0, 0x1000, 10, 9, MIGRATE_MOVABLE), 0);
	buddy_free_range(&b, 0, 0x1000);
	buddy_setup_pcp(&b, 7, 28, 200);
	a = buddy_alloc(&b, 0, MIGRATE_MOVABLE, 0);
	ASSERT_EQ(a, 0);
	ASSERT_EQ(b.nr_pcp_pages, 6); /* a batch of 7, less the one taken */
	c = buddy_alloc(&b, 0, MIGRATE_MOVABLE, 0);
	ASSERT_EQ(c, 1);
	__free_pages(&b, a, 0);
	ASSERT_EQ(buddy_alloc(&b, 0, MIGRATE_MOVABLE, 0), a);
	ASSERT_EQ(buddy_free_order(&b, 2, NULL), 0); /* on a pcp list: free */
	ASSERT_FALSE(buddy_range_is_free(&b, 2, 3));  /* but not for isolation */
	__free_pages(&b, a, 0);
	__free_pages(&b, c, 0);
	buddy_drain_pcp(&b);
	ASSERT_EQ(b.nr_pcp_pages, 0);
	ASSERT_EQ(b.area[10].nr_free, 4);
	buddy_destroy(&b);
	return 0;
}

/* Two buddies hold the same free lists, in the same order, and pcp state. */
static void buddy_assert_same(const struct buddy *a, const struct buddy *b, unsigned step)
{
	if (a->nr_free_pages != b->nr_free_pages || a->nr_pcp_pages != b->nr_pcp_pages ||
	    a->pcp.count != b->pcp.count || a->pcp.high != b->pcp.high ||
	    a->pcp.free_count != b->pcp.free_count || a->pcp.alloc_factor != b->pcp.alloc_factor ||
	    a->pcp.flags != b->pcp.flags || a->nr_pcp_marked != b->nr_pcp_marked)
		test_fail(__FILE__, __LINE__, "step %u: counters differ", step);
	for (unsigned o = 0; o <= a->max_order; o++) {
		ASSERT_EQ(a->area[o].nr_free, b->area[o].nr_free);
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			uint32_t x = a->area[o].free_list[mt].head, y = b->area[o].free_list[mt].head;
			for (; x && y; x = a->nodes[x].next, y = b->nodes[y].next)
				if (a->nodes[x].pfn != b->nodes[y].pfn)
					test_fail(__FILE__, __LINE__,
						  "step %u: order %u type %d: %#llx listed where %#llx is",
						  step, o, mt, (unsigned long long)b->nodes[y].pfn,
						  (unsigned long long)a->nodes[x].pfn);
			if (x || y)
				test_fail(__FILE__, __LINE__, "step %u: order %u type %d: lists differ in length",
					  step, o, mt);
		}
	}
	for (int i = 0; i < NR_PCP_LISTS; i++) {
		uint64_t ra = 0, rb = 0, ka = 0, kb = 0;

		ASSERT_EQ(a->pcp.lists[i].nr, b->pcp.lists[i].nr);
		for (uint64_t k = 0; k < a->pcp.lists[i].nr; k++) { /* block by block */
			struct pcp_run x = buddy_pcp_run(a, i, ra), y = buddy_pcp_run(b, i, rb);

			ASSERT_EQ(pcp_run_block(&x, ka), pcp_run_block(&y, kb));
			if (++ka == x.len)
				ra++, ka = 0;
			if (++kb == y.len)
				rb++, kb = 0;
		}
		ASSERT_EQ(ra, a->pcp.lists[i].nr_runs);
		ASSERT_EQ(rb, b->pcp.lists[i].nr_runs);
	}
	ASSERT_EQ(memcmp(a->pageblock_mt, b->pageblock_mt,
			 ((a->end - a->base) >> a->pageblock_order) + 1), 0);
	for (pfn_t p = a->start; step % 64 == 0 && p < a->end; p++) {
		pfn_t qa = 0, qb = 0;
		ASSERT_EQ(buddy_free_order(a, p, &qa), buddy_free_order(b, p, &qb));
		ASSERT_EQ(qa, qb);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * A drain frees the order-0 pages it takes at consecutive pfns as a run,
 * and free_pages_run() frees a run of pages as many __free_pages() would:
 * random allocations, whole and page-by-page frees (up and down, as the
 * vmemmap and the boot memmap are freed, and up from a page inside a block),
 * migratetype changes (isolated and CMA pageblocks too) and drains, on a
 * buddy doing that and one freeing page by page as the kernel's loops do,
 * leave the same lists, per-CPU lists and counters after every step; on
 * three geometries: one whose runs cross pageblocks and merge above
 * pageblock order all the time, a zone that starts and ends off max order,
 * and one with the boot pageset (no per-CPU lists) for its first steps.
 * buddy_range_has_free() of random ranges agrees with each pfn's answer.
 */
TEST(buddy_drain_of_runs_lists_as_page_by_page)
{
	static const unsigned geo[3][2] = { { 10, 9 }, { 6, 4 }, { 10, 9 } };

	for (unsigned g = 0; g < 3; g++) {
		struct buddy ref, run;
		struct held_block { pfn_t pfn; unsigned order; } held[256];
		unsigned nheld = 0, max_order = geo[g][0], pb = geo[g][1];
		pfn_t start = 0x40, end = 0x3000 - 0x20;
		uint64_t seed = 0x9e3779b97f4a7c15ULL + g;
		uint64_t runs = 0;

		ASSERT_EQ(buddy_init(&ref, start, end, max_order, pb, MIGRATE_MOVABLE), 0);
		ASSERT_EQ(buddy_init(&run, start, end, max_order, pb, MIGRATE_MOVABLE), 0);
		ref.drain_page_by_page = true;
		buddy_free_range(&ref, start, end);
		buddy_free_range(&run, start, end);
		for (unsigned step = 0; step < 3000; step++) {
			uint64_t r = xorshift(&seed);
			unsigned op = r % 16;

			if (step == (g == 2 ? 1000u : 0u)) {
				buddy_setup_pcp(&ref, 7, 28, 200);
				buddy_setup_pcp(&run, 7, 28, 200);
			}

			if (op < 7 && nheld < 256) {
				static const unsigned orders[] = { 0, 0, 1, 3, 4, 6, 9 };
				unsigned o = MIN(orders[(r >> 8) % 7], max_order);
				int mt = (int)((r >> 16) % MIGRATE_PCPTYPES);
				pfn_t pa = buddy_alloc(&ref, o, mt, 0), pr = buddy_alloc(&run, o, mt, 0);

				ASSERT_EQ(pa, pr);
				if (pa != PFN_NONE)
					held[nheld++] = (struct held_block){ pa, o };
			} else if (op < 13 && nheld) {
				unsigned k = (unsigned)((r >> 8) % nheld);
				pfn_t p = held[k].pfn;
				uint64_t n = 1ULL << held[k].order;

				held[k] = held[--nheld];
				if (op < 9 || n == 1) {
					__free_pages(&ref, p, ilog2_u64(n));
					__free_pages(&run, p, ilog2_u64(n));
				} else {
					/* up, up from a page inside (wrapping), down */
					bool down = op == 12;
					uint64_t from = op == 11 ? (r >> 20) % n : 0;
					for (uint64_t i = 0; i < n; i++) {
						pfn_t q = down ? p + n - 1 - i : p + (from + i) % n;
						__free_pages(&ref, q, 0);
					}
					if (down) {
						free_pages_run(&run, p + n - 1, n, -1);
					} else {
						free_pages_run(&run, p + from, n - from, 1);
						if (from)
							free_pages_run(&run, p, from, 1);
					}
					runs++;
				}
			} else if (op < 15) {
				static const int mts[] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE,
							   MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE,
							   MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE,
							   MIGRATE_CMA, MIGRATE_ISOLATE };
				pfn_t p = start + (r >> 8) % (end - start);
				int mt = mts[(r >> 32) % 8];

				set_pageblock_range_migratetype(&ref, p, p + 1, mt);
				set_pageblock_range_migratetype(&run, p, p + 1, mt);
			} else {
				buddy_drain_pcp(&ref);
				buddy_drain_pcp(&run);
			}
			buddy_assert_same(&ref, &run, step);
			if (step % 16 == 0) { /* buddy_range_has_free() against each pfn */
				pfn_t s0 = start + (r >> 24) % (end - start);
				pfn_t e0 = MIN(end, s0 + 1 + (r >> 40) % 600);
				bool any = false;

				for (pfn_t p = s0; p < e0; p++)
					any |= buddy_free_order(&run, p, NULL) >= 0;
				ASSERT_EQ(buddy_range_has_free(&run, s0, e0), any);
			}
		}
		ASSERT_TRUE(runs > 100);
		while (nheld) {
			nheld--;
			__free_pages(&ref, held[nheld].pfn, held[nheld].order);
			__free_pages(&run, held[nheld].pfn, held[nheld].order);
		}
		buddy_drain_pcp(&ref);
		buddy_drain_pcp(&run);
		buddy_assert_same(&ref, &run, 3000);
		ASSERT_EQ(run.nr_free_pages, end - start);
		buddy_destroy(&ref);
		buddy_destroy(&run);
	}
	return 0;
}

/*
 * free_pages_run() against __free_pages() page by page, from states the
 * random walk above rarely reaches: after bursts of order-0 allocations
 * (alloc_factor up to its cap), with high tuned between its bounds, fixed,
 * or 0 (every free drains), and runs of 1 to 1000 pages up and down.
 */
TEST(free_pages_run_as_page_by_page)
{
	static const int cfg[][3] = { { 7, 28, 200 }, { 7, 28, 28 }, { 1, 0, 0 }, { 63, 252, 100000 } };
	static const uint64_t lens[] = { 1, 2, 3, 5, 64, 300, 1000 };

	for (unsigned c = 0; c < 4; c++)
		for (unsigned burst = 0; burst < 3; burst++)
			for (unsigned l = 0; l < 7; l++)
				for (int dir = -1; dir <= 1; dir += 2) {
					struct buddy ref, run;
					pfn_t a = 0, r = 0;

					ASSERT_EQ(buddy_init(&ref, 0, 0x4000, 10, 9, MIGRATE_MOVABLE), 0);
					ASSERT_EQ(buddy_init(&run, 0, 0x4000, 10, 9, MIGRATE_MOVABLE), 0);
					buddy_free_range(&ref, 0, 0x4000);
					buddy_free_range(&run, 0, 0x4000);
					buddy_setup_pcp(&ref, cfg[c][0], cfg[c][1], cfg[c][2]);
					buddy_setup_pcp(&run, cfg[c][0], cfg[c][1], cfg[c][2]);
					for (unsigned i = 0; i < burst * 40; i++)
						ASSERT_EQ(buddy_alloc(&ref, 0, MIGRATE_MOVABLE, 0),
							  buddy_alloc(&run, 0, MIGRATE_MOVABLE, 0));
					if (burst && cfg[c][1]) /* rmqueue_bulk() raised it */
						ASSERT_TRUE(ref.pcp.alloc_factor > 0);
					if (burst) { /* an order-2 free sets PCPF_PREV_FREE_HIGH_ORDER */
						a = buddy_alloc(&ref, 2, MIGRATE_MOVABLE, 0);
						ASSERT_EQ(buddy_alloc(&run, 2, MIGRATE_MOVABLE, 0), a);
						__free_pages(&ref, a, 2);
						__free_pages(&run, a, 2);
						if (cfg[c][1])
							ASSERT_TRUE(ref.pcp.flags != 0);
					}
					a = buddy_alloc(&ref, 10, MIGRATE_MOVABLE, 0);
					r = buddy_alloc(&run, 10, MIGRATE_MOVABLE, 0);
					ASSERT_EQ(a, r);
					ASSERT_TRUE(a != PFN_NONE);
					for (uint64_t i = 0; i < lens[l]; i++)
						__free_pages(&ref, dir > 0 ? a + i : a + lens[l] - 1 - i, 0);
					free_pages_run(&run, dir > 0 ? a : a + lens[l] - 1, lens[l], dir);
					buddy_assert_same(&ref, &run, c * 1000 + burst * 100 + l * 2 + (dir > 0));
					buddy_drain_pcp(&ref);
					buddy_drain_pcp(&run);
					buddy_assert_same(&ref, &run, 64 * (c * 1000 + burst * 100 + l * 2 + (dir > 0)));
					buddy_destroy(&ref);
					buddy_destroy(&run);
				}
	return 0;
}

TEST(buddy_range_isolation)
{
	struct buddy b;

	ASSERT_EQ(buddy_init(&b, 0, 0x1000, 10, 9, MIGRATE_MOVABLE), 0);
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
 * Allocation churn: random allocations and frees of every migratetype,
 * through the per-CPU lists, never hand out a block twice, the free count
 * stays exact, and freeing and draining everything merges back to
 * max-order blocks.
 */
TEST(buddy_churn_no_double_alloc)
{
	static unsigned char used[4096];
	struct buddy b;
	pfn_t pfn[512];
	unsigned ord[512], n = 0, seed = 12345;
	uint64_t in_use = 0;

	memset(used, 0, sizeof(used));
	ASSERT_EQ(buddy_init(&b, 0, 4096, 10, 9, MIGRATE_MOVABLE), 0);
	buddy_free_range(&b, 0, 4096);
	buddy_setup_pcp(&b, 3, 12, 64);
	for (int step = 0; step < 20000; step++) {
		seed = seed * 1103515245 + 12345;
		if (n < 512 && ((seed >> 8) & 1)) {
			unsigned o = (seed >> 12) % 5;
			pfn_t p = buddy_alloc(&b, o, (int)((seed >> 20) % MIGRATE_PCPTYPES),
					      (seed >> 24) & 1 ? ALLOC_NOFRAGMENT : 0);
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
	buddy_drain_pcp(&b);
	ASSERT_EQ(b.area[10].nr_free, 4);
	buddy_destroy(&b);
	return 0;
}

/* ---- the frame store against a flat model ---- */

#define FS_FRAMES 4096 /* 8 blocks over 4 directories of 2 blocks */
#define FS_SP 64

struct fs_model {
	uint8_t owner[FS_FRAMES], origin[FS_FRAMES];
	char kind[FS_FRAMES]; /* 0 none, 'l' lazy, 'p' pattern, 'd' data */
	uint64_t vpage[FS_FRAMES];
	uint8_t pat[FS_FRAMES]; /* pattern number: struct pages filled with it */
};

static unsigned fs_rand(uint64_t *seed) /* xorshift64: every bit random */
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 7;
	*seed ^= *seed << 17;
	return (unsigned)(*seed >> 32);
}

/* Every frame, the counters and the iteration agree with the model. */
static int fs_compare(const struct frame_store *fs, const struct fs_model *md)
{
	uint64_t entries = 0, lazy = 0, pattern = 0, refs;

	for (pfn_t p = 0; p < FS_FRAMES; p++) {
		uint64_t e = frame_entry(fs, p);

		ASSERT_EQ(frame_owner(fs, p), md->owner[p]);
		if (!md->kind[p]) {
			ASSERT_EQ(e, 0);
			continue;
		}
		entries++;
		ASSERT_EQ(frame_origin(fs, p), md->origin[p]);
		ASSERT_EQ(!!(e & FRAME_LAZY), md->kind[p] == 'l');
		ASSERT_EQ(!!(e & FRAME_PATTERN), md->kind[p] == 'p');
		ASSERT_EQ(frame_bytes(fs, p) != NULL, md->kind[p] == 'd');
		if (md->kind[p] == 'l') {
			ASSERT_EQ(frame_lazy_vpage(fs, p), md->vpage[p]);
			lazy++;
		}
		if (md->kind[p] == 'p') {
			const uint8_t *b = frame_pattern(fs, p);
			ASSERT_TRUE(b);
			ASSERT_EQ(b[0], md->pat[p]);
			ASSERT_EQ(b[FS_SP - 1], md->pat[p]);
			pattern++;
		}
	}
	ASSERT_EQ(fs->nr_entries, entries);
	ASSERT_EQ(fs->nr_lazy, lazy);
	ASSERT_EQ(fs->nr_pattern, pattern);
	refs = 0; /* each pattern frame holds one reference to its pattern */
	for (uint32_t i = 0; i < fs->patterns.nr; i++)
		refs += fs->patterns.v[i].ref;
	ASSERT_EQ(refs, pattern);
	return 0;
}

static int fs_count_visit(void *arg, pfn_t pfn, uint64_t entry)
{
	(void)pfn;
	(void)entry;
	++*(uint64_t *)arg;
	return 0;
}

/* Is every frame of [p, p + n) in the model claimed? */
static bool fs_model_claimed(const struct fs_model *md, pfn_t p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!md->kind[p + i])
			return false;
	return true;
}

/* How many frames from @p, up to @n, are free (@claimed false) or claimed by @owner. */
static uint64_t fs_model_prefix(const struct fs_model *md, pfn_t p, uint64_t n,
				bool claimed, int owner)
{
	uint64_t k = 0;

	while (k < n && (claimed ? md->kind[p + k] && (!owner || md->owner[p + k] == owner)
				 : !md->kind[p + k]))
		k++;
	return k;
}

/*
 * Random claims, pattern shares, materializations and releases, single and
 * by runs aligned or not, keep the store (extents, leaves, counters,
 * pattern references) identical to a flat array of entries.
 */
TEST(frame_store_extents_match_a_flat_model)
{
	static struct fs_model md;
	struct frame_store fs;
	uint64_t seed = 2026, extents_seen = 0;

	memset(&md, 0, sizeof(md));
	ASSERT_EQ(frame_store_init(&fs, FS_FRAMES - 1, 10, 4096, FS_SP), 0);
	{
		/* Two extents of two origins: a run release stops between them. */
		enum frame_origin o;

		ASSERT_EQ(frame_claim_lazy_run(&fs, 0, FRAME_BLOCK, FO_VMEMMAP, ORIGIN_MEMBLOCK, 7), 0);
		ASSERT_EQ(frame_claim_lazy_run(&fs, FRAME_BLOCK, FRAME_BLOCK, FO_VMEMMAP, ORIGIN_BUDDY, 9), 0);
		ASSERT_EQ(fs.nr_extents, 2);
		ASSERT_EQ(frame_lazy_vpage(&fs, FRAME_BLOCK + 3), 12);
		ASSERT_EQ(frame_release_run(&fs, 0, 2 * FRAME_BLOCK, FO_VMEMMAP, &o), FRAME_BLOCK);
		ASSERT_EQ(o, ORIGIN_MEMBLOCK);
		ASSERT_EQ(frame_release_run(&fs, FRAME_BLOCK, FRAME_BLOCK, FO_VMEMMAP, &o), FRAME_BLOCK);
		ASSERT_EQ(o, ORIGIN_BUDDY);
		ASSERT_EQ(fs.nr_extents + fs.nr_entries + fs.nr_lazy, 0);
	}
	for (int step = 0; step < 15000; step++) {
		unsigned r = fs_rand(&seed);
		pfn_t p = fs_rand(&seed) % FS_FRAMES;
		uint64_t n = (r & 1) ? FRAME_BLOCK * (1 + fs_rand(&seed) % 3) : 1 + fs_rand(&seed) % 700;
		int owner = (fs_rand(&seed) % 16) ? FO_VMEMMAP : FO_PGTABLE;
		int origin = (fs_rand(&seed) % 2) ? ORIGIN_MEMBLOCK : ORIGIN_BUDDY;

		if (step % 150 == 149) { /* start over: release everything, by runs */
			for (pfn_t q = 0; q < FS_FRAMES; q++) {
				enum frame_origin o;
				uint64_t k = fs_model_prefix(&md, q, FS_FRAMES - q, true, md.owner[q]);
				if (!k)
					continue;
				k = frame_release_run(&fs, q, k, md.owner[q], &o);
				ASSERT_TRUE(k > 0);
				memset(&md.kind[q], 0, k);
				memset(&md.owner[q], 0, k);
				q += k - 1;
			}
		}
		if (fs_rand(&seed) % 2)
			p = ALIGN_DOWN(p, FRAME_BLOCK);
		n = MIN(n, FS_FRAMES - p);
		/* runs are claimed, shared and released more often than single frames */
		static const int ops[] = { 0, 0, 0, 3, 3, 3, 4, 4, 1, 2, 2, 5, 6, 7 };
		switch (ops[(r >> 1) % (sizeof(ops) / sizeof(ops[0]))]) {
		case 0: { /* a run of lazy boot memmap frames, on free frames */
			uint64_t vp = fs_rand(&seed) % 100000;
			n = fs_model_prefix(&md, p, n, false, 0);
			if (!n)
				break;
			ASSERT_EQ(frame_claim_lazy_run(&fs, p, n, owner, origin, vp), 0);
			for (uint64_t i = 0; i < n; i++) {
				md.kind[p + i] = 'l', md.vpage[p + i] = vp + i;
				md.owner[p + i] = (uint8_t)owner, md.origin[p + i] = (uint8_t)origin;
			}
			break;
		}
		case 1: /* one data frame */
			if (md.kind[p])
				break;
			ASSERT_EQ(frame_claim(&fs, p, owner, origin), 0);
			md.kind[p] = 'd', md.owner[p] = (uint8_t)owner, md.origin[p] = (uint8_t)origin;
			break;
		case 2: { /* one frame set to a pattern */
			uint8_t sp[FS_SP];
			if (!md.kind[p])
				break;
			memset(sp, 1 + fs_rand(&seed) % 3, sizeof(sp));
			ASSERT_EQ(frame_set_pattern(&fs, p, sp), 0);
			md.kind[p] = 'p', md.pat[p] = sp[0];
			break;
		}
		case 3: { /* a run shares the pattern of a frame outside it */
			pfn_t src = fs_rand(&seed) % FS_FRAMES;
			for (uint64_t i = 0; i < FS_FRAMES && md.kind[src] != 'p'; i++)
				src = (src + 1) % FS_FRAMES; /* the next pattern frame */
			if (md.kind[src] != 'p')
				break;
			n = fs_model_prefix(&md, p, src > p ? MIN(n, src - p) : n, true, 0);
			if (!n || (src >= p && src < p + n))
				break;
			frame_share_pattern_run(&fs, p, n, src);
			for (uint64_t i = 0; i < n; i++)
				md.kind[p + i] = 'p', md.pat[p + i] = md.pat[src];
			break;
		}
		case 4: { /* release a run of one owner, up to an origin change */
			enum frame_origin o;
			uint64_t done;
			n = fs_model_prefix(&md, p, n, true, md.owner[p]);
			if (!n)
				break;
			done = frame_release_run(&fs, p, n, md.owner[p], &o);
			ASSERT_EQ(o, md.origin[p]);
			for (uint64_t i = 0; i < n; i++) {
				if (md.origin[p + i] != o) {
					ASSERT_EQ(done, i);
					break;
				}
				md.kind[p + i] = 0, md.owner[p + i] = 0;
				if (i + 1 == n)
					ASSERT_EQ(done, n);
			}
			break;
		}
		case 5: /* release one frame */
			if (!md.kind[p])
				break;
			frame_release(&fs, p);
			md.kind[p] = 0, md.owner[p] = 0;
			break;
		case 6: /* give a lazy or pattern frame its bytes */
			if (md.kind[p] == 'l')
				ASSERT_TRUE(frame_materialize(&fs, p));
			else if (md.kind[p] == 'p')
				ASSERT_TRUE(frame_materialize_pattern(&fs, p));
			else
				break;
			md.kind[p] = 'd';
			break;
		case 7: /* a new owner for one frame */
			if (!md.kind[p])
				break;
			frame_set_owner(&fs, p, owner);
			md.owner[p] = (uint8_t)owner;
			break;
		}
		if (fs_compare(&fs, &md))
			return 1;
		extents_seen += fs.nr_extents;
		{
			uint64_t visits = 0;
			frame_for_each(&fs, fs_count_visit, &visits);
			ASSERT_EQ(visits, fs.nr_entries);
			ASSERT_EQ(frame_run_claimed(&fs, p, n), fs_model_claimed(&md, p, n));
		}
	}
	ASSERT_TRUE(extents_seen > 0); /* the runs did make extents */
	frame_store_destroy(&fs);
	return 0;
}
