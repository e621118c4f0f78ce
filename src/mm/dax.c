// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device DAX (see dax.h).
 */
#include <string.h>

#include "mm/alloc.h"
#include "mm/dax.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/memory_hotplug.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "arch/pgtable.h"
#include "mm/pgalloc.h"
#include "mm/sparse.h"

/* Is the vmemmap of this device's compound pages optimized? */
static bool dax_optimized(const struct machine *m, const struct dax_dev *d)
{
	const struct geometry *g = &m->geo;

	if (d->altmap || d->early || !d->order || !g->struct_page_pow2)
		return false;
	/* vmemmap_can_optimize(): only where the architecture selects it */
	if (!(g->arch_want & ARCH_WANT_OPTIMIZE_DAX_VMEMMAP))
		return false;
	if (gen_has(m, GEN_SECTION_ORDER))
		return d->order >= vmemmap_tail_min_order(g) && d->order <= max_folio_order(g);
	/* __vmemmap_can_optimize(): more than VMEMMAP_RESERVE_NR (2) pages */
	return vmemmap_bytes_for_order(g, d->order) > 2 * g->page_size;
}

/* Private vmemmap pages per compound page. */
static unsigned dax_private_pages(const struct machine *m)
{
	return gen_has(m, GEN_SECTION_ORDER) ? 1 : 2;
}

/* section_nr_vmemmap_pages(): what section @s of @d really uses. */
static uint64_t dax_section_memmap_pages(const struct machine *m,
					 const struct dax_dev *d, uint64_t s)
{
	const struct geometry *g = &m->geo;
	uint64_t compound = 1ULL << d->order;

	if (d->early)
		return 0; /* the boot section's memmap is reused */
	/*
	 * Before "mm/sparse-vmemmap: fix DAX vmemmap accounting with
	 * optimization" (2026, Fixes 15995a352474) every section was counted
	 * in full, optimized or not.
	 */
	if (!dax_optimized(m, d) || gen_has(m, GEN_BUG_PRE_2026_FIXES))
		return section_memmap_pages(g);
	if (compound < g->pages_per_section)
		return dax_private_pages(m) * (g->pages_per_section / compound);
	return IS_ALIGNED(section_nr_to_pfn(g, s) - d->start, compound) ? dax_private_pages(m) : 0;
}

