// SPDX-License-Identifier: GPL-2.0-only
/*
 * The explanation of one page frame (`show pfn N`, `hvo explain`; see
 * report.h): which section and zone it is in, how the vmemmap maps it,
 * what the TLB holds for it, which frame is behind it and who owns that,
 * what compound_head() makes of its struct page and why, and which huge
 * page it belongs to.  It reads the page table and the frame store
 * directly, never through the MMU, so explaining changes nothing.
 */
#include <string.h>

#include "mm/hugetlb.h"
#include "mm/hugetlb_vmemmap.h"
#include "arch/mmu.h"
#include "mm/page.h"
#include "lib/parse.h"
#include "arch/pgtable.h"
#include "cli/report.h"
#include "mm/vmstat.h"

static const char *owner_name(enum frame_owner o)
{
	static const char *const names[] = { "none", "vmemmap page", "page table",
					     "shared tail page", "kernel" };
	return o <= FO_KERNEL ? names[o] : "?";
}

/* ---- read-only access: the page table and the frame store, not the MMU ---- */

/*
 * Copy @len bytes of the vmemmap at @va from the frames the page table maps
 * now.  Unlike vmemmap_read() this neither fills nor counts the TLB and
 * records no fault; lazy and pattern frames are read without host memory.
 */
static int peek(struct machine *m, vaddr_t va, void *buf, size_t len)
{
	uint64_t psize = m->geo.page_size;

	while (len) {
		size_t off = va & (psize - 1), n = MIN(len, psize - off);
		struct pt_walk w;

		if (vmemmap_walk_va(m, va, &w) || frame_read(m, w.pfn, off, buf, n))
			return -EFAULT;
		va += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
}

static int peek_page(struct machine *m, vaddr_t va, struct page_struct *ps)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	if (peek(m, va, buf, m->geo.struct_page_size))
		return -EFAULT;
	page_struct_decode(&m->geo, buf, ps);
	return 0;
}

static int peek_u64(struct machine *m, vaddr_t va, uint64_t *v)
{
	return peek(m, va, v, sizeof(*v));
}

/* The frame that backs the vmemmap page at @va, or PFN_NONE. */
static pfn_t vmemmap_frame(struct machine *m, vaddr_t va)
{
	struct pt_walk w;

	return vmemmap_walk_va(m, va, &w) ? PFN_NONE : w.pfn;
}

/* ---- folios ---- */

static bool hugetlb_pool_has(const struct hstate *h, pfn_t head, unsigned nr_nodes,
			     bool *bootmem)
{
	for (unsigned nid = 0; nid < nr_nodes; nid++)
		for (uint64_t i = 0; i < h->freelists[nid].nr; i++)
			if (h->freelists[nid].v[i].pfn == head) {
				*bootmem = h->freelists[nid].v[i].bootmem;
				return true;
			}
	return false;
}

/* A DAX compound is optimized when its later vmemmap pages reuse a frame. */
static bool dax_compound_optimized(struct machine *m, pfn_t head, unsigned order)
{
	const struct geometry *g = &m->geo;
	vaddr_t v = pfn_to_page_va(g, head);
	pfn_t second, third;

	if (vmemmap_bytes_for_order(g, order) <= 2 * g->page_size)
		return false;
	second = vmemmap_frame(m, v + g->page_size);
	third = vmemmap_frame(m, v + 2 * g->page_size);
	return second != PFN_NONE &&
	       (second == third || frame_owner(&m->frames, second) == FO_SHARED_TAIL);
}

void find_folio(struct machine *m, pfn_t pfn, struct folio_info *fi)
{
	memset(fi, 0, sizeof(*fi));
	for (unsigned i = 0; i < m->nr_hstates; i++) {
		const struct hstate *h = &m->hstates[i];
		pfn_t head = ALIGN_DOWN(pfn, 1ULL << h->order);
		uint64_t priv = 0;
		if (!h->registered || !hugetlb_pool_has(h, head, m->nr_nodes, &fi->bootmem))
			continue;
		fi->found = true;
		fi->head = head;
		fi->order = h->order;
		fi->hidx = i;
		if (!peek_u64(m, pfn_to_page_va(&m->geo, head) + PAGE_OFF_PRIVATE, &priv))
			fi->optimized = priv & (1ULL << HPG_vmemmap_optimized);
		break;
	}
	for (unsigned i = 0; !fi->found && i < m->nr_dax; i++) {
		const struct dax_dev *d = &m->dax[i];
		if (pfn < d->start || pfn >= d->start + d->nr || !d->order)
			continue;
		fi->found = true;
		fi->dax = true;
		fi->dax_idx = i;
		fi->order = d->order;
		fi->head = d->start + ALIGN_DOWN(pfn - d->start, 1ULL << d->order);
		fi->optimized = dax_compound_optimized(m, fi->head, d->order);
	}
	if (fi->found) {
		struct zone *z = page_zone(m, fi->head);
		fi->nid = z ? z->nid : 0;
	}
}

