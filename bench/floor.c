// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host's own floor, measured at the start of every bench run: how fast
 * this host gives a process fresh memory (the first touch of an anonymous
 * page: a fault, and the host zeroing the page), with and without
 * MADV_HUGEPAGE, and how fast it rewrites memory already touched (a
 * memset).  A row that makes the frame store back F fresh bytes and reuse
 * R bytes from its free list cannot take less than F / first-touch rate +
 * R / rewrite rate on this host; the bench prints each row as a multiple
 * of that, which stays comparable on a shared host whose absolute speed
 * varies from minute to minute.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "floor.h"

static double floor_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Seconds to first-touch @bytes of fresh anonymous memory, one write per
 * 4 KiB page as the frame store touches a chunk (@thp: advised
 * MADV_HUGEPAGE, as hw/hostmem.c does); with @rewrite, the seconds of a
 * memset of the same, already touched, memory.  -1 if mmap fails.
 */
static double touch_seconds(size_t bytes, bool thp, double *rewrite)
{
	volatile char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	double t0, t;

	if (p == MAP_FAILED)
		return -1;
#ifdef MADV_HUGEPAGE
	if (thp)
		madvise((void *)p, bytes, MADV_HUGEPAGE);
#else
	(void)thp;
#endif
	t0 = floor_now();
	for (size_t off = 0; off < bytes; off += 4096)
		p[off] = 1;
	t = floor_now() - t0;
	if (rewrite) {
		t0 = floor_now();
		memset((void *)p, 2, bytes);
		*rewrite = floor_now() - t0;
	}
	munmap((void *)p, bytes);
	return t;
}

void host_rates_measure(struct host_rates *r, size_t bytes, unsigned reps)
{
	memset(r, 0, sizeof(*r));
	r->sample_bytes = bytes;
	/* Interleaved, best of @reps: the floor is what the host can do. */
	for (unsigned i = 0; i < reps; i++) {
		double rw = 0, a = touch_seconds(bytes, false, &rw), b = touch_seconds(bytes, true, NULL);

		if (a > 0 && bytes / a > r->touch)
			r->touch = bytes / a;
		if (b > 0 && bytes / b > r->touch_thp)
			r->touch_thp = bytes / b;
		if (rw > 0 && bytes / rw > r->rewrite)
			r->rewrite = bytes / rw;
	}
}

double host_floor_seconds(const struct host_rates *r, bool thp, double fresh, double reused)
{
	double touch = thp ? r->touch_thp : r->touch;

	if (touch <= 0 || r->rewrite <= 0)
		return 0;
	return fresh / touch + reused / r->rewrite;
}
