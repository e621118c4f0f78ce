/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bytes made safe to show.  An error message is one line of printable
 * ASCII whatever the input held: control bytes, DEL and every byte of 0x80
 * and above come out as \xNN.  A JSON string is valid UTF-8: well-formed
 * UTF-8 passes through, a byte that is not part of a well-formed sequence
 * comes out as \u00NN (the code point of the same number), so a file name
 * that is not UTF-8 still gives parseable JSON.
 */
#ifndef HVO_ESCAPE_H
#define HVO_ESCAPE_H

#include "types.h"

/* Write @s to @f with control and non-ASCII bytes as \xNN. */
void fput_escaped(FILE *f, const char *s);
/* @s escaped for the inside of a JSON string (no quotes added). */
void fput_json_string(FILE *f, const char *s);
/* Length of the well-formed UTF-8 sequence at @s (1..4), 0 if none. */
unsigned utf8_seq_len(const unsigned char *s);

#endif
