/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The software page table that maps the vmemmap: four levels (PGD, PUD, PMD,
 * PTE), every table one simulated frame of 8-byte entries, leaves at PMD
 * level (one block of ptrs_per_table frames) or PTE level.
 *
 * Entry format (x86-64-like, the same at every level):
 *   bit 0  _PAGE_PRESENT
 *   bit 1  _PAGE_RW         (absent: read-only)
 *   bit 7  _PAGE_PSE        (PMD: leaf mapping a block, not a table)
 *   bits 12..51  pfn of the next table or of the mapped frame
 * The PGD is the kernel's swapper_pg_dir: part of the kernel image, kept in
 * host memory and not counted.  PUD, PMD and PTE tables are frames owned by
 * FO_PGTABLE and counted in vmstat.vmemmap_pgtable_pages.
 */
#ifndef HVO_PGTABLE_H
#define HVO_PGTABLE_H

#include "machine.h"

#define _PAGE_PRESENT 0x1ULL
#define _PAGE_RW 0x2ULL
#define _PAGE_PSE 0x80ULL
#define PTE_PFN_SHIFT 12
#define PTE_PFN_MASK (((1ULL << 40) - 1) << PTE_PFN_SHIFT)

enum pt_level { PT_PGD, PT_PUD, PT_PMD, PT_PTE };

static inline uint64_t mk_pte(pfn_t pfn, bool writable)
{
	return (pfn << PTE_PFN_SHIFT) | _PAGE_PRESENT | (writable ? _PAGE_RW : 0);
}

static inline uint64_t mk_table_entry(pfn_t pfn)
{
	return (pfn << PTE_PFN_SHIFT) | _PAGE_PRESENT | _PAGE_RW;
}

static inline uint64_t mk_pmd_leaf(pfn_t pfn, bool writable)
{
	return mk_pte(pfn, writable) | _PAGE_PSE;
}

static inline pfn_t entry_pfn(uint64_t e)
{
	return (e & PTE_PFN_MASK) >> PTE_PFN_SHIFT;
}

static inline bool entry_present(uint64_t e) { return e & _PAGE_PRESENT; }
static inline bool entry_writable(uint64_t e) { return e & _PAGE_RW; }
static inline bool pmd_leaf(uint64_t e) { return (e & (_PAGE_PRESENT | _PAGE_PSE)) == (_PAGE_PRESENT | _PAGE_PSE); }

unsigned pt_shift(const struct geometry *g, enum pt_level level);

static inline uint64_t pt_index(const struct geometry *g, vaddr_t va,
				enum pt_level level)
{
	return (va >> pt_shift(g, level)) & (g->ptrs_per_table - 1);
}

/* Result of a translation walk. */
struct pt_walk {
	uint64_t *pud, *pmd;       /* entry pointers reached (NULL if not) */
	const uint64_t *pte;       /* to write it: pt_walk_pte_mut() */
	vaddr_t va;                /* the address walked to */
	enum pt_level leaf;        /* PT_PMD or PT_PTE when mapped */
	pfn_t pfn;                 /* frame that backs the page at va */
	bool writable;
};

int pgtable_init(struct machine *m);
void pgtable_destroy(struct machine *m);

/* Walk to the leaf that maps @va.  0 when mapped, -EFAULT otherwise. */
int vmemmap_walk_va(struct machine *m, vaddr_t va, struct pt_walk *w);

/*
 * The PMD entry for @va (present or not), or NULL when no PMD table
 * covers it; a walk that reads no PTE table, so gives none host bytes.
 */
uint64_t *vmemmap_walk_pmd(struct machine *m, vaddr_t va);

/*
 * A walk that remembers the last PMD entry it went through, for loops
 * over consecutive addresses while no table changes or gets host bytes of
 * its own (pt_table_mut()), as in the checker's: a
 * walk to an address under the same PMD with the entry unchanged reads
 * only the PTE.  Zero-initialize one per loop; it holds no reference.
 */
struct pt_cursor {
	vaddr_t pmd_base;    /* the PMD-aligned address of the cached entry */
	uint64_t *pud, *pmd; /* NULL pmd: nothing cached */
	uint64_t pmd_val;
	const uint64_t *pte_table;
	/*
	 * The host bytes of the last table found to hold one present entry
	 * throughout, and of the last found present throughout: a table
	 * sharing them (pte_table_try_share()) is known without reading it.
	 */
	const uint64_t *alike_table, *present_table;
};

int vmemmap_walk_va_cursor(struct machine *m, vaddr_t va, struct pt_walk *w,
			   struct pt_cursor *cur);
/*
 * After a cursor walk to @va ended on a present PTE: how many PTEs from
 * that one, in the same table and at most @max (>= 1), hold the same entry
 * (so map the same frame with the same rights), or are present.
 */
uint64_t pt_cursor_same_ptes(const struct machine *m, struct pt_cursor *cur,
			     vaddr_t va, uint64_t max);
