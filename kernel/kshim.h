/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The shim a kernel tree's mm/hugetlb_vmemmap.c is compiled against, in
 * the manner of the kernel's tools/testing/vma/vma_internal.h: every
 * header that file includes (the files under kernel/include/) is this
 * one.  It declares exactly what the 6.1 and 6.12 files use, written for
 * hvo:
 *
 *  - struct page * is a simulated vmemmap address (hvo's geometry), so
 *    pointer arithmetic and container_of() work as in the kernel, but the
 *    host never dereferences one: every load and store of struct page
 *    bytes is a shim function (list ops on lru, the folio flag, flags
 *    tests, memcpy(), copy_page()) that goes through hvo's MMU.  A
 *    dereference the shim does not cover faults in the host (the kernel
 *    half is never mapped) and kshim_backend.c names it.
 *  - page_to_virt() is a simulated direct-map address (KS_PAGE_OFFSET).
 *  - pte_t * / pmd_t * are host pointers into hvo's page-table frames,
 *    as hvo's own walker uses them; writes go through hvo's counted
 *    set_pt_entry(), and the entry bits are hvo's (present, rw, pse).
 *  - Debian's configuration: CONFIG_BUG on, CONFIG_DEBUG_VM off, so
 *    BUG_ON() is evaluated and VM_BUG_ON()/VM_WARN_ON*() are not.
 *
 * kernel/README.md lists each place where this file re-implements kernel
 * semantics rather than forwarding to hvo's model of them.
 */
#ifndef HVO_KSHIM_H
#define HVO_KSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kshim_backend.h"

/*
 * ---- API generations ----
 * kernel/build.sh reads the tree's file and passes KS_API_PAGE for the
 * 6.1 generation: the page API (hugetlb_vmemmap_optimize(h, head),
 * hugetlb_vmemmap_restore(h, head)), its own pgd-to-pte walker, and a
 * file that frees its vmemmap pages itself and keeps no memmap counters.
 * Without it, the 6.12 generation: the folio API, the page walker, the
 * folio batch functions.  Where the two differ below, #ifdef KS_API_PAGE.
 */

/* ---- configuration (Debian 6.1 and 6.12, x86-64) ---- */
#define CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP 1
#define CONFIG_PROC_SYSCTL 1
#define CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON 0
#define CONFIG_MEMORY_HOTPLUG 1
#define IS_ENABLED(option) (option)

/* ---- compiler and basic macros ---- */
#define __init
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define BIT(n) (1UL << (n))
#define BUILD_BUG_ON(c) ((void)sizeof(char[1 - 2 * !!(c)]))
#define BUILD_BUG_ON_INVALID(e) ((void)sizeof((long)(e)))
#define BUG_ON(c) do { if (unlikely(c)) ks_bug(__FILE__, __LINE__, #c); } while (0)
#define VM_BUG_ON(c) BUILD_BUG_ON_INVALID(c)
#define VM_WARN_ON_ONCE(c) BUILD_BUG_ON_INVALID(c)
#define VM_WARN_ON_ONCE_FOLIO(c, folio) BUILD_BUG_ON_INVALID(c)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define EINVAL 22
#define ENOMEM 12
#define ENOTSUPP 524

static inline bool is_power_of_2(unsigned long n)
{
	return n && !(n & (n - 1));
}

/* ---- memcpy of struct pages: either side may be simulated ---- */
#define memcpy(dst, src, n) ks_memcpy((dst), (src), (n))

/* ---- geometry (x86-64, 4 KiB pages) ---- */
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_ALIGNED(x) (!((unsigned long)(x) & (PAGE_SIZE - 1)))
#define PTRS_PER_PTE 512
#define PMD_SHIFT 21
#define PMD_SIZE (1UL << PMD_SHIFT)
#define PMD_MASK (~(PMD_SIZE - 1))

static inline int get_order(unsigned long size)
{
	int order = 0;

	size = (size - 1) >> PAGE_SHIFT;
	while (size) {
		order++;
		size >>= 1;
	}
	return order;
}

/* ---- lists: a list_head may live in host memory or in a struct page ---- */
struct list_head {
	struct list_head *next, *prev;
};

static inline struct list_head *ks_lget(struct list_head *const *field)
{
	if (ks_simulated(field))
		return (struct list_head *)(uintptr_t)ks_read64((uint64_t)(uintptr_t)field);
	return *field;
}

static inline void ks_lset(struct list_head **field, struct list_head *v)
{
	if (ks_simulated(field))
		ks_write64((uint64_t)(uintptr_t)field, (uint64_t)(uintptr_t)v);
	else
		*field = v;
}

#define LIST_POISON1 ((struct list_head *)0xdead000000000100ULL)
#define LIST_POISON2 ((struct list_head *)0xdead000000000122ULL)
#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	ks_lset(&l->next, l);
	ks_lset(&l->prev, l);
}

