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
/* kstrtobool: y/Y/1/on, n/N/0/off. */
int parse_bool(const char *s, bool *out);
/* Human form of a size: "2M", "1G", "64K", else bytes. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