void folio_vmemmap_usage(struct machine *m, const struct folio_info *fi,
			 struct folio_vmemmap *u)
{
	const struct geometry *g = &m->geo;
	vaddr_t vstart = ALIGN_DOWN(pfn_to_page_va(g, fi->head), g->page_size);
	vaddr_t vend = pfn_to_page_va(g, fi->head) + vmemmap_bytes_for_order(g, fi->order);
	pfn_t first = PFN_NONE, second = PFN_NONE;
	uint64_t *last_pmd = NULL;

	memset(u, 0, sizeof(*u));
	for (vaddr_t va = vstart; va < vend; va += g->page_size) {
		struct pt_walk w;
		u->pages++;
		if (vmemmap_walk_va(m, va, &w)) {
			u->unmapped++;
			continue;
		}
		if (w.pmd != last_pmd) {
			u->pte_tables += w.leaf == PT_PTE;
			u->pmd_blocks += w.leaf == PT_PMD;
			last_pmd = w.pmd;
		}
		if (frame_owner(&m->frames, w.pfn) == FO_SHARED_TAIL)
			u->shared_tail++;
		else if (w.pfn == first || w.pfn == second)
			u->reused++;
		else {
			u->private_++;
			if (first == PFN_NONE)
				first = w.pfn;
			else if (second == PFN_NONE)
				second = w.pfn;
		}
	}
}

/* ---- what a vmemmap page is ---- */

const char *vmemmap_use_name(enum vmemmap_use u)
{
	static const char *const names[] = {
		[VU_UNMAPPED] = "unmapped",
		[VU_BOOT] = "boot memmap (memblock)",
		[VU_BUDDY] = "memmap from the buddy allocator",
		[VU_SELF_HOSTED] = "self-hosted memmap (altmap)",
		[VU_DAX] = "device DAX memmap",
		[VU_HEAD] = "private head page",
		[VU_LEGACY_COPY] = "copied head page (legacy: head and tails map it)",
		[VU_SHARED_TAIL] = "shared tail page (read-only)",
		[VU_DAX_REUSED] = "DAX tail page reused by the compound",
		[VU_OTHER] = "other (not a vmemmap page)",
	};
	return u < NR_VMEMMAP_USES ? names[u] : "?";
}

/* Which zone's shared tail is @pfn?  false if none. */
static bool find_shared_tail(struct machine *m, pfn_t pfn, struct vmemmap_page_info *vi)
{
	unsigned min = vmemmap_tail_min_order(&m->geo);

	for (unsigned nid = 0; nid < m->nr_nodes; nid++)
		for (unsigned z = 0; z < MAX_NR_ZONES; z++)
			for (unsigned i = 0; i < NR_VMEMMAP_TAILS_MAX; i++)
				if (atomic_load(&m->nodes[nid].node_zones[z].vmemmap_tails[i]) == pfn) {
					vi->tail_nid = (int)nid;
					vi->tail_zone = (enum zone_type)z;
					vi->tail_order = min + i;
					return true;
				}
	return false;
}

static bool in_dax_range(struct machine *m, pfn_t pfn)
{
	for (unsigned i = 0; i < m->nr_dax; i++)
		if (pfn >= m->dax[i].start && pfn < m->dax[i].start + m->dax[i].nr)
			return true;
	return false;
}

