// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software page table for the vmemmap (see pgtable.h): the entry format,
 * the walker, entry stores (counted), and iteration for the checker and
 * reports.  Allocating tables and splitting PMDs is mm's (mm/pgalloc.c).
 */
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"

unsigned pt_shift(const struct geometry *g, enum pt_level level)
{
	switch (level) {
	case PT_PGD:
		return g->pgd_shift;
	case PT_PUD:
		return g->pud_shift;
	case PT_PMD:
		return g->pmd_shift;
	default:
		return g->page_shift;
	}
}

int pgtable_init(struct machine *m)
{
	m->pgd = calloc(m->geo.ptrs_per_table, sizeof(uint64_t));
	m->pt_share_hint = PFN_NONE;
	return m->pgd ? 0 : -ENOMEM;
}

void pgtable_destroy(struct machine *m)
{
	free(m->pgd);
	m->pgd = NULL;
}

void set_pt_entry(struct machine *m, uint64_t *entry, uint64_t val)
{
	*entry = val;
	m->stat.nr_pte_writes++;
}

void set_pt_entries(struct machine *m, uint64_t *entry, uint64_t n, uint64_t val,
		    uint64_t step)
{
	for (uint64_t i = 0; i < n; i++, val += step)
		entry[i] = val;
	m->stat.nr_pte_writes += n;
}

/* arm64 and s390 rules: no valid-to-valid change of an entry's output address. */
bool pt_needs_bbm(const struct machine *m)
{
	return m->cfg.whatif_hvo_bbm;
}

void set_pt_entries_live(struct machine *m, uint64_t *entry, vaddr_t va,
			 uint64_t size, uint64_t n, uint64_t val, uint64_t step)
{
	if (!pt_needs_bbm(m)) {
		set_pt_entries(m, entry, n, val, step);
		return;
	}
	for (uint64_t i = 0; i < n; i++, va += size, val += step) {
		set_pt_entry(m, &entry[i], 0);              /* break */
		flush_tlb_kernel_range(m, va, va + size);   /* TLBI */
		set_pt_entry(m, &entry[i], val);            /* make */
		m->stat.nr_bbm_sequences++;
	}
}

/*
 * A PTE table split from a PMD block is held as its first entry until its
 * bytes are needed (set_pte_table_split()): the value of its FRAME_GEN
 * frame is that entry's pfn and its write bit.
 */
static uint64_t split_table_value(pfn_t block, bool writable)
{
	return (block << 1) | writable;
}

/* Entries @block, @block + 1, ... in the whole of table @t. */
static void fill_split_table(const struct machine *m, uint64_t *t, pfn_t block, bool writable)
{
	uint64_t e = mk_pte(block, writable);

	for (uint64_t i = 0; i < m->geo.ptrs_per_table; i++, e += 1ULL << PTE_PFN_SHIFT)
		t[i] = e;
}

/* Make the bytes of FRAME_GEN table frame @pfn. */
static void split_table_materialize(struct machine *m, pfn_t pfn)
{
	uint64_t v = frame_gen_value(&m->frames, pfn);

	fill_split_table(m, (uint64_t *)frame_materialize_gen(&m->frames, pfn), v >> 1, v & 1);
}

void set_pte_table_split(struct machine *m, pfn_t table, pfn_t block, bool writable)
{
	BUG_ON(frame_owner(&m->frames, table) != FO_PGTABLE ||
	       split_table_value(block, writable) > FRAME_GEN_MAX);
	if (m->frames.host.share) /* else the store as it was: bytes at once */
		frame_set_gen(&m->frames, table, split_table_value(block, writable));
	else
		fill_split_table(m, pt_table_mut(m, mk_table_entry(table)), block, writable);
	m->stat.nr_pte_writes += m->geo.ptrs_per_table;
}

void pt_table_materialize(struct machine *m, pfn_t pfn)
{
	if (frame_entry(&m->frames, pfn) & FRAME_GEN)
		split_table_materialize(m, pfn);
}

/* The host bytes of the table a present non-leaf entry points to. */
static uint64_t *table_bytes(struct machine *m, uint64_t entry, uint64_t *fe)
{
	uint64_t e = frame_entry(&m->frames, entry_pfn(entry));
	uint64_t o = e & FRAME_OWNER_MASK;

	/* one frame store lookup: this is on every walk */
	if (e & FRAME_GEN) {
		split_table_materialize(m, entry_pfn(entry));
		e = frame_entry(&m->frames, entry_pfn(entry));
	}
	BUG_ON(!(e & FRAME_DATA) || (o != FO_PGTABLE && o != FO_SHARED_PTE));
	*fe = e;
	return (uint64_t *)(uintptr_t)(e & ~((1ULL << FRAME_PAYLOAD_SHIFT) - 1));
}

