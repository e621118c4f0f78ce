// SPDX-License-Identifier: GPL-2.0-only
/*
 * `hvo html`: the page is self-contained (nothing fetched), each box
 * carries the same explanation `hvo explain` prints, bad command lines
 * are one-line errors, and in a real headless browser (Debian's chromium,
 * when installed; `make check` says so when it is not) the page renders
 * and a click on the first box puts its explanation in the page.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "testutil.h"

#ifndef HVO_BUILD_DIR
#define HVO_BUILD_DIR "build"
#endif

/* Run a shell command, its output (stdout and stderr) in *@out (free it). */
static int shell(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	size_t cap = 1 << 16, n = 0, got;
	int st;

	ASSERT_TRUE(p != NULL);
	*out = malloc(cap);
	ASSERT_TRUE(*out != NULL);
	while ((got = fread(*out + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (cap - n < 2) {
			*out = realloc(*out, cap *= 2);
			ASSERT_TRUE(*out != NULL);
		}
	}
	(*out)[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static unsigned count_of(const char *s, const char *what)
{
	unsigned n = 0;
	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* Undo the page's escapes of & < > " in place. */
static void unescape(char *s)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					      { "&quot;", "\"" } };
	char *w = s;

	while (*s) {
		unsigned k;
		for (k = 0; k < ARRAY_SIZE(ent); k++)
			if (!strncmp(s, ent[k][0], strlen(ent[k][0])))
				break;
		if (k < ARRAY_SIZE(ent)) {
			*w++ = ent[k][1][0];
			s += strlen(ent[k][0]);
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
}

/* Write the default scenario's page in legacy to @path. */
static char *legacy_page(char *path, size_t len)
{
	char cmd[512], *out, *page;
	size_t plen;

	snprintf(path, len, HVO_BUILD_DIR "/html.%ld.html", (long)getpid());
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/hvo html --design legacy --out %s 2>&1", path);
	ASSERT_EQ(shell(cmd, &out), 0);
	ASSERT_EQ(out[0], '\0');
	free(out);
	ASSERT_EQ(read_whole_file(path, &page, &plen), 0);
	return page;
}

TEST(html_page_is_self_contained_with_each_box_explained)
{
	char path[128], *page = legacy_page(path, sizeof(path)), *explain, *e0;

	remove(path);
	ASSERT_TRUE(strstr(page, "http:") == NULL && strstr(page, "https:") == NULL);
	ASSERT_TRUE(strstr(page, " src=") == NULL && strstr(page, "<link") == NULL);
	/* 40 boxes: 8 of boot memmap, then four folios of 8 */
	ASSERT_EQ(count_of(page, "<div class=\"box"), 40);
	ASSERT_EQ(count_of(page, "<pre id=\"e"), 40);
	ASSERT_TRUE(strstr(page, "copied head page (legacy: head and tails map it): 32 boxes, 4 distinct frames"));
	ASSERT_TRUE(strstr(page, "<table id=\"timeline\">"));
	ASSERT_TRUE(strstr(page, "<th>shared-tail</th>"));
	ASSERT_TRUE(strstr(page, "no huge page or DAX range is left") == NULL);
	/* box 0's text is what hvo explain says of its first pfn */
	ASSERT_EQ(shell(HVO_BUILD_DIR "/hvo explain --design legacy pfn 0x7e00", &explain), 0);
	e0 = strstr(page, "<pre id=\"e0\" hidden>");
	ASSERT_TRUE(e0 != NULL);
	e0 += strlen("<pre id=\"e0\" hidden>");
	*strstr(e0, "</pre>") = '\0';
	unescape(e0);
	ASSERT_TRUE(!strcmp(e0, explain));
	free(explain);
	free(page);
	return 0;
}

TEST(html_bad_command_lines)
{
	static const char *const bad[] = {
		"html",                                   /* no --out */
		"html --out -",                           /* not to standard output */
		"html --design nosuch --out " HVO_BUILD_DIR "/x.html",
		"html tests/scenarios/errors/unknown_command.hvo --out " HVO_BUILD_DIR "/x.html",
		"html tests/scenarios/runtime_2m_generic.hvo --out tests/scenarios/runtime_2m_generic.hvo",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		char cmd[512], *out;
		snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/hvo %s 2>&1 >/dev/null", bad[i]);
		ASSERT_EQ(shell(cmd, &out), 2);
		ASSERT_EQ(count_of(out, "\n"), 1);
		free(out);
	}
	ASSERT_EQ(access(HVO_BUILD_DIR "/x.html", F_OK), -1);
	return 0;
}

TEST(html_in_a_real_browser)
{
	char path[128], cwd[256], abs[400], cmd[1024], *page, *dom;
	struct stat st;

	if (system("command -v chromium >/dev/null 2>&1"))
		return 0; /* skipped: `make check` prints why */
	page = legacy_page(path, sizeof(path));
	free(page);
	ASSERT_TRUE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(abs, sizeof(abs), "%s%s%s", path[0] == '/' ? "" : cwd, path[0] == '/' ? "" : "/",
		 path); /* BUILD may be an absolute path */
	/* a scripted click: #click-first clicks box 0 once the page is loaded */
	snprintf(cmd, sizeof(cmd),
		 "cd " HVO_BUILD_DIR " && timeout 120 chromium --headless --no-sandbox --disable-gpu "
		 "--user-data-dir=chromium.%ld --dump-dom 'file://%s#click-first' 2>/dev/null",
		 (long)getpid(), abs);
	ASSERT_EQ(shell(cmd, &dom), 0);
	ASSERT_TRUE(strstr(dom, "<div id=\"explain\">pfn 0x7e00 (phys 0x7e00000), design legacy\n"));
	ASSERT_TRUE(strstr(dom, "class=\"box sel\""));
	free(dom);
	/* without the click the panel waits */
	snprintf(cmd, sizeof(cmd),
		 "cd " HVO_BUILD_DIR " && timeout 120 chromium --headless --no-sandbox --disable-gpu "
		 "--user-data-dir=chromium.%ld --dump-dom 'file://%s' 2>/dev/null", (long)getpid(), abs);
	ASSERT_EQ(shell(cmd, &dom), 0);
	ASSERT_TRUE(strstr(dom, "<div id=\"explain\">(click a box)</div>"));
	free(dom);
	/* and it renders: a screenshot of it */
	snprintf(cmd, sizeof(cmd),
		 "cd " HVO_BUILD_DIR " && timeout 120 chromium --headless --no-sandbox --disable-gpu "
		 "--user-data-dir=chromium.%ld --window-size=1100,1000 --screenshot=html.%ld.png "
		 "'file://%s#click-first' >/dev/null 2>&1", (long)getpid(), (long)getpid(), abs);
	ASSERT_EQ(shell(cmd, &dom), 0);
	free(dom);
	snprintf(cmd, sizeof(cmd), HVO_BUILD_DIR "/html.%ld.png", (long)getpid());
	ASSERT_EQ(stat(cmd, &st), 0);
	ASSERT_TRUE(st.st_size > 20000);
	remove(cmd);
	remove(path);
	snprintf(cmd, sizeof(cmd), "rm -rf " HVO_BUILD_DIR "/chromium.%ld", (long)getpid());
	ASSERT_EQ(system(cmd), 0);
	return 0;
}
