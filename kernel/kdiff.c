// SPDX-License-Identifier: GPL-2.0-only
/*
 * hvo-kdiff: the comparison of kernel mode with the model.  For each
 * scenario file it boots the scenario twice, once with design `kernel`
 * (the tree's real code) and once with the model generation that claims
 * to be that kernel (--model, default legacy), both forced over the file's
 * `design` line, and compares the end states: every vmemmap leaf entry
 * (the frame it maps, read-only or not, PMD or PTE), every frame's owner
 * and origin, the 64 bytes of every struct page (read through the page
 * table, never the TLB, so the comparison changes nothing), the TLB flush
 * and fault counts, every vmstat counter, and each TLB slot that caches the
 * same page on both sides (the real code reads struct pages the model does
 * not, so it may cache more pages: hits and misses are printed, not compared).  The first difference
 * is printed with its pfn and virtual address and both sides' `show pfn`.
 * Exit 0: no difference; 1: differences; 2: bad input.
 * Built with the kernel-mode binary (kernel/build.sh).
 */
#include <stdlib.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/scenario.h"
#include "sim/generations.h"
#include "sim/sim.h"

struct leaf {
	vaddr_t va;
	uint64_t entry;
	int level;
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

static int add_leaf(void *arg, vaddr_t va, enum pt_level lvl, uint64_t entry)
{
	struct leaves *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 4096;
		struct leaf *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct leaf){ va, entry, (int)lvl };
	return 0;
}

struct diff {
	const char *file;
	struct machine *k, *m;   /* kernel, model */
	const char *model;
	uint64_t nr;             /* differences */
};

static void first(struct diff *d, pfn_t pfn, vaddr_t va, const char *what)
{
	if (d->nr++)
		return;
	printf("%s: first difference: %s (pfn %#llx, va %#llx)\n", d->file, what,
	       (unsigned long long)pfn, (unsigned long long)va);
	if (pfn == PFN_NONE)
		return;
	printf("--- design kernel:\n");
	show_pfn(d->k, pfn, stdout);
	printf("--- design %s:\n", d->model);
	show_pfn(d->m, pfn, stdout);
}

static void diff_leaves(struct diff *d)
{
	struct leaves a = { 0 }, b = { 0 };

	if (vmemmap_for_each_leaf(d->k, add_leaf, &a) ||
	    vmemmap_for_each_leaf(d->m, add_leaf, &b)) {
		fprintf(stderr, "hvo-kdiff: out of memory\n");
		exit(2);
	}
	for (size_t i = 0; i < a.n || i < b.n; i++) {
		char what[160];

		if (i < a.n && i < b.n && a.v[i].va == b.v[i].va &&
		    a.v[i].entry == b.v[i].entry && a.v[i].level == b.v[i].level)
			continue;
		snprintf(what, sizeof(what), "vmemmap leaf %zu: kernel %#llx, %s %#llx", i,
			 i < a.n ? (unsigned long long)a.v[i].entry : 0ULL, d->model,
			 i < b.n ? (unsigned long long)b.v[i].entry : 0ULL);
		first(d, i < a.n ? page_va_to_pfn(&d->k->geo, a.v[i].va) : PFN_NONE,
		      i < a.n ? a.v[i].va : 0, what);
	}
	printf("%s: %zu vmemmap leaves compared\n", d->file, a.n);
	free(a.v);
	free(b.v);
}

/* The struct page of @pfn through the page table; false if unmapped. */
static bool read_struct_page(struct machine *m, pfn_t pfn, uint8_t *buf)
{
	vaddr_t va = pfn_to_page_va(&m->geo, pfn);
	struct pt_walk w;

	if (vmemmap_walk_va(m, va, &w))
		return false;
	return !frame_read(m, w.pfn, va & (m->geo.page_size - 1), buf,
			   m->geo.struct_page_size);
}

