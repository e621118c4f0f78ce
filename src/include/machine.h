/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The simulated machine: one value holding everything a booted kernel would
 * hold in globals (memblock, nodes and zones, mem_section[], the vmemmap page
 * table, the TLB, vmstat counters, the HugeTLB state).  Nothing in the
 * simulator is global, so two machines can live in one process.
 */
#ifndef HVO_MACHINE_H
#define HVO_MACHINE_H

#include <pthread.h>

#include "mm/cma.h"
#include "mm/cmdline.h"
#include "lib/fault.h"
#include "hw/frame.h"
#include "generation.h"
#include "lib/klog.h"
#include "hw/geometry.h"
#include "mm/hstate.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "types.h"


enum layout_kind { LAYOUT_FLAT, LAYOUT_QEMU_PC };

enum boot_phase {
	PHASE_CONFIG,  /* machine described, nothing built */
	PHASE_EARLY,   /* memblock is the allocator */
	PHASE_RUNNING, /* buddy is the allocator */
};

/* One RAM range of an explicit firmware map (machine ram=...). */
struct ram_range_config {
	phys_t start, end; /* bytes, page-aligned, end exclusive */
	unsigned nid;
};

#define MAX_RAM_RANGES 32

struct machine_config {
	uint64_t mem_bytes;
	enum layout_kind layout;
	/* ram=: the firmware map itself (replaces layout; mem is their sum) */
	unsigned nr_ram;
	struct ram_range_config ram[MAX_RAM_RANGES];
	unsigned nr_nodes;
	uint64_t node_mem[MAX_NUMNODES];
	bool node_mem_given;
	uint64_t page_size;
	unsigned struct_page;
	enum hvo_arch arch;            /* arch= (arm64 implied by 16K, 64K) */
	/*
	 * machine whatif=hvo-bbm, in no kernel: HugeTLB HVO on an
	 * architecture whose kernel has none (arm64), every change of a live
	 * vmemmap entry done by break-before-make (arch/pgtable.c).
	 */
	bool whatif_hvo_bbm;
	uint64_t movablecore_bytes;
	uint64_t kernel_reserve_bytes; /* kernel image, firmware, early tables */
	bool deferred_struct_page_init; /* CONFIG_DEFERRED_STRUCT_PAGE_INIT (deferred_init=on) */
	const struct hvo_generation *gen; /* the kernel generation (design) */
};

/* The kernel's counters plus the costs no kernel counter reports. */
struct vmstat {
	int64_t nr_memmap_pages;       /* vmemmap pages from buddy (and altmap) */
	int64_t nr_memmap_boot_pages;  /* vmemmap pages from memblock */
	uint64_t vmemmap_pgtable_pages; /* PUD/PMD/PTE tables under the vmemmap */
	uint64_t memmap_init_pages;    /* struct pages written by memmap_init */
	uint64_t memmap_boot_peak;     /* nr_memmap_boot_pages when memblock is freed */
	uint64_t memmap_init_boot_pages;     /* struct pages written before deferred init */
	uint64_t memmap_init_deferred_pages; /* struct pages deferred_init_memmap wrote */
	uint64_t nr_pmd_splits;
	uint64_t nr_pte_writes;        /* page-table entry stores */
	uint64_t nr_bbm_sequences;     /* whatif=hvo-bbm: invalidate, flush, write */
	uint64_t nr_synchronize_rcu;   /* legacy: RCU grace periods waited */
	uint64_t nr_shared_tail_pages; /* shared tail pages published */
	uint64_t nr_shared_tail_races_lost; /* copies freed after a lost cmpxchg */
	uint64_t nr_shared_pte_tables; /* shared PTE tables published (hvo_share_pte) */
	uint64_t nr_shared_pte_races_lost; /* tables freed after a lost cmpxchg */
	uint64_t nr_vmemmap_alloc_pages; /* pages allocated by HVO (head+restore) */
	uint64_t nr_vmemmap_free_pages;  /* vmemmap pages HVO freed */
	uint64_t nr_bad_pages;         /* struct pages the free path rejected */
	uint64_t nr_leaked_pages;      /* pages never freed because of them */
};

#define TLB_ENTRIES 4096
#define TLB_PENDING 16

/* One TLB entry, as a value (the TLB itself keeps each field in its own array). */
struct tlb_entry {
	uint64_t vpage; /* va >> page_shift, or ~0 when invalid */
	pfn_t pfn;
	bool writable;
};

