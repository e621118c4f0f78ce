/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The HTML explorer of a run (`hvo html`): one self-contained page (inline
 * style and script, nothing fetched) with the vmemmap strip of the
 * interesting range, each box's `explain` text embedded and shown when the
 * box is clicked, a timeline of the scenario's snapshots with the counters
 * at each, and the same scenario in every design side by side.
 *
 * Opened as run.html#click-first, the page clicks its first box once
 * loaded (what the browser test checks).
 */
#ifndef HVO_HTML_H
#define HVO_HTML_H

#include <stdio.h>

#include "types.h"

struct hvo_generation;

/*
 * Run the scenario @buf (named @file; @gen overrides its design if not
 * NULL) and write the page to @out.  0; 2 after a scenario error, with its
 * message on @err.
 */
int html_explore(FILE *out, const char *file, const char *buf, size_t len,
		 const struct hvo_generation *gen, FILE *err);

#endif