static inline void __list_add(struct list_head *n, struct list_head *prev,
			      struct list_head *next)
{
	ks_lset(&next->prev, n);
	ks_lset(&n->next, next);
	ks_lset(&n->prev, prev);
	ks_lset(&prev->next, n);
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	__list_add(n, head, ks_lget(&head->next));
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	__list_add(n, ks_lget(&head->prev), head);
}

static inline void __list_del_entry(struct list_head *entry)
{
	struct list_head *prev = ks_lget(&entry->prev), *next = ks_lget(&entry->next);

	ks_lset(&next->prev, prev);
	ks_lset(&prev->next, next);
}

static inline void list_del(struct list_head *entry)
{
	__list_del_entry(entry);
	ks_lset(&entry->next, LIST_POISON1);
	ks_lset(&entry->prev, LIST_POISON2);
}

static inline void list_move(struct list_head *entry, struct list_head *head)
{
	__list_del_entry(entry);
	list_add(entry, head);
}

static inline bool list_empty(struct list_head *head)
{
	return ks_lget(&head->next) == head;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry(ks_lget(&(head)->next), type, member)
#define list_next_entry(pos, member) \
	list_entry(ks_lget(&(pos)->member.next), __typeof__(*(pos)), member)
#define list_for_each_entry(pos, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member); \
	     &pos->member != (head); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, head, member) \
	for (pos = list_first_entry(head, __typeof__(*pos), member), \
	     n = list_next_entry(pos, member); \
	     &pos->member != (head); pos = n, n = list_next_entry(n, member))

/* ---- struct page and folio: hvo's 64-byte layout (mm/page_struct.h) ---- */
struct page {
	unsigned long flags;       /* 0 */
	struct list_head lru;      /* 8: lru.next is compound_head in a tail */
	void *mapping;             /* 24 */
	unsigned long index;       /* 32 */
	unsigned long private;     /* 40 */
	int _mapcount;             /* 48 */
	int _refcount;             /* 52 */
	unsigned long memcg_data;  /* 56 */
};
_Static_assert(sizeof(struct page) == 64, "hvo's struct page is 64 bytes");

struct folio {
	union {
		struct {
			unsigned long flags;
			struct list_head lru;
		};
		struct page page;
	};
	struct page __page_1, __page_2, __page_3;
};

static inline unsigned long page_to_pfn(const struct page *page)
{
	return ((uint64_t)(uintptr_t)page - ks_vmemmap_start()) / sizeof(struct page);
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return (struct page *)(uintptr_t)(ks_vmemmap_start() + pfn * sizeof(struct page));
}

static inline void *page_to_virt(const struct page *page)
{
	return (void *)(uintptr_t)(KS_PAGE_OFFSET + (page_to_pfn(page) << PAGE_SHIFT));
}

static inline void copy_page(void *to, const void *from)
{
	ks_copy_page((uint64_t)(uintptr_t)to, (uint64_t)(uintptr_t)from);
}

#define PageReserved(page) ks_page_reserved((uint64_t)(uintptr_t)(page))
#define PageVmemmapSelfHosted(page) ks_page_self_hosted((uint64_t)(uintptr_t)(page))
#define page_to_nid(page) ks_page_nid((uint64_t)(uintptr_t)(page))
#define folio_nid(folio) ks_page_nid((uint64_t)(uintptr_t)(folio))
/* Only inside VM_WARN_ON*() (not evaluated with CONFIG_DEBUG_VM off). */
int PageHead(const struct page *page);
int PageTail(const struct page *page);
bool folio_test_hugetlb(const struct folio *folio);
int folio_ref_count(const struct folio *folio);

