/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sparse memory model with a virtually mapped memmap (SPARSEMEM_VMEMMAP):
 * the mem_section table, population of the vmemmap for a range of sections
 * (sparse_init at boot, hot-add later), memmap_init, and the lazy generation
 * of vmemmap pages whose contents are still exactly what memmap_init wrote.
 */
#ifndef HVO_SPARSE_H
#define HVO_SPARSE_H

#include "hw/frame.h"
#include "machine.h"

/* Mark the sections that hold memblock memory present (memblocks_present). */
void memblocks_present(struct machine *m);

/*
 * Map the vmemmap for the struct pages of [start_pfn, start_pfn + nr_pages)
 * on node @nid, allocating vmemmap pages from memblock (boot) or the buddy
 * allocator (run time) tagged @origin.  PMD blocks are used where the whole
 * PMD range is being populated and the base page is 4 KiB (x86-64, arm64
 * 4K), base pages otherwise.  New pages are lazy: their contents are what
 * memmap_init writes.  Returns 0 or -ENOMEM (partial population is left in
 * place for the caller to undo).
 */
/*
 * A vmem_altmap: vmemmap pages taken from the start of the memory being
 * added (memmap_on_memory) instead of from an allocator.
 */
struct vmem_altmap {
	pfn_t base_pfn;  /* first pfn it hands out */
	uint64_t free;   /* pages it may hand out */
	uint64_t alloc;  /* pages handed out */
};

int vmemmap_populate(struct machine *m, pfn_t start_pfn, uint64_t nr_pages,
		     int nid, enum alloc_site site, struct vmem_altmap *altmap);

/*
 * Generic design (GEN_SECTION_ORDER): the compound order a section's
 * memmap is populated and initialized for, 0 for a plain section.  The
 * section records it (ms->order, ms->zone) before its memmap exists:
 * HugeTLB for a boot-time gigantic page it will optimize, device DAX for
 * an optimized device.  Every vmemmap page of such a section but the first
 * of each compound maps the zone's shared tail read-only, and memmap_init
 * writes the struct pages of the first only.  Always 0 in other designs.
 */
unsigned section_vmemmap_order(const struct machine *m, const struct mem_section *ms);
/* Vmemmap pages section @s really has (section_nr_vmemmap_pages()). */
uint64_t section_nr_vmemmap_pages(const struct machine *m, uint64_t s);

/* Boot: populate one present section's memmap and account it. */
int sparse_init_section(struct machine *m, uint64_t s, char *err, size_t errlen);
/* Boot: populate every present section's memmap (except pre-HVO ones). */
int sparse_init(struct machine *m, char *err, size_t errlen);

/* Boot: initialize every struct page of every present section. */
void memmap_init(struct machine *m);

/* What memmap_init writes at bytes [off, off+len) of vmemmap page @vpage. */
void memmap_generate(struct machine *m, uint64_t vpage, size_t off, void *buf,
		     size_t len);
/* memmap_generate() as the frame store's lazy fill (@m is the machine). */
void memmap_fill(void *m, uint64_t vpage, size_t off, void *buf, size_t len);
/*
 * The frame store's lazy_alike: true, with the struct page in @sp, when
 * memmap_generate() makes vmemmap page @vpage of one struct page repeated.
 */
bool memmap_page_alike(void *m, uint64_t vpage, void *sp);
/*
 * Around a loop that asks memmap_page_alike() of many pages while nothing
 * changes a zone, a section or memblock (free_reserved_page()'s struct
 * page updates): a section found alike once answers for all its pages.
 */
void memmap_alike_memo_begin(struct machine *m);
void memmap_alike_memo_end(struct machine *m);

#endif
