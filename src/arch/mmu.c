// SPDX-License-Identifier: GPL-2.0-only
/*
 * MMU and TLB model for the vmemmap (see mmu.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "arch/mmu.h"
#include "arch/pgtable.h"

#define TLB_INVALID (~0ULL)

void mmu_init(struct machine *m)
{
	memset(&m->mmu, 0, sizeof(m->mmu));
	for (unsigned i = 0; i < TLB_ENTRIES; i++)
		m->mmu.tlb_vpage[i] = TLB_INVALID;
}

void mmu_fault(struct machine *m, const char *fmt, ...)
{
	va_list ap;

	m->mmu.nr_faults++;
	va_start(ap, fmt);
	vsnprintf(m->mmu.last_fault, sizeof(m->mmu.last_fault), fmt, ap);
	va_end(ap);
}

static int tlb_hit(struct machine *m, unsigned i, vaddr_t va, bool write, pfn_t *pfn)
{
	pfn_t frame = m->mmu.tlb_pfn[i];

	m->mmu.nr_tlb_hits++;
	if (frame_owner(&m->frames, frame) == FO_NONE) {
		mmu_fault(m, "stale TLB entry: va %#llx still maps frame %#llx, which was freed",
			  (unsigned long long)va, (unsigned long long)frame);
		return -EFAULT;
	}
	if (write && !m->mmu.tlb_writable[i]) {
		mmu_fault(m, "write to read-only vmemmap at va %#llx (frame %#llx)",
			  (unsigned long long)va, (unsigned long long)frame);
		return -EFAULT;
	}
	*pfn = frame;
	return 0;
}

/* Mark TLB entry @i valid in the map. */
static void tlb_map_set(struct mmu *mmu, uint64_t i)
{
	mmu->valid_map[i / 64] |= 1ULL << (i % 64);
}

/* ---- pending block fills ---- */