/* 6.1's names of the same flag, on the head page */
#define HPageVmemmapOptimized(page) ks_folio_test_optimized((uint64_t)(uintptr_t)(page))
#define SetHPageVmemmapOptimized(page) ks_folio_set_optimized((uint64_t)(uintptr_t)(page), 1)
#define ClearHPageVmemmapOptimized(page) ks_folio_set_optimized((uint64_t)(uintptr_t)(page), 0)

#define folio_test_hugetlb_vmemmap_optimized(folio) \
	ks_folio_test_optimized((uint64_t)(uintptr_t)(folio))
#define folio_set_hugetlb_vmemmap_optimized(folio) \
	ks_folio_set_optimized((uint64_t)(uintptr_t)(folio), 1)
#define folio_clear_hugetlb_vmemmap_optimized(folio) \
	ks_folio_set_optimized((uint64_t)(uintptr_t)(folio), 0)

/* ---- page allocation ---- */
typedef unsigned gfp_t;
#define GFP_KERNEL 0u
#define __GFP_NORETRY 0u
#define __GFP_NOWARN 0u
#define __GFP_RETRY_MAYFAIL KS_GFP_RETRY_MAYFAIL
#define __GFP_THISNODE KS_GFP_THISNODE

#ifndef KS_API_PAGE
static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned order)
{
	BUG_ON(order != 0);
	return (struct page *)(uintptr_t)ks_alloc_page(nid, gfp);
}

/* 6.12 reaches __free_page() only to undo alloc_vmemmap_page_list() */
#define __free_page(page) ks_free_page((uint64_t)(uintptr_t)(page))
#define free_bootmem_page(page) ks_free_bootmem_page((uint64_t)(uintptr_t)(page))
#define memmap_pages_add(delta) ks_memmap_pages_add(delta)
#define memmap_boot_pages_add(delta) ks_memmap_boot_pages_add(delta)
#else
/*
 * 6.1: every allocation is restore's page list, and the file frees its
 * unmapped pages itself (free_vmemmap_page(): __free_page() or
 * free_bootmem_page() by PG_reserved).  It has no memmap counters
 * (nr_memmap_pages came with 15995a352474, v6.11); the shim keeps hvo's,
 * as the model does, so the two can be compared.
 */
static inline struct page *alloc_pages_node(int nid, gfp_t gfp, unsigned order)
{
	uint64_t page;

	BUG_ON(order != 0);
	page = ks_alloc_page(nid, gfp | KS_GFP_RETRY_MAYFAIL);
	if (page)
		ks_memmap_pages_add(1);
	return (struct page *)(uintptr_t)page;
}

/* alloc_vmemmap_page_list()'s undo */
static inline void __free_pages(struct page *page, unsigned order)
{
	BUG_ON(order != 0);
	ks_memmap_pages_add(-1);
	ks_free_page((uint64_t)(uintptr_t)page);
}
/* free_vmemmap_page(): a page the walk unmapped */
#define __free_page(page) \
	(ks_memmap_pages_add(-1), ks_free_vmemmap_page((uint64_t)(uintptr_t)(page)))
#define free_bootmem_page(page) \
	(ks_memmap_boot_pages_add(-1), ks_free_bootmem_page((uint64_t)(uintptr_t)(page)))
#endif
/* hvo's buddy allocator frees any order-0 page of a block already. */
#define split_page(page, order) ((void)(page), (void)(order))

/* ---- hstate ---- */
struct hstate {
	unsigned int order;
};

static inline unsigned long pages_per_huge_page(const struct hstate *h)
{
	return 1UL << h->order;
}

#define __NR_USED_SUBPAGE 3
extern const struct hstate ks_no_hstates[1];
#define for_each_hstate(h) for ((h) = ks_no_hstates; (h) < ks_no_hstates; (h)++)

