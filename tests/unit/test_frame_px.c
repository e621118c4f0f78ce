// SPDX-License-Identifier: GPL-2.0-only
/*
 * Patterns with exceptions (hw/frame.c frame_set_slot(),
 * frame_set_pattern_except()): a pattern frame that gets a few struct
 * pages of its own reads, is copied, materialized and released exactly as
 * a frame of real bytes would, and costs the host no chunk.  A random
 * sequence over many frames is checked byte for byte against a model that
 * keeps every page in full; a machine whose 2 MiB pool is allocated with
 * HVO off holds each folio's first vmemmap page that way and passes the
 * checker.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "arch/mmu.h"
#include "arch/pgtable.h"
#include "hw/frame.h"
#include "mm/page_struct.h"
#include "sim/check.h"
#include "sim/sim.h"
#include "testutil.h"

#define PX_FRAMES 600
#define PX_PAGE 4096
#define PX_SP 64
#define PX_SPP (PX_PAGE / PX_SP)

struct px_model {
	bool claimed[PX_FRAMES];
	uint8_t bytes[PX_FRAMES][PX_PAGE];
};

/* One of four struct pages: few values, so slots often equal the pattern. */
static void px_struct_page(uint64_t v, uint8_t *sp)
{
	for (unsigned i = 0; i < PX_SP; i++)
		sp[i] = (uint8_t)(v * 31 + i);
}

/* What a read of @p sees, whatever its form. */
static void px_read(const struct frame_store *fs, pfn_t p, uint8_t *out)
{
	uint64_t e = frame_entry(fs, p);

	if (e & FRAME_DATA) {
		memcpy(out, frame_bytes(fs, p), PX_PAGE);
	} else if (e & FRAME_PATTERN) {
		for (unsigned i = 0; i < PX_SPP; i++)
			memcpy(out + i * PX_SP, frame_pattern(fs, p), PX_SP);
	} else {
		ASSERT_TRUE(e & FRAME_PX);
		frame_read_px(fs, p, 0, out, PX_PAGE);
	}
}

/* Struct page @slot of @p becomes @sp, in the store and the model. */
static void px_write_slot(struct frame_store *fs, struct px_model *md, pfn_t p, unsigned slot,
			  const uint8_t *sp)
{
	int ret = frame_set_slot(fs, p, slot, sp);

	if (ret) {
		uint8_t *b;

		ASSERT_EQ(ret, -EAGAIN);
		b = frame_writable_bytes(fs, p);
		if (!b && (frame_entry(fs, p) & FRAME_PX))
			b = frame_materialize_px(fs, p);
		if (!b && (frame_entry(fs, p) & FRAME_PATTERN))
			b = frame_materialize_pattern(fs, p);
		ASSERT_TRUE(b != NULL);
		memcpy(b + slot * PX_SP, sp, PX_SP);
	}
	memcpy(md->bytes[p] + slot * PX_SP, sp, PX_SP);
}

static void px_set_pattern(struct frame_store *fs, struct px_model *md, pfn_t p,
			   const uint8_t *sp)
{
	ASSERT_EQ(frame_set_pattern(fs, p, sp), 0);
	for (unsigned i = 0; i < PX_SPP; i++)
		memcpy(md->bytes[p] + i * PX_SP, sp, PX_SP);
}

/*
 * A record in its one form: runs in slot order, none empty, none holding
 * the pattern, and two that touch hold other bytes (else they are one run).
 */
static int px_canonical(const struct frame_store *fs, const struct frame_px *x)
{
	const uint8_t *pat = frame_px_pattern(fs, x);

	ASSERT_TRUE(x->nr <= FRAME_PX_RUNS);
	for (unsigned k = 0; k < x->nr; k++) {
		ASSERT_TRUE(x->run[k].count > 0 && x->run[k].first + x->run[k].count <= PX_SPP);
		ASSERT_TRUE(memcmp(x->bytes[k], pat, PX_SP) != 0);
		if (k) {
			unsigned prev_end = x->run[k - 1].first + x->run[k - 1].count;

			ASSERT_TRUE(prev_end <= x->run[k].first);
			ASSERT_TRUE(prev_end < x->run[k].first ||
				    memcmp(x->bytes[k - 1], x->bytes[k], PX_SP) != 0);
		}
	}
	return 0;
}

static int px_compare(const struct frame_store *fs, const struct px_model *md)
{
	static uint8_t got[PX_PAGE];
	uint64_t claimed = 0;

	for (pfn_t p = 0; p < PX_FRAMES; p++) {
		if (!md->claimed[p]) {
			ASSERT_EQ(frame_entry(fs, p), 0);
			continue;
		}
		claimed++;
		if (frame_px(fs, p) && px_canonical(fs, frame_px(fs, p)))
			return 1;
		px_read(fs, p, got);
		if (memcmp(got, md->bytes[p], PX_PAGE))
			test_fail(__FILE__, __LINE__, "frame %llu reads other bytes than its model",
				  (unsigned long long)p);
	}
	ASSERT_EQ(fs->nr_entries, claimed);
	return 0;
}