/* The bits of @k entries from entry @i within its map word (@k at most to the word's end). */
static uint64_t word_bits(uint64_t i, uint64_t k)
{
	return (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << (i % 64);
}

/* Set or clear (@set) the bits of entries [@i, @i + @n) in @map, wrapping at the end. */
static void map_range(uint64_t *map, uint64_t i, uint64_t n, bool set)
{
	while (n) {
		uint64_t k = MIN(n, 64 - i % 64), bits = word_bits(i, k);

		if (set)
			map[i / 64] |= bits;
		else
			map[i / 64] &= ~bits;
		i = (i + k) & (TLB_ENTRIES - 1);
		n -= k;
	}
}

/* Bits of entries [@i, @i + @n) set in @map. */
static uint64_t map_count(const uint64_t *map, uint64_t i, uint64_t n)
{
	uint64_t c = 0;

	while (n) {
		uint64_t k = MIN(n, 64 - i % 64);

		c += (uint64_t)__builtin_popcountll(map[i / 64] & word_bits(i, k));
		i = (i + k) & (TLB_ENTRIES - 1);
		n -= k;
	}
	return c;
}

/* Write pending block @k to the arrays and drop it. */
static void pending_write(struct mmu *mmu, unsigned k)
{
	struct tlb_block b = mmu->pending[k];

	for (uint64_t i = 0; i < b.n; i++) {
		uint64_t t = (b.vpage + i) & (TLB_ENTRIES - 1);

		mmu->tlb_vpage[t] = b.vpage + i;
		mmu->tlb_pfn[t] = b.pfn + i;
		mmu->tlb_writable[t] = b.writable;
	}
	map_range(mmu->pending_map, b.vpage & (TLB_ENTRIES - 1), b.n, false);
	mmu->pending[k] = mmu->pending[--mmu->nr_pending];
}

/* Every pending block written: the arrays alone hold the TLB. */
static void tlb_sync(struct mmu *mmu)
{
	while (mmu->nr_pending)
		pending_write(mmu, mmu->nr_pending - 1);
}

void mmu_tlb_sync(struct machine *m)
{
	tlb_sync(&m->mmu);
}

/*
 * Make room for a block fill of entries [@r, @r + @n): pending blocks lose
 * what it covers (from their front or their end), a block it lies
 * strictly inside is written out first.
 */
static void pending_make_room(struct mmu *mmu, uint64_t r, uint64_t n)
{
	for (unsigned k = 0; k < mmu->nr_pending;) {
		struct tlb_block *b = &mmu->pending[k];
		uint64_t s = b->vpage & (TLB_ENTRIES - 1);
		uint64_t d = (s - r) & (TLB_ENTRIES - 1); /* b's start within the fill */
		uint64_t e = (r - s) & (TLB_ENTRIES - 1); /* the fill's start within b */

		if (b->n + n > TLB_ENTRIES && (d < n || e < b->n)) {
			/* the two may meet at both ends of the fill: b written out whole */
			pending_write(mmu, k);
			continue;
		}
		if (d < n) {
			uint64_t cut = MIN(b->n, n - d);

			if (cut == b->n) { /* all of it: gone */
				mmu->pending[k] = mmu->pending[--mmu->nr_pending];
				continue;
			}
			b->vpage += cut;
			b->pfn += cut;
			b->n -= cut;
		} else if (e < b->n) {
			if (e + n < b->n) { /* the fill splits it */
				pending_write(mmu, k);
				continue;
			}
			b->n = e;
		}
		k++;
	}
}

/* A block fill of @n entries from @vpage, mapping @pfn onwards, left pending. */
static void pending_add(struct mmu *mmu, uint64_t vpage, uint64_t n, pfn_t pfn, bool writable)
{
	struct tlb_block *last;

	pending_make_room(mmu, vpage & (TLB_ENTRIES - 1), n);
	last = mmu->nr_pending ? &mmu->pending[mmu->nr_pending - 1] : NULL;
	map_range(mmu->pending_map, vpage & (TLB_ENTRIES - 1), n, true);
	if (last && last->vpage + last->n == vpage && last->pfn + last->n == pfn &&
	    last->writable == writable && last->n + n <= TLB_ENTRIES) {
		last->n += n; /* the one before, continued */
		return;
	}
	if (mmu->nr_pending == TLB_PENDING)
		pending_write(mmu, 0);
	mmu->pending[mmu->nr_pending++] = (struct tlb_block){ vpage, n, pfn, writable };
}

/*
 * Is one of the @n pages from @vpage cached?  Pending blocks by their
 * ranges; the entries none of them holds, in the arrays.
 */
static bool tlb_range_cached(const struct mmu *mmu, uint64_t vpage, uint64_t n)
{
	uint64_t i = 0;

	for (unsigned k = 0; k < mmu->nr_pending; k++) {
		const struct tlb_block *b = &mmu->pending[k];

		if (b->vpage < vpage + n && vpage < b->vpage + b->n)
			return true;
	}
	while (i < n) {
		uint64_t t = (vpage + i) & (TLB_ENTRIES - 1), k = MIN(n - i, 64 - t % 64);

		for (uint64_t bits = word_bits(t, k) & ~mmu->pending_map[t / 64]; bits; bits &= bits - 1) {
			uint64_t j = (uint64_t)__builtin_ctzll(bits);

			if (mmu->tlb_vpage[t - t % 64 + j] == vpage + i + (j - t % 64))
				return true;
		}
		i += k;
	}
	return false;
}

/* Invalidate TLB entry @i (valid), in the map and the count. */
static void tlb_invalidate(struct mmu *mmu, uint64_t i)
{
	mmu->tlb_vpage[i] = TLB_INVALID;
	mmu->valid_map[i / 64] &= ~(1ULL << (i % 64));
	mmu->nr_valid--;
}

/* Invalidate every valid entry, visiting only those. */
static void tlb_invalidate_all(struct mmu *mmu)
{
	for (unsigned w = 0; w < TLB_ENTRIES / 64; w++) {
		for (uint64_t bits = mmu->valid_map[w]; bits; bits &= bits - 1)
			mmu->tlb_vpage[w * 64 + (unsigned)__builtin_ctzll(bits)] = TLB_INVALID;
		mmu->valid_map[w] = 0;
		mmu->pending_map[w] = 0; /* their stale array slots made invalid above */
	}
	mmu->nr_pending = 0;
	mmu->nr_valid = 0;
}

/* Cache a translation in entry @i (counted in nr_valid if it was empty). */
static void tlb_fill(struct machine *m, unsigned i, uint64_t vpage, pfn_t pfn, bool writable)
{
	if (m->mmu.tlb_vpage[i] == TLB_INVALID) {
		m->mmu.nr_valid++;
		tlb_map_set(&m->mmu, i);
	}
	m->mmu.tlb_vpage[i] = vpage;
	m->mmu.tlb_pfn[i] = pfn;
	m->mmu.tlb_writable[i] = writable;
}

/* mmu_translate(), with the walk a miss takes already made (@walked) or not (NULL). */
static int translate(struct machine *m, vaddr_t va, bool write, const struct pt_walk *walked,
		     pfn_t *pfn)
{
	uint64_t vpage = va >> m->geo.page_shift;
	unsigned t = (unsigned)(vpage & (TLB_ENTRIES - 1));
	struct pt_walk w;

	if (m->mmu.pending_map[t / 64] & (1ULL << (t % 64)))
		tlb_sync(&m->mmu); /* an entry a block fill holds: the arrays first */
	if (m->mmu.tlb_vpage[t] == vpage)
		return tlb_hit(m, t, va, write, pfn);
	m->mmu.nr_tlb_misses++;
	if (!walked) {
		if (vmemmap_walk_va(m, va, &w)) {
			mmu_fault(m, "unmapped vmemmap access at va %#llx",
				  (unsigned long long)va);
			return -EFAULT;
		}
		walked = &w;
	}
	tlb_fill(m, t, vpage, walked->pfn, walked->writable);
	return tlb_hit(m, t, va, write, pfn);
}

int mmu_translate(struct machine *m, vaddr_t va, bool write, pfn_t *pfn)
{
	return translate(m, va, write, NULL, pfn);
}

int mmu_translate_walked(struct machine *m, const struct pt_walk *w, bool write, pfn_t *pfn)
{
	return translate(m, w->va, write, w, pfn);
}

uint8_t *frame_contents(struct machine *m, pfn_t pfn)
{
	uint8_t *bytes = frame_writable_bytes(&m->frames, pfn);
	uint64_t e;

	if (bytes)
		return bytes;
	e = frame_entry(&m->frames, pfn);
	if (e & FRAME_ZERO)
		return frame_materialize_zero(&m->frames, pfn);
	if (e & FRAME_LAZY) {
		BUG_ON(m->phase == PHASE_EARLY); /* memmap_init has not run */
		return frame_materialize_lazy(&m->frames, pfn, m->geo.page_size);
	}
	if (e & FRAME_PATTERN)
		return frame_materialize_pattern(&m->frames, pfn);
	if (e & FRAME_PX)
		return frame_materialize_px(&m->frames, pfn);
	if (e & FRAME_GEN) { /* a page table not walked through yet */
		pt_table_materialize(m, pfn);
		return frame_bytes(&m->frames, pfn);
	}
	return NULL;
}

int frame_read(struct machine *m, pfn_t pfn, size_t off, void *buf, size_t len)
{
	uint64_t e = frame_entry(&m->frames, pfn); /* one lookup: the forms below are its bits */
	const uint8_t *bytes = frame_entry_bytes(e), *pat = frame_entry_pattern(&m->frames, e);
	size_t sp = m->geo.struct_page_size;

	if (bytes) {
		memcpy(buf, bytes + off, len);
		return 0;
	}
	if (pat) {
		uint8_t *out = buf;
		while (len) {
			size_t in = off % sp, n = MIN(len, sp - in);
			memcpy(out, pat + in, n);
			out += n;
			off += n;
			len -= n;
		}
		return 0;
	}
	if (e & FRAME_LAZY) {
		frame_read_lazy(&m->frames, pfn, off, buf, len);
		return 0;
	}
	if (e & FRAME_ZERO) {
		memset(buf, 0, len);
		return 0;
	}
	if (e & FRAME_PX) {
		frame_read_px_entry(&m->frames, e, off, buf, len);
		return 0;
	}
	if (e & FRAME_GEN) { /* a page table not walked through yet */
		pt_table_materialize(m, pfn);
		return frame_read(m, pfn, off, buf, len);
	}
	return -EFAULT;
}

/*
 * A lazy or zero frame whose struct pages are all alike (a page of the
 * boot memmap within one zone and section) becomes a pattern frame, the
 * same contents, so that a write to one of them need not give it real
 * bytes.  -EAGAIN if it has another form or its struct pages differ.
 */
/*
 * A lazy frame whose generated struct pages are all alike, told from the
 * layout without making its bytes: that struct page in @sp.
 */
static bool lazy_frame_alike(struct machine *m, pfn_t pfn, uint64_t e, uint8_t *sp)
{
	return m->frames.host.share && (e & FRAME_LAZY) && m->phase != PHASE_EARLY &&
	       m->frames.lazy_alike &&
	       m->frames.lazy_alike(m->frames.lazy_ctx, frame_lazy_vpage(&m->frames, pfn), sp);
}

bool frame_repeats(struct machine *m, pfn_t pfn, uint8_t *sp)
{
	const uint8_t *pat = frame_pattern(&m->frames, pfn);

	if (pat) {
		memcpy(sp, pat, m->geo.struct_page_size);
		return true;
	}
	return lazy_frame_alike(m, pfn, frame_entry(&m->frames, pfn), sp);
}

int frame_make_pattern(struct machine *m, pfn_t pfn)
{
	size_t sp = m->geo.struct_page_size, chunk = MIN(m->geo.page_size, (size_t)4096);
	uint8_t first[MAX_PATTERN_BYTES], buf[4096];
	uint64_t e = frame_entry(&m->frames, pfn);

	if (!m->frames.host.share || !(e & (FRAME_LAZY | FRAME_ZERO)) ||
	    ((e & FRAME_LAZY) && m->phase == PHASE_EARLY)) /* memmap_init has not run */
		return -EAGAIN;
	if (lazy_frame_alike(m, pfn, e, first))
		return frame_set_pattern(&m->frames, pfn, first) ? -EAGAIN : 0;
	for (size_t off = 0; off < m->geo.page_size; off += chunk) {
		if (frame_read(m, pfn, off, buf, chunk))
			return -EAGAIN;
		if (!off)
			memcpy(first, buf, sp);
		for (size_t i = 0; i < chunk; i += sp)
			if (memcmp(first, buf + i, sp))
				return -EAGAIN;
	}
	return frame_set_pattern(&m->frames, pfn, first) ? -EAGAIN : 0;
}

/*
 * Write @len bytes at @off within one struct page of frame @pfn without
 * giving a pattern frame real bytes (frame_set_slot()).  -EAGAIN if the
 * frame cannot take it that way: the caller writes real bytes.
 */
static int frame_write_slot(struct machine *m, pfn_t pfn, size_t off, const void *buf,
			    size_t len)
{
	size_t sp = m->geo.struct_page_size;

	if (!m->geo.struct_page_pow2 || off / sp != (off + len - 1) / sp)
		return -EAGAIN;
	if (!(frame_entry(&m->frames, pfn) & (FRAME_PATTERN | FRAME_PX)) &&
	    frame_make_pattern(m, pfn))
		return -EAGAIN;
	return frame_write_in_slot(&m->frames, pfn, off, buf, len);
}

int mmu_translate_block(struct machine *m, vaddr_t va, uint64_t n, bool write,
			pfn_t *pfn)
{
	const struct geometry *g = &m->geo;
	uint64_t vpage = va >> g->page_shift, invalid = 0;
	struct pt_walk w;

	if (!n || n > TLB_ENTRIES || !IS_ALIGNED(va, g->page_size) ||
	    pt_index(g, va, PT_PTE) + n > g->ptrs_per_table)
		return -EAGAIN; /* not within one PMD */
	if (tlb_range_cached(&m->mmu, vpage, n))
		return -EAGAIN;
	if (vmemmap_walk_va(m, va, &w) || w.leaf != PT_PMD)
		return -EAGAIN; /* page by page: the same walk, fault included */
	if (write && !w.writable)
		return -EAGAIN;
	if (!frame_run_claimed(&m->frames, w.pfn, n))
		return -EAGAIN; /* mmu_translate() reports the freed frame */
	/* tlb_fill() of each, left pending: a later fill may take their entries first */
	invalid = n - map_count(m->mmu.valid_map, vpage & (TLB_ENTRIES - 1), n);
	pending_add(&m->mmu, vpage, n, w.pfn, w.writable);
	map_range(m->mmu.valid_map, vpage & (TLB_ENTRIES - 1), n, true);
	m->mmu.nr_valid += (unsigned)invalid;
	m->mmu.nr_tlb_misses += n;
	m->mmu.nr_tlb_hits += n;
	*pfn = w.pfn;
	return 0;
}

int mmu_translate_ptes(struct machine *m, vaddr_t va, uint64_t n, bool write, pfn_t *pfns)
{
	const struct geometry *g = &m->geo;
	uint64_t vpage = va >> g->page_shift, i0 = pt_index(g, va, PT_PTE);
	const uint64_t *pte;
	struct pt_walk w;

	if (!n || n > MMU_PTES_MAX || !IS_ALIGNED(va, g->page_size) ||
	    i0 + n > g->ptrs_per_table)
		return -EAGAIN; /* not within one table */
	if (tlb_range_cached(&m->mmu, vpage, n))
		return -EAGAIN;
	if (vmemmap_walk_va(m, va, &w) || w.leaf != PT_PTE)
		return -EAGAIN;
	pte = pt_table(m, *w.pmd) + i0;
	for (uint64_t i = 0; i < n; i++) {
		if (!entry_present(pte[i]) || (write && !entry_writable(pte[i])) ||
		    frame_owner(&m->frames, entry_pfn(pte[i])) == FO_NONE)
			return -EAGAIN; /* mmu_translate() faults on it */
		pfns[i] = entry_pfn(pte[i]);
	}
	/* what n misses would do: each fills its entry and hits it */
	tlb_sync(&m->mmu); /* single fills go to the arrays */
	for (uint64_t i = 0; i < n; i++)
		tlb_fill(m, (unsigned)((vpage + i) & (TLB_ENTRIES - 1)), vpage + i, pfns[i],
			 entry_writable(pte[i]));
	m->mmu.nr_tlb_misses += n;
	m->mmu.nr_tlb_hits += n;
	return 0;
}

/* The frame @va maps now (for a message). */
static pfn_t pfn_of_last_fault(struct machine *m, vaddr_t va)
{
	struct pt_walk w;
	return vmemmap_walk_va(m, va, &w) ? PFN_NONE : w.pfn;
}

static int vmemmap_access(struct machine *m, vaddr_t va, void *buf,
			  size_t len, bool write)
{
	uint64_t psize = m->geo.page_size;

	while (len) {
		size_t off = va & (psize - 1);
		size_t n = MIN(len, psize - off);
		uint8_t *bytes;
		pfn_t pfn;

		if (mmu_translate(m, va, write, &pfn))
			return -EFAULT;
		if (!write) { /* reads never give a frame host memory */
			if (frame_read(m, pfn, off, buf, n))
				goto no_struct_pages;
		} else if (frame_write_slot(m, pfn, off, buf, n)) {
			bytes = frame_contents(m, pfn);
			if (!bytes)
				goto no_struct_pages;
			memcpy(bytes + off, buf, n);
		}
		va += n;
		buf = (uint8_t *)buf + n;
		len -= n;
	}
	return 0;
no_struct_pages:
	mmu_fault(m, "va %#llx maps frame %#llx, which holds no struct pages",
		  (unsigned long long)va, (unsigned long long)pfn_of_last_fault(m, va));
	return -EFAULT;
}

int vmemmap_read(struct machine *m, vaddr_t va, void *buf, size_t len)
{
	return vmemmap_access(m, va, buf, len, false);
}

int vmemmap_write(struct machine *m, vaddr_t va, const void *buf, size_t len)
{
	return vmemmap_access(m, va, (void *)buf, len, true);
}

static int cmp_tlb_pfn(const void *a, const void *b)
{
	pfn_t x = ((const struct tlb_entry *)a)->pfn, y = ((const struct tlb_entry *)b)->pfn;
	return x < y ? -1 : x > y;
}

/*
 * Every frame of @runs is about to be freed: any TLB entry still mapping
 * one is a missing flush.  The TLB's valid entries (none, after the flush
 * that normally comes first) that fall between the lowest and the highest
 * frame of @runs are sorted by frame and each run looked up, so the check
 * costs O(k + runs log k) for k valid entries; at boot, with nothing
 * flushed and the freed frames far from what the TLB maps, it sorts none.
 */
void tlb_check_before_free(struct machine *m, const struct pfn_run *runs,
			   uint64_t nr_runs)
{
	struct tlb_entry *valid;
	pfn_t lowest = PFN_NONE, highest = 0;
	unsigned k = 0;

	if (!nr_runs || !m->mmu.nr_valid)
		return;
	tlb_sync(&m->mmu);
	valid = malloc(m->mmu.nr_valid * sizeof(*valid));
	if (!valid) {
		fprintf(stderr, "hvo: host out of memory\n");
		abort();
	}
	for (uint64_t r = 0; r < nr_runs; r++) {
		lowest = MIN(lowest, runs[r].start);
		highest = MAX(highest, runs[r].start + runs[r].nr - 1);
	}
	for (unsigned i = 0, seen = 0; i < TLB_ENTRIES && seen < m->mmu.nr_valid; i++) {
		if (m->mmu.tlb_vpage[i] == TLB_INVALID)
			continue;
		seen++;
		if (m->mmu.tlb_pfn[i] >= lowest && m->mmu.tlb_pfn[i] <= highest)
			valid[k++] = tlb_entry(&m->mmu, i);
	}
	if (!k) {
		free(valid);
		return;
	}
	qsort(valid, k, sizeof(*valid), cmp_tlb_pfn);
	for (uint64_t r = 0; r < nr_runs; r++) {
		unsigned lo = 0, hi = k; /* first entry with pfn >= start */

		while (lo < hi) {
			unsigned mid = (lo + hi) / 2;
			if (valid[mid].pfn < runs[r].start)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < k && valid[lo].pfn < runs[r].start + runs[r].nr; lo++) {
			const struct tlb_entry *t = &valid[lo];
			mmu_fault(m, "frame %#llx freed while the TLB still maps va %#llx to it (missing TLB flush)",
				  (unsigned long long)t->pfn,
				  (unsigned long long)(t->vpage << m->geo.page_shift));
			if (!m->mmu.nr_freed_while_cached++)
				memcpy(m->mmu.first_freed_while_cached, m->mmu.last_fault,
				       sizeof(m->mmu.last_fault));
		}
	}
	free(valid);
}

void flush_tlb_all(struct machine *m)
{
	tlb_invalidate_all(&m->mmu);
	m->mmu.nr_flush_all++;
}

void flush_tlb_kernel_range(struct machine *m, vaddr_t start, vaddr_t end)
{
	uint64_t first = start >> m->geo.page_shift;
	uint64_t last = (end - 1) >> m->geo.page_shift;

	m->mmu.nr_flush_range++;
	if (last - first >= TLB_ENTRIES) {
		tlb_invalidate_all(&m->mmu);
		return;
	}
	tlb_sync(&m->mmu);
	for (uint64_t v = first; v <= last && m->mmu.nr_valid; v++)
		if (m->mmu.tlb_vpage[v & (TLB_ENTRIES - 1)] == v)
			tlb_invalidate(&m->mmu, v & (TLB_ENTRIES - 1));
}