void vmemmap_page_classify(struct machine *m, vaddr_t va, struct vmemmap_page_info *vi)
{
	const struct geometry *g = &m->geo;
	enum frame_origin origin;

	memset(vi, 0, sizeof(*vi));
	vi->va = ALIGN_DOWN(va, g->page_size);
	vi->first_pfn = DIV_ROUND_UP(vi->va - g->vmemmap_start, g->struct_page_size);
	vi->tail_nid = -1;
	find_folio(m, vi->first_pfn, &vi->folio);
	if (vmemmap_walk_va(m, vi->va, &vi->w)) {
		vi->use = VU_UNMAPPED;
		return;
	}
	vi->mapped = true;
	switch (frame_owner(&m->frames, vi->w.pfn)) {
	case FO_SHARED_TAIL:
		find_shared_tail(m, vi->w.pfn, vi);
		vi->use = VU_SHARED_TAIL;
		return;
	case FO_VMEMMAP:
		break;
	default:
		vi->use = VU_OTHER;
		return;
	}
	if (vi->folio.found && vi->folio.optimized) {
		vaddr_t head_page = ALIGN_DOWN(pfn_to_page_va(g, vi->folio.head), g->page_size);
		if (vi->va == head_page) {
			vi->use = VU_HEAD;
			return;
		}
		if (vi->folio.dax) {
			if (vi->w.pfn == vmemmap_frame(m, head_page + g->page_size)) {
				vi->use = VU_DAX_REUSED;
				return;
			}
		} else if (vi->w.pfn == vmemmap_frame(m, head_page)) {
			vi->use = VU_LEGACY_COPY;
			return;
		}
	}
	origin = frame_origin(&m->frames, vi->w.pfn);
	if (origin == ORIGIN_ALTMAP)
		vi->use = VU_SELF_HOSTED;
	else if (in_dax_range(m, vi->first_pfn))
		vi->use = VU_DAX;
	else
		vi->use = origin == ORIGIN_MEMBLOCK ? VU_BOOT : VU_BUDDY;
}

/* ---- compound_head() ---- */

int explain_compound_head(struct machine *m, vaddr_t va, vaddr_t *head,
			  char *why, size_t whylen)
{
	struct struct_page_ctx c = struct_page_ctx_of(m);
	uint64_t info, flags, next;
	enum compound_head_reason r;
	const char *head_flag;

	if (peek_u64(m, va + PAGE_OFF_COMPOUND_INFO, &info) ||
	    peek_u64(m, va + PAGE_OFF_FLAGS, &flags))
		return -EFAULT;
	if (compound_head_needs_next(&c, va, flags, info)) {
		if (peek_u64(m, va + c.struct_page_size + PAGE_OFF_COMPOUND_INFO, &next))
			return -EFAULT;
		*head = compound_head_decode(&c, va, flags, info, &next, &r);
	} else
		*head = compound_head_decode(&c, va, flags, info, NULL, &r);
	head_flag = test_flag(flags, c.pg_head) ? " (PG_head: a head page)" : "";
	switch (r) {
	case CH_MASK_TAIL:
		snprintf(why, whylen, "compound_info has bit 0 set, so it is a mask: "
			 "va %#llx & %#llx", (unsigned long long)va, (unsigned long long)info);
		break;
	case CH_NOT_TAIL:
		snprintf(why, whylen, "compound_info bit 0 is clear: not a tail, the page itself%s",
			 head_flag);
		break;
	case CH_POINTER_TAIL:
		snprintf(why, whylen, "compound_info has bit 0 set, so it points at the head: %#llx - 1",
			 (unsigned long long)info);
		break;
	case CH_NO_KEY:
		snprintf(why, whylen, "compound_info bit 0 is clear: not a tail; no folio is optimized "
			 "(static key off), so there is no fake-head check%s", head_flag);
		break;
	case CH_UNALIGNED:
		snprintf(why, whylen, "compound_info bit 0 is clear: not a tail; not the first "
			 "struct page of a vmemmap page, so it cannot be a fake head%s", head_flag);
		break;
	case CH_NOT_HEAD:
		snprintf(why, whylen, "compound_info bit 0 is clear and PG_head is clear: "
			 "not part of a compound page");
		break;
	case CH_FAKE_HEAD:
		snprintf(why, whylen, "a fake head: PG_head is set on the first struct page of a "
			 "vmemmap page remapped onto the head copy; page[1]'s compound_info "
			 "%#llx names the real head", (unsigned long long)next);
		break;
	case CH_REAL_HEAD:
		snprintf(why, whylen, "PG_head is set and page[1]'s compound_info points back "
			 "at this page: a real head");
		break;
	case CH_HEAD_NO_TAIL:
	case CH_NO_NEXT:
		snprintf(why, whylen, "PG_head is set but page[1] is not a tail: the page itself");
		break;
	}
	return 0;
}