/* A store whose frames 1..@last repeat @a, in the store and the model. */
static int px_store_of_patterns(struct frame_store *fs, struct px_model *md, pfn_t last,
				const uint8_t *a)
{
	memset(md, 0, sizeof(*md));
	ASSERT_EQ(frame_store_init(fs, 1023, 10, PX_PAGE, PX_SP), 0);
	for (pfn_t p = 1; p <= last; p++) {
		ASSERT_EQ(frame_claim_zero(fs, p, FO_VMEMMAP, ORIGIN_BUDDY), 0);
		md->claimed[p] = true;
		px_set_pattern(fs, md, p, a);
	}
	return 0;
}

/*
 * Every struct page of a page rewritten one by one, in either order, each
 * through a value of its own on the way (a field at a time): a run that
 * grows to the whole page, then a pattern again, never a chunk.
 */
static int px_fill_in_order(void)
{
	static struct px_model md;
	struct frame_store fs;
	uint8_t a[PX_SP], b[PX_SP], mid[PX_SP];

	px_struct_page(1, a);
	px_struct_page(2, b);
	px_struct_page(3, mid);
	ASSERT_EQ(px_store_of_patterns(&fs, &md, 2, a), 0);
	for (pfn_t p = 1; p <= 2; p++) {
		for (unsigned i = 0; i < PX_SPP; i++) {
			unsigned s = p == 1 ? i : PX_SPP - 1 - i;

			px_write_slot(&fs, &md, p, s, mid);
			ASSERT_TRUE(frame_px(&fs, p) != NULL);
			ASSERT_TRUE(frame_px(&fs, p)->nr <= 2);
			px_write_slot(&fs, &md, p, s, b);
			if (i + 1 < PX_SPP)
				ASSERT_EQ(frame_px(&fs, p)->nr, 1);
		}
		ASSERT_TRUE(frame_pattern(&fs, p) != NULL);
		ASSERT_EQ(memcmp(frame_pattern(&fs, p), b, PX_SP), 0);
	}
	ASSERT_EQ(px_compare(&fs, &md), 0);
	ASSERT_EQ(fs.host.nr_in_use, 0);
	ASSERT_EQ(fs.nr_px, 0);
	ASSERT_EQ(fs.px.nr_live, 0);
	frame_store_destroy(&fs);
	return 0;
}