struct mmu {
	/*
	 * Direct-mapped by the low bits of vpage; a field per array, so a
	 * block of consecutive pages is checked and filled a cache line of
	 * vpages at a time.
	 */
	uint64_t tlb_vpage[TLB_ENTRIES]; /* va >> page_shift, or ~0 when invalid */
	pfn_t tlb_pfn[TLB_ENTRIES];
	bool tlb_writable[TLB_ENTRIES];
	unsigned nr_valid;            /* entries holding a translation */
	uint64_t valid_map[TLB_ENTRIES / 64]; /* which ones: a flush visits only them */
	/*
	 * Block fills not yet written to the arrays (mmu.c): entries
	 * (vpage + i) & (TLB_ENTRIES - 1), i < n, hold vpage + i -> pfn + i.
	 * Disjoint; pending_map marks the entries they hold, whose array
	 * slots are stale.  tlb_entry() reads through them.
	 */
	struct tlb_block {
		uint64_t vpage, n;
		pfn_t pfn;
		bool writable;
	} pending[TLB_PENDING];
	unsigned nr_pending;
	uint64_t pending_map[TLB_ENTRIES / 64];
	uint64_t nr_tlb_hits, nr_tlb_misses;
	uint64_t nr_flush_all, nr_flush_range;
	uint64_t nr_faults;           /* RO writes, unmapped or stale accesses */
	char last_fault[192];
	uint64_t nr_freed_while_cached; /* frames freed with a TLB entry left */
	char first_freed_while_cached[192];
};

static inline struct tlb_entry tlb_entry(const struct mmu *mmu, unsigned i)
{
	if (mmu->pending_map[i / 64] & (1ULL << (i % 64)))
		for (unsigned k = 0; k < mmu->nr_pending; k++) {
			const struct tlb_block *b = &mmu->pending[k];
			uint64_t off = (i - b->vpage) & (TLB_ENTRIES - 1);

			if (off < b->n)
				return (struct tlb_entry){ b->vpage + off, b->pfn + off, b->writable };
		}
	return (struct tlb_entry){ mmu->tlb_vpage[i], mmu->tlb_pfn[i], mmu->tlb_writable[i] };
}

/* A gigantic page reserved from memblock at boot (struct huge_bootmem_page). */
struct huge_bootmem_page {
	pfn_t pfn;
	unsigned hidx;  /* index of its hstate */
	int nid;
	bool hvo;       /* vmemmap populated already optimized (pre-HVO) */
	bool cross_zone;
};

/* A device-DAX range: ZONE_DEVICE memory with compound pages of @order. */
struct dax_dev {
	char name[16];
	pfn_t start;
	uint64_t nr;       /* pages of the range */
	unsigned order;    /* compound order from the alignment (0: 4K) */
	int nid;
	bool altmap;       /* memmap on the device (map=dev) */
	bool early;        /* in unused subsections of a boot section */
	uint64_t altmap_pages;
	uint8_t *pageblock_mt; /* migratetype of each pageblock */
};

#define MAX_DAX_DEVS 16
#define MAX_PFN_WALKERS 16

/* Pages the kernel leaked on purpose ("Bad page state": never freed). */
struct page_leak {
	pfn_t pfn;
	uint64_t nr;
};