/* ---- page tables (hvo's entry format) ---- */
typedef struct { uint64_t pte; } pte_t;
typedef struct { uint64_t pmd; } pmd_t;
typedef struct { uint64_t pgd; } pgd_t;
#ifdef KS_API_PAGE
typedef struct { uint64_t pud; } pud_t;
typedef struct { uint64_t p4d; } p4d_t; /* folded: the PGD entry itself */
#endif
typedef struct { uint64_t pgprot; } pgprot_t;
typedef pte_t *pgtable_t;

#define KS_PAGE_PRESENT 0x1ULL
#define KS_PAGE_RW 0x2ULL
#define KS_PAGE_PSE 0x80ULL
#define KS_PFN_MASK (((1ULL << 40) - 1) << PAGE_SHIFT)
#define PAGE_KERNEL ((pgprot_t){ KS_PAGE_PRESENT | KS_PAGE_RW })
#define PAGE_KERNEL_RO ((pgprot_t){ KS_PAGE_PRESENT })

typedef struct { int unused; } spinlock_t;
struct mm_struct {
	spinlock_t page_table_lock;
};
extern struct mm_struct init_mm;

static inline void spin_lock(spinlock_t *l) { (void)l; }
static inline void spin_unlock(spinlock_t *l) { (void)l; }
static inline void mmap_read_lock(struct mm_struct *mm) { (void)mm; }
static inline void mmap_read_unlock(struct mm_struct *mm) { (void)mm; }

static inline pte_t ptep_get(pte_t *ptep) { return *ptep; }
static inline unsigned long pte_index(unsigned long addr)
{
	return (addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1);
}
static inline struct page *pte_page(pte_t pte)
{
	return pfn_to_page((pte.pte & KS_PFN_MASK) >> PAGE_SHIFT);
}
static inline pte_t mk_pte(struct page *page, pgprot_t prot)
{
	return (pte_t){ ((uint64_t)page_to_pfn(page) << PAGE_SHIFT) | prot.pgprot };
}
static inline void set_pte_at(struct mm_struct *mm, unsigned long addr,
			      pte_t *ptep, pte_t pte)
{
	(void)mm;
	(void)addr;
	ks_set_entry(&ptep->pte, pte.pte);
}
static inline bool pmd_none(pmd_t pmd) { return !pmd.pmd; }
static inline bool pmd_present(pmd_t pmd) { return pmd.pmd & KS_PAGE_PRESENT; }
static inline bool pmd_leaf(pmd_t pmd)
{
	return (pmd.pmd & (KS_PAGE_PRESENT | KS_PAGE_PSE)) == (KS_PAGE_PRESENT | KS_PAGE_PSE);
}
static inline struct page *pmd_page(pmd_t pmd)
{
	return pfn_to_page((pmd.pmd & KS_PFN_MASK) >> PAGE_SHIFT);
}
static inline pte_t *pte_offset_kernel(pmd_t *pmd, unsigned long addr)
{
	return (pte_t *)ks_pte_table(pmd->pmd) + pte_index(addr);
}
static inline pte_t *pte_alloc_one_kernel(struct mm_struct *mm)
{
	(void)mm;
	return (pte_t *)(uintptr_t)ks_pte_alloc_one_kernel();
}
static inline void pte_free_kernel(struct mm_struct *mm, pte_t *pte)
{
	(void)mm;
	ks_pte_free_kernel((uint64_t)(uintptr_t)pte);
}
static inline void pmd_populate_kernel(struct mm_struct *mm, pmd_t *pmd, pte_t *pte)
{
	(void)mm;
	ks_pmd_populate(&pmd->pmd, (uint64_t)(uintptr_t)pte);
}
#ifdef KS_API_PAGE
/*
 * 6.1's own pgd-to-pte walker: the offset functions on hvo's tables (four
 * levels, p4d folded into the PGD as on x86-64 without 5-level paging).
 * pmd_offset() tells the backend which PMD table the walk is in, so a
 * pmd_populate_kernel() into it is the split's counted write.
 */