const uint64_t *pt_table(struct machine *m, uint64_t entry)
{
	uint64_t fe;

	return table_bytes(m, entry, &fe);
}

/* PUD and PMD tables never share their bytes: the walk writes through them. */
static uint64_t *upper_table(struct machine *m, uint64_t entry)
{
	uint64_t fe;
	uint64_t *t = table_bytes(m, entry, &fe);

	BUG_ON(fe & FRAME_COW);
	return t;
}

uint64_t *pt_table_mut(struct machine *m, uint64_t entry)
{
	uint64_t fe;
	uint64_t *t = table_bytes(m, entry, &fe);

	if (fe & FRAME_COW)
		t = (uint64_t *)frame_unshare(&m->frames, entry_pfn(entry));
	return t;
}

uint64_t *pt_walk_pte_mut(struct machine *m, const struct pt_walk *w)
{
	BUG_ON(!w->pte || !w->pmd);
	/* by address: w->pte itself is stale once the table got bytes of its own */
	return &pt_table_mut(m, *w->pmd)[pt_index(&m->geo, w->va, PT_PTE)];
}

/* Are the @n entries from @t all @t[0]?  (Each equal to the next: one memcmp.) */
static bool entries_alike(const uint64_t *t, uint64_t n)
{
	return n < 2 || !memcmp(t, t + 1, (n - 1) * sizeof(*t));
}

/* The bytes of the share hint, if it is a table frame other than @pfn with bytes. */
static const uint64_t *share_hint_bytes(struct machine *m, pfn_t pfn)
{
	struct frame_store *fs = &m->frames;
	pfn_t hint = m->pt_share_hint;

	if (!fs->host.share || hint == PFN_NONE || hint == pfn ||
	    (frame_entry(fs, hint) & (FRAME_OWNER_MASK | FRAME_DATA)) != (FO_PGTABLE | FRAME_DATA))
		return NULL;
	return (const uint64_t *)frame_bytes(fs, hint);
}

void pte_table_try_share(struct machine *m, uint64_t pmd_entry)
{
	struct frame_store *fs = &m->frames;
	uint64_t n = m->geo.ptrs_per_table;
	pfn_t pfn = entry_pfn(pmd_entry), hint = m->pt_share_hint;
	const uint64_t *t = pt_table(m, pmd_entry), *h;

	if (!fs->host.share) /* HVO_HOST_SHARE=0: nothing shared */
		return;
	if ((h = share_hint_bytes(m, pfn))) {
		if (h == t)
			return; /* shares them already */
		/* the same bytes, whatever they hold now: sharing them is sound */
		if (h[0] == t[0] && !memcmp(h, t, n * sizeof(*t))) {
			BUG_ON(frame_copy(fs, pfn, hint));
			return;
		}
	}
	if (entries_alike(t, n))
		m->pt_share_hint = pfn;
}

bool pte_table_alike(struct machine *m, uint64_t pmd_entry, uint64_t *val)
{
	const uint64_t *t = pt_table(m, pmd_entry);

	*val = t[0];
	return entries_alike(t, m->geo.ptrs_per_table);
}

void set_pte_table_fill(struct machine *m, uint64_t pmd_entry, uint64_t val)
{
	uint64_t n = m->geo.ptrs_per_table, *t;
	pfn_t pfn = entry_pfn(pmd_entry);
	const uint64_t *h = share_hint_bytes(m, pfn);

	m->stat.nr_pte_writes += n;
	if (h && h[0] == val && entries_alike(h, n)) { /* the bytes exist: share them */
		BUG_ON(frame_copy(&m->frames, pfn, m->pt_share_hint));
		return;
	}
	if (frame_entry(&m->frames, pfn) & FRAME_GEN) /* its entries are all overwritten */
		t = (uint64_t *)frame_materialize_gen(&m->frames, pfn);
	else
		t = pt_table_mut(m, pmd_entry);
	for (uint64_t i = 0; i < n; i++)
		t[i] = val;
	if (m->frames.host.share)
		m->pt_share_hint = pfn;
}

void pte_written(struct machine *m, vaddr_t va)
{
	struct pt_walk w;

	if (!IS_ALIGNED(va + m->geo.page_size, 1ULL << m->geo.pmd_shift))
		return; /* not the last PTE of its table */
	if (!vmemmap_walk_va(m, va, &w) && w.leaf == PT_PTE)
		pte_table_try_share(m, *w.pmd);
}

bool pte_table_split_block(struct machine *m, uint64_t pmd_entry, pfn_t *block)
{
	pfn_t pfn = entry_pfn(pmd_entry);

	if (!(frame_entry(&m->frames, pfn) & FRAME_GEN))
		return false;
	*block = frame_gen_value(&m->frames, pfn) >> 1;
	return true;
}

