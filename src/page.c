/*
 * struct page bytes, accessors through the MMU, compound_head() for both
 * encodings, and the canonical contents memmap_init gives a struct page.
 */
#include <string.h>

#include "mmu.h"
#include "page.h"

static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }
static uint64_t get64(const uint8_t *b, unsigned off) { uint64_t v; memcpy(&v, b + off, 8); return v; }

void page_struct_encode(const struct geometry *g, const struct page_struct *p,
			uint8_t *out)
{
	uint8_t buf[MAX_STRUCT_PAGE] = { 0 };

	put64(buf, PAGE_OFF_FLAGS, p->flags);
	put64(buf, PAGE_OFF_COMPOUND_INFO, p->compound_info);
	put64(buf, PAGE_OFF_LRU_PREV, p->lru_prev);
	put64(buf, PAGE_OFF_MAPPING, p->mapping);
	put64(buf, PAGE_OFF_INDEX, p->index);
	put64(buf, PAGE_OFF_PRIVATE, p->private_);
	memcpy(buf + PAGE_OFF_MAPCOUNT, &p->mapcount, 4);
	memcpy(buf + PAGE_OFF_REFCOUNT, &p->refcount, 4);
	put64(buf, 56, p->memcg_data);
	put64(buf, 64, p->extra[0]);
	put64(buf, 72, p->extra[1]);
	memcpy(out, buf, g->struct_page_size);
}

void page_struct_decode(const struct geometry *g, const uint8_t *in,
			struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE] = { 0 };

	memcpy(buf, in, g->struct_page_size);
	p->flags = get64(buf, PAGE_OFF_FLAGS);
	p->compound_info = get64(buf, PAGE_OFF_COMPOUND_INFO);
	p->lru_prev = get64(buf, PAGE_OFF_LRU_PREV);
	p->mapping = get64(buf, PAGE_OFF_MAPPING);
	p->index = get64(buf, PAGE_OFF_INDEX);
	p->private_ = get64(buf, PAGE_OFF_PRIVATE);
	memcpy(&p->mapcount, buf + PAGE_OFF_MAPCOUNT, 4);
	memcpy(&p->refcount, buf + PAGE_OFF_REFCOUNT, 4);
	p->memcg_data = get64(buf, 56);
	p->extra[0] = get64(buf, 64);
	p->extra[1] = get64(buf, 72);
}

int page_read(struct machine *m, vaddr_t page, struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	if (vmemmap_read(m, page, buf, m->geo.struct_page_size))
		return -EFAULT;
	page_struct_decode(&m->geo, buf, p);
	return 0;
}

int page_write(struct machine *m, vaddr_t page, const struct page_struct *p)
{
	uint8_t buf[MAX_STRUCT_PAGE];

	page_struct_encode(&m->geo, p, buf);
	return vmemmap_write(m, page, buf, m->geo.struct_page_size);
}

int page_read_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t *v)
{
	return vmemmap_read(m, page + off, v, sizeof(*v));
}

int page_write_u64(struct machine *m, vaddr_t page, unsigned off, uint64_t v)
{
	return vmemmap_write(m, page + off, &v, sizeof(v));
}

bool compound_info_has_mask(const struct machine *m)
{
	return m->design != DESIGN_LEGACY && m->geo.struct_page_pow2;
}

uint64_t encode_compound_info(const struct machine *m, vaddr_t head,
			      unsigned order)
{
	return compound_info_has_mask(m) ? encode_tail_mask(&m->geo, order)
					 : encode_tail_pointer(head);
}

/* Legacy: pointer encoding with the fake-head check (hvo-spec.md B.3). */
static int compound_head_pointer(struct machine *m, vaddr_t page,
				 vaddr_t *head)
{
	uint64_t info, flags, next;

	if (page_read_u64(m, page, PAGE_OFF_COMPOUND_INFO, &info))
		return -EFAULT;
	if (info & 1) {
		*head = info - 1;
		return 0;
	}
	*head = page;
	if (!m->hugetlb_optimize_vmemmap_key)
		return 0;
	if (!IS_ALIGNED(page, m->geo.page_size))
		return 0;
	if (page_read_u64(m, page, PAGE_OFF_FLAGS, &flags))
		return -EFAULT;
	if (!test_flag(flags, PG_head))
		return 0;
	/* A head has at least two pages, so page[1] is readable. */
	if (page_read_u64(m, page + m->geo.struct_page_size,
			  PAGE_OFF_COMPOUND_INFO, &next))
		return -EFAULT;
	if (next & 1)
		*head = next - 1; /* == page for a real head */
	return 0;
}

/* Mask encoding, branch-free as in the fake-head-free kernels. */
static int compound_head_mask(struct machine *m, vaddr_t page, vaddr_t *head)
{
	uint64_t info, mask;

	if (page_read_u64(m, page, PAGE_OFF_COMPOUND_INFO, &info))
		return -EFAULT;
	mask = ((info & 1) - 1) | info;
	*head = page & mask;
	return 0;
}

int compound_head(struct machine *m, vaddr_t page, vaddr_t *head)
{
	if (compound_info_has_mask(m))
		return compound_head_mask(m, page, head);
	return compound_head_pointer(m, page, head);
}

/* Zone a pfn outside every zone span is labelled with (holes). */
static enum zone_type zone_by_address(const struct geometry *g, pfn_t pfn)
{
	phys_t pa = pfn << g->page_shift;

	if (pa < 16 * SZ_1M)
		return ZONE_DMA;
	if (pa < 4 * SZ_1G)
		return ZONE_DMA32;
	return ZONE_NORMAL;
}

void init_single_page(struct machine *m, pfn_t pfn, struct page_struct *p)
{
	struct zone *z = page_zone(m, pfn);
	struct mem_section *ms = __pfn_to_section(m, pfn);
	int nid = z ? z->nid : (ms ? ms->nid : 0);
	enum zone_type zt = z ? z->idx : zone_by_address(&m->geo, pfn);
	bool reserved;

	memset(p, 0, sizeof(*p));
	/*
	 * After memblock_free_all(): memblock-reserved pages (and holes)
	 * keep PG_reserved with a reference; everything handed to the buddy
	 * allocator has refcount 0.
	 */
	reserved = !pfn_present(m, pfn) ||
		   memblock_type_contains(&m->boot_reserved, pfn);
	p->flags = page_flags_node_zone(nid, zt);
	if (reserved)
		p->flags |= 1ULL << PG_reserved;
	p->refcount = reserved ? 1 : 0;
	p->mapcount = -1;
}