uint64_t pt_cursor_present_ptes(const struct machine *m, struct pt_cursor *cur,
				vaddr_t va, uint64_t max);

/* Store a page-table entry (counted in vmstat.nr_pte_writes). */
void set_pt_entry(struct machine *m, uint64_t *entry, uint64_t val);
/* set_pt_entry() of @n entries from @entry: @val, @val + @step, ... */
void set_pt_entries(struct machine *m, uint64_t *entry, uint64_t n, uint64_t val,
		    uint64_t step);

/*
 * Change live vmemmap entries, the PTEs from @entry mapping @va onwards
 * (@n of them, @size bytes each: base pages, or one PMD): to @val,
 * @val + @step, ...  Where the architecture forbids changing a valid entry
 * into another valid one (arm64, s390, under machine whatif=hvo-bbm),
 * each goes through break-before-make: invalidate it, flush its TLB
 * entries, write the new entry (counted in vmstat.nr_bbm_sequences and
 * nr_tlb_flush_range).  Elsewhere it is set_pt_entries().
 */
/* Do live entry changes here go through break-before-make (whatif=hvo-bbm)? */
bool pt_needs_bbm(const struct machine *m);
void set_pt_entries_live(struct machine *m, uint64_t *entry, vaddr_t va,
			 uint64_t size, uint64_t n, uint64_t val, uint64_t step);

/*
 * The table that a present non-leaf entry points to, to read.  A PTE table
 * may share its host bytes with other PTE tables of the same entries
 * (pte_table_try_share()); write one only through pt_table_mut().
 */
const uint64_t *pt_table(struct machine *m, uint64_t entry);
/*
 * The same table, to write: a PTE table sharing its bytes gets its own
 * first, so pointers to it from pt_table() are stale after this call.
 */
uint64_t *pt_table_mut(struct machine *m, uint64_t entry);
/*
 * set_pt_entries() of the whole of PTE table @table, just allocated for
 * the split of a PMD block: @block, @block + 1, ... (counted as that many
 * writes); the table gets host bytes when first walked through (at once
 * under HVO_HOST_SHARE=0).
 */
void set_pte_table_split(struct machine *m, pfn_t table, pfn_t block, bool writable);
/*
 * Is the PTE table @pmd_entry points to a split one still without host
 * bytes?  Then its entries are *@block, *@block + 1, ... (write bit as the
 * split set it).
 */
bool pte_table_split_block(struct machine *m, uint64_t pmd_entry, pfn_t *block);
/* Give table frame @pfn its host bytes if it has none yet (for readers of frames). */
void pt_table_materialize(struct machine *m, pfn_t pfn);
/* The PTE a walk reached (w->pte), to write (see pt_table_mut()). */
uint64_t *pt_walk_pte_mut(struct machine *m, const struct pt_walk *w);
/*
 * After a walk rewrote the whole PTE table that @pmd_entry points to: let
 * it share host bytes with the last table found holding one entry
 * throughout (m->pt_share_hint) when the two hold the same entries, or
 * become that table if its own entries are all one.  Host memory only:
 * the simulated tables stay distinct frames.
 */
void pte_table_try_share(struct machine *m, uint64_t pmd_entry);
/* Does the PTE table @pmd_entry points to hold one entry throughout (*@val)? */
bool pte_table_alike(struct machine *m, uint64_t pmd_entry, uint64_t *val);
/*
 * Write @val to every entry of the PTE table @pmd_entry points to, as a
 * loop of set_pt_entry() and pte_written() would (counted as that many
 * writes), but sharing the hint's host bytes at once when they hold the
 * same, without bytes of its own first.
 */
void set_pte_table_fill(struct machine *m, uint64_t pmd_entry, uint64_t val);
/*
 * For loops that fill PTE tables in order: the PTE that maps @va was just
 * written; if it is the last of its table, pte_table_try_share() that
 * table.  Pointers into the table are stale after it.
 */
void pte_written(struct machine *m, vaddr_t va);

/*
 * Visit every leaf mapping (PMD blocks once, PTEs one by one).  @fn must
 * not change the page table.
 */
int vmemmap_for_each_leaf(struct machine *m,
			  int (*fn)(void *arg, vaddr_t va, enum pt_level lvl,
				    uint64_t entry),
			  void *arg);
/*
 * The same, a run at a time: @n consecutive PTEs of one table that hold
 * the same entry (each maps the frame @entry names at its own address,
 * va, va + page size, ...); a PMD block is a run of one.
 */
int vmemmap_for_each_leaf_run(struct machine *m,
			      int (*fn)(void *arg, vaddr_t va, enum pt_level lvl,
					uint64_t entry, uint64_t n),
			      void *arg);
/* Visit every table frame below the PGD. */
int vmemmap_for_each_table(struct machine *m,
			   int (*fn)(void *arg, pfn_t pfn, enum pt_level lvl),
			   void *arg);

#endif
