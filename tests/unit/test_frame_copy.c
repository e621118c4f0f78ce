// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copy-on-write frames (hw/frame.c frame_copy(), hw/hostmem.c references):
 * a copy shares its original's host bytes until one of them is written, and
 * every read gives exactly what a real copy would have.  A random sequence
 * of copies, writes, releases and claims over many frames is checked, byte
 * for byte, against a model that copies for real; the host's chunks are
 * counted so a copy is proven to cost no fresh memory.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "testutil.h"
#include "hw/frame.h"

#define CW_FRAMES 3000
#define CW_PAGE 4096
#define CW_SP 64

struct cw_model {
	bool claimed[CW_FRAMES];
	uint8_t bytes[CW_FRAMES][CW_PAGE];
};

/* Claim @p in the store (no host bytes yet) and in the model (zeros). */
static void cw_claim(struct frame_store *fs, struct cw_model *md, pfn_t p)
{
	ASSERT_EQ(frame_claim_zero(fs, p, FO_VMEMMAP, ORIGIN_BUDDY), 0);
	md->claimed[p] = true;
	memset(md->bytes[p], 0, CW_PAGE);
}

/* The bytes a read of @p sees: its (maybe shared) host bytes, or zeros. */
static const uint8_t *cw_read(const struct frame_store *fs, pfn_t p)
{
	static const uint8_t zeros[CW_PAGE];
	const uint8_t *b = frame_bytes(fs, p);

	if (b)
		return b;
	ASSERT_TRUE(frame_entry(fs, p) & FRAME_ZERO);
	return zeros;
}

/* Write @len bytes of @v at @off of @p, as the MMU does. */
static void cw_write(struct frame_store *fs, struct cw_model *md, pfn_t p, size_t off,
		     size_t len, uint8_t v)
{
	uint8_t *b = frame_writable_bytes(fs, p);

	if (!b)
		b = frame_materialize_zero(fs, p);
	ASSERT_TRUE(b);
	ASSERT_FALSE(frame_entry(fs, p) & FRAME_COW);
	memset(b + off, v, len);
	memset(md->bytes[p] + off, v, len);
}

static int cw_compare(const struct frame_store *fs, const struct cw_model *md)
{
	uint64_t claimed = 0;

	for (pfn_t p = 0; p < CW_FRAMES; p++) {
		if (!md->claimed[p]) {
			ASSERT_EQ(frame_entry(fs, p), 0);
			continue;
		}
		claimed++;
		if (memcmp(cw_read(fs, p), md->bytes[p], CW_PAGE))
			test_fail(__FILE__, __LINE__, "frame %llu differs from a real copy",
				  (unsigned long long)p);
	}
	ASSERT_EQ(fs->nr_entries, claimed);
	return 0;
}