#define PGDIR_SHIFT 39
#define PUD_SHIFT 30
#define PGDIR_SIZE (1UL << PGDIR_SHIFT)
#define PGDIR_MASK (~(PGDIR_SIZE - 1))
#define P4D_SIZE PGDIR_SIZE
#define P4D_MASK PGDIR_MASK
#define PUD_SIZE (1UL << PUD_SHIFT)
#define PUD_MASK (~(PUD_SIZE - 1))
#define KS_ADDR_END(addr, end, size, mask) ({				\
	unsigned long __b = ((addr) + (size)) & (mask);			\
	(__b - 1 < (end) - 1) ? __b : (end);				\
})
#define pgd_addr_end(addr, end) KS_ADDR_END(addr, end, PGDIR_SIZE, PGDIR_MASK)
#define p4d_addr_end(addr, end) KS_ADDR_END(addr, end, P4D_SIZE, P4D_MASK)
#define pud_addr_end(addr, end) KS_ADDR_END(addr, end, PUD_SIZE, PUD_MASK)
#define pmd_addr_end(addr, end) KS_ADDR_END(addr, end, PMD_SIZE, PMD_MASK)

static inline pgd_t *pgd_offset_k(unsigned long addr)
{
	return (pgd_t *)ks_pgd_entry(addr);
}
static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long addr)
{
	(void)addr;
	return (p4d_t *)pgd;
}
static inline pud_t *pud_offset(p4d_t *p4d, unsigned long addr)
{
	return (pud_t *)ks_pte_table(p4d->p4d) + ((addr >> PUD_SHIFT) & (PTRS_PER_PTE - 1));
}
static inline pmd_t *pmd_offset(pud_t *pud, unsigned long addr)
{
	return (pmd_t *)ks_pmd_table(pud->pud) + ((addr >> PMD_SHIFT) & (PTRS_PER_PTE - 1));
}
static inline pmd_t *pmd_off_k(unsigned long addr)
{
	return (pmd_t *)ks_pmd_entry(addr);
}
#endif

#define flush_tlb_kernel_range(start, end) ks_flush_tlb_kernel_range(start, end)
#define flush_tlb_all() ks_flush_tlb_all()

/* ---- pagewalk ---- */
enum page_walk_action { ACTION_SUBTREE = 0, ACTION_CONTINUE = 1, ACTION_AGAIN = 2 };
struct mm_walk;
struct mm_walk_ops {
	int (*pmd_entry)(pmd_t *pmd, unsigned long addr, unsigned long next,
			 struct mm_walk *walk);
	int (*pte_entry)(pte_t *pte, unsigned long addr, unsigned long next,
			 struct mm_walk *walk);
};
struct mm_walk {
	const struct mm_walk_ops *ops;
	struct mm_struct *mm;
	pgd_t *pgd;
	void *private;
	enum page_walk_action action;
};
int walk_kernel_page_table_range(unsigned long start, unsigned long end,
				 const struct mm_walk_ops *ops, pgd_t *pgd,
				 void *private);
int walk_page_range_novma(struct mm_struct *mm, unsigned long start,
			  unsigned long end, const struct mm_walk_ops *ops,
			  pgd_t *pgd, void *private);

/* ---- RCU, static keys ---- */
#define synchronize_rcu() ks_synchronize_rcu()
struct static_key_false { int enabled; };
#define DEFINE_STATIC_KEY_FALSE(name) struct static_key_false name = { 0 }
extern struct static_key_false hugetlb_optimize_vmemmap_key;
#define static_branch_inc(key) ((void)(key), ks_static_key_add(1))
#define static_branch_dec(key) ((void)(key), ks_static_key_add(-1))

/* ---- module parameters, sysctl, initcalls, exports ---- */
#define EXPORT_SYMBOL(sym) extern int ks_export_##sym
#define core_param(name, var, type, perm) extern int ks_param_##name
struct ctl_table {
	const char *procname;
	void *data;
	int maxlen;
	unsigned short mode;
	int (*proc_handler)(void);
};
int proc_dobool(void);
#define register_sysctl_init(dir, table) ((void)(dir), (void)(table))
#define late_initcall(fn) \
	static int (*const ks_initcall_##fn)(void) __attribute__((used)) = fn

#endif