TEST(frame_px_slots_read_as_real_bytes)
{
	static struct px_model md;
	struct frame_store fs;
	uint8_t a[PX_SP], b[PX_SP], c[PX_SP], keep[2 * PX_SP];
	unsigned slots[2] = { 0, 63 };
	uint64_t carved;

	unsetenv("HVO_HOST_SHARE");
	px_struct_page(1, a);
	px_struct_page(2, b);
	px_struct_page(3, c);
	ASSERT_EQ(px_store_of_patterns(&fs, &md, 3, a), 0);
	carved = fs.host.nr_mapped;
	/* a head and three folio pages: four runs of their own, no chunk */
	for (unsigned s = 0; s < FRAME_PX_RUNS; s++)
		px_write_slot(&fs, &md, 1, s, s & 1 ? b : c);
	ASSERT_TRUE(frame_px(&fs, 1) != NULL);
	ASSERT_EQ(frame_px(&fs, 1)->nr, FRAME_PX_RUNS);
	ASSERT_EQ(fs.host.nr_mapped, carved);
	ASSERT_EQ(px_compare(&fs, &md), 0);
	/* a partial read across a slot boundary */
	{
		uint8_t got[100];
		frame_read_px(&fs, 1, 3 * PX_SP + 20, got, sizeof(got));
		ASSERT_EQ(memcmp(got, md.bytes[1] + 3 * PX_SP + 20, sizeof(got)), 0);
	}
	/* a slot written back to the pattern needs nothing of its own */
	px_write_slot(&fs, &md, 1, 2, a);
	ASSERT_EQ(frame_px(&fs, 1)->nr, FRAME_PX_RUNS - 1);
	/* a copy has its own record: writing one leaves the other */
	ASSERT_EQ(frame_copy(&fs, 2, 1), 0);
	ASSERT_TRUE(frame_px(&fs, 2) != NULL && frame_px(&fs, 2) != frame_px(&fs, 1));
	memcpy(md.bytes[2], md.bytes[1], PX_PAGE);
	px_write_slot(&fs, &md, 2, 40, c);
	ASSERT_EQ(px_compare(&fs, &md), 0);
	/* one run too many: real bytes, the same contents */
	px_write_slot(&fs, &md, 2, 42, b);
	ASSERT_TRUE(frame_entry(&fs, 2) & FRAME_DATA);
	ASSERT_EQ(fs.host.nr_in_use, 1);
	ASSERT_EQ(px_compare(&fs, &md), 0);
	/* all but two slots at once */
	memcpy(keep, md.bytes[3], PX_SP);
	memcpy(keep + PX_SP, c, PX_SP);
	ASSERT_EQ(frame_set_pattern_except(&fs, 3, b, 2, slots, keep), 0);
	for (unsigned i = 0; i < PX_SPP; i++)
		memcpy(md.bytes[3] + i * PX_SP, i == 0 ? keep : i == 63 ? c : b, PX_SP);
	ASSERT_EQ(px_compare(&fs, &md), 0);
	ASSERT_TRUE(frame_materialize_px(&fs, 3) != NULL);
	ASSERT_EQ(px_compare(&fs, &md), 0);
	/* releases drop the records and their patterns */
	for (pfn_t p = 1; p <= 3; p++) {
		frame_release(&fs, p);
		md.claimed[p] = false;
	}
	ASSERT_EQ(fs.px.nr_live, 0);
	ASSERT_EQ(fs.nr_px, 0);
	ASSERT_EQ(fs.patterns.nr_live, 0);
	frame_store_destroy(&fs);
	ASSERT_EQ(px_fill_in_order(), 0);
	/* the store without sharing gives real bytes at once */
	setenv("HVO_HOST_SHARE", "0", 1);
	ASSERT_EQ(frame_store_init(&fs, 1023, 10, PX_PAGE, PX_SP), 0);
	unsetenv("HVO_HOST_SHARE");
	ASSERT_EQ(frame_claim(&fs, 1, FO_VMEMMAP, ORIGIN_BUDDY), 0);
	ASSERT_EQ(frame_set_pattern(&fs, 1, a), 0);
	ASSERT_EQ(frame_set_slot(&fs, 1, 0, b), -EAGAIN);
	ASSERT_EQ(frame_set_pattern_except(&fs, 1, a, 1, slots, b), -EAGAIN);
	ASSERT_TRUE(frame_pattern(&fs, 1) != NULL);
	frame_store_destroy(&fs);
	return 0;
}

/*
 * Random slot and field writes, whole-page patterns, copies, releases and claims over
 * 600 frames read exactly as the model; every record and pattern reference
 * is given back at the end.
 */
TEST(frame_px_random_sequence_matches_real_pages)
{
	static struct px_model md;
	struct frame_store fs;
	uint64_t seed = 0x5eed;
	uint8_t sp[PX_SP];

	unsetenv("HVO_HOST_SHARE");
	memset(&md, 0, sizeof(md));
	ASSERT_EQ(frame_store_init(&fs, 1023, 10, PX_PAGE, PX_SP), 0);
	for (unsigned step = 0; step < 40000; step++) {
		pfn_t p = test_rand(&seed) % PX_FRAMES, q = test_rand(&seed) % PX_FRAMES;
		unsigned op = (unsigned)(test_rand(&seed) % 11);

		px_struct_page(test_rand(&seed) % 4, sp);
		if (!md.claimed[p]) {
			ASSERT_EQ(frame_claim_zero(&fs, p, FO_VMEMMAP, ORIGIN_BUDDY), 0);
			md.claimed[p] = true;
			memset(md.bytes[p], 0, PX_PAGE);
			px_set_pattern(&fs, &md, p, sp);
			continue;
		}
		if (op < 5) {
			px_write_slot(&fs, &md, p, (unsigned)(test_rand(&seed) % PX_SPP), sp);
		} else if (op == 5 || op == 6) {
			px_set_pattern(&fs, &md, p, sp);
		} else if (op == 7 && md.claimed[q] && p != q) {
			ASSERT_EQ(frame_copy(&fs, q, p), 0);
			memcpy(md.bytes[q], md.bytes[p], PX_PAGE);
		} else if (op == 8) {
			frame_release(&fs, p);
			md.claimed[p] = false;
		} else if (op >= 9) { /* a field of one struct page, as the MMU writes it */
			unsigned slot = (unsigned)(test_rand(&seed) % PX_SPP);
			size_t off = test_rand(&seed) % PX_SP, len = 1 + test_rand(&seed) % (PX_SP - off);

			if (test_rand(&seed) % 2) /* half of them the whole struct page */
				off = 0, len = PX_SP;
			/* the field of one of the four values: slots often become one */
			int ret = frame_write_in_slot(&fs, p, slot * PX_SP + off, sp + off, len);

			if (ret) {
				uint8_t *b;

				ASSERT_EQ(ret, -EAGAIN);
				b = frame_writable_bytes(&fs, p);
				if (!b && (frame_entry(&fs, p) & FRAME_PX))
					b = frame_materialize_px(&fs, p);
				if (!b && (frame_entry(&fs, p) & FRAME_PATTERN))
					b = frame_materialize_pattern(&fs, p);
				ASSERT_TRUE(b != NULL);
				memcpy(b + slot * PX_SP + off, sp + off, len);
			}
			memcpy(md.bytes[p] + slot * PX_SP + off, sp + off, len);
		}
		if (step % 4000 == 0)
			ASSERT_EQ(px_compare(&fs, &md), 0);
	}
	ASSERT_EQ(px_compare(&fs, &md), 0);
	ASSERT_TRUE(fs.nr_px > 0); /* the form was exercised */
	for (pfn_t p = 0; p < PX_FRAMES; p++)
		if (md.claimed[p])
			frame_release(&fs, p);
	ASSERT_EQ(fs.px.nr_live, 0);
	ASSERT_EQ(fs.patterns.nr_live, 0);
	ASSERT_EQ(fs.host.nr_in_use, 0);
	frame_store_destroy(&fs);
	return 0;
}

