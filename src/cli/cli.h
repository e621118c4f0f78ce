/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hvo command line: each command in its own file (cmd_*.c), reached
 * from the table in main.c, with the helpers they share.
 */
#ifndef HVO_CLI_H
#define HVO_CLI_H

#include <stdio.h>

#include "types.h"

/* The usage text, the generation list made from the table. */
void print_usage(FILE *out);
/*
 * The scenario named on the command line: @*file NULL for the built-in
 * default, "-" for standard input (renamed "<default>", "<stdin>").  The
 * text (to free) and its length; NULL after a one-line error.
 */
char *load_scenario(const char **file, size_t *len);

/* Each takes the words after its name and returns the exit status. */
int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_html(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
