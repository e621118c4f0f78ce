/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Corpus replay without libFuzzer: each input file runs through a fuzz
 * target's entry point in a child process, so a crash, a sanitizer report
 * (leaks included) or a hang fails that one file and the caller goes on.
 * Used by the standalone replayer (fuzz/replay_main.c) and by the test
 * runner, which counts every corpus file as one test.
 */
#ifndef HVO_REPLAY_H
#define HVO_REPLAY_H

#include <stddef.h>
#include <stdint.h>

/* Seconds one input may run before it counts as a hang. */
#ifndef REPLAY_TIMEOUT
#define REPLAY_TIMEOUT 60
#endif

/* A fuzz target's entry point (LLVMFuzzerTestOneInput, or a renamed one). */
typedef int (*fuzz_one_fn)(const uint8_t *data, size_t size);

/*
 * Run the file at @path through @one in a child.  Returns 0 when the child
 * exited with status 0, else 1 with the reason in @why.
 */
int replay_file(const char *path, fuzz_one_fn one, char *why, size_t len);

/* The regular files of @dir, sorted, not dot files; NULL if unreadable. */
char **replay_list_dir(const char *dir, size_t *nr);
void replay_free_list(char **names, size_t nr);

#endif
