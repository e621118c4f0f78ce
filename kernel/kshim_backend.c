// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel mode, hvo's side: the functions the shim (kshim.h) calls,
 * implemented on the machine the current op runs on, and the generation
 * ops of the `kernel` row (sim/generations.c, built with
 * HVO_KERNEL_MODE), which hand one folio to the real code in kmode.c.
 *
 * The real code has no machine argument, as the kernel has no machine
 * value: the op puts its machine in a per-thread context for the length
 * of the call.  Simulated addresses: the vmemmap (hvo's geometry) goes
 * through the MMU (TLB, read-only faults, lazy and pattern frames); the
 * direct map (KS_PAGE_OFFSET + pfn * page size) reads and writes the
 * frame store directly, as the kernel's linear map is not modelled.  A
 * host access to either, which the shim did not route, faults; the
 * SIGSEGV handler names the address and the code that made it, and ends
 * the run with status 2.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "mm/alloc.h"
#include "mm/hugetlb_vmemmap.h"
#include "mm/page.h"
#include "mm/pgalloc.h"
#include "mm/vmemmap_walk.h"

#include "kshim_backend.h"
#include "kmode.h"

/* The kernel's VMEMMAP_* walk flags are hvo's bits (mm/hugetlb_vmemmap.h). */
_Static_assert(VMEMMAP_SPLIT_NO_TLB_FLUSH == 1 && VMEMMAP_REMAP_NO_TLB_FLUSH == 2 &&
	       VMEMMAP_SYNCHRONIZE_RCU == 4, "walk flags as in the kernel");

/* A word of a struct page the real code's list operations overwrote. */
struct ks_saved {
	uint64_t va, old;
};

struct ks_ctx {
	struct machine *m;
	struct ks_saved *saved;    /* lru words to give back at the op's end */
	size_t nr_saved, cap_saved;
	struct vmemmap_list *list; /* optimize: where freed pages go */
	int nid;                   /* the folio's node */
	uint64_t *walk_pmd;        /* the PMD entry the walk is at */
	uint64_t *pmd_tables[8];   /* 6.1: the PMD tables pmd_offset() gave */
	unsigned nr_pmd_tables;
};

static _Thread_local struct ks_ctx ks;

static struct machine *ks_m(void)
{
	if (!ks.m)
		ks_bug(__FILE__, __LINE__, "shim called outside a kernel-mode op");
	return ks.m;
}

_Noreturn void ks_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "hvo: kernel BUG at %s:%d: %s\n", file, line, what);
	abort();
}

/* ---- simulated addresses ---- */

enum ks_space { KS_HOST, KS_VMEMMAP, KS_DIRECT };

static enum ks_space ks_space_of(const struct geometry *g, uint64_t a)
{
	if (a >= g->vmemmap_start)
		return KS_VMEMMAP;
	if (a >= KS_PAGE_OFFSET)
		return KS_DIRECT;
	return KS_HOST;
}

static pfn_t ks_direct_pfn(const struct geometry *g, uint64_t a)
{
	return (a - KS_PAGE_OFFSET) >> g->page_shift;
}

uint64_t ks_vmemmap_start(void)
{
	return ks_m()->geo.vmemmap_start;
}

/* Read @n bytes at simulated or host @a (within one page if simulated). */
static void ks_load(uint64_t a, void *buf, size_t n)
{
	struct machine *m = ks_m();
	const struct geometry *g = &m->geo;

	switch (ks_space_of(g, a)) {
	case KS_HOST:
		memcpy(buf, (const void *)(uintptr_t)a, n);
		return;
	case KS_VMEMMAP:
		if (vmemmap_read(m, a, buf, n))
			memset(buf, 0, n); /* the MMU counted the fault */
		return;
	case KS_DIRECT:
		if (frame_read(m, ks_direct_pfn(g, a), a & (g->page_size - 1), buf, n))
			ks_bug(__FILE__, __LINE__, "direct-map read of a frame without bytes");
		return;
	}
}

