/*
 * The simulated machine: one value holding everything a booted kernel would
 * hold in globals (memblock, nodes and zones, mem_section[], the vmemmap page
 * table, the TLB, vmstat counters, the HugeTLB state).  Nothing in the
 * simulator is global, so two machines can live in one process.
 */
#ifndef HVO_MACHINE_H
#define HVO_MACHINE_H

#include <pthread.h>

#include "mm/cmdline.h"
#include "lib/fault.h"
#include "hw/frame.h"
#include "hw/geometry.h"
#include "mm/hstate.h"
#include "mm/memblock.h"
#include "mm/mmzone.h"
#include "types.h"

enum hvo_design {
	DESIGN_LEGACY,      /* fake heads, pointer encoding (<= 6.12) */
	DESIGN_SHARED_TAIL, /* mask encoding, per-zone shared tails */
	DESIGN_GENERIC,     /* section-driven framework for HugeTLB and DAX */
	NR_DESIGNS
};

/*
 * Variants of a design: one kernel's behaviour where it differs.
 *   legacy-6.12.115  restore copies the head page without resetting its
 *                    first struct pages (Debian 6.12.115-117's backport of
 *                    the vmemmap_walk refactor): freed pages leak;
 *   legacy-6.12.0    6.12.0 as released: restore resets 3 struct pages,
 *                    not 4 (274fe92de2c4 came later), and none of the
 *                    2026 series "mm: Fix vmemmap optimization accounting
 *                    and initialization": its accounting and ZONE_DEVICE
 *                    init bugs.
 *   legacy-6.10      before bd225530a4c7 "fix race with speculative PFN
 *                    walkers" (v6.11): a fresh folio keeps its allocation
 *                    reference while HVO remaps it, no synchronize_rcu()
 *                    around the remap, and page_ref_add_unless() does not
 *                    skip fake heads, so a speculative get_page_unless_zero()
 *                    on a tail pfn can write a read-only tail.  Otherwise
 *                    as plain legacy (the later bugs did not exist yet).
 *   legacy-6.5       as legacy-6.10, and before 2eaa6c2abb9d (v6.6) and
 *                    6a898c2757af (v6.7): the vmemmap pages a restore
 *                    allocates, and the new head page of an optimize, come
 *                    from the folio's node only (__GFP_THISNODE).  GFP_KERNEL
 *                    cannot use ZONE_MOVABLE, so on a node with only movable
 *                    memory every restore fails and the pool cannot shrink
 *                    (the folios stay as surplus pages); optimize keeps the
 *                    old head page.
 *   shared-tail-622026e87c40
 *                    the fake-head removal as merged, before "fix incorrect
 *                    vmemmap restore in rollback" (2026-05, Fixes
 *                    c0b495b91a47; docs/bugs.md#rollback-overwrites-head):
 *                    a rollback after a walk that failed midway rebuilds the
 *                    head's vmemmap page from the tail template too, and the
 *                    head struct page and folio fields are lost.
 * Plain legacy is Linux 6.12.113 as the QEMU oracle measured it, with that
 * series (its DAX accounting matches the fixed code).
 */
#define VARIANT_SKIP_RESET (1u << 0)
#define VARIANT_PRE_2026_FIXES (1u << 1)
#define VARIANT_PRE_SPECULATIVE_FIX (1u << 2)
#define VARIANT_ROLLBACK_OVERWRITES_HEAD (1u << 3)
#define VARIANT_VMEMMAP_THISNODE (1u << 4)

enum layout_kind { LAYOUT_FLAT, LAYOUT_QEMU_PC };

enum boot_phase {
	PHASE_CONFIG,  /* machine described, nothing built */
	PHASE_EARLY,   /* memblock is the allocator */
	PHASE_RUNNING, /* buddy is the allocator */
};

struct machine_config {
	uint64_t mem_bytes;
	enum layout_kind layout;
	unsigned nr_nodes;
	uint64_t node_mem[MAX_NUMNODES];
	bool node_mem_given;
	uint64_t page_size;
	unsigned struct_page;
	bool arm64;                    /* arch=arm64 (default for 16K, 64K) */
	uint64_t movablecore_bytes;
	uint64_t kernel_reserve_bytes; /* kernel image, firmware, early tables */
};

