// SPDX-License-Identifier: GPL-2.0-only
/* mm: calls down into lib (allowed) and its own static helper. */
int lib_low(void);
static int helper(void) { return 2; }
int mm_high(void) { return helper(); }
int mm_other(void) { return lib_low(); }