static void ks_store(uint64_t a, const void *buf, size_t n)
{
	struct machine *m = ks_m();
	const struct geometry *g = &m->geo;
	pfn_t pfn;
	uint8_t *d;

	switch (ks_space_of(g, a)) {
	case KS_HOST:
		memcpy((void *)(uintptr_t)a, buf, n);
		return;
	case KS_VMEMMAP:
		(void)vmemmap_write(m, a, buf, n); /* a fault is counted, nothing written */
		return;
	case KS_DIRECT:
		pfn = ks_direct_pfn(g, a);
		d = frame_contents(m, pfn);
		if (!d)
			ks_bug(__FILE__, __LINE__, "direct-map write to a frame without bytes");
		memcpy(d + (a & (g->page_size - 1)), buf, n);
		frame_try_compact(&m->frames, pfn);
		return;
	}
}

uint64_t ks_read64(uint64_t va)
{
	uint64_t v;

	ks_load(va, &v, sizeof(v));
	return v;
}

/*
 * ks_write64() is the store of the list operations on a struct page's lru.
 * The first store to each word saves what it held, for ks_give_back_lru().
 */
void ks_write64(uint64_t va, uint64_t v)
{
	if (ks_space_of(&ks_m()->geo, va) == KS_VMEMMAP) {
		size_t i;

		for (i = 0; i < ks.nr_saved && ks.saved[i].va != va; i++)
			;
		if (i == ks.nr_saved) {
			if (ks.nr_saved == ks.cap_saved) {
				size_t cap = ks.cap_saved ? 2 * ks.cap_saved : 64;
				struct ks_saved *n = realloc(ks.saved, cap * sizeof(*n));
				if (!n) {
					fprintf(stderr, "hvo: host out of memory\n");
					abort();
				}
				ks.saved = n;
				ks.cap_saved = cap;
			}
			ks.saved[ks.nr_saved++] = (struct ks_saved){ va, ks_read64(va) };
		}
	}
	ks_store(va, &v, sizeof(v));
}

/*
 * The end of an op: the struct pages whose lru the real code used to list
 * vmemmap pages get their words back.  In the kernel those pages go to
 * __free_page(), whose free lists overwrite lru anyway, or into the
 * vmemmap; hvo's buddy allocator keeps its lists outside struct pages, so
 * leaving the links (host addresses of the real code's list heads among
 * them) would leave bytes no kernel state explains.
 */
static void ks_give_back_lru(void)
{
	while (ks.nr_saved) {
		struct ks_saved *s = &ks.saved[--ks.nr_saved];

		(void)vmemmap_write(ks.m, s->va, &s->old, sizeof(s->old));
	}
	free(ks.saved);
	ks.saved = NULL;
	ks.cap_saved = 0;
}

void ks_memcpy(void *dst, const void *src, size_t n)
{
	uint8_t buf[4096];

	if (!ks_simulated(dst) && !ks_simulated(src)) {
		memcpy(dst, src, n);
		return;
	}
	if (n > sizeof(buf))
		ks_bug(__FILE__, __LINE__, "memcpy of simulated memory over a page");
	ks_load((uint64_t)(uintptr_t)src, buf, n);
	ks_store((uint64_t)(uintptr_t)dst, buf, n);
}

/* The frame behind simulated @a: the direct map, or the MMU's translation. */
static pfn_t ks_frame_of(uint64_t a)
{
	struct machine *m = ks_m();
	pfn_t pfn;

	switch (ks_space_of(&m->geo, a)) {
	case KS_DIRECT:
		return ks_direct_pfn(&m->geo, a);
	case KS_VMEMMAP:
		if (mmu_translate(m, a, false, &pfn))
			ks_bug(__FILE__, __LINE__, "copy_page() from unmapped vmemmap");
		return pfn;
	case KS_HOST:
		break;
	}
	ks_bug(__FILE__, __LINE__, "copy_page() of host memory");
}

