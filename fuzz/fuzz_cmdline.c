// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target: the kernel command-line parser, and the token parsers
 * under it (parse_size, parse_u64, parse_s64, parse_bool, format_size).
 * The input is one command line; it is also fed, whole, to each token
 * parser, and every value a parser accepts is checked against its
 * contract.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/cmdline.h"
#include "lib/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whatever the parser stored must be in range. */
static void check_params(const struct boot_params *bp)
{
	if (bp->nr_hp > MAX_HP_REQUESTS || bp->nr_hugepagesz > MAX_HP_REQUESTS)
		abort();
	if (bp->hugetlb_free_vmemmap < -1 || bp->hugetlb_free_vmemmap > 1 ||
	    bp->memmap_on_memory < -1 || bp->memmap_on_memory > 1)
		abort();
	if (!memchr(bp->unknown, '\0', sizeof(bp->unknown)) ||
	    !memchr(bp->unmodelled, '\0', sizeof(bp->unmodelled)))
		abort();
	for (unsigned i = 0; i < bp->nr_hugepagesz; i++)
		if (!bp->hugepagesz[i])
			abort();
}

static void fuzz_token_parsers(const char *s)
{
	uint64_t u, u2;
	int64_t i;
	bool b;
	char buf[32];

	if (!parse_size(s, &u)) {
		/* What format_size prints parses back to the same size. */
		format_size(u, buf, sizeof(buf));
		if (parse_size(buf, &u2) || u2 != u)
			abort();
	}
	if (!parse_u64(s, &u)) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)u);
		if (parse_u64(buf, &u2) || u2 != u)
			abort();
	}
	if (!parse_s64(s, &i)) {
		snprintf(buf, sizeof(buf), "%lld", (long long)i);
		int64_t i2;
		if (parse_s64(buf, &i2) || i2 != i)
			abort();
	}
	(void)parse_bool(s, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_params bp;
	char err[256];
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';

	boot_params_init(&bp);
	err[0] = '\0';
	if (cmdline_parse(&bp, line, err, sizeof(err))) {
		if (!err[0])
			abort(); /* an error always says why */
	}
	check_params(&bp);
	/* A second line appends to what the first one set. */
	(void)cmdline_parse(&bp, line, err, sizeof(err));
	check_params(&bp);

	fuzz_token_parsers(line);
	free(line);
	return 0;
}
