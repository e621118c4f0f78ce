// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariants of the buddy free lists (mm/page_alloc.c) of every zone
 * and CMA area: each listed block is on the list of its pageblock's
 * migratetype (as __add_to_free_list() warns when it is not), every
 * pageblock of a block above pageblock order has that type, the lists are
 * well linked and their lengths add up to the per-order counters, each
 * block's free bit is set, and the per-CPU lists hold blocks of their
 * list's order that are on no buddy list, counted in pcp->count.  Every
 * listed block has exactly one node in the pfn hash (found from one pass
 * over the hash, not a lookup per node), and every per-CPU
 * block exactly one bit in its order's pcp bitmap.
 */
#include "mm/cma.h"
#include "sim/check_internal.h"

static void check_one_buddy(const struct buddy *b, const char *what,
			    struct check_report *r)
{
	uint64_t nodes = 0, pcp_pages = 0, pcp_blocks = 0;
	uint64_t *found = check_alloc(calloc(DIV_ROUND_UP((uint64_t)b->cap_nodes, 64) + 1,
						sizeof(*found)));

	buddy_hash_found(b, found); /* what buddy_lookup() finds, node by node */
	for (unsigned o = 0; o <= b->max_order; o++) {
		uint64_t blocks = 0;
		for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
			const struct blist *l = &b->area[o].free_list[mt];
			uint64_t n = 0;
			uint32_t prev = 0;
			for (uint32_t i = l->head; i; prev = i, i = b->nodes[i].next) {
				const struct bnode *bn = &b->nodes[i];
				pfn_t end = bn->pfn + (1ULL << o);
				if (bn->prev != prev || bn->order != o || bn->list != mt) {
					check_fail(r, "%s: order %u list %d: node of pfn %#llx is linked wrong",
						   what, o, mt, P(bn->pfn));
					free(found);
					return;
				}
				if (!(found[i / 64] & (1ULL << (i % 64))))
					check_fail(r, "%s: free block %#llx is not in the pfn hash", what, P(bn->pfn));
				if (!buddy_range_is_free(b, bn->pfn, end))
					check_fail(r, "%s: listed block %#llx order %u is not marked free",
						   what, P(bn->pfn), o);
				for (pfn_t p = bn->pfn; p < end; p += 1ULL << b->pageblock_order)
					if (get_pfnblock_migratetype(b, p) != mt) {
						check_fail(r, "%s: block %#llx order %u on list %d, its pageblock %#llx is type %d",
							   what, P(bn->pfn), o, mt, P(p),
							   get_pfnblock_migratetype(b, p));
						break;
					}
				n++;
			}
			if (n != l->nr || prev != l->tail)
				check_fail(r, "%s: order %u list %d holds %llu blocks, counter says %llu",
					   what, o, mt, P(n), P(l->nr));
			blocks += n;
		}
		if (blocks != b->area[o].nr_free)
			check_fail(r, "%s: order %u lists hold %llu blocks, nr_free says %llu",
				   what, o, P(blocks), P(b->area[o].nr_free));
		nodes += blocks;
	}
	for (int i = 0; i < NR_PCP_LISTS; i++) {
		unsigned order = buddy_pcp_order(b, i);

		uint64_t in_runs = 0;

		for (uint64_t k = 0; k < b->pcp.lists[i].nr_runs; k++) {
			struct pcp_run run = buddy_pcp_run(b, i, k);
			pfn_t lo = pcp_run_low(&run);
			pfn_t hi = MAX(run.pfn, pcp_run_block(&run, run.len - 1)) + (1ULL << order);

			if (buddy_range_has_listed(b, lo, hi))
				check_fail(r, "%s: pcp blocks %#llx-%#llx overlap a buddy list", what,
					   P(lo), P(hi - 1));
			if (!buddy_pcp_run_marked(b, &run, order))
				check_fail(r, "%s: pcp blocks %#llx-%#llx order %u are not all marked in their bitmap",
					   what, P(lo), P(hi - 1), order);
			pcp_pages += run.len << order;
			pcp_blocks += run.len;
			in_runs += run.len;
		}
		if (in_runs != b->pcp.lists[i].nr)
			check_fail(r, "%s: pcp list %d: its runs hold %llu blocks, nr says %llu", what, i,
				   P(in_runs), P(b->pcp.lists[i].nr));
	}
	/* with every block's bit set, this finds a bit set for no block */
	if (pcp_blocks != b->nr_pcp_marked)
		check_fail(r, "%s: %llu pcp blocks, the pcp bitmaps mark %llu", what,
			   P(pcp_blocks), P(b->nr_pcp_marked));
	if (pcp_pages != b->nr_pcp_pages || pcp_pages != (uint64_t)b->pcp.count)
		check_fail(r, "%s: pcp lists hold %llu pages, count says %d, nr_pcp_pages %llu",
			   what, P(pcp_pages), b->pcp.count, P(b->nr_pcp_pages));
	if (nodes != b->hash_used)
		check_fail(r, "%s: %llu listed blocks, the pfn hash holds %llu", what, P(nodes),
			   P(b->hash_used));
	free(found);
}

void check_free_lists(struct machine *m, struct check_report *r)
{
	char what[64];

	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++) {
			const struct zone *zone = &m->nodes[nid].node_zones[z];
			if (!zone->initialized || z == ZONE_DEVICE)
				continue;
			snprintf(what, sizeof(what), "node %u zone %s", nid, zone_name(zone->idx));
			check_one_buddy(&zone->buddy, what, r);
		}
	for (unsigned i = 0; i < m->nr_cma; i++) {
		const struct cma *c = &m->cma_areas[i];
		if (!c->active)
			continue;
		snprintf(what, sizeof(what), "cma %s", c->name);
		check_one_buddy(&c->free, what, r);
	}
}