uint64_t *vmemmap_walk_pmd(struct machine *m, vaddr_t va)
{
	const struct geometry *g = &m->geo;
	uint64_t e = m->pgd[pt_index(g, va, PT_PGD)], *pud;

	if (!entry_present(e))
		return NULL;
	pud = &upper_table(m, e)[pt_index(g, va, PT_PUD)];
	if (!entry_present(*pud))
		return NULL;
	return &upper_table(m, *pud)[pt_index(g, va, PT_PMD)];
}

/* The last step of a walk: the PTE at @pte, mapped or not. */
static int walk_pte(struct pt_walk *w, const uint64_t *pte)
{
	w->pte = pte;
	if (!entry_present(*pte))
		return -EFAULT;
	w->leaf = PT_PTE;
	w->pfn = entry_pfn(*pte);
	w->writable = entry_writable(*pte);
	return 0;
}

int vmemmap_walk_va(struct machine *m, vaddr_t va, struct pt_walk *w)
{
	const struct geometry *g = &m->geo;
	uint64_t e = m->pgd[pt_index(g, va, PT_PGD)];

	memset(w, 0, sizeof(*w));
	w->va = va;
	if (!entry_present(e))
		return -EFAULT;
	w->pud = &upper_table(m, e)[pt_index(g, va, PT_PUD)];
	if (!entry_present(*w->pud))
		return -EFAULT;
	w->pmd = &upper_table(m, *w->pud)[pt_index(g, va, PT_PMD)];
	if (!entry_present(*w->pmd))
		return -EFAULT;
	if (pmd_leaf(*w->pmd)) {
		w->leaf = PT_PMD;
		w->pfn = entry_pfn(*w->pmd) + pt_index(g, va, PT_PTE);
		w->writable = entry_writable(*w->pmd);
		return 0;
	}
	return walk_pte(w, &pt_table(m, *w->pmd)[pt_index(g, va, PT_PTE)]);
}

int vmemmap_walk_va_cursor(struct machine *m, vaddr_t va, struct pt_walk *w,
			   struct pt_cursor *cur)
{
	const struct geometry *g = &m->geo;
	vaddr_t base = ALIGN_DOWN(va, 1ULL << g->pmd_shift);
	int ret;

	if (cur->pmd && cur->pmd_base == base && *cur->pmd == cur->pmd_val) {
		memset(w, 0, sizeof(*w));
		w->va = va;
		w->pud = cur->pud;
		w->pmd = cur->pmd;
		return walk_pte(w, &cur->pte_table[pt_index(g, va, PT_PTE)]);
	}
	ret = vmemmap_walk_va(m, va, w);
	cur->pmd = NULL;
	if (w->pte) { /* a PTE table was reached: keep it for the next walk */
		cur->pmd_base = base;
		cur->pud = w->pud;
		cur->pmd = w->pmd;
		cur->pmd_val = *w->pmd;
		cur->pte_table = w->pte - pt_index(g, va, PT_PTE);
	}
	return ret;
}

static vaddr_t va_high_bits(const struct geometry *g)
{
	unsigned top = g->pgd_shift + g->ptrs_shift;
	return top >= 64 ? 0 : g->vmemmap_start & ~((1ULL << top) - 1);
}

int vmemmap_for_each_leaf_run(struct machine *m,
			      int (*fn)(void *arg, vaddr_t va, enum pt_level lvl,
					uint64_t entry, uint64_t n),
			      void *arg)
{
	const struct geometry *g = &m->geo;
	uint64_t n = g->ptrs_per_table;
	vaddr_t hi = va_high_bits(g);
	const uint64_t *alike = NULL; /* host bytes of a table of one entry */

	for (uint64_t i = 0; i < n; i++) {
		const uint64_t *pud;
		if (!entry_present(m->pgd[i]))
			continue;
		pud = pt_table(m, m->pgd[i]);
		for (uint64_t j = 0; j < n; j++) {
			const uint64_t *pmd;
			if (!entry_present(pud[j]))
				continue;
			pmd = pt_table(m, pud[j]);
			for (uint64_t k = 0; k < n; k++) {
				vaddr_t va = hi | (i << g->pgd_shift) |
					     (j << g->pud_shift) |
					     (k << g->pmd_shift);
				const uint64_t *pte;
				int ret;
				if (!entry_present(pmd[k]))
					continue;
				if (pmd_leaf(pmd[k])) {
					ret = fn(arg, va, PT_PMD, pmd[k], 1);
					if (ret)
						return ret;
					continue;
				}
				pte = pt_table(m, pmd[k]);
				if (pte == alike) { /* shares the bytes of one read before */
					ret = fn(arg, va, PT_PTE, pte[0], n);
					if (ret)
						return ret;
					continue;
				}
				for (uint64_t l = 0, run; l < n; l += run) {
					run = 1;
					if (!entry_present(pte[l]))
						continue;
					if (entries_alike(pte + l, n - l))
						run = n - l; /* the rest alike: one memcmp */
					while (l + run < n && pte[l + run] == pte[l])
						run++;
					if (run == n)
						alike = pte;
					ret = fn(arg, va | (l << g->page_shift),
						 PT_PTE, pte[l], run);
					if (ret)
						return ret;
				}
			}
		}
	}
	return 0;
}

