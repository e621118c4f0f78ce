// SPDX-License-Identifier: GPL-2.0-only
/*
 * Escaping for messages and JSON strings (see escape.h).
 */
#include "lib/escape.h"

void fput_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/*
 * RFC 3629: no overlong forms, nothing above U+10FFFF, no surrogates.
 * The string is NUL-terminated, so a truncated sequence meets a NUL,
 * which is not a continuation byte.
 */
unsigned utf8_seq_len(const unsigned char *s)
{
	unsigned n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void fput_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned n = utf8_seq_len(p);

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p);
			p++;
		} else if (*p < 0x20 || *p == 0x7f || !n) {
			fprintf(f, "\\u%04x", *p);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}
