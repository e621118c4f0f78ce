/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one hvo command may take, each with a default that suits a
 * workstation and an environment variable to change it (a size; 0 for no
 * limit):
 *
 *   HVO_MAX_INPUT  bytes of one scenario file (default 16M)
 *   HVO_MAX_MEM    simulated memory: boot RAM, hot-added memory and DAX
 *                  together (default 16T; the simulator's ceiling is 64T)
 *   HVO_HOST_MEM   host memory for backed frames (hw/hostmem.c; default
 *                  7/8 of MemAvailable)
 *   HVO_MAX_SECONDS wall time of one command (seconds; default 3600, for
 *                  `sweep` none)
 *
 * and the check that refuses a huge page pool request that would need
 * more host memory than HVO_HOST_MEM leaves, before it starts.
 */
#ifndef HVO_CLI_LIMITS_H
#define HVO_CLI_LIMITS_H

#include <stdio.h>

#include "machine.h"

#define HVO_MAX_INPUT_DEFAULT (16ULL << 20)
#define HVO_MAX_MEM_DEFAULT (16ULL << 40)
#define HVO_MAX_SECONDS_DEFAULT 3600

/* Every variable above that is set must be a size: 0, or -1 after one line. */
int cli_limits_check(FILE *err);
/* The limits; 0 is none. */
uint64_t cli_max_input(void);
uint64_t cli_max_mem(void);
/*
 * Growing the pool of @size pages to @count (as hugetlb_set_nr would):
 * 0 if the host memory it needs at the least fits what HVO_HOST_MEM
 * leaves, else -1 with one line in @err.
 */
int pool_request_fits(struct machine *m, uint64_t size, uint64_t count,
		      char *err, size_t errlen);

/*
 * HVO_MAX_SECONDS (default 3600; for `sweep`, which is long by nature, no
 * limit): past it the command stops with one line "hvo CMD: time limit of
 * N s reached ..." and status 2.  Its output file is left as it was and
 * the temporary one beside it removed.  -1 with one line on @err when the
 * variable is not a number of seconds.
 */
int cli_time_limit_arm(const char *cmd, FILE *err);

/*
 * One line on standard error, printf-style, with the control and
 * non-ASCII bytes of the result as \xNN.
 */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
