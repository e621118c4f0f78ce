// SPDX-License-Identifier: GPL-2.0-only
/*
 * Limits on what one command may take (see limits.h), and its one-line
 * error messages.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/limits.h"
#include "cli/output.h"
#include "lib/escape.h"
#include "lib/parse.h"
#include "mm/hugetlb.h"
#include "mm/mmzone.h"

static const struct {
	const char *name;
	uint64_t dflt;
} limits[] = {
	{ "HVO_MAX_INPUT", HVO_MAX_INPUT_DEFAULT },
	{ "HVO_MAX_MEM", HVO_MAX_MEM_DEFAULT },
	{ "HVO_HOST_MEM", 0 },
};

/* The line the alarm prints; set before it is armed, read by the handler. */
static char time_limit_msg[192];
static size_t time_limit_len;

static void time_limit_reached(int sig)
{
	(void)sig;
	/* async-signal-safe: unlink(2), write(2) and _exit(2) only */
	output_unlink_pending();
	if (write(STDERR_FILENO, time_limit_msg, time_limit_len) < 0)
		_exit(2);
	_exit(2);
}

int cli_time_limit_arm(const char *cmd, FILE *err)
{
	const char *v = getenv("HVO_MAX_SECONDS");
	uint64_t secs = strcmp(cmd, "sweep") ? HVO_MAX_SECONDS_DEFAULT : 0;
	char msg[256];

	if (v && parse_uint_arg("hvo: HVO_MAX_SECONDS", v, 0, UINT32_MAX, &secs, msg, sizeof(msg))) {
		fprintf(err, "%s (seconds; 0: no limit)\n", msg);
		return -1;
	}
	if (!secs)
		return 0;
	time_limit_len = (size_t)snprintf(time_limit_msg, sizeof(time_limit_msg),
		"hvo %s: time limit of %llu s reached (HVO_MAX_SECONDS=SECONDS changes it; 0: no limit)\n",
		cmd, (unsigned long long)secs);
	if (time_limit_len >= sizeof(time_limit_msg))
		time_limit_len = sizeof(time_limit_msg) - 1;
	signal(SIGALRM, time_limit_reached);
	alarm((unsigned)secs);
	return 0;
}

int cli_limits_check(FILE *err)
{
	for (unsigned i = 0; i < ARRAY_SIZE(limits); i++) {
		const char *v = getenv(limits[i].name);
		char msg[256], name[64];
		uint64_t bytes;

		snprintf(name, sizeof(name), "hvo: %s", limits[i].name);
		if (v && parse_size_arg(name, v, 0, UINT64_MAX, &bytes, msg, sizeof(msg))) {
			fprintf(err, "%s (0: no limit)\n", msg);
			return -1;
		}
	}
	return 0;
}

static uint64_t limit_get(unsigned i)
{
	const char *v = getenv(limits[i].name);
	uint64_t bytes;

	return v && !parse_size(v, &bytes) ? bytes : limits[i].dflt;
}

uint64_t cli_max_input(void)
{
	return limit_get(0);
}

uint64_t cli_max_mem(void)
{
	return limit_get(1);
}

/*
 * The least host memory a new folio costs: its struct pages, or one
 * backed vmemmap page if they fill more (measured on x86-64, a 2 MiB
 * folio backs about 4 KiB with HVO off or on: the head page's copy shares
 * its bytes, hw/frame.c).  A lower bound: a request refused here could not
 * have finished; one let through still meets the limit in hw/hostmem.c.
 */
static uint64_t folio_host_bytes(const struct machine *m, uint64_t folio_pages)
{
	uint64_t chunk = m->frames.host.chunk;
	uint64_t structs = folio_pages * m->geo.struct_page_size;

	return structs < chunk ? structs : chunk;
}

int pool_request_fits(struct machine *m, uint64_t size, uint64_t count,
		      char *err, size_t errlen)
{
	const struct hostmem *hm = &m->frames.host;
	struct hstate *h = size_to_hstate(m, size);
	uint64_t folio_pages, fit, more, per, left;
	char sz[32];

	if (!h || !hm->limit_chunks)
		return 0; /* not a pool (hugetlb_set_nr says so), or no limit */
	folio_pages = pages_per_huge_page(h);
	fit = global_present_pages_memblock(m) / folio_pages;
	if (count > fit)
		count = fit; /* the kernel stops where memory ends */
	if (count <= h->nr_huge_pages)
		return 0;
	more = count - h->nr_huge_pages;
	per = folio_host_bytes(m, folio_pages);
	left = hm->limit_chunks > hm->nr_in_use ?
	       (hm->limit_chunks - hm->nr_in_use) * hm->chunk : 0;
	if (per && more <= left / per)
		return 0;
	snprintf(err, errlen,
		 "%llu more %s pages need at least %llu MiB of host memory, more than the %llu MiB the limit leaves (%s); ask for fewer or raise HVO_HOST_MEM",
		 (unsigned long long)more, format_size(size, sz, sizeof(sz)),
		 (unsigned long long)(more > UINT64_MAX / per ? UINT64_MAX >> 20 : (more * per) >> 20),
		 (unsigned long long)(left >> 20), hm->limit_from);
	return -1;
}

void cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fput_escaped(stderr, msg);
	fputc('\n', stderr);
}
