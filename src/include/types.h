/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Basic types, error numbers and assertion tiers shared by every subsystem.
 *
 * The simulator follows kernel conventions: functions that can fail return 0
 * or a negative errno; ranges are half-open [start, end); "pfn" is a page
 * frame number of the simulated machine, never a host address.  BUG_ON() is
 * for simulator-internal corruption (abort), WARN_ON() logs and returns its
 * condition so it can guard an early return.
 */
#ifndef HVO_TYPES_H
#define HVO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t pfn_t;   /* simulated page frame number */
typedef uint64_t vaddr_t; /* simulated kernel virtual address */
typedef uint64_t phys_t;  /* simulated physical address */

/* Kernel errno values (positive), returned negated. */
#define EPERM 1
#define ENOENT 2
#define EIO 5
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOTSUPP 524 /* kernel-internal "operation not supported" */

#define SZ_1K (1ULL << 10)
#define SZ_1M (1ULL << 20)
#define SZ_1G (1ULL << 30)
#define SZ_1T (1ULL << 40)

#define PFN_NONE ((pfn_t)-1)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)

void hvo_bug(const char *file, int line, const char *func, const char *cond);
void hvo_warn(const char *file, int line, const char *func, const char *cond);

#define BUG_ON(c)                                                    \
	do {                                                         \
		if (c)                                               \
			hvo_bug(__FILE__, __LINE__, __func__, #c);   \
	} while (0)
#define BUG() hvo_bug(__FILE__, __LINE__, __func__, "BUG")
#define WARN_ON(c) \
	((c) ? (hvo_warn(__FILE__, __LINE__, __func__, #c), 1) : 0)

/* @nr consecutive frames from @start. */
struct pfn_run {
	pfn_t start;
	uint64_t nr;
};

static inline unsigned ilog2_u64(uint64_t v)
{
	unsigned r = 0;
	while (v >>= 1)
		r++;
	return r;
}

static inline bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* The bits of word @w of a bitmap (64 bits a word) inside [@lo, @hi]. */
static inline uint64_t bitmap_word_mask(uint64_t w, uint64_t lo, uint64_t hi)
{
	uint64_t m = ~0ULL;

	if (w == lo >> 6)
		m &= ~0ULL << (lo & 63);
	if (w == hi >> 6)
		m &= ~0ULL >> (63 - (hi & 63));
	return m;
}

/* Set (@on) or clear bits [@lo, @hi] of @bm, a word at a time. */
static inline void bitmap_assign_range(uint64_t *bm, uint64_t lo, uint64_t hi, bool on)
{
	for (uint64_t w = lo >> 6; w <= hi >> 6; w++) {
		if (on)
			bm[w] |= bitmap_word_mask(w, lo, hi);
		else
			bm[w] &= ~bitmap_word_mask(w, lo, hi);
	}
}

/* Are bits [@lo, @hi] of @bm all set? */
static inline bool bitmap_range_full(const uint64_t *bm, uint64_t lo, uint64_t hi)
{
	for (uint64_t w = lo >> 6; w <= hi >> 6; w++)
		if ((bm[w] & bitmap_word_mask(w, lo, hi)) != bitmap_word_mask(w, lo, hi))
			return false;
	return true;
}

#endif
