// SPDX-License-Identifier: GPL-2.0-only
/* lib: calls mm_high() in mm/, a layer above: one upward call. */
int mm_high(void);
static int helper(void) { return 1; }
int lib_low(void) { return helper() + mm_high(); }