static void diff_frames(struct diff *d)
{
	const struct frame_store *fk = &d->k->frames, *fm = &d->m->frames;
	uint64_t pages = 0;

	for (pfn_t pfn = 0; pfn < d->k->max_pfn && pfn < d->m->max_pfn; pfn++) {
		uint8_t a[128], b[128];
		bool ma, mb;

		if (frame_owner(fk, pfn) != frame_owner(fm, pfn) ||
		    (frame_owner(fk, pfn) && frame_origin(fk, pfn) != frame_origin(fm, pfn)))
			first(d, pfn, 0, "frame owner or origin");
		ma = read_struct_page(d->k, pfn, a);
		mb = read_struct_page(d->m, pfn, b);
		if (ma != mb || (ma && memcmp(a, b, d->k->geo.struct_page_size)))
			first(d, pfn, pfn_to_page_va(&d->k->geo, pfn), "struct page bytes");
		pages += ma;
	}
	if (d->k->max_pfn != d->m->max_pfn)
		first(d, PFN_NONE, 0, "max_pfn");
	printf("%s: %llu struct pages and their frames compared\n", d->file,
	       (unsigned long long)pages);
}

static void diff_counters(struct diff *d)
{
	const struct mmu *a = &d->k->mmu, *b = &d->m->mmu;

	if (memcmp(&d->k->stat, &d->m->stat, sizeof(d->k->stat)))
		first(d, PFN_NONE, 0, "vmstat counters (compare hvo run --json)");
	if (d->k->hugetlb_optimize_vmemmap_key != d->m->hugetlb_optimize_vmemmap_key)
		first(d, PFN_NONE, 0, "hugetlb_optimize_vmemmap_key");
	for (unsigned i = 0; i < TLB_ENTRIES; i++) {
		const struct tlb_entry *x = &a->tlb[i], *y = &b->tlb[i];

		/* The real code touches struct pages the model does not: it may
		 * cache more; one page cached differently is a difference. */
		if (x->vpage == y->vpage && x->vpage != ~0ULL &&
		    (x->pfn != y->pfn || x->writable != y->writable))
			first(d, PFN_NONE, x->vpage << d->k->geo.page_shift, "a TLB entry");
	}
	if (a->nr_flush_all != b->nr_flush_all || a->nr_flush_range != b->nr_flush_range)
		first(d, PFN_NONE, 0, "TLB flush counts");
	if (a->nr_faults != b->nr_faults || a->nr_freed_while_cached != b->nr_freed_while_cached)
		first(d, PFN_NONE, 0, "MMU faults");
	printf("%s: TLB entries, hits, misses: kernel %u, %llu, %llu; %s %u, %llu, %llu\n",
	       d->file, a->nr_valid, (unsigned long long)a->nr_tlb_hits,
	       (unsigned long long)a->nr_tlb_misses, d->model, b->nr_valid,
	       (unsigned long long)b->nr_tlb_hits, (unsigned long long)b->nr_tlb_misses);
}

static int diff_file(const char *file, const struct hvo_generation *model)
{
	struct diff d = { .file = file, .model = model->name };
	const char *name = file;
	size_t len;
	char *buf = load_scenario(&name, &len);
	int sk = 2, sm = 2;

	if (!buf)
		return 2;
	d.k = scenario_boot_quietly(name, buf, len, generation_find("kernel"), stderr, &sk);
	d.m = scenario_boot_quietly(name, buf, len, model, stderr, &sm);
	free(buf);
	if (!d.k || !d.m) {
		if (d.k)
			machine_destroy(d.k);
		if (d.m)
			machine_destroy(d.m);
		return 2;
	}
	if (sk != sm)
		first(&d, PFN_NONE, 0, "exit status");
	diff_leaves(&d);
	diff_frames(&d);
	diff_counters(&d);
	printf("%s: %llu differences between design kernel and design %s\n", file,
	       (unsigned long long)d.nr, model->name);
	machine_destroy(d.k);
	machine_destroy(d.m);
	return d.nr ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct hvo_generation *model = generation_find("legacy");
	int i = 1, ret = 0;

	if (argc > 2 && !strcmp(argv[1], "--model")) {
		model = generation_find(argv[2]);
		if (!model) {
			fprintf(stderr, "hvo-kdiff: --model %s: no such generation\n", argv[2]);
			return 2;
		}
		i = 3;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: hvo-kdiff [--model GENERATION] FILE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		int r = diff_file(argv[i], model);
		if (r > ret)
			ret = r;
	}
	return ret;
}