void ks_copy_page(uint64_t dst, uint64_t src)
{
	copy_frame(ks_m(), ks_frame_of(dst), ks_frame_of(src));
}

/* ---- page tables ---- */

uint64_t *ks_pmd_entry(uint64_t va)
{
	struct pt_walk w = { 0 };

	(void)vmemmap_walk_va(ks_m(), va, &w);
	return w.pmd;
}

uint64_t *ks_pte_table(uint64_t pmd_entry)
{
	return pt_table_mut(ks_m(), pmd_entry);
}

uint64_t *ks_pgd_entry(uint64_t va)
{
	struct machine *m = ks_m();

	return &m->pgd[pt_index(&m->geo, va, PT_PGD)];
}

uint64_t *ks_pmd_table(uint64_t pud_entry)
{
	uint64_t *t = pt_table_mut(ks_m(), pud_entry);
	unsigned i;

	for (i = 0; i < ks.nr_pmd_tables && ks.pmd_tables[i] != t; i++)
		;
	if (i == ks.nr_pmd_tables) {
		if (i == sizeof(ks.pmd_tables) / sizeof(ks.pmd_tables[0]))
			ks_bug(__FILE__, __LINE__, "a walk over more PMD tables than the shim notes");
		ks.pmd_tables[ks.nr_pmd_tables++] = t;
	}
	return t;
}

/* Is @pmd an entry of a live PMD table (not the real code's local pmd_t)? */
static bool ks_live_pmd(const uint64_t *pmd)
{
	if (pmd == ks.walk_pmd)
		return true;
	for (unsigned i = 0; i < ks.nr_pmd_tables; i++)
		if (pmd >= ks.pmd_tables[i] && pmd < ks.pmd_tables[i] + ks_m()->geo.ptrs_per_table)
			return true;
	return false;
}

void ks_set_entry(uint64_t *entry, uint64_t val)
{
	set_pt_entry(ks_m(), entry, val);
}

void ks_walk_pmd(uint64_t *pmd)
{
	ks.walk_pmd = pmd;
}

/*
 * pmd_populate_kernel(): on the PMD the walk is at (6.12) or an entry of a
 * PMD table the walk is in (6.1), a counted write (the split); on any
 * other entry (the real code's local pmd_t) a plain store.
 */
void ks_pmd_populate(uint64_t *pmd, uint64_t table_va)
{
	struct machine *m = ks_m();
	uint64_t val = mk_table_entry(ks_direct_pfn(&m->geo, table_va));

	if (!ks_live_pmd(pmd)) {
		*pmd = val;
		return;
	}
	set_pt_entry(m, pmd, val);
	m->stat.nr_pmd_splits++;
}

uint64_t ks_pte_alloc_one_kernel(void)
{
	struct machine *m = ks_m();
	pfn_t pfn = pgtable_alloc_frame(m, ks.nid);

	if (pfn == PFN_NONE)
		return 0;
	return KS_PAGE_OFFSET + (pfn << m->geo.page_shift);
}

void ks_pte_free_kernel(uint64_t table_va)
{
	struct machine *m = ks_m();

	pgtable_free_frame(m, ks_direct_pfn(&m->geo, table_va));
}

void ks_flush_tlb_kernel_range(uint64_t start, uint64_t end)
{
	flush_tlb_kernel_range(ks_m(), start, end);
}

void ks_flush_tlb_all(void)
{
	flush_tlb_all(ks_m());
}

/* ---- page allocation ---- */

static pfn_t ks_page_pfn(uint64_t page)
{
	return page_va_to_pfn(&ks_m()->geo, page);
}

