// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files written atomically (see output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/output.h"

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int output_open(struct output *o, const char *cmd, const char *path,
		const char *const *inputs)
{
	const char *slash;
	size_t dirlen;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	for (; inputs && *inputs; inputs++)
		if (same_file(path, *inputs)) {
			fprintf(stderr, "hvo %s: %s: is the input file; choose another --out\n",
				cmd, path);
			return -1;
		}
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	o->path = strdup(path);
	o->tmp = malloc(dirlen + 32);
	if (!o->path || !o->tmp) {
		fprintf(stderr, "hvo %s: %s: out of memory\n", cmd, path);
		output_abort(o);
		return -1;
	}
	memcpy(o->tmp, path, dirlen);
	strcpy(o->tmp + dirlen, ".hvo-out.XXXXXX");
	fd = mkstemp(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		fprintf(stderr, "hvo %s: %s: %s\n", cmd, path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(o->tmp);
		}
		free(o->tmp);
		o->tmp = NULL;
		output_abort(o);
		return -1;
	}
	/* mkstemp makes it 0600; give it what a plain create would have */
	{
		mode_t mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	return 0;
}

int output_commit(struct output *o, const char *cmd)
{
	const char *name = o->path ? o->path : "standard output";
	int bad = fflush(o->f) != 0 || ferror(o->f);
	int err = errno;

	if (!o->path) {
		if (bad) {
			fprintf(stderr, "hvo %s: %s: %s\n", cmd, name, strerror(err ? err : EIO));
			return -1;
		}
		return 0;
	}
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	if (!bad && rename(o->tmp, o->path)) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		fprintf(stderr, "hvo %s: %s: %s\n", cmd, name, strerror(err ? err : EIO));
		unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return bad ? -1 : 0;
}

void output_abort(struct output *o)
{
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
