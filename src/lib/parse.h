/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small parsers shared by the scenario language and the kernel command
 * line: sizes with binary suffixes (memparse), integers, booleans
 * (kstrtobool).  Every parser takes a NUL-terminated token and never exits.
 */
#ifndef HVO_PARSE_H
#define HVO_PARSE_H

#include "types.h"

/* "4G", "512M", "2m", "4096", "16K": 0 or -EINVAL (also on overflow). */
int parse_size(const char *s, uint64_t *out);
/* Decimal or 0x-hex unsigned integer, whole token. */
int parse_u64(const char *s, uint64_t *out);
/* Optionally signed decimal integer, whole token. */
int parse_s64(const char *s, int64_t *out);
/*
 * A whole-token unsigned integer (decimal or 0x hex) in [@min, @max], for
 * a command-line option or a scenario word: 0, or -EINVAL with one line
 * "NAME 'TOKEN': expected an integer MIN..MAX" in @err (the token's
 * control and non-ASCII bytes as \xNN).  "-1", "1e3", "4294967297" for
 * an unsigned int, "18446744073709551616" and "12abc" are all refused.
 */
int parse_uint_arg(const char *name, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen);
/* The same for a size with an optional K/M/G/T/P suffix. */
int parse_size_arg(const char *name, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen);
/*
 * For an option's value: parse_uint_arg() into an unsigned int or a
 * uint64_t, the error line (with @name, e.g. "hvo sweep: --max-runs")
 * printed on @err.  0, or -EINVAL after the line.
 */
int parse_uint_opt(FILE *err, const char *name, const char *s, uint64_t max,
		   unsigned *out);
int parse_u64_opt(FILE *err, const char *name, const char *s, uint64_t max,
		  uint64_t *out);
/* *@sum += @v, or -ERANGE (and *@sum unchanged) if that would wrap. */
int add_u64_checked(uint64_t *sum, uint64_t v);
/* kstrtobool: y/Y/1/on, n/N/0/off. */
int parse_bool(const char *s, bool *out);
/* Human form of a size: "2M", "1G", "64K", else bytes. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
