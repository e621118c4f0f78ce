/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output files that are never half written: output_open() writes to a
 * temporary file in the target's directory, output_commit() checks every
 * write, flushes, and renames it over the target only if all went well;
 * on any failure the target is left exactly as it was.  Standard output
 * ("-" or no path) and a target that is a device or FIFO (/dev/stdout)
 * are checked the same way, written in place.
 */
#ifndef HVO_OUTPUT_H
#define HVO_OUTPUT_H

#include <stdio.h>

#include "types.h"

struct output {
	FILE *f;         /* write here */
	char *path;      /* the target, NULL for standard output */
	char *tmp;       /* the temporary file beside it (NULL: in place) */
};

/*
 * Start writing @path (NULL or "-": standard output).  @inputs (NULL-ended,
 * may be NULL) name files the command reads: a target that is one of them
 * is refused.  0, or -1 with one line "hvo CMD: PATH: why" on stderr.
 */
int output_open(struct output *o, const char *cmd, const char *path,
		const char *const *inputs);
/*
 * Finish: 0 if every byte reached the target (renamed into place), or -1
 * with one line on stderr and the temporary file removed.
 */
int output_commit(struct output *o, const char *cmd);
/* Remove the temporary file being written, if any (async-signal-safe). */
void output_unlink_pending(void);
/* Give up: the temporary file is removed, the target untouched. */
void output_abort(struct output *o);

/*
 * Standard output, checked once for every command (main.c).  Where it is
 * a regular file, the mark remembers where this run's output starts, so
 * that output which could not be written in full is cut off again: a
 * file holds the whole output or none of it (complete JSON or nothing).
 */
struct stdout_mark {
	bool regular;
	long long start;
};

/*
 * Standard input, output and error that are closed get /dev/null opened
 * the wrong way round in their place, so a write to a closed standard
 * output fails (EBADF) instead of landing in a file opened later.
 */
void output_guard_std_fds(void);
void output_stdout_mark(struct stdout_mark *mk);
/*
 * Flush and close standard output: 0, or -1 if any write failed, with the
 * file cut back to its mark and, if @report, one line
 * "hvo CMD: standard output: why" (@cmd NULL: "hvo: ...").
 */
int output_close_stdout(const struct stdout_mark *mk, const char *cmd, bool report);

#endif
