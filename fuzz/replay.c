// SPDX-License-Identifier: GPL-2.0-only
/*
 * Corpus replay: reads one input file, runs it through a fuzz target's
 * entry point in a forked child with an alarm set, and tells from the
 * child's exit status whether it passed.  ASan and UBSan built with
 * -fno-sanitize-recover make any report a non-zero exit; LeakSanitizer
 * checks at the child's exit(0).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay.h"

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

static int wait_child(pid_t pid, char *why, size_t len)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, len, "waitpid: %s", strerror(errno));
			return 1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(why, len, "still running after %d s", REPLAY_TIMEOUT);
	else if (WIFSIGNALED(status))
		snprintf(why, len, "signal %d", WTERMSIG(status));
	else
		snprintf(why, len, "exit status %d", WEXITSTATUS(status));
	return 1;
}

int replay_file(const char *path, fuzz_one_fn one, char *why, size_t len)
{
	uint8_t *data;
	size_t size;
	pid_t pid;

	if (read_file(path, &data, &size)) {
		snprintf(why, len, "cannot read");
		return 1;
	}
	fflush(NULL); /* the child's exit must not write the parent's buffers */
	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		free(data);
		return 1;
	}
	if (pid == 0) {
		alarm(REPLAY_TIMEOUT);
		one(data, size);
		free(data);
		exit(0); /* LeakSanitizer checks here */
	}
	free(data);
	return wait_child(pid, why, len);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **replay_list_dir(const char *dir, size_t *nr)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*nr = 0;
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		struct stat st;
		char *path;

		if (e->d_name[0] == '.')
			continue;
		path = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!path)
			abort();
		sprintf(path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		if (*nr == cap) {
			char **nn;
			cap = cap ? cap * 2 : 64;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn)
				abort();
			names = nn;
		}
		names[(*nr)++] = path;
	}
	closedir(d);
	if (*nr)
		qsort(names, *nr, sizeof(*names), cmp_names);
	return names ? names : calloc(1, sizeof(*names));
}

void replay_free_list(char **names, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
}