struct machine {
	struct machine_config cfg;
	struct geometry geo;
	/* The kernel generation: from cfg.gen at machine_create(), never changed. */
	const struct hvo_generation *const gen;
	enum boot_phase phase;
	struct fault_attr fault;
	struct memblock memblock;
	struct memblock_type boot_reserved; /* reserved set at memblock_free_all */
	unsigned nr_nodes;
	struct pglist_data nodes[MAX_NUMNODES];
	pfn_t max_pfn;                     /* end of the highest possible range */
	uint64_t nr_sections;
	uint64_t nr_sections_used;         /* 1 + the highest section ever present */
	struct mem_section *mem_section;
	struct frame_store frames;
	uint64_t *pgd;                     /* host array: swapper_pg_dir */
	pfn_t pt_share_hint;               /* a PTE table whose bytes others may share */
	/*
	 * Between memmap_alike_memo_begin() and _end() (sparse.h), while no
	 * zone, section or memblock range changes: the pfns [start, end) of
	 * a section that memmap_init gives one struct page, encoded in sp.
	 */
	struct memmap_alike_memo {
		bool active;
		pfn_t start, end;
		uint8_t sp[MAX_PATTERN_BYTES];
	} memmap_alike_memo;
	struct mmu mmu;
	struct vmstat stat;
	struct klog log;
	uint64_t kernel_reserved_pages;    /* memblock reserved for the kernel */
	uint64_t boot_kernel_pages;        /* taken by machine_boot_late() */
	int64_t hugetlb_optimize_vmemmap_key; /* legacy static key (count) */
	bool vmemmap_optimize_enabled;     /* hugetlb_free_vmemmap / sysctl */
	bool vmemmap_share_pte;            /* hvo_share_pte=on (not a kernel option) */
	struct boot_params bp;             /* the kernel command line */
	struct huge_bootmem_page *bootmem_pages; /* gigantic pages from memblock */
	uint64_t nr_bootmem_pages;
	pthread_mutex_t lock;              /* zone->lock: allocator, frame store */
	pthread_mutex_t resize_lock;       /* serializes pool resizes (h->resize_lock) */
	/*
	 * Test seam: called between the allocation of a shared tail page (or
	 * a shared PTE table) and the compare-and-swap that publishes it.
	 */
	void (*before_tail_publish)(struct machine *m, struct zone *z, unsigned order);
	/*
	 * Test seam: called in boot between the HugeTLB reservation, which
	 * records the order and zone of the sections it will optimize, and
	 * sparse_init, which populates them as those sections say.
	 */
	void (*before_sparse_init)(struct machine *m);
	void *test_data;
	/*
	 * Test seam: a batch optimize that runs out of memory frees what it
	 * collected without flushing the TLB first (the bug f13b83fdd996
	 * guards against), so tests can show the checker catches it.
	 */
	bool test_skip_enomem_flush;
	/* speculative PFN walkers yet to call get_page_unless_zero() */
	pfn_t pfn_walkers[MAX_PFN_WALKERS];
	unsigned nr_pfn_walkers;
	struct dax_dev dax[MAX_DAX_DEVS];  /* device-DAX ranges */
	unsigned nr_dax;
	unsigned dax_seq;                  /* for names dax0, dax1, ... */
	struct page_leak *leaks;           /* folios the free path refused */
	uint64_t nr_leaks;
	struct cma cma_areas[MAX_CMA_AREAS]; /* cma_areas[] (mm/cma.c) */
	unsigned nr_cma;
	uint8_t hugetlb_cma_area[MAX_NUMNODES]; /* 1 + index in cma_areas, 0: none */
	uint64_t hugetlb_cma_size;         /* bytes of HugeTLB CMA reserved */
	unsigned nr_hstates;
	unsigned default_hstate;
	struct hstate hstates[HUGE_MAX_HSTATE];
};

/* Append one line to the machine's kernel log (printk). */
#define klog(m, ...) klog_append(&(m)->log, __VA_ARGS__)

/* The allocator lock, for paths that may run on several threads. */
static inline void mm_lock(struct machine *m) { pthread_mutex_lock(&m->lock); }
static inline void mm_unlock(struct machine *m) { pthread_mutex_unlock(&m->lock); }

/*
 * CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP: is HugeTLB HVO built into this
 * machine's kernel?  Where the architecture selects
 * ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP, or under whatif=hvo-bbm.  Without it
 * hugetlb_free_vmemmap= is an unknown parameter, the sysctl does not exist
 * and no size is optimizable (docs/geometry.md#architectures).
 */
static inline bool hugetlb_vmemmap_configured(const struct machine *m)
{
	return (m->geo.arch_want & ARCH_WANT_OPTIMIZE_HUGETLB_VMEMMAP) ||
	       m->cfg.whatif_hvo_bbm;
}

/* Does the machine's kernel generation have @flag (GEN_*)? */
static inline bool gen_has(const struct machine *m, unsigned flag)
{
	return m->gen->flags & flag;
}

/*
 * Pre-HVO of boot-time gigantic pages (GEN_PRE_HVO): only where the
 * architecture selects ARCH_WANT_HUGETLB_VMEMMAP_PREINIT (x86-64 alone,
 * 08efe2935030); elsewhere those pages are allocated after the memmap and
 * optimized late, as before 6.14.
 */
static inline bool hugetlb_vmemmap_preinit(const struct machine *m)
{
	return gen_has(m, GEN_PRE_HVO) &&
	       (m->geo.arch_want & ARCH_WANT_HUGETLB_VMEMMAP_PREINIT);
}

static inline struct mem_section *__pfn_to_section(struct machine *m, pfn_t pfn)
{
	uint64_t nr = pfn_to_section_nr(&m->geo, pfn);
	return nr < m->nr_sections ? &m->mem_section[nr] : NULL;
}


#endif