struct leaf_one {
	int (*fn)(void *arg, vaddr_t va, enum pt_level lvl, uint64_t entry);
	void *arg;
	unsigned page_shift;
};

static int leaf_one_by_one(void *arg, vaddr_t va, enum pt_level lvl,
			   uint64_t entry, uint64_t n)
{
	const struct leaf_one *o = arg;

	for (uint64_t i = 0; i < n; i++) {
		int ret = o->fn(o->arg, va + (i << o->page_shift), lvl, entry);
		if (ret)
			return ret;
	}
	return 0;
}

int vmemmap_for_each_leaf(struct machine *m,
			  int (*fn)(void *arg, vaddr_t va, enum pt_level lvl,
				    uint64_t entry),
			  void *arg)
{
	struct leaf_one o = { fn, arg, m->geo.page_shift };

	return vmemmap_for_each_leaf_run(m, leaf_one_by_one, &o);
}

/*
 * How many PTEs from @va's in the cursor's table, at most @max, equal it
 * (@same) or are present.
 */
static uint64_t cursor_run(const struct machine *m, struct pt_cursor *cur,
			   vaddr_t va, uint64_t max, bool same)
{
	const struct geometry *g = &m->geo;
	uint64_t i = pt_index(g, va, PT_PTE);
	const uint64_t *pte = cur->pte_table + i;
	uint64_t n = MIN(max, g->ptrs_per_table - i), k = 1;

	BUG_ON(!cur->pmd || !n);
	if (cur->pte_table == cur->alike_table ||
	    (!same && cur->pte_table == cur->present_table))
		return n; /* the bytes of a table already read whole */
	/* a whole table of one entry (the usual case): each equal to the next, one memcmp */
	if (!i && n == g->ptrs_per_table && (same || entry_present(pte[0])) &&
	    entries_alike(pte, n)) {
		cur->alike_table = cur->pte_table;
		if (entry_present(pte[0]))
			cur->present_table = cur->pte_table;
		return n;
	}
	/* eight at a time, with no branch inside: a run is most of a table */
	while (k + 8 <= n) {
		uint64_t d = 0;

		if (same)
			for (unsigned j = 0; j < 8; j++)
				d |= pte[k + j] ^ pte[0];
		else
			for (unsigned j = 0; j < 8; j++)
				d |= ~pte[k + j] & _PAGE_PRESENT;
		if (d)
			break;
		k += 8;
	}
	while (k < n && (same ? pte[k] == pte[0] : entry_present(pte[k])))
		k++;
	if (!i && k == g->ptrs_per_table) {
		if (same)
			cur->alike_table = cur->pte_table;
		else
			cur->present_table = cur->pte_table;
	}
	return k;
}

uint64_t pt_cursor_same_ptes(const struct machine *m, struct pt_cursor *cur,
			     vaddr_t va, uint64_t max)
{
	return cursor_run(m, cur, va, max, true);
}

uint64_t pt_cursor_present_ptes(const struct machine *m, struct pt_cursor *cur,
				vaddr_t va, uint64_t max)
{
	return cursor_run(m, cur, va, max, false);
}

int vmemmap_for_each_table(struct machine *m,
			   int (*fn)(void *arg, pfn_t pfn, enum pt_level lvl),
			   void *arg)
{
	uint64_t n = m->geo.ptrs_per_table;

	for (uint64_t i = 0; i < n; i++) {
		const uint64_t *pud;
		int ret;
		if (!entry_present(m->pgd[i]))
			continue;
		ret = fn(arg, entry_pfn(m->pgd[i]), PT_PUD);
		if (ret)
			return ret;
		pud = pt_table(m, m->pgd[i]);
		for (uint64_t j = 0; j < n; j++) {
			const uint64_t *pmd;
			if (!entry_present(pud[j]))
				continue;
			ret = fn(arg, entry_pfn(pud[j]), PT_PMD);
			if (ret)
				return ret;
			pmd = pt_table(m, pud[j]);
			for (uint64_t k = 0; k < n; k++) {
				if (!entry_present(pmd[k]) || pmd_leaf(pmd[k]))
					continue;
				ret = fn(arg, entry_pfn(pmd[k]), PT_PTE);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}
