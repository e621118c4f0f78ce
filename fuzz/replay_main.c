// SPDX-License-Identifier: GPL-2.0-only
/*
 * Standalone corpus replayer: link it with one fuzz target and give it
 * directories or files; it runs each file through LLVMFuzzerTestOneInput
 * (fuzz/replay.c), prints one line per file and then "N passed, N failed",
 * and exits 1 when any file failed.  A plain gcc build with ASan and UBSan
 * replays a libFuzzer corpus or a crash artifact this way.
 */
#include <stdio.h>
#include <sys/stat.h>

#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned nr_passed, nr_failed;

static void run_one(const char *path)
{
	char why[128];

	if (replay_file(path, LLVMFuzzerTestOneInput, why, sizeof(why))) {
		printf("%s: FAILED: %s\n", path, why);
		nr_failed++;
	} else {
		printf("%s: ok\n", path);
		nr_passed++;
	}
	fflush(stdout);
}

static void run_dir(const char *dir)
{
	size_t nr;
	char **names = replay_list_dir(dir, &nr);

	if (!names) {
		printf("%s: FAILED: cannot open\n", dir);
		nr_failed++;
		return;
	}
	for (size_t i = 0; i < nr; i++)
		run_one(names[i]);
	replay_free_list(names, nr);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode))
			run_dir(argv[i]);
		else
			run_one(argv[i]);
	}
	printf("%u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
