// SPDX-License-Identifier: GPL-2.0-only
/*
 * BUG() and WARN(): the two assertion tiers (see types.h).
 */
#include "types.h"

void hvo_bug(const char *file, int line, const char *func, const char *cond)
{
	fprintf(stderr, "hvo: BUG at %s:%d in %s(): %s\n", file, line, func, cond);
	abort();
}

void hvo_warn(const char *file, int line, const char *func, const char *cond)
{
	fprintf(stderr, "hvo: WARNING at %s:%d in %s(): %s\n", file, line, func, cond);
}
