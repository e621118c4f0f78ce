/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The boundary between the two halves of kernel mode.  kmode.c compiles a
 * kernel tree's mm/hugetlb_vmemmap.c against the shim (kshim.h) and sees
 * only these functions; kshim_backend.c implements them on hvo's machine
 * (MMU, page table, frame store, allocation choke point).  Only plain
 * integer types cross: a struct page pointer is a simulated vmemmap
 * address, a "virtual address" of a page a simulated direct-map address,
 * and a page-table entry pointer a host pointer into one of hvo's
 * page-table frames.
 */
#ifndef HVO_KSHIM_BACKEND_H
#define HVO_KSHIM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Simulated direct map (x86-64's PAGE_OFFSET): page_to_virt() lands here. */
#define KS_PAGE_OFFSET 0xffff888000000000ULL

/* A pointer the host must never dereference: the kernel half. */
static inline int ks_simulated(const void *p)
{
	return ((uintptr_t)p >> 47) != 0;
}

uint64_t ks_vmemmap_start(void);
/* Loads and stores of simulated addresses through hvo's MMU. */
uint64_t ks_read64(uint64_t va);
void ks_write64(uint64_t va, uint64_t v);
/* memcpy()/copy_page() where either side may be simulated. */
void ks_memcpy(void *dst, const void *src, size_t n);
void ks_copy_page(uint64_t dst, uint64_t src);

/* Page-table entries (host pointers into hvo's tables). */
uint64_t *ks_pmd_entry(uint64_t va);              /* NULL: no PMD table */
uint64_t *ks_pte_table(uint64_t pmd_entry);      /* any table entry's table */
uint64_t *ks_pgd_entry(uint64_t va);              /* 6.1: pgd_offset_k() */
uint64_t *ks_pmd_table(uint64_t pud_entry);       /* 6.1: pmd_offset(), noted */
void ks_set_entry(uint64_t *entry, uint64_t val); /* counted write */
void ks_walk_pmd(uint64_t *pmd);                  /* the walk is at @pmd */
void ks_pmd_populate(uint64_t *pmd, uint64_t table_va);
uint64_t ks_pte_alloc_one_kernel(void);           /* direct-map va or 0 */
void ks_pte_free_kernel(uint64_t table_va);
void ks_flush_tlb_kernel_range(uint64_t start, uint64_t end);
void ks_flush_tlb_all(void);

/* Page allocation through the choke point: struct page va or 0. */
uint64_t ks_alloc_page(int nid, unsigned gfp);
void ks_free_page(uint64_t page);                 /* undo of ks_alloc_page() */
void ks_free_vmemmap_page(uint64_t page);         /* 6.1: an unmapped page */
void ks_free_bootmem_page(uint64_t page);
void ks_memmap_pages_add(long delta);
void ks_memmap_boot_pages_add(long delta);

/* Struct page state the shim reads in hvo's layout. */
int ks_page_reserved(uint64_t page);
int ks_page_self_hosted(uint64_t page);
int ks_page_nid(uint64_t page);
int ks_folio_test_optimized(uint64_t folio);
void ks_folio_set_optimized(uint64_t folio, int on);

void ks_synchronize_rcu(void);
void ks_static_key_add(int delta);
/* Called by kmode.c for each page the real code left on its free list. */
void ks_list_out(uint64_t page);
/* A BUG() in the real code. */
_Noreturn void ks_bug(const char *file, int line, const char *what);

/* kmode.c: the real code's optimize and restore of one folio. */
int kmode_optimize_folio(unsigned order, uint64_t folio, unsigned long flags,
			 int enabled);
int kmode_restore_folio(unsigned order, uint64_t folio, unsigned long flags);

/* GFP bits the shim defines (kshim.h) that the backend reads. */
#define KS_GFP_RETRY_MAYFAIL 0x1u
#define KS_GFP_THISNODE 0x2u

#endif