/* alloc_pages_node(nid, gfp, 0) for a vmemmap page, through the choke point. */
uint64_t ks_alloc_page(int nid, unsigned gfp)
{
	struct machine *m = ks_m();
	enum alloc_site site = gfp & KS_GFP_RETRY_MAYFAIL ? SITE_VMEMMAP_RESTORE
							  : SITE_VMEMMAP_HEAD;
	struct alloc_request req = kernel_page_request(site, nid);
	pfn_t pfn;

	req.this_node = gfp & KS_GFP_THISNODE;
	pfn = alloc_frames(m, &req);
	if (pfn == PFN_NONE)
		return 0;
	if (frame_claim(&m->frames, pfn, FO_VMEMMAP, ORIGIN_BUDDY)) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	m->stat.nr_vmemmap_alloc_pages++;
	return pfn_to_page_va(&m->geo, pfn);
}

/* __free_page() of a page ks_alloc_page() gave and nothing mapped: an undo. */
void ks_free_page(uint64_t page)
{
	struct machine *m = ks_m();
	pfn_t pfn = ks_page_pfn(page);

	frame_release(&m->frames, pfn);
	free_frames(m, pfn, 0);
	m->stat.nr_vmemmap_alloc_pages--;
}

/*
 * 6.1 frees each page its walk unmapped itself, after its TLB flush:
 * the checks hvo's free_vmemmap_page_list() makes (no TLB entry still
 * maps the page; the page is a vmemmap page of the origin the kernel's
 * PG_reserved test chose) and the same counts.
 */
static void ks_check_free(struct machine *m, pfn_t pfn, enum frame_origin want)
{
	struct pfn_run run = { .start = pfn, .nr = 1 };

	tlb_check_before_free(m, &run, 1);
	if (frame_owner(&m->frames, pfn) != FO_VMEMMAP || frame_origin(&m->frames, pfn) != want)
		ks_bug(__FILE__, __LINE__, want == ORIGIN_MEMBLOCK ?
		       "free_bootmem_page() of a page that is not a memblock vmemmap page" :
		       "__free_page() of a page that is not a buddy vmemmap page");
}

void ks_free_vmemmap_page(uint64_t page)
{
	struct machine *m = ks_m();
	pfn_t pfn = ks_page_pfn(page);

	ks_check_free(m, pfn, ORIGIN_BUDDY);
	frame_release(&m->frames, pfn);
	free_frames_run(m, pfn, 1);
	m->stat.nr_vmemmap_free_pages++;
}

void ks_free_bootmem_page(uint64_t page)
{
	struct machine *m = ks_m();
	pfn_t pfn = ks_page_pfn(page);

	ks_check_free(m, pfn, ORIGIN_MEMBLOCK);
	frame_release(&m->frames, pfn);
	free_bootmem_vmemmap_pages(m, pfn, 1);
	m->stat.nr_vmemmap_free_pages++;
}

void ks_memmap_pages_add(long delta)
{
	ks_m()->stat.nr_memmap_pages += delta;
}

void ks_memmap_boot_pages_add(long delta)
{
	ks_m()->stat.nr_memmap_boot_pages += delta;
}

/* ---- struct page state ---- */

int ks_page_reserved(uint64_t page)
{
	uint64_t flags = 0;

	(void)page_read_u64(ks_m(), page, PAGE_OFF_FLAGS, &flags);
	return !!(flags & page_pg(ks_m(), reserved));
}

/* PageVmemmapSelfHosted(): hvo knows it as the frame's origin. */
int ks_page_self_hosted(uint64_t page)
{
	struct machine *m = ks_m();

	return frame_origin(&m->frames, ks_page_pfn(page)) == ORIGIN_ALTMAP;
}

int ks_page_nid(uint64_t page)
{
	return folio_nid(ks_m(), ks_page_pfn(page));
}

int ks_folio_test_optimized(uint64_t folio)
{
	return folio_vmemmap_optimized(ks_m(), ks_page_pfn(folio));
}