/* ---- show pfn ---- */

/* The flags word, decoded with the bit numbers of @l (the machine's kernel). */
static void print_flags(const struct page_layout *l, uint64_t flags, bool folio_page1,
			FILE *out)
{
	const struct { unsigned bit; const char *name; } names[] = {
		{ PG(l, locked), "locked" }, { PG(l, referenced), "referenced" },
		{ PG(l, uptodate), "uptodate" }, { PG(l, dirty), "dirty" }, { PG(l, lru), "lru" },
		{ PG(l, head), "head" }, { PG(l, active), "active" }, { PG(l, reserved), "reserved" },
		{ PG(l, private), "private" }, { PG(l, hwpoison), "hwpoison" },
	};
	const char *sep = "";

	fprintf(out, "%#llx [", (unsigned long long)flags);
	if (folio_page1) {
		/* page[1] of a large folio: the low byte is _flags_1, the order */
		fprintf(out, "_flags_1: folio order %llu", (unsigned long long)(flags & 0xff));
		sep = " ";
		flags &= ~0xffULL;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (test_flag(flags, names[i].bit)) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = " ";
		}
	}
	fprintf(out, "%snode=%d zone=%s]", sep, flags_nid(flags), zone_name(flags_zone(flags)));
}

static void print_section(struct machine *m, pfn_t pfn, const struct mem_section *ms, FILE *out)
{
	static const struct { unsigned flag; const char *name; } names[] = {
		{ SECTION_MARKED_PRESENT, "present" }, { SECTION_HAS_MEM_MAP, "has memmap" },
		{ SECTION_IS_ONLINE, "online" }, { SECTION_IS_EARLY, "early" },
		{ SECTION_MEMMAP_SELF_HOSTED, "self-hosted memmap" },
		{ SECTION_VMEMMAP_PREINIT, "vmemmap pre-optimized" },
		{ SECTION_IS_DEVICE, "device" },
	};
	const char *sep = "";
	struct zone *z = page_zone(m, pfn);

	fprintf(out, "  section %llu (", (unsigned long long)pfn_to_section_nr(&m->geo, pfn));
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (ms->flags & names[i].flag) {
			fprintf(out, "%s%s", sep, names[i].name);
			sep = ", ";
		}
	fprintf(out, "%s)", *sep ? "" : "not present");
	if (gen_has(m, GEN_SECTION_ORDER) && ms->order)
		fprintf(out, ", compound order %u in zone %s", ms->order, zone_name(ms->zone));
	if (z)
		fprintf(out, ", node %d, zone %s%s\n", z->nid, zone_name(z->idx),
			pfn_present(m, pfn) || z->idx == ZONE_DEVICE ? "" : " (a hole: no memory here)");
	else
		fprintf(out, ", in no zone\n");
}

static void print_walk_entry(FILE *out, const char *level, uint64_t idx, uint64_t e,
			     bool leaf, const char *next)
{
	char name[24];

	snprintf(name, sizeof(name), "%s[%llu]", level, (unsigned long long)idx);
	fprintf(out, "  %-9s %#018llx  ", name, (unsigned long long)e);
	if (!entry_present(e))
		fprintf(out, "not present\n");
	else if (leaf)
		fprintf(out, "leaf, %s, frame %#llx\n", entry_writable(e) ? "read-write" : "read-only",
			(unsigned long long)entry_pfn(e));
	else
		fprintf(out, "-> %s table in frame %#llx\n", next, (unsigned long long)entry_pfn(e));
}

