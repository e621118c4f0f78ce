// SPDX-License-Identifier: GPL-2.0-only
/*
 * Token parsers (see parse.h).
 */
#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <string.h>

#include "lib/parse.h"

int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_s64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	case 't': case 'T': shift = 40; break;
	case 'p': case 'P': shift = 50; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (shift) {
		end++;
		if (*end == 'B' || *end == 'b') /* accept "2MB" */
			end++;
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -EINVAL;
	*out = v << shift;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	if (!s)
		return -EINVAL;
	if (!strcmp(s, "1") || !strcmp(s, "y") || !strcmp(s, "Y") ||
	    !strcmp(s, "on") || !strcmp(s, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "0") || !strcmp(s, "n") || !strcmp(s, "N") ||
	    !strcmp(s, "off") || !strcmp(s, "no")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

/* @s with control and non-ASCII bytes as \xNN, cut to fit @len. */
static const char *printable(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return buf;
}

static int arg_error(const char *name, const char *s, const char *what,
		     uint64_t min, uint64_t max, char *err, size_t errlen)
{
	char tok[128], lo[32], hi[32];

	if (!strcmp(what, "a size")) {
		format_size(min, lo, sizeof(lo));
		format_size(max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)max);
	}
	snprintf(err, errlen, "%s '%s': expected %s %s..%s", name,
		 printable(s ? s : "", tok, sizeof(tok)), what, lo, hi);
	return -EINVAL;
}

int parse_uint_arg(const char *name, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < min || v > max)
		return arg_error(name, s, "an integer", min, max, err, errlen);
	*out = v;
	return 0;
}

int parse_size_arg(const char *name, const char *s, uint64_t min, uint64_t max,
		   uint64_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_size(s, &v) || v < min || v > max)
		return arg_error(name, s, "a size", min, max, err, errlen);
	*out = v;
	return 0;
}

int parse_u64_opt(FILE *err, const char *name, const char *s, uint64_t max,
		  uint64_t *out)
{
	char msg[256];

	if (parse_uint_arg(name, s, 0, max, out, msg, sizeof(msg))) {
		fprintf(err, "%s\n", msg);
		return -EINVAL;
	}
	return 0;
}

int parse_uint_opt(FILE *err, const char *name, const char *s, uint64_t max,
		   unsigned *out)
{
	uint64_t v;

	if (max > UINT_MAX)
		max = UINT_MAX;
	if (parse_u64_opt(err, name, s, max, &v))
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

int add_u64_checked(uint64_t *sum, uint64_t v)
{
	if (*sum + v < *sum)
		return -ERANGE;
	*sum += v;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTP";

	for (int i = 4; i >= 0; i--) {
		uint64_t u = 1ULL << (10 * (i + 1));
		if (bytes >= u && bytes % u == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(bytes / u), units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}
