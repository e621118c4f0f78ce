// SPDX-License-Identifier: GPL-2.0-only
/*
 * The layer check (tools/layercheck.py): the tree has no call from a lower
 * layer to a higher one and no source outside the layer folders, and the
 * check does find both when there are.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "harness.h"

/* Run the layer check on @root; its exit status, its output in @out. */
static int layercheck(const char *root, char *out, size_t len)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "python3 tools/layercheck.py --root %s 2>&1", root);
	p = popen(cmd, "r");
	ASSERT_TRUE(p);
	n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(layers_no_upward_call)
{
	char out[8192];

	ASSERT_EQ(layercheck(".", out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, ", 0 upward calls, 0 stray files"));
	return 0;
}

TEST(layers_check_catches_an_upward_call)
{
	char out[8192];

	ASSERT_EQ(layercheck("tests/layercheck", out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out, "src/lib/low.c:5: lib_low() calls mm_high() "
			   "(src/mm/high.c, layer mm above layer lib)"));
	ASSERT_TRUE(strstr(out, ", 1 upward calls"));
	/* and a source that no layer folder holds (nothing would build it) */
	ASSERT_TRUE(strstr(out, "src/stray/stray.c: in no layer folder"));
	ASSERT_TRUE(strstr(out, ", 1 stray files"));
	return 0;
}
