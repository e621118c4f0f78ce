// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the scenario language, in process.  Any input must run
 * to a status of 0, 1 or 2 without a crash, a hang, a leak or a sanitizer
 * report.  Machines are capped at 8 GiB so that one input stays fast.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink(void)
{
	static FILE *f;

	if (!f) {
		f = fopen("/dev/null", "w");
		if (!f)
			abort();
	}
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	int ret;

	scenario_init(&sc, "<fuzz>", sink(), sink());
	sc.max_mem_bytes = 8ULL << 30;
	sc.quiet = true;
	ret = scenario_run_buffer(&sc, (const char *)data, size);
	if (ret < 0 || ret > 2)
		abort();
	scenario_finish(&sc);
	scenario_destroy(&sc);
	return 0;
}
