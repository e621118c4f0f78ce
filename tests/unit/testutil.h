/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for tests: run a scenario in-process, boot a machine from a
 * scenario text.
 */
#ifndef HVO_TESTUTIL_H
#define HVO_TESTUTIL_H

#include "machine.h"

struct scenario_result {
	int status; /* 0, 1 or 2 as `hvo run` exits */
	char *err;  /* everything written to the error stream (free it) */
};

/*
 * The whole file at @path, NUL-terminated, in *@buf (free it), its length
 * in *@len; 0, or -1 (and a message) if it cannot be read.
 */
int read_whole_file(const char *path, char **buf, size_t *len);

/* 0, or -1 if the file cannot be read. */
int run_scenario_file(const char *path, struct scenario_result *r);
int run_scenario_text(const char *name, const char *text, struct scenario_result *r);

/* Boot the machine a scenario describes; NULL (and a message) on failure. */
struct machine *boot_scenario(const char *text);

/* A 64-bit LCG step of @s, its top 31 bits: the tests' reproducible randomness. */
static inline uint64_t test_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* Number of invariant violations, printing them. */
uint64_t check_machine(struct machine *m);

#endif