void ks_folio_set_optimized(uint64_t folio, int on)
{
	folio_set_vmemmap_optimized(ks_m(), ks_page_pfn(folio), on);
}

void ks_synchronize_rcu(void)
{
	ks_m()->stat.nr_synchronize_rcu++;
}

void ks_static_key_add(int delta)
{
	ks_m()->hugetlb_optimize_vmemmap_key += delta;
}

void ks_list_out(uint64_t page)
{
	if (!ks.list)
		ks_bug(__FILE__, __LINE__, "vmemmap pages left on a restore");
	vmemmap_list_add(ks.list, ks_page_pfn(page));
}

/* ---- an access the shim missed ---- */

static void ks_segv(int sig, siginfo_t *si, void *uctx)
{
	const ucontext_t *uc = uctx;
	uint64_t a = (uint64_t)(uintptr_t)si->si_addr;
	uint64_t vstart = ks.m ? ks.m->geo.vmemmap_start : 0xffffea0000000000ULL;
	void *ip = (void *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	char where[96] = "host";
	char msg[512];
	Dl_info di = { 0 };
	int n;

	(void)sig;
	if (a >= vstart)
		snprintf(where, sizeof(where), "vmemmap (struct page of pfn %#llx, byte %llu)",
			 (unsigned long long)((a - vstart) / 64), (unsigned long long)((a - vstart) % 64));
	else if (a >= KS_PAGE_OFFSET)
		snprintf(where, sizeof(where), "direct map (pfn %#llx, byte %llu)",
			 (unsigned long long)((a - KS_PAGE_OFFSET) >> 12),
			 (unsigned long long)(a & 4095));
	(void)dladdr(ip, &di);
	n = snprintf(msg, sizeof(msg),
		     "hvo: kernel mode: an access the shim does not route: address %#llx, %s, "
		     "from %s+%#llx (%s+%#llx)\n",
		     (unsigned long long)a, where,
		     di.dli_sname ? di.dli_sname : "?",
		     (unsigned long long)((char *)ip - (char *)(di.dli_saddr ? di.dli_saddr : ip)),
		     di.dli_fname ? di.dli_fname : "?",
		     (unsigned long long)((char *)ip - (char *)di.dli_fbase));
	if (n > 0)
		(void)!write(2, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(2);
}

static void ks_install_segv(void)
{
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = ks_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	done = true;
}

/* ---- the ops of the `kernel` generation ---- */

static int ks_enter(struct machine *m, pfn_t pfn, struct vmemmap_list *list)
{
	const struct geometry *g = &m->geo;

	if (g->page_shift != 12 || g->struct_page_size != 64 || g->pmd_shift != 21 ||
	    g->pud_shift != 30 || g->pgd_shift != 39 || g->ptrs_per_table != 512)
		return -ENOTSUPP; /* the shim is x86-64 with 4 KiB pages */
	ks_install_segv();
	ks = (struct ks_ctx){ .m = m, .list = list, .nid = folio_nid(m, pfn) };
	return 0;
}

int kernel_vmemmap_optimize(struct machine *m, unsigned order, pfn_t pfn,
			    struct vmemmap_list *list, unsigned flags)
{
	int ret = ks_enter(m, pfn, list);

	if (ret)
		return ret;
	ret = kmode_optimize_folio(order, pfn_to_page_va(&m->geo, pfn), flags,
				   m->vmemmap_optimize_enabled);
	ks_give_back_lru();
	ks = (struct ks_ctx){ 0 };
	return ret;
}

int kernel_vmemmap_restore(struct machine *m, unsigned order, pfn_t pfn,
			   unsigned flags)
{
	int ret = ks_enter(m, pfn, NULL);

	if (ret)
		return ret;
	ret = kmode_restore_folio(order, pfn_to_page_va(&m->geo, pfn), flags);
	ks_give_back_lru();
	ks = (struct ks_ctx){ 0 };
	return ret;
}
