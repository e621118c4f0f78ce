// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output files written atomically (see output.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/limits.h"
#include "cli/output.h"

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * A target that exists and is neither a file nor a folder (/dev/stdout, a
 * FIFO, /dev/full) is written in place: a rename would replace the device
 * node itself.  Its writes are checked all the same.
 */
static int open_device(struct output *o, const char *cmd, const char *path)
{
	o->path = strdup(path);
	o->f = o->path ? fopen(path, "w") : NULL;
	if (!o->f) {
		cli_error("hvo %s: %s: %s", cmd, path, o->path ? strerror(errno) : "out of memory");
		free(o->path);
		o->path = NULL;
		return -1;
	}
	return 0;
}

/*
 * The temporary file being written, for output_unlink_pending() on a
 * signal path (the time limit): one per process, as a command writes one
 * output file at a time.
 */
static const char *volatile pending_tmp;

void output_unlink_pending(void)
{
	const char *t = pending_tmp;

	if (t)
		unlink(t);
}

int output_open(struct output *o, const char *cmd, const char *path,
		const char *const *inputs)
{
	const char *slash;
	struct stat st;
	size_t dirlen;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	for (; inputs && *inputs; inputs++)
		if (same_file(path, *inputs)) {
			cli_error("hvo %s: %s: is the input file; choose another --out",
				cmd, path);
			return -1;
		}
	if (!stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return open_device(o, cmd, path);
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	o->path = strdup(path);
	o->tmp = malloc(dirlen + 32);
	if (!o->path || !o->tmp) {
		cli_error("hvo %s: %s: out of memory", cmd, path);
		output_abort(o);
		return -1;
	}
	memcpy(o->tmp, path, dirlen);
	strcpy(o->tmp + dirlen, ".hvo-out.XXXXXX");
	fd = mkstemp(o->tmp);
	if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
		cli_error("hvo %s: %s: %s", cmd, path, strerror(errno));
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
	pending_tmp = o->tmp;
	return 0;
}

int output_commit(struct output *o, const char *cmd)
{
	const char *name = o->path ? o->path : "standard output";
	int bad = fflush(o->f) != 0 || ferror(o->f);
	int err = errno;

	if (!o->path) {
		if (bad) {
			cli_error("hvo %s: %s: %s", cmd, name, strerror(err ? err : EIO));
			return -1;
		}
		return 0;
	}
	if (fclose(o->f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	o->f = NULL;
	pending_tmp = NULL;
	if (!bad && o->tmp && rename(o->tmp, o->path)) {
		bad = 1;
		err = errno;
	}
	if (bad) {
		cli_error("hvo %s: %s: %s", cmd, name, strerror(err ? err : EIO));
		if (o->tmp)
			unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return bad ? -1 : 0;
}

void output_abort(struct output *o)
{
	pending_tmp = NULL;
	if (o->f && o->f != stdout)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

void output_guard_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nfd >= 0 && nfd != fd) {
			dup2(nfd, fd);
			close(nfd);
		}
	}
}

void output_stdout_mark(struct stdout_mark *mk)
{
	struct stat st;
	int fl = fcntl(STDOUT_FILENO, F_GETFL);
	off_t pos;

	memset(mk, 0, sizeof(*mk));
	if (fl < 0 || fstat(STDOUT_FILENO, &st) || !S_ISREG(st.st_mode))
		return;
	pos = (fl & O_APPEND) ? st.st_size : lseek(STDOUT_FILENO, 0, SEEK_CUR);
	if (pos < 0)
		return;
	mk->regular = true;
	mk->start = (long long)pos;
}

int output_close_stdout(const struct stdout_mark *mk, const char *cmd, bool report)
{
	/* a second descriptor: the cut comes after fclose, which may write */
	int keep = mk->regular ? dup(STDOUT_FILENO) : -1;
	int err = 0;

	/* -1: a write failed earlier, its errno is gone */
	if (fflush(stdout))
		err = errno ? errno : -1;
	else if (ferror(stdout))
		err = -1;
	if (fclose(stdout) && !err)
		err = errno ? errno : -1;
	if (err && keep >= 0) {
		struct stat st;
		if (!fstat(keep, &st) && st.st_size > (off_t)mk->start)
			(void)!ftruncate(keep, (off_t)mk->start);
	}
	if (keep >= 0)
		close(keep);
	if (!err)
		return 0;
	if (report)
		fprintf(stderr, "hvo%s%s: standard output: %s\n", cmd ? " " : "",
			cmd ? cmd : "", err > 0 ? strerror(err) : "write error");
	return -1;
}
