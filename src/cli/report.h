/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Human reports: the machine summary printed by `show report` (and `make
 * run`), and the explanation of one page frame (`show pfn N`, `hvo
 * explain`): where it lives, how the vmemmap maps its struct page, who owns
 * the frame behind it, what compound_head() makes of it and which huge page
 * it belongs to.
 *
 * Explaining is read-only: it reads the page table and the frame store
 * directly, never through the MMU, so no TLB entry, counter or lazy frame
 * changes.  The classification of vmemmap pages is shared with the SVG
 * pictures (plot.c).
 */
#ifndef HVO_REPORT_H
#define HVO_REPORT_H

#include "machine.h"
#include "arch/pgtable.h"

void show_report(struct machine *m, FILE *out);
/* Explain pfn @pfn; -ERANGE if it is beyond every section. */
int show_pfn(struct machine *m, pfn_t pfn, FILE *out);

/* The compound page a pfn belongs to: a HugeTLB folio or a DAX compound. */
struct folio_info {
	bool found;
	bool dax;           /* a device-DAX compound page, not HugeTLB */
	pfn_t head;
	unsigned order;
	int nid;
	unsigned hidx;      /* HugeTLB: index of its hstate */
	unsigned dax_idx;   /* DAX: index of its device */
	bool bootmem;       /* HugeTLB: reserved from memblock at boot */
	bool optimized;     /* its vmemmap is optimized */
};

/* Find the folio (or DAX compound) that holds @pfn. */
void find_folio(struct machine *m, pfn_t pfn, struct folio_info *fi);

/* What the frame behind one vmemmap page is used for. */
enum vmemmap_use {
	VU_UNMAPPED,      /* no memmap here */
	VU_BOOT,          /* plain memmap from memblock */
	VU_BUDDY,         /* plain memmap from the buddy allocator */
	VU_SELF_HOSTED,   /* altmap: in the memory it describes */
	VU_DAX,           /* plain device-DAX memmap */
	VU_HEAD,          /* the private head page of an optimized folio */
	VU_LEGACY_COPY,   /* legacy: a tail page remapped onto the head copy */
	VU_SHARED_TAIL,   /* a zone's read-only shared tail page */
	VU_DAX_REUSED,    /* DAX: a compound's second page, reused by the rest */
	VU_OTHER,         /* a frame that should not be mapped here */
	NR_VMEMMAP_USES
};

/* Short name for legends ("shared tail page"). */
const char *vmemmap_use_name(enum vmemmap_use u);

struct vmemmap_page_info {
	vaddr_t va;             /* start of the vmemmap page */
	pfn_t first_pfn;        /* pfn of the first struct page it holds */
	bool mapped;
	struct pt_walk w;
	enum vmemmap_use use;
	struct folio_info folio;
	/* VU_SHARED_TAIL: whose it is */
	int tail_nid;
	enum zone_type tail_zone;
	unsigned tail_order;
};

/* Classify the vmemmap page that contains @va (read-only). */
void vmemmap_page_classify(struct machine *m, vaddr_t va,
			   struct vmemmap_page_info *vi);

/* How the vmemmap of one folio is mapped now. */
struct folio_vmemmap {
	uint64_t pages;       /* vmemmap pages it spans (what it uses unoptimized) */
	uint64_t private_;    /* distinct frames only this folio maps */
	uint64_t shared_tail; /* PTEs onto a zone's shared tail page */
	uint64_t reused;      /* PTEs onto one of its own frames again */
	uint64_t unmapped;
	uint64_t pte_tables;  /* PTE tables under its vmemmap */
	uint64_t pmd_blocks;  /* PMD leaves covering it */
};

void folio_vmemmap_usage(struct machine *m, const struct folio_info *fi,
			 struct folio_vmemmap *u);

/*
 * compound_head() of the struct page at @va, computed read-only, with one
 * line saying why in @why.  0, or -EFAULT if a struct page is unreadable.
 */
int explain_compound_head(struct machine *m, vaddr_t va, vaddr_t *head,
			  char *why, size_t whylen);

#endif
