/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The table of kernel generations (see include/generation.h): lookup by
 * name, the default, the list `hvo compare` runs, and the text that usage
 * and error messages print, all made from the one table.
 */
#ifndef HVO_SIM_GENERATIONS_H
#define HVO_SIM_GENERATIONS_H

#include <stdio.h>

#include "generation.h"

/* Every row, in the order help and error messages list them. */
extern const struct hvo_generation hvo_generations[];
extern const unsigned nr_hvo_generations;

/* The row named @name, or NULL. */
const struct hvo_generation *generation_find(const char *name);
/* generic: what a machine gets when nothing names a generation. */
const struct hvo_generation *generation_default(void);
/*
 * The model row that claims to be kernel @version ("6.12.117", a planted
 * tree's "6.12.113-noflush"): legacy-6.12.115 for Debian's 6.12.115 to
 * 6.12.117, legacy for the other 6.12 from 6.12.113 on, legacy-6.1 for 6.1
 * from 6.1.192 on; NULL for any other
 * version (`hvo diff` then needs --model).
 */
const struct hvo_generation *generation_model_of(const char *version);
/* The @i-th of the designs `hvo compare` runs side by side; NULL past the last. */
const struct hvo_generation *generation_compared(unsigned i);
/* "legacy, legacy-6.12.115, ... or generic" into @buf. */
void generation_names(char *buf, size_t len);
/*
 * One line per generation for `hvo help`: @indent spaces, the name, its
 * help text from @column on.
 */
void generation_help(FILE *out, unsigned indent, unsigned column);

#endif