/* The kernel's counters plus the costs no kernel counter reports. */
struct vmstat {
	int64_t nr_memmap_pages;       /* vmemmap pages from buddy (and altmap) */
	int64_t nr_memmap_boot_pages;  /* vmemmap pages from memblock */
	uint64_t vmemmap_pgtable_pages; /* PUD/PMD/PTE tables under the vmemmap */
	uint64_t memmap_init_pages;    /* struct pages written by memmap_init */
	uint64_t nr_pmd_splits;
	uint64_t nr_pte_writes;        /* page-table entry stores */
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

struct tlb_entry {
	uint64_t vpage; /* va >> page_shift, or ~0 when invalid */
	pfn_t pfn;
	bool writable;
};

struct mmu {
	struct tlb_entry tlb[TLB_ENTRIES];
	unsigned nr_valid;            /* entries holding a translation */
	uint64_t nr_tlb_hits, nr_tlb_misses;
	uint64_t nr_flush_all, nr_flush_range;
	uint64_t nr_faults;           /* RO writes, unmapped or stale accesses */
	char last_fault[192];
	uint64_t nr_freed_while_cached; /* frames freed with a TLB entry left */
	char first_freed_while_cached[192];
};

struct klog {
	char *buf;
	size_t len, cap;
};

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

#define MIGRATE_UNMOVABLE 0
#define MIGRATE_MOVABLE 1

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
	enum hvo_design design;
	enum boot_phase phase;
	struct fault_attr fault;
	struct memblock memblock;
	struct memblock_type boot_reserved; /* reserved set at memblock_free_all */
	unsigned nr_nodes;
	struct pglist_data nodes[MAX_NUMNODES];
	pfn_t max_pfn;                     /* end of the highest possible range */
	uint64_t nr_sections;
	struct mem_section *mem_section;
	struct frame_store frames;
	uint64_t *pgd;                     /* host array: swapper_pg_dir */
	struct mmu mmu;
	struct vmstat stat;
	struct klog log;
	uint64_t kernel_reserved_pages;    /* memblock reserved for the kernel */
	int64_t hugetlb_optimize_vmemmap_key; /* legacy static key (count) */
	bool vmemmap_optimize_enabled;     /* hugetlb_free_vmemmap / sysctl */
	bool vmemmap_share_pte;            /* hvo_share_pte=on (not a kernel option) */
	unsigned variant;                  /* VARIANT_* of the design */
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
	unsigned nr_hstates;
	unsigned default_hstate;
	struct hstate hstates[HUGE_MAX_HSTATE];
};

/* Defaults for a config (4K pages, 64-byte struct page, one node). */
void machine_config_default(struct machine_config *cfg);
/*
 * Build a machine from @cfg (layout, nodes, memblock).  Returns NULL and an
 * error message in @err (if non-NULL, @errlen bytes) when @cfg is impossible.
 */
struct machine *machine_create(const struct machine_config *cfg, char *err,
			       size_t errlen);
void machine_destroy(struct machine *m);

/* Boot: zones, sparse_init, memmap_init, hand memory to the buddy allocator. */
int machine_boot(struct machine *m, char *err, size_t errlen);

/* Append one line to the kernel log (printf format, newline added). */
void klog(struct machine *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The allocator lock, for paths that may run on several threads. */
static inline void mm_lock(struct machine *m) { pthread_mutex_lock(&m->lock); }
static inline void mm_unlock(struct machine *m) { pthread_mutex_unlock(&m->lock); }

const char *design_name(enum hvo_design d);
int design_parse(const char *s, enum hvo_design *out);
/* A design name with its variant (legacy-6.12.115, legacy-6.12.0). */
int design_variant_parse(const char *s, enum hvo_design *out, unsigned *variant);
const char *design_variant_name(enum hvo_design d, unsigned variant);

/* Does this kernel have the bugs the 2026 accounting fix series removed? */
static inline bool kernel_pre_2026_fixes(const struct machine *m)
{
	return m->variant & VARIANT_PRE_2026_FIXES;
}

/* Does this kernel predate bd225530a4c7 (speculative PFN walkers)? */
static inline bool kernel_pre_speculative_fix(const struct machine *m)
{
	return m->variant & VARIANT_PRE_SPECULATIVE_FIX;
}

/* Are vmemmap pages allocated on the folio's node only (before 2eaa6c2abb9d)? */
static inline bool kernel_vmemmap_thisnode(const struct machine *m)
{
	return m->variant & VARIANT_VMEMMAP_THISNODE;
}

static inline struct mem_section *__pfn_to_section(struct machine *m, pfn_t pfn)
{
	uint64_t nr = pfn_to_section_nr(&m->geo, pfn);
	return nr < m->nr_sections ? &m->mem_section[nr] : NULL;
}

/* Zone that spans @pfn on its node, or NULL. */
struct zone *page_zone(struct machine *m, pfn_t pfn);
/* Is @pfn present (in a present section and in memblock memory)? */
bool pfn_present(struct machine *m, pfn_t pfn);

uint64_t global_managed_pages(const struct machine *m);
uint64_t global_present_pages_memblock(const struct machine *m);
uint64_t global_free_pages(const struct machine *m);

#endif