/* Print the walk for @va; returns whether it reached a leaf (filled @w). */
static bool print_walk(struct machine *m, vaddr_t va, struct pt_walk *w, FILE *out)
{
	const struct geometry *g = &m->geo;
	uint64_t e = m->pgd[pt_index(g, va, PT_PGD)];
	bool mapped = !vmemmap_walk_va(m, va, w);

	fprintf(out, "page-table walk of va %#llx:\n", (unsigned long long)ALIGN_DOWN(va, g->page_size));
	print_walk_entry(out, "PGD", pt_index(g, va, PT_PGD), e, false, "PUD");
	if (w->pud)
		print_walk_entry(out, "PUD", pt_index(g, va, PT_PUD), *w->pud, false, "PMD");
	if (w->pmd)
		print_walk_entry(out, "PMD", pt_index(g, va, PT_PMD), *w->pmd, pmd_leaf(*w->pmd), "PTE");
	if (w->pte)
		print_walk_entry(out, "PTE", pt_index(g, va, PT_PTE), *w->pte, true, NULL);
	if (!mapped) {
		fprintf(out, "  not mapped: no memmap for this pfn\n");
		return false;
	}
	if (w->leaf == PT_PMD)
		fprintf(out, "  leaf: a PMD block of %llu KiB (frames %#llx..%#llx), page %llu of it, %s\n",
			(unsigned long long)((1ULL << g->pmd_shift) >> 10),
			(unsigned long long)entry_pfn(*w->pmd),
			(unsigned long long)(entry_pfn(*w->pmd) + g->ptrs_per_table - 1),
			(unsigned long long)pt_index(g, va, PT_PTE),
			w->writable ? "read-write" : "read-only");
	else
		fprintf(out, "  leaf: a PTE (one %llu KiB page), %s\n",
			(unsigned long long)(g->page_size >> 10),
			w->writable ? "read-write" : "read-only");
	return true;
}

static void print_tlb(struct machine *m, vaddr_t va, const struct pt_walk *w, FILE *out)
{
	uint64_t vpage = va >> m->geo.page_shift;
	const struct tlb_entry te = tlb_entry(&m->mmu, (unsigned)(vpage & (TLB_ENTRIES - 1))),
			       *t = &te;

	if (t->vpage != vpage)
		fprintf(out, "  TLB: no entry for this page\n");
	else if (t->pfn == w->pfn && t->writable == w->writable)
		fprintf(out, "  TLB: holds the same translation\n");
	else
		fprintf(out, "  TLB: STALE: still maps frame %#llx %s (a flush is missing)\n",
			(unsigned long long)t->pfn, t->writable ? "read-write" : "read-only");
}

static const char *origin_phrase(enum frame_origin o)
{
	static const char *const names[] = { "from memblock", "from the buddy allocator",
					     "from an altmap" };
	return o <= ORIGIN_ALTMAP ? names[o] : "?";
}

static const char *content_phrase(uint64_t e)
{
	if (e & FRAME_LAZY)
		return "not generated yet: what memmap_init wrote";
	if (e & FRAME_PATTERN)
		return "one struct page repeated";
	if (e & (FRAME_DATA | FRAME_PX | FRAME_GEN)) /* held compactly or shared: the host's business */
		return "real bytes";
	return "no contents";
}

static void folio_name(struct machine *m, const struct folio_info *fi, char *buf, size_t len)
{
	if (fi->dax)
		snprintf(buf, len, "the %s compound page at pfn %#llx", m->dax[fi->dax_idx].name,
			 (unsigned long long)fi->head);
	else
		snprintf(buf, len, "folio at pfn %#llx", (unsigned long long)fi->head);
}

