/*
 * Corpus replayer: runs every file of the directories (or files) given on
 * the command line through LLVMFuzzerTestOneInput, without libFuzzer, so
 * a plain gcc build with ASan and UBSan can replay a corpus in CI.  Link
 * it with one fuzz target.  Each file runs in a child process: a crash, a
 * sanitizer report (leaks included) or a run longer than REPLAY_TIMEOUT
 * seconds fails that file, and the replay goes on.  One line per file, then
 * "N passed, N failed"; the exit status is 1 when any file failed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Seconds one input may run before it counts as a hang. */
#ifndef REPLAY_TIMEOUT
#define REPLAY_TIMEOUT 60
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned nr_passed, nr_failed;

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return -1;
	for (;;) {
		if (len == cap) {
			uint8_t *nb;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	*data = buf;
	*size = len;
	return 0;
}

/* Each file runs in a child: a crash, a leak or a hang fails that file only. */
static void run_file(const char *path)
{
	uint8_t *data;
	size_t size;
	pid_t pid;
	int status;

	if (read_file(path, &data, &size)) {
		printf("%s: FAILED: cannot read\n", path);
		nr_failed++;
		return;
	}
	printf("%s (%zu bytes): ", path, size);
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("FAILED: fork\n");
		nr_failed++;
		free(data);
		return;
	}
	if (pid == 0) {
		alarm(REPLAY_TIMEOUT);
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		exit(0); /* LeakSanitizer checks here */
	}
	free(data);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			printf("FAILED: waitpid\n");
			nr_failed++;
			return;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("ok\n");
		nr_passed++;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		printf("FAILED: still running after %d s\n", REPLAY_TIMEOUT);
		nr_failed++;
	} else if (WIFSIGNALED(status)) {
		printf("FAILED: signal %d\n", WTERMSIG(status));
		nr_failed++;
	} else {
		printf("FAILED: exit status %d\n", WEXITSTATUS(status));
		nr_failed++;
	}
	fflush(stdout);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0, cap = 0;

	if (!d) {
		printf("%s: FAILED: cannot open\n", dir);
		nr_failed++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nr == cap) {
			char **nn;
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				abort();
			names = nn;
		}
		names[nr] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[nr])
			abort();
		sprintf(names[nr], "%s/%s", dir, e->d_name);
		nr++;
	}
	closedir(d);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_names);
	for (size_t i = 0; i < nr; i++) {
		struct stat st;
		if (!stat(names[i], &st) && S_ISREG(st.st_mode))
			run_file(names[i]);
		free(names[i]);
	}
	free(names);
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
			run_file(argv[i]);
	}
	printf("%u passed, %u failed\n", nr_passed, nr_failed);
	return nr_failed ? 1 : 0;
}