/*
 * A pool of 2 MiB pages allocated with HVO off: each folio's first
 * vmemmap page (the head, the folio fields, then tails) is a pattern with
 * exceptions, so the pool costs the host no chunk per folio, and the
 * checker, which reads those pages, finds nothing wrong, then finds a
 * wrong compound_head() in one of their own slots.
 */
TEST(frame_px_holds_the_first_page_of_each_folio)
{
	struct machine *m = boot_scenario("machine mem=4G\ndesign legacy\nboot\n"
					  "hugepages 2M 256\n");
	struct check_report *r = malloc(sizeof(*r));
	const struct geometry *g;
	pfn_t folio = PFN_NONE;
	struct pt_walk w;
	uint64_t info, bad;

	ASSERT_TRUE(m != NULL && r != NULL);
	g = &m->geo;
	ASSERT_TRUE(m->frames.nr_px >= 256);
	ASSERT_TRUE(m->frames.host.nr_in_use < 64); /* was 256 more: a page per folio */
	ASSERT_EQ(mm_check(m, r), 0);
	for (pfn_t p = 0; p < m->max_pfn && folio == PFN_NONE; p += 512)
		if (!vmemmap_walk_va(m, pfn_to_page_va(g, p), &w) && frame_px(&m->frames, w.pfn))
			folio = p;
	ASSERT_TRUE(folio != PFN_NONE);
	/* page[2] names the next folio as its head: still one of its own slots */
	ASSERT_EQ(vmemmap_read(m, pfn_to_page_va(g, folio + 2) + PAGE_OFF_COMPOUND_INFO, &info,
			       sizeof(info)), 0);
	bad = pfn_to_page_va(g, folio + 512) | 1;
	ASSERT_EQ(vmemmap_write(m, pfn_to_page_va(g, folio + 2) + PAGE_OFF_COMPOUND_INFO, &bad,
				sizeof(bad)), 0);
	ASSERT_TRUE(frame_px(&m->frames, w.pfn) != NULL);
	ASSERT_TRUE(mm_check(m, r) >= 1);
	ASSERT_TRUE(strstr(r->lines[0], "compound_head() is") != NULL);
	ASSERT_EQ(vmemmap_write(m, pfn_to_page_va(g, folio + 2) + PAGE_OFF_COMPOUND_INFO, &info,
				sizeof(info)), 0);
	ASSERT_EQ(mm_check(m, r), 0);
	free(r);
	machine_destroy(m);
	return 0;
}

/*
 * The boot memmap of the vmemmap pages legacy frees at boot (two 1 GiB
 * pages: 8188 pages whose own struct pages are cleared of PG_reserved one
 * by one) becomes patterns again, not real bytes: the host backs only the
 * page tables.  The checker agrees with every struct page.
 */
TEST(frame_px_freed_boot_memmap_costs_no_chunk)
{
	struct machine *m = boot_scenario("machine mem=8G\n"
					  "cmdline hugepagesz=1G hugepages=2 hugetlb_free_vmemmap=on\n"
					  "design legacy\nboot\n");

	ASSERT_TRUE(m != NULL);
	ASSERT_EQ(m->frames.host.nr_in_use, m->stat.vmemmap_pgtable_pages); /* was +130 */
	ASSERT_EQ(check_machine(m), 0);
	machine_destroy(m);
	return 0;
}
