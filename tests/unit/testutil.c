// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helpers (see testutil.h).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/check.h"
#include "harness.h"
#include "cli/scenario.h"
#include "testutil.h"

int run_scenario_text(const char *name, const char *text, struct scenario_result *r)
{
	struct scenario sc;
	char *errbuf = NULL, *outbuf = NULL;
	size_t errlen = 0, outlen = 0;
	FILE *err = open_memstream(&errbuf, &errlen);
	FILE *out = open_memstream(&outbuf, &outlen);

	scenario_init(&sc, name, out, err);
	sc.quiet = true;
	r->status = scenario_run_buffer(&sc, text, strlen(text));
	scenario_destroy(&sc);
	fclose(err);
	fclose(out);
	free(outbuf);
	r->err = errbuf;
	return 0;
}

int read_whole_file(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t n = 0, cap = 0, got;

	if (!f) {
		fprintf(stderr, "    cannot open %s\n", path);
		return -1;
	}
	do {
		if (cap - n < 2) {
			char *nb = realloc(b, cap = cap ? 2 * cap : 4096);
			if (!nb) {
				free(b);
				fclose(f);
				fprintf(stderr, "    %s: out of memory\n", path);
				return -1;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n - 1, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		free(b);
		fclose(f);
		fprintf(stderr, "    cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int run_scenario_file(const char *path, struct scenario_result *r)
{
	char *buf;
	size_t len;
	int ret;

	if (read_whole_file(path, &buf, &len))
		return -1;
	ret = run_scenario_text(path, buf, r);
	free(buf);
	return ret;
}

struct machine *boot_scenario(const char *text)
{
	struct scenario sc;
	struct machine *m;
	int status;

	scenario_init(&sc, "<test>", stdout, stderr);
	sc.quiet = true;
	status = scenario_run_buffer(&sc, text, strlen(text));
	m = sc.m;
	sc.m = NULL;
	scenario_destroy(&sc);
	if (status) {
		machine_destroy(m);
		return NULL;
	}
	return m;
}

uint64_t check_machine(struct machine *m)
{
	struct check_report *r = malloc(sizeof(*r));
	uint64_t n = mm_check(m, r);

	if (n)
		check_report_print(r, stderr);
	free(r);
	return n;
}