static void print_owner(struct machine *m, const struct vmemmap_page_info *vi, FILE *out)
{
	pfn_t f = vi->w.pfn;
	enum frame_origin origin = frame_origin(&m->frames, f);
	const struct folio_info *fi = &vi->folio;
	char fname[64];

	folio_name(m, fi, fname, sizeof(fname));
	fprintf(out, "frame %#llx: ", (unsigned long long)f);
	switch (vi->use) {
	case VU_SHARED_TAIL:
		if (vi->tail_nid >= 0)
			fprintf(out, "the zone %s's shared tail page for order %u (node %d): every optimized "
				"compound page of that order in the zone maps its tails here", zone_name(vi->tail_zone),
				vi->tail_order, vi->tail_nid);
		else
			fprintf(out, "a shared tail page no zone has published");
		break;
	case VU_HEAD:
		if (gen_has(m, GEN_HEAD_IN_PLACE) && !fi->dax)
			fprintf(out, "the head page of %s, kept in place (6.1: no copy), its tails "
				"map it read-only", fname);
		else if (gen_has(m, GEN_FAKE_HEADS) && !fi->dax)
			fprintf(out, origin == ORIGIN_BUDDY
				? "the copied head page of %s: HVO copied the head vmemmap page here and freed the original"
				: "the original head page of %s: no copy could be allocated, so HVO kept it", fname);
		else
			fprintf(out, "the private head page of %s", fname);
		break;
	case VU_LEGACY_COPY:
		fprintf(out, "the %s head page of %s, mapped read-only here: these struct pages "
			"are the head page's, so its first one is a fake head",
			gen_has(m, GEN_HEAD_IN_PLACE) ? "kept" : "copied", fname);
		break;
	case VU_DAX_REUSED:
		fprintf(out, "the second vmemmap page of %s, which every later vmemmap page of the "
			"compound maps too", fname);
		break;
	case VU_DAX:
		fprintf(out, "device DAX memmap (private)");
		break;
	case VU_BOOT:
		fprintf(out, "boot memmap from memblock (sparse_init)");
		break;
	case VU_BUDDY:
		fprintf(out, "memmap from the buddy allocator (restored vmemmap or hot-added memory)");
		break;
	case VU_SELF_HOSTED:
		fprintf(out, "self-hosted memmap: an altmap page in the memory it describes");
		break;
	default:
		fprintf(out, "not a vmemmap page (a bug if it is mapped here)");
		break;
	}
	fprintf(out, "\n  owner %s, %s, %s\n", owner_name(frame_owner(&m->frames, f)),
		origin_phrase(origin), content_phrase(frame_entry(&m->frames, f)));
}

static void print_struct_page(struct machine *m, vaddr_t va, const struct vmemmap_page_info *vi,
			      const struct folio_info *fi, FILE *out)
{
	const struct geometry *g = &m->geo;
	vaddr_t head_va = fi->found ? pfn_to_page_va(g, fi->head) : 0;
	vaddr_t as = va; /* the struct page whose bytes these are */
	struct page_struct ps;
	bool tail;

	if (peek_page(m, va, &ps)) {
		fprintf(out, "struct page: unreadable (its frame holds no struct pages)\n");
		return;
	}
	tail = ps.compound_info & 1;
	fprintf(out, "struct page:\n");
	if (vi->use == VU_LEGACY_COPY) {
		as = head_va + (va & (g->page_size - 1));
		fprintf(out, "  (these bytes are struct page %llu of the head vmemmap page, seen through its copy)\n",
			(unsigned long long)((va & (g->page_size - 1)) / g->struct_page_size));
	}
	fprintf(out, "  flags ");
	print_flags(page_layout_of(m), ps.flags, tail && fi->found && as == head_va + g->struct_page_size, out);
	fprintf(out, "\n  compound_info %#llx: ", (unsigned long long)ps.compound_info);
	if (!tail)
		fprintf(out, "bit 0 clear, not a tail\n");
	else if (compound_info_has_mask(m))
		fprintf(out, "a tail, mask encoding: clears the low %u address bits (order %u)\n",
			__builtin_ctzll(ps.compound_info & ~1ULL),
			__builtin_ctzll(ps.compound_info & ~1ULL) - g->struct_page_shift);
	else
		fprintf(out, "a tail, pointer encoding: head struct page at %#llx\n",
			(unsigned long long)(ps.compound_info - 1));
	fprintf(out, "  mapping %#llx%s  index %#llx  private %#llx",
		(unsigned long long)ps.mapping, ps.mapping == TAIL_MAPPING ? " (TAIL_MAPPING)" : "",
		(unsigned long long)ps.index, (unsigned long long)ps.private_);
	if (!tail && (ps.flags & page_pg(m, head)) && fi->found && !fi->dax)
		fprintf(out, " [%s%s]", ps.private_ & (1ULL << HPG_vmemmap_optimized) ? "vmemmap_optimized" : "not optimized",
			ps.private_ & (1ULL << HPG_freed) ? " freed" : "");
	fprintf(out, "\n  refcount %d  mapcount %d%s\n", ps.refcount, ps.mapcount,
		ps.mapcount == PAGE_TYPE_HUGETLB ? " (page_type: hugetlb)" : "");
}