static pfn_t alloc_dax_vmemmap_page(struct machine *m, int nid)
{
	struct alloc_request req = kernel_page_request(SITE_HOTPLUG_MEMMAP, nid);
	pfn_t p = alloc_frames(m, &req);

	if (p != PFN_NONE && frame_claim(&m->frames, p, FO_VMEMMAP, ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	return p;
}

static int map_vmemmap_pte(struct machine *m, vaddr_t va, pfn_t frame, bool rw, int nid)
{
	uint64_t *pte = vmemmap_pte_alloc(m, va, nid);

	if (!pte)
		return -ENOMEM;
	set_pt_entry(m, pte, mk_pte(frame, rw));
	return 0;
}

/*
 * One compound page before the generic design: a private head vmemmap
 * page, then a private second page that every later vmemmap page maps
 * read-write.  (generic goes through vmemmap_populate(), which maps the
 * zone's shared tail read-only because the sections' order says so.)
 */
static int populate_compound(struct machine *m, const struct dax_dev *d, pfn_t pfn)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart = pfn_to_page_va(g, pfn);
	vaddr_t vend = vstart + vmemmap_bytes_for_order(g, d->order);
	pfn_t head = alloc_dax_vmemmap_page(m, d->nid), tail;

	if (head == PFN_NONE)
		return -ENOMEM;
	if (map_vmemmap_pte(m, vstart, head, true, d->nid)) {
		frame_release(&m->frames, head);
		free_frames(m, head, 0);
		return -ENOMEM;
	}
	tail = alloc_dax_vmemmap_page(m, d->nid);
	if (tail == PFN_NONE)
		return -ENOMEM; /* the head is mapped: depopulate frees it */
	for (vaddr_t va = vstart + g->page_size; va < vend; va += g->page_size) {
		if (map_vmemmap_pte(m, va, tail, true, d->nid)) {
			if (va == vstart + g->page_size) {
				frame_release(&m->frames, tail);
				free_frames(m, tail, 0);
			}
			return -ENOMEM;
		}
	}
	return 0;
}

/*
 * Struct pages memmap_init_zone_device() writes per compound page: all of
 * them, or, for an optimized vmemmap, those in the private pages only.
 * 6.12 before "mm/mm_init: fix uninitialized struct pages for
 * ZONE_DEVICE" (2026, Fixes 6fd3620b3428) took a device in unused
 * subsections of a boot section for optimized too, although it reuses the
 * boot memmap, and left all other tails uninitialized.
 */
static uint64_t struct_pages_to_init(const struct machine *m, const struct dax_dev *d)
{
	uint64_t compound = 1ULL << d->order;
	uint64_t partial = MIN(compound, (uint64_t)m->geo.spp * dax_private_pages(m));
	bool assumed = d->early && gen_has(m, GEN_BUG_PRE_2026_FIXES) &&
		       vmemmap_bytes_for_order(&m->geo, d->order) > 2 * m->geo.page_size;

	if (dax_optimized(m, d) || assumed)
		return partial;
	return compound;
}

/*
 * Pageblock migratetypes: every pageblock of a device is MOVABLE.  Before
 * "mm/mm_init: fix pageblock migratetype for ZONE_DEVICE compound pages"
 * (2026, Fixes c4386bd8ee3a) only pageblocks whose first struct page was
 * initialized got it: with an optimized vmemmap, only the first pageblock
 * of each compound page.
 */
static void init_device_pageblocks(struct machine *m, struct dax_dev *d,
				   uint64_t init_per_compound)
{
	unsigned pb_order = MIN(9u, m->geo.max_order);
	uint64_t nr_pb = d->nr >> pb_order, compound = 1ULL << d->order;

	for (uint64_t i = 0; i < nr_pb; i++) {
		uint64_t off = (i << pb_order) % MAX(compound, 1);
		bool initialized = off < init_per_compound;
		d->pageblock_mt[i] = !gen_has(m, GEN_BUG_PRE_2026_FIXES) || initialized
					     ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE;
	}
}

/* memmap_init_zone_device(): the struct pages that exist to be written. */
static void memmap_init_zone_device(struct machine *m, struct dax_dev *d)
{
	struct zone *z = &m->nodes[d->nid].node_zones[ZONE_DEVICE];
	struct page_struct ps;
	uint64_t compound = 1ULL << d->order, init = struct_pages_to_init(m, d);

	init_device_pageblocks(m, d, d->order ? init : compound);
	if (!d->order) {
		memset(&ps, 0, sizeof(ps));
		ps.flags = page_flags_node_zone(z->nid, ZONE_DEVICE);
		ps.mapcount = -1;
		BUG_ON(write_struct_pages(m, d->start, 0, d->nr, &ps));
		return;
	}
	for (pfn_t p = d->start; p < d->start + d->nr; p += compound) {
		BUG_ON(prep_compound_head(m, p, d->order, -1));
		compound_tail_struct(m, p, d->order, &ps);
		BUG_ON(write_struct_pages(m, p, 4, init, &ps));
	}
}

static int dax_populate(struct machine *m, struct dax_dev *d)
{
	if (d->early)
		return 0; /* the boot section's memmap already maps it */
	if (d->altmap) {
		struct vmem_altmap alt = { d->start, d->altmap_pages, 0 };
		return vmemmap_populate(m, d->start, d->nr, d->nid, SITE_HOTPLUG_MEMMAP, &alt);
	}
	/* generic: the sections' order makes vmemmap_populate() optimize */
	if (!dax_optimized(m, d) || gen_has(m, GEN_SECTION_ORDER))
		return vmemmap_populate(m, d->start, d->nr, d->nid, SITE_HOTPLUG_MEMMAP, NULL);
	for (pfn_t p = d->start; p < d->start + d->nr; p += 1ULL << d->order) {
		int ret = populate_compound(m, d, p);
		if (ret)
			return ret;
	}
	return 0;
}

static struct dax_dev *dax_find(struct machine *m, const char *name)
{
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (!strcmp(m->dax[i].name, name))
			return &m->dax[i];
	return NULL;
}

/* The ZONE_DEVICE zone of @nid spans every device range of the node. */
static void device_zone_span(struct machine *m, int nid)
{
	struct zone *z = &m->nodes[nid].node_zones[ZONE_DEVICE];
	pfn_t s = PFN_NONE, e = 0;

	for (unsigned i = 0; i < m->nr_dax; i++) {
		if (m->dax[i].nid != nid)
			continue;
		s = MIN(s, m->dax[i].start);
		e = MAX(e, m->dax[i].start + m->dax[i].nr);
	}
	z->nid = nid;
	z->idx = ZONE_DEVICE;
	z->zone_start_pfn = s == PFN_NONE ? 0 : s;
	z->spanned_pages = s == PFN_NONE ? 0 : e - s;
}

/*
 * A device in unused 2 MiB subsections of a boot section: the range lies in
 * present early sections, in holes of their RAM, and no device uses it.
 */
static bool dax_fits_early_section(struct machine *m, phys_t addr, uint64_t size)
{
	const struct geometry *g = &m->geo;
	pfn_t start = addr >> g->page_shift, end = (addr + size) >> g->page_shift;

	if (!size || addr % (1ULL << SUBSECTION_SHIFT) || size % (1ULL << SUBSECTION_SHIFT))
		return false;
	for (uint64_t s = pfn_to_section_nr(g, start); s <= pfn_to_section_nr(g, end - 1); s++)
		if (s >= m->nr_sections || !(m->mem_section[s].flags & SECTION_IS_EARLY))
			return false;
	if (memblock_type_pages_in(&m->memblock.memory, start, end))
		return false;
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (m->dax[i].start < end && m->dax[i].start + m->dax[i].nr > start)
			return false;
	return true;
}

int dax_create(struct machine *m, uint64_t size, uint64_t align, int nid,
	       bool memmap_on_device, phys_t addr, char *name, size_t namelen,
	       char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	uint64_t section = 1ULL << g->section_shift;
	struct dax_dev *d;
	uint64_t first, nsec;
	bool early;
	int ret;

	if (align != g->page_size && align != 2 * SZ_1M && align != SZ_1G) {
		snprintf(err, errlen, "dax: align must be %lluK, 2M or 1G",
			 (unsigned long long)(g->page_size >> 10));
		return -EINVAL;
	}
	if (nid < 0 || (unsigned)nid >= m->nr_nodes) {
		snprintf(err, errlen, "dax: node %d does not exist", nid);
		return -EINVAL;
	}
	if (m->nr_dax == MAX_DAX_DEVS) {
		snprintf(err, errlen, "dax: at most %d devices", MAX_DAX_DEVS);
		return -EINVAL;
	}
	if (addr == (phys_t)-1)
		addr = hotplug_default_addr(m, MAX(align, SZ_1G));
	early = dax_fits_early_section(m, addr, size);
	if (!early && (!size || size % section || size % align || addr % MAX(align, section))) {
		snprintf(err, errlen, "dax: size and addr must be multiples of the %llu MiB section and of align "
			 "(or 2 MiB subsections in a hole of a boot section)",
			 (unsigned long long)(section >> 20));
		return -EINVAL;
	}
	if (early && (size % align || addr % align)) {
		snprintf(err, errlen, "dax: size and addr must be multiples of align");
		return -EINVAL;
	}
	first = pfn_to_section_nr(g, addr >> g->page_shift);
	nsec = DIV_ROUND_UP(size, section);
	for (uint64_t s = first; !early && s < first + nsec; s++) {
		if (s >= m->nr_sections || m->mem_section[s].flags) {
			snprintf(err, errlen, "dax: [%#llx, %#llx) overlaps memory or lies beyond 64 TiB",
				 (unsigned long long)addr, (unsigned long long)(addr + size));
			return -EINVAL;
		}
	}
	d = &m->dax[m->nr_dax];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "dax%u", m->dax_seq);
	d->start = addr >> g->page_shift;
	d->nr = size >> g->page_shift;
	d->order = ilog2_u64(align) - g->page_shift;
	d->nid = nid;
	d->early = early;
	d->altmap = memmap_on_device && !early;
	d->altmap_pages = d->altmap ? DIV_ROUND_UP(d->nr * g->struct_page_size, g->page_size) : 0;
	d->pageblock_mt = calloc(MAX(d->nr >> MIN(9u, g->max_order), 1), 1);
	if (!d->pageblock_mt) {
		snprintf(err, errlen, "host out of memory");
		return -ENOMEM;
	}
	for (uint64_t s = first; !early && s < first + nsec; s++) {
		m->mem_section[s] = (struct mem_section){
			.flags = SECTION_MARKED_PRESENT | SECTION_IS_DEVICE,
			.nid = (int8_t)nid,
			/* generic: sparse_add_section() records (order, zone) */
			.order = (uint8_t)(gen_has(m, GEN_SECTION_ORDER) &&
					   dax_optimized(m, d) ? d->order : 0),
			.zone = ZONE_DEVICE,
		};
		section_mark_present(m, s);
	}
	m->nr_dax++;
	device_zone_span(m, nid);
	ret = dax_populate(m, d);
	if (ret) { /* undo exactly: nothing was accounted yet */
		vmemmap_depopulate(m, d->start, d->nr);
		for (uint64_t s = first; s < first + nsec; s++)
			memset(&m->mem_section[s], 0, sizeof(m->mem_section[s]));
		free(d->pageblock_mt);
		m->nr_dax--;
		device_zone_span(m, nid);
		snprintf(err, errlen, "out of memory for the memmap: no device created");
		return ret;
	}
	for (uint64_t s = first; !early && s < first + nsec; s++) {
		struct mem_section *ms = &m->mem_section[s];
		ms->flags |= SECTION_HAS_MEM_MAP;
		ms->memmap_pages = (uint32_t)dax_section_memmap_pages(m, d, s);
		m->stat.nr_memmap_pages += ms->memmap_pages;
	}
	memmap_init_zone_device(m, d);
	m->dax_seq++;
	snprintf(name, namelen, "%s", d->name);
	return 0;
}

int dax_destroy(struct machine *m, const char *name, char *err, size_t errlen)
{
	const struct geometry *g = &m->geo;
	struct dax_dev *d = dax_find(m, name);
	uint64_t first;
	int nid;

	if (!d) {
		snprintf(err, errlen, "dax destroy: no device named '%s'", name);
		return -EINVAL;
	}
	first = pfn_to_section_nr(g, d->start);
	if (!d->early)
		vmemmap_depopulate(m, d->start, d->nr);
	for (uint64_t s = first; !d->early && s < first + (d->nr >> (g->section_shift - g->page_shift)); s++) {
		m->stat.nr_memmap_pages -= m->mem_section[s].memmap_pages;
		memset(&m->mem_section[s], 0, sizeof(m->mem_section[s]));
	}
	nid = d->nid;
	free(d->pageblock_mt);
	*d = m->dax[--m->nr_dax];
	device_zone_span(m, nid);
	return 0;
}