/* Copy, write, read: the bytes of a real copy, and no fresh host memory for the copy. */
TEST(frame_copy_then_write_reads_as_a_real_copy)
{
	struct frame_store fs;
	uint8_t expect[CW_PAGE];
	uint8_t *src;
	uint64_t carved;

	unsetenv("HVO_HOST_SHARE");
	ASSERT_EQ(frame_store_init(&fs, 1023, 10, CW_PAGE, CW_SP), 0);
	ASSERT_EQ(frame_claim(&fs, 1, FO_VMEMMAP, ORIGIN_BUDDY), 0);
	src = frame_bytes(&fs, 1);
	for (unsigned i = 0; i < CW_PAGE; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	carved = fs.host.nr_mapped;
	ASSERT_EQ(frame_claim_zero(&fs, 2, FO_VMEMMAP, ORIGIN_BUDDY), 0);
	ASSERT_EQ(frame_copy(&fs, 2, 1), 0);
	ASSERT_EQ(fs.host.nr_mapped, carved); /* the copy took no chunk */
	ASSERT_EQ(hostmem_refcount(&fs.host, src), 2);
	ASSERT_EQ(fs.host.nr_in_use, 2);      /* two frames with host bytes */
	ASSERT_TRUE(frame_bytes(&fs, 2) == src);
	/* a real copy, then the same write to it */
	memcpy(expect, src, CW_PAGE);
	memset(expect + 130, 0xab, 70);
	memset(frame_writable_bytes(&fs, 2) + 130, 0xab, 70);
	ASSERT_TRUE(frame_bytes(&fs, 2) != src);
	ASSERT_EQ(memcmp(frame_bytes(&fs, 2), expect, CW_PAGE), 0);
	ASSERT_EQ(src[130], (uint8_t)(130 * 7 + 3)); /* the original is untouched */
	ASSERT_EQ(hostmem_refcount(&fs.host, src), 1);
	/* the last frame on a chunk writes it in place */
	ASSERT_EQ(frame_copy(&fs, 2, 1), 0);
	frame_release(&fs, 1);
	carved = fs.host.nr_mapped;
	ASSERT_TRUE(frame_writable_bytes(&fs, 2) == src);
	ASSERT_EQ(fs.host.nr_mapped, carved);
	frame_store_destroy(&fs);
	return 0;
}

/*
 * Random copies (of copies), partial writes to either side, releases and
 * new claims over 3000 frames read exactly as a model that copies for
 * real; with HVO_HOST_SHARE=0 the store copies for real too.
 */
TEST(frame_copy_random_sequence_matches_real_copies)
{
	static struct cw_model md;
	uint64_t seed = 15;

	for (int share = 1; share >= 0; share--) {
		struct frame_store fs;
		uint64_t copies = 0, shared_seen = 0;

		memset(&md, 0, sizeof(md));
		setenv("HVO_HOST_SHARE", share ? "1" : "0", 1);
		ASSERT_EQ(frame_store_init(&fs, CW_FRAMES - 1, 10, CW_PAGE, CW_SP), 0);
		unsetenv("HVO_HOST_SHARE");
		for (int step = 0; step < 40000; step++) {
			pfn_t a = test_rand(&seed) % CW_FRAMES, b = test_rand(&seed) % CW_FRAMES;
			unsigned op = test_rand(&seed) % 10;

			if (!md.claimed[a])
				cw_claim(&fs, &md, a);
			if (op < 4 && md.claimed[b] && a != b && frame_bytes(&fs, b)) {
				ASSERT_EQ(frame_copy(&fs, a, b), 0);
				memcpy(md.bytes[a], md.bytes[b], CW_PAGE);
				copies++;
			} else if (op < 8) {
				size_t off = test_rand(&seed) % CW_PAGE;
				size_t len = 1 + test_rand(&seed) % (CW_PAGE - off);
				cw_write(&fs, &md, a, off, len, (uint8_t)test_rand(&seed));
			} else {
				frame_release(&fs, a);
				md.claimed[a] = false;
			}
			shared_seen += fs.host.nr_shared;
			if (step % 5000 == 4999 && cw_compare(&fs, &md))
				return 1;
		}
		ASSERT_TRUE(copies > 5000);
		if (share)
			ASSERT_TRUE(shared_seen > 0);
		else
			ASSERT_EQ(shared_seen, 0);
		if (cw_compare(&fs, &md))
			return 1;
		for (pfn_t p = 0; p < CW_FRAMES; p++)
			if (md.claimed[p])
				frame_release(&fs, p);
		ASSERT_EQ(fs.host.nr_in_use, 0);
		ASSERT_EQ(fs.host.nr_shared, 0);
		frame_store_destroy(&fs);
	}
	return 0;
}

/*
 * Sharing (copy-on-write copies, patterns with exceptions) changes what
 * the host pays, never what the simulated kernel does: the scenarios that
 * copy head pages (optimize, restore, rollback, demote, hvo_share_pte) give
 * the same `hvo run --json` line, every counter included but the host's
 * own host_backed_frames, with and without it (bench/same-counters.sh; run
 * it with no arguments for the whole tree).
 */
TEST(frame_sharing_leaves_every_counter_unchanged)
{
	static const char *const names[] = {
		"runtime_2m_generic", "runtime_2m_legacy", "runtime_2m_shared-tail",
		"rollback_mid_walk_generic", "rollback_mid_walk_legacy",
		"rollback_mid_walk_shared-tail_622026e87c40", "legacy_restore_resets_tails",
		"legacy_reset_3_struct_pages", "restore_k_of_n_fail_legacy", "demote_1g_legacy",
		"batch_enomem_flush_legacy", "share_pte_1g_generic",
	};
	char cmd[2048], line[256] = "", expect[64];
	size_t n = (size_t)snprintf(cmd, sizeof(cmd), "HVO=%s/hvo bench/same-counters.sh",
				    HVO_BUILD_DIR);
	FILE *p;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, " tests/scenarios/%s.hvo", names[i]);
	snprintf(cmd + n, sizeof(cmd) - n, " 2>&1");
	p = popen(cmd, "r");
	ASSERT_TRUE(p != NULL);
	while (fgets(line, sizeof(line), p))
		if (strncmp(line, "same counters:", 14))
			fprintf(stderr, "    %s", line);
		else
			break;
	ASSERT_EQ(pclose(p), 0);
	snprintf(expect, sizeof(expect), "same counters: %zu of %zu scenarios\n",
		 sizeof(names) / sizeof(names[0]), sizeof(names) / sizeof(names[0]));
	ASSERT_EQ(strcmp(line, expect), 0);
	return 0;
}