/* "2 MiB", "1 GiB", "64 KiB". */
static const char *size_phrase(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	bytes >>= 10;
	while (u + 1 < ARRAY_SIZE(units) && bytes >= 1024 && !(bytes % 1024)) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu %s", (unsigned long long)bytes, units[u]);
	return buf;
}

static void print_folio(struct machine *m, pfn_t pfn, const struct folio_info *fi, FILE *out)
{
	const struct geometry *g = &m->geo;
	struct folio_vmemmap u;
	char size[32], fname[64];

	if (!fi->found) {
		fprintf(out, "huge page: none (pfn %#llx is in no HugeTLB folio or DAX compound page)\n",
			(unsigned long long)pfn);
		return;
	}
	size_phrase(g->page_size << fi->order, size, sizeof(size));
	folio_name(m, fi, fname, sizeof(fname));
	fprintf(out, "huge page: page %llu of %s, %s (order %u), ",
		(unsigned long long)(pfn - fi->head), fname, size, fi->order);
	if (fi->dax)
		fprintf(out, "device DAX %s", m->dax[fi->dax_idx].name);
	else
		fprintf(out, "pool hugepages-%llukB%s",
			(unsigned long long)((g->page_size << fi->order) >> 10),
			fi->bootmem ? " (reserved at boot)" : "");
	fprintf(out, ", node %d, vmemmap %s\n", fi->nid, fi->optimized ? "optimized" : "not optimized");
	folio_vmemmap_usage(m, fi, &u);
	fprintf(out, "  vmemmap: %llu pages unoptimized; now %llu private",
		(unsigned long long)u.pages, (unsigned long long)u.private_);
	if (u.shared_tail)
		fprintf(out, " + %llu PTEs onto the shared tail", (unsigned long long)u.shared_tail);
	if (u.reused)
		fprintf(out, " + %llu PTEs onto its %s", (unsigned long long)u.reused,
			fi->dax ? "second vmemmap page" :
			gen_has(m, GEN_HEAD_IN_PLACE) ? "head page, read-only" : "copied head page, read-only");
	if (u.unmapped)
		fprintf(out, " + %llu unmapped", (unsigned long long)u.unmapped);
	fprintf(out, " (saves %llu)\n", (unsigned long long)(u.pages - u.private_ - u.unmapped));
	fprintf(out, "  page tables under it: %llu PTE table%s, %llu PMD block%s\n",
		(unsigned long long)u.pte_tables, u.pte_tables == 1 ? "" : "s",
		(unsigned long long)u.pmd_blocks, u.pmd_blocks == 1 ? "" : "s");
}

int show_pfn(struct machine *m, pfn_t pfn, FILE *out)
{
	const struct geometry *g = &m->geo;
	struct mem_section *ms = __pfn_to_section(m, pfn);
	vaddr_t va, head;
	struct vmemmap_page_info vi;
	char why[256];

	if (!ms)
		return -ERANGE;
	va = pfn_to_page_va(g, pfn);
	fprintf(out, "pfn %#llx (phys %#llx), design %s\n", (unsigned long long)pfn,
		(unsigned long long)(pfn << g->page_shift), m->gen->name);
	print_section(m, pfn, ms, out);
	fprintf(out, "  struct page at va %#llx: struct page %llu of vmemmap page %#llx\n",
		(unsigned long long)va,
		(unsigned long long)((va & (g->page_size - 1)) / g->struct_page_size),
		(unsigned long long)((va - g->vmemmap_start) >> g->page_shift));
	vmemmap_page_classify(m, va, &vi);
	if (!print_walk(m, va, &vi.w, out))
		return 0;
	print_tlb(m, va, &vi.w, out);
	print_owner(m, &vi, out);
	find_folio(m, pfn, &vi.folio);
	print_struct_page(m, va, &vi, &vi.folio, out);
	if (!explain_compound_head(m, va, &head, why, sizeof(why)))
		fprintf(out, "compound_head() = %#llx (pfn %#llx)%s\n  why: %s\n",
			(unsigned long long)head, (unsigned long long)page_va_to_pfn(g, head),
			head == va ? ": the page itself" : "", why);
	print_folio(m, pfn, &vi.folio, out);
	return 0;
}
