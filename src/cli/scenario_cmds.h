/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the scenario interpreter's command files share (scenario.c,
 * scenario_cmds.c, scenario_expect.c): errors reported as FILE:LINE, the
 * phase checks, the snapshots, and the commands each file implements.
 */
#ifndef HVO_SCENARIO_CMDS_H
#define HVO_SCENARIO_CMDS_H

#include "cli/scenario.h"

struct counter_snapshot {
	char label[32];
	unsigned nr;
	struct {
		char name[64];
		int64_t val;
	} v[96];
};

/* One line "FILE:LINE: message" on the error stream; returns -EINVAL. */
int sc_error(struct scenario *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* -EINVAL with an error unless the machine is booted / not yet booted. */
int need_booted(struct scenario *sc, const char *cmd);
int need_unbooted(struct scenario *sc, const char *cmd);

/* Run the invariant checker, reporting violations as @what; 0 or -EINVAL. */
int run_check(struct scenario *sc, const char *what);

/* A command: @argv[0] is its name, @rest the line after it. */
int cmd_check(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_dax(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_expect(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_fault(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_hotplug(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_hugepages(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_poke(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_show(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_snapshot(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_speculative_get(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_map(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_unmap(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_settle(struct scenario *sc, int argc, char **argv, const char *rest);
int cmd_sysctl(struct scenario *sc, int argc, char **argv, const char *rest);

#endif
