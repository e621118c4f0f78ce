// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel mode, the kernel side: this file includes a kernel tree's
 * mm/hugetlb_vmemmap.c, unmodified (its path is HVO_KERNEL_FILE, given by
 * kernel/build.sh), after the shim, as tools/testing/vma includes mm/vma.c.
 * Including it gives access to its static functions, so the ops below call
 * the real __hugetlb_vmemmap_optimize_folio() and
 * __hugetlb_vmemmap_restore_folio() on one folio, with the flags hvo's
 * batching passes (the same VMEMMAP_* bits); for a 6.1 tree (KS_API_PAGE)
 * its public hugetlb_vmemmap_optimize() and hugetlb_vmemmap_restore() on
 * one head page.  What the shim needs out of line is here too: init_mm and
 * (6.12) the kernel page-table walker.
 */
#include "kshim.h"

/* The file's public names, which hvo's own mm/hugetlb_vmemmap.c has too
 * (6.12's folio API; 6.1's page API, renamed alike for symmetry). */
#define hugetlb_vmemmap_optimize kernel_hugetlb_vmemmap_optimize
#define hugetlb_vmemmap_restore kernel_hugetlb_vmemmap_restore
#define hugetlb_vmemmap_optimize_folio kernel_hugetlb_vmemmap_optimize_folio
#define hugetlb_vmemmap_optimize_folios kernel_hugetlb_vmemmap_optimize_folios
#define hugetlb_vmemmap_restore_folio kernel_hugetlb_vmemmap_restore_folio
#define hugetlb_vmemmap_restore_folios kernel_hugetlb_vmemmap_restore_folios
#define hugetlb_vmemmap_optimizable_size kernel_hugetlb_vmemmap_optimizable_size

#include HVO_KERNEL_FILE

struct mm_struct init_mm;
const struct hstate ks_no_hstates[1];

#ifndef KS_API_PAGE
/*
 * walk_kernel_page_table_range() as mm/pagewalk.c does it for a range
 * below one PGD entry's worth of PUDs, without holes (the vmemmap of a
 * folio is always populated): pmd_entry for every PMD, then pte_entry for
 * every PTE under a PMD that is (now) a table, unless the pmd_entry asked
 * ACTION_CONTINUE.
 */
static int ks_walk_ptes(pmd_t *pmd, unsigned long addr, unsigned long end,
			struct mm_walk *walk)
{
	pte_t *pte = pte_offset_kernel(pmd, addr);
	int err = 0;

	for (; addr < end; addr += PAGE_SIZE, pte++) {
		err = walk->ops->pte_entry(pte, addr, addr + PAGE_SIZE, walk);
		if (err)
			break;
	}
	return err;
}

int walk_kernel_page_table_range(unsigned long start, unsigned long end,
				 const struct mm_walk_ops *ops, pgd_t *pgd,
				 void *private)
{
	struct mm_walk walk = { .ops = ops, .mm = &init_mm, .pgd = pgd,
				.private = private };
	unsigned long addr, next;
	int err = 0;

	if (start >= end)
		return -EINVAL;
	for (addr = start; addr < end; addr = next) {
		pmd_t *pmd = (pmd_t *)ks_pmd_entry(addr);

		next = (addr & PMD_MASK) + PMD_SIZE;
		if (next > end)
			next = end;
		if (!pmd || pmd_none(*pmd))
			continue;
		walk.action = ACTION_SUBTREE;
		if (ops->pmd_entry) {
			ks_walk_pmd(&pmd->pmd);
			err = ops->pmd_entry(pmd, addr, next, &walk);
			ks_walk_pmd(NULL);
		}
		if (err)
			break;
		if (walk.action == ACTION_AGAIN) {
			next = addr;
			continue;
		}
		if (walk.action == ACTION_CONTINUE || !ops->pte_entry)
			continue;
		if (pmd_leaf(*pmd) || !pmd_present(*pmd))
			continue;
		err = ks_walk_ptes(pmd, addr, next, &walk);
		if (err)
			break;
	}
	return err;
}

int walk_page_range_novma(struct mm_struct *mm, unsigned long start,
			  unsigned long end, const struct mm_walk_ops *ops,
			  pgd_t *pgd, void *private)
{
	(void)mm;
	return walk_kernel_page_table_range(start, end, ops, pgd, private);
}

/*
 * Hand the pages the real code left on @list to hvo's caller, which frees
 * them after its TLB flush, in the order they were added (the list's tail
 * first), as hvo's own designs list them.
 */
static void ks_drain(struct list_head *list)
{
	struct list_head *p = ks_lget(&list->prev);

	while (p != list) {
		struct list_head *prev = ks_lget(&p->prev);

		ks_list_out((uint64_t)(uintptr_t)list_entry(p, struct page, lru));
		p = prev;
	}
	INIT_LIST_HEAD(list);
}

int kmode_optimize_folio(unsigned order, uint64_t folio, unsigned long flags,
			 int enabled)
{
	const struct hstate h = { .order = order };
	LIST_HEAD(pages);
	int ret;

	vmemmap_optimize_enabled = enabled;
	ret = __hugetlb_vmemmap_optimize_folio(&h, (struct folio *)(uintptr_t)folio,
					       &pages, flags);
	ks_drain(&pages);
	return ret;
}

int kmode_restore_folio(unsigned order, uint64_t folio, unsigned long flags)
{
	const struct hstate h = { .order = order };

	return __hugetlb_vmemmap_restore_folio(&h, (struct folio *)(uintptr_t)folio,
					       flags);
}
#else
/*
 * 6.1, the page API: the public entry points for one head page, which
 * check, walk, flush and free themselves.  @flags (hvo's batch flags) do
 * not apply: the row is GEN_UNBATCHED, so hvo never batches it.
 * hugetlb_vmemmap_optimize() returns nothing; the folio's flag tells.
 */
int kmode_optimize_folio(unsigned order, uint64_t folio, unsigned long flags,
			 int enabled)
{
	const struct hstate h = { .order = order };
	struct page *head = (struct page *)(uintptr_t)folio;

	(void)flags;
	vmemmap_optimize_enabled = enabled;
	hugetlb_vmemmap_optimize(&h, head);
	return HPageVmemmapOptimized(head) ? 0 : -ENOMEM;
}

int kmode_restore_folio(unsigned order, uint64_t folio, unsigned long flags)
{
	const struct hstate h = { .order = order };

	(void)flags;
	return hugetlb_vmemmap_restore(&h, (struct page *)(uintptr_t)folio);
}
#endif
