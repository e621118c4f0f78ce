// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading the running system (host.h): the RAM ranges of /proc/iomem, the
 * memory blocks of /sys/devices/system/memory (size, online state, zone)
 * and the nodes that own them, /proc/zoneinfo's present and managed pages,
 * MemTotal, the vmemmap counters of /proc/vmstat, the HugeTLB and HVO
 * parameters of /proc/cmdline, the pools and the sysctl, and the kernel
 * release, which picks the generation.  Every path is taken under a root
 * directory, so tests read saved copies.
 *
 * What the machine line cannot hold is approximated and said so in the
 * scenario's comments: the kernel's own reservations (image, firmware,
 * early tables) become one kernel_reserve, the difference between present
 * memory and MemTotal that the boot memmap does not explain; memory blocks
 * onlined movable without a boot parameter that makes memory movable are
 * taken as hot-added and become hotplug lines; offline blocks are left out.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "lib/parse.h"
#include "cli/host.h"

#define HOST_SECTION_SIZE (128ULL << 20) /* x86-64 SECTION_SIZE_BITS 27 */
#define HOST_PAGE_SIZE 4096ULL
#define MAX_BLOCKS (1u << 20)

const char *host_default_root(void)
{
	const char *r = getenv("HVO_HOST_ROOT");

	return r && *r ? r : "/";
}

static void host_path(const struct host_info *h, const char *rel, char *buf, size_t len)
{
	size_t n = strlen(h->root);

	snprintf(buf, len, "%s%s%s", h->root, n && h->root[n - 1] == '/' ? "" : "/", rel);
}

/* The whole of a small file, NUL-terminated (malloc'd); NULL if absent. */
static char *slurp(const struct host_info *h, const char *rel)
{
	char path[1024];
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	host_path(h, rel, path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 4097) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 8192);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t k = fread(buf + len, 1, cap - len - 1, f);
		len += k;
		if (!k)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int missing(const struct host_info *h, const char *rel, char *err, size_t errlen)
{
	char path[1024];

	host_path(h, rel, path, sizeof(path));
	snprintf(err, errlen, "hvo host: %s: missing or unreadable (not a Linux host, or not mounted here)", path);
	return -1;
}

/* The value after "KEY" at the start of a line of @text; false if none. */
static bool keyed_u64(const char *text, const char *key, uint64_t *out)
{
	size_t k = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, key, k) && (p[k] == ' ' || p[k] == ':' || p[k] == '\t')) {
			*out = strtoull(p + k + 1 + strspn(p + k + 1, " :\t"), NULL, 10);
			return true;
		}
	}
	return false;
}

/* ---- memory blocks and nodes ---- */

struct blocks {
	uint64_t n;
	uint8_t *state;  /* 0 unknown, 1 online, 2 offline */
	uint8_t *movable;
	uint16_t *nid;
};

static int read_block(struct host_info *h, struct blocks *b, uint64_t idx, const char *name)
{
	char rel[512], *s;

	snprintf(rel, sizeof(rel), "sys/devices/system/memory/%s/state", name);
	s = slurp(h, rel);
	if (!s)
		return -1;
	b->state[idx] = !strncmp(s, "online", 6) ? 1 : 2;
	free(s);
	snprintf(rel, sizeof(rel), "sys/devices/system/memory/%s/valid_zones", name);
	s = slurp(h, rel);
	/* an online block names its own zone; one across zones says "none" */
	b->movable[idx] = s && b->state[idx] == 1 && !strncmp(s, "Movable", 7);
	free(s);
	return 0;
}

static int read_blocks(struct host_info *h, struct blocks *b, char *err, size_t errlen)
{
	char path[1024];
	DIR *d;
	struct dirent *e;

	host_path(h, "sys/devices/system/memory", path, sizeof(path));
	d = opendir(path);
	if (!d)
		return missing(h, "sys/devices/system/memory", err, errlen);
	while ((e = readdir(d))) {
		uint64_t idx;
		if (strncmp(e->d_name, "memory", 6) || parse_u64(e->d_name + 6, &idx) ||
		    idx >= MAX_BLOCKS)
			continue;
		b->n = MAX(b->n, idx + 1);
	}
	b->state = calloc(b->n + 1, 1);
	b->movable = calloc(b->n + 1, 1);
	b->nid = calloc(b->n + 1, sizeof(*b->nid));
	if (!b->state || !b->movable || !b->nid) {
		closedir(d);
		snprintf(err, errlen, "hvo host: out of memory");
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		uint64_t idx;
		char rel[300];
		if (strncmp(e->d_name, "memory", 6) || parse_u64(e->d_name + 6, &idx) ||
		    idx >= b->n)
			continue;
		if (read_block(h, b, idx, e->d_name)) {
			snprintf(rel, sizeof(rel), "sys/devices/system/memory/%s/state", e->d_name);
			closedir(d);
			return missing(h, rel, err, errlen);
		}
	}
	closedir(d);
	return 0;
}

/* nodeN/memoryM entries: which node owns each block. */
static int read_nodes(struct host_info *h, struct blocks *b, char *err, size_t errlen)
{
	char path[1024];
	DIR *d;
	struct dirent *e;

	host_path(h, "sys/devices/system/node", path, sizeof(path));
	d = opendir(path);
	if (!d)
		return missing(h, "sys/devices/system/node", err, errlen);
	h->nr_nodes = 1;
	while ((e = readdir(d))) {
		uint64_t nid;
		char sub[1300];
		DIR *nd;
		struct dirent *f;

		if (strncmp(e->d_name, "node", 4) || parse_u64(e->d_name + 4, &nid) ||
		    nid >= MAX_NUMNODES)
			continue;
		h->nr_nodes = MAX(h->nr_nodes, (unsigned)nid + 1);
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		nd = opendir(sub);
		if (!nd)
			continue;
		while ((f = readdir(nd))) {
			uint64_t idx;
			if (!strncmp(f->d_name, "memory", 6) && !parse_u64(f->d_name + 6, &idx) &&
			    idx < b->n)
				b->nid[idx] = (uint16_t)nid;
		}
		closedir(nd);
	}
	closedir(d);
	return 0;
}

/* ---- /proc/iomem into ranges ---- */

static bool movable_at_boot(const struct host_info *h)
{
	return strstr(h->cmdline, "movablecore=") || strstr(h->cmdline_ignored, "kernelcore=") ||
	       strstr(h->cmdline_ignored, "movable_node");
}

static void add_ram(struct host_info *h, phys_t s, phys_t e, unsigned nid)
{
	struct ram_range_config *last = h->nr_ram ? &h->ram[h->nr_ram - 1] : NULL;

	if (last && last->end == s && last->nid == nid) {
		last->end = e;
		return;
	}
	if (h->nr_ram < MAX_RAM_RANGES)
		h->ram[h->nr_ram++] = (struct ram_range_config){ s, e, nid };
}

static void add_hotplug(struct host_info *h, phys_t s, phys_t e, unsigned nid)
{
	struct host_hotplug *last = h->nr_hotplug ? &h->hotplug[h->nr_hotplug - 1] : NULL;

	if (last && last->start + last->size == s && last->nid == nid) {
		last->size += e - s;
		return;
	}
	if (h->nr_hotplug < HOST_MAX_HOTPLUG)
		h->hotplug[h->nr_hotplug++] = (struct host_hotplug){ s, e - s, nid };
}

/* One System RAM range, block by block. */
static void split_range(struct host_info *h, const struct blocks *b, phys_t s, phys_t e)
{
	bool boot_movable = movable_at_boot(h);

	while (s < e) {
		uint64_t idx = s / h->block_size;
		phys_t be = MIN((idx + 1) * h->block_size, e);
		unsigned nid = idx < b->n ? b->nid[idx] : 0;

		if (idx < b->n && b->state[idx] == 2)
			h->offline_blocks++;
		else if (idx < b->n && b->movable[idx] && !boot_movable)
			add_hotplug(h, s, be, nid);
		else
			add_ram(h, s, be, nid);
		s = be;
	}
}

static int read_iomem(struct host_info *h, const struct blocks *b, char *err, size_t errlen)
{
	char *text = slurp(h, "proc/iomem");

	if (!text)
		return missing(h, "proc/iomem", err, errlen);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long s, e;
		char *colon = strchr(line, ':');
		if (line[0] == ' ' || !colon || strncmp(colon, ": System RAM", 12) ||
		    sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		/* memblock keeps whole pages: start rounded up, end down */
		s = ALIGN_UP(s, HOST_PAGE_SIZE);
		e = ALIGN_DOWN(e + 1, HOST_PAGE_SIZE);
		if (e > s)
			split_range(h, b, s, e);
	}
	free(text);
	if (!h->nr_ram) {
		snprintf(err, errlen, "hvo host: %s/proc/iomem: no System RAM (reading it needs root)",
			 strcmp(h->root, "/") ? h->root : "");
		return -1;
	}
	return 0;
}

/* ---- the rest ---- */

static const char *const hugetlb_params[] = {
	"hugepagesz", "hugepages", "default_hugepagesz", "hugetlb_free_vmemmap",
	"movablecore", "memory_hotplug.memmap_on_memory", "memhp_default_state",
};
static const char *const ignored_params[] = {
	"kernelcore", "movable_node", "hugetlb_cma", "hugetlb_cma_only", "mem", "memmap",
	"crashkernel",
};

static bool param_in(const char *tok, const char *const *keys, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t k = strlen(keys[i]);
		if (!strncmp(tok, keys[i], k) && (tok[k] == '=' || !tok[k]))
			return true;
	}
	return false;
}

static void append_word(char *buf, size_t len, const char *w)
{
	size_t n = strlen(buf);

	if (n + strlen(w) + 2 < len)
		snprintf(buf + n, len - n, "%s%s", n ? " " : "", w);
}

static int read_cmdline(struct host_info *h, char *err, size_t errlen)
{
	char *text = slurp(h, "proc/cmdline");

	if (!text)
		return missing(h, "proc/cmdline", err, errlen);
	for (char *tok = strtok(text, " \t\n"); tok; tok = strtok(NULL, " \t\n")) {
		if (!strcmp(tok, "--")) /* what follows is init's */
			break;
		if (param_in(tok, hugetlb_params, ARRAY_SIZE(hugetlb_params)))
			append_word(h->cmdline, sizeof(h->cmdline), tok);
		else if (param_in(tok, ignored_params, ARRAY_SIZE(ignored_params)))
			append_word(h->cmdline_ignored, sizeof(h->cmdline_ignored), tok);
	}
	free(text);
	return 0;
}

static void read_pools(struct host_info *h)
{
	char path[1024];
	DIR *d;
	struct dirent *e;

	host_path(h, "sys/kernel/mm/hugepages", path, sizeof(path));
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)) && h->nr_pools < HOST_MAX_POOLS) {
		uint64_t kb;
		char rel[300], *s, *end;
		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		kb = strtoull(e->d_name + 10, &end, 10);
		if (strcmp(end, "kB") || !kb)
			continue;
		snprintf(rel, sizeof(rel), "sys/kernel/mm/hugepages/%s/nr_hugepages", e->d_name);
		s = slurp(h, rel);
		if (!s)
			continue;
		h->pools[h->nr_pools++] = (struct host_pool){ kb, strtoull(s, NULL, 10) };
		free(s);
	}
	closedir(d);
	/* smallest first, as the kernel lists them */
	for (unsigned i = 1; i < h->nr_pools; i++)
		for (unsigned k = i; k && h->pools[k].size_kb < h->pools[k - 1].size_kb; k--) {
			struct host_pool t = h->pools[k];
			h->pools[k] = h->pools[k - 1];
			h->pools[k - 1] = t;
		}
}

static int read_counters(struct host_info *h, char *err, size_t errlen)
{
	char *s = slurp(h, "proc/zoneinfo");
	uint64_t v;

	if (!s)
		return missing(h, "proc/zoneinfo", err, errlen);
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		if (sscanf(line, " present %llu", (unsigned long long *)&v) == 1)
			h->zone_present += v;
		else if (sscanf(line, " managed %llu", (unsigned long long *)&v) == 1)
			h->zone_managed += v;
	}
	free(s);
	s = slurp(h, "proc/meminfo");
	if (!s || !keyed_u64(s, "MemTotal", &h->memtotal_kb)) {
		free(s);
		return missing(h, "proc/meminfo", err, errlen);
	}
	free(s);
	s = slurp(h, "proc/vmstat");
	if (!s)
		return missing(h, "proc/vmstat", err, errlen);
	h->nr_memmap_pages = keyed_u64(s, "nr_memmap_pages", &v) ? (int64_t)v : -1;
	h->nr_memmap_boot_pages = keyed_u64(s, "nr_memmap_boot_pages", &v) ? (int64_t)v : -1;
	free(s);
	s = slurp(h, "proc/sys/vm/hugetlb_optimize_vmemmap");
	h->sysctl_hvo = s ? atoi(s) : -1;
	free(s);
	s = slurp(h, "proc/sys/kernel/osrelease");
	if (!s)
		return missing(h, "proc/sys/kernel/osrelease", err, errlen);
	s[strcspn(s, "\n")] = '\0';
	snprintf(h->release, sizeof(h->release), "%s", s);
	free(s);
	return 0;
}

/* Sections of boot RAM, and the reservation MemTotal leaves unexplained. */
static void derive(struct host_info *h)
{
	uint64_t present = 0, last = UINT64_MAX, sections = 0, hot = 0, memmap, used;

	for (unsigned i = 0; i < h->nr_ram; i++) {
		present += h->ram[i].end - h->ram[i].start;
		for (uint64_t s = h->ram[i].start / HOST_SECTION_SIZE;
		     s <= (h->ram[i].end - 1) / HOST_SECTION_SIZE; s++)
			if (s != last) {
				sections++;
				last = s;
			}
	}
	for (unsigned i = 0; i < h->nr_hotplug; i++)
		hot += h->hotplug[i].size;
	h->boot_sections = sections;
	/* the boot memmap still held: the live counter if there is one */
	memmap = h->nr_memmap_boot_pages >= 0 ? (uint64_t)h->nr_memmap_boot_pages
					      : sections * (HOST_SECTION_SIZE / HOST_PAGE_SIZE) / 64;
	used = h->memtotal_kb * 1024 + memmap * HOST_PAGE_SIZE;
	used = used > hot ? used - hot : 0;
	h->kernel_reserve = present > used ? ALIGN_DOWN(present - used, 1024) : 0;
	h->generation = host_generation(h->release);
}

int host_read(const char *root, struct host_info *h, char *err, size_t errlen)
{
	struct blocks b = { 0 };
	char *s;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	snprintf(h->root, sizeof(h->root), "%s", root);
	if (read_cmdline(h, err, errlen))
		return -1;
	s = slurp(h, "sys/devices/system/memory/block_size_bytes");
	if (!s)
		return missing(h, "sys/devices/system/memory/block_size_bytes", err, errlen);
	h->block_size = strtoull(s, NULL, 16);
	free(s);
	if (!h->block_size || h->block_size % HOST_SECTION_SIZE) {
		snprintf(err, errlen, "hvo host: block_size_bytes is not a multiple of 128 MiB");
		return -1;
	}
	if (!read_blocks(h, &b, err, errlen) && !read_nodes(h, &b, err, errlen) &&
	    !read_counters(h, err, errlen) && !read_iomem(h, &b, err, errlen)) {
		read_pools(h);
		derive(h);
		ret = 0;
	}
	free(b.state);
	free(b.movable);
	free(b.nid);
	return ret;
}

const char *host_generation(const char *release)
{
	unsigned major = 0, minor = 0, patch = 0;

	if (sscanf(release, "%u.%u.%u", &major, &minor, &patch) < 2)
		return "generic";
	if (major < 6 || (major == 6 && minor < 6))
		return "legacy-6.5";
	if (major == 6 && minor < 11)
		return "legacy-6.10";
	if (major == 6 && minor == 12 && patch >= 114 && patch <= 117)
		return "legacy-6.12.115"; /* the refactor backport, before its fix */
	if (major == 6 && minor == 13)
		return "legacy-6.13"; /* before 67bab13307c8 */
	/*
	 * The pre-HVO series, 4eeec8c89a0c's page[3] fields and hugetlb_cma_only
	 * all came with v6.15 (docs/generations.md): 6.14 is still 6.12's code.
	 */
	if (major == 6 && minor < 15)
		return "legacy";
	if (major == 6 || (major == 7 && minor < 1))
		return "legacy-6.18";
	return "shared-tail"; /* 7.1: fake heads removed */
}

void host_machine_words(const struct host_info *h, char *buf, size_t len)
{
	size_t n = 0;
	unsigned nodes = 0;

	n += (size_t)snprintf(buf + n, len - n, "ram=");
	for (unsigned i = 0; i < h->nr_ram && n < len; i++) {
		const struct ram_range_config *r = &h->ram[i];
		n += (size_t)snprintf(buf + n, len - n, "%s%#llx-%#llx", i ? "," : "",
				      (unsigned long long)r->start, (unsigned long long)r->end);
		if (r->nid && n < len)
			n += (size_t)snprintf(buf + n, len - n, "@%u", r->nid);
		nodes = MAX(nodes, r->nid + 1);
	}
	for (unsigned i = 0; i < h->nr_hotplug; i++)
		nodes = MAX(nodes, h->hotplug[i].nid + 1);
	if (n < len && MAX(nodes, h->nr_nodes) > 1)
		n += (size_t)snprintf(buf + n, len - n, " nodes=%u", MAX(nodes, h->nr_nodes));
	if (n < len)
		snprintf(buf + n, len - n, " kernel_reserve=%lluK",
			 (unsigned long long)(h->kernel_reserve >> 10));
}

void host_print_scenario(const struct host_info *h, FILE *out)
{
	char words[2048], sz[32];

	host_machine_words(h, words, sizeof(words));
	fprintf(out, "# This host as hvo models it (hvo host, read under %s): Linux %s.\n",
		h->root, h->release);
	fprintf(out, "# Live when read: MemTotal %llu kB, nr_memmap_boot_pages %lld, nr_memmap_pages %lld;\n",
		(unsigned long long)h->memtotal_kb, (long long)h->nr_memmap_boot_pages,
		(long long)h->nr_memmap_pages);
	fprintf(out, "# zoneinfo present %llu, managed %llu pages; %llu boot sections; memory blocks of %llu MiB.\n",
		(unsigned long long)h->zone_present, (unsigned long long)h->zone_managed,
		(unsigned long long)h->boot_sections, (unsigned long long)(h->block_size >> 20));
	fprintf(out, "# kernel_reserve: present RAM - MemTotal - boot memmap (image, firmware, early tables).\n");
	if (h->offline_blocks)
		fprintf(out, "# %llu offline memory blocks are left out.\n",
			(unsigned long long)h->offline_blocks);
	if (h->cmdline_ignored[0])
		fprintf(out, "# not modelled from the command line: %s\n", h->cmdline_ignored);
	fprintf(out, "machine %s\n", words);
	if (h->cmdline[0])
		fprintf(out, "cmdline %s\n", h->cmdline);
	fprintf(out, "design %s\n", h->generation);
	fprintf(out, "boot\n");
	for (unsigned i = 0; i < h->nr_hotplug; i++)
		fprintf(out, "hotplug add node=%u size=%s addr=%#llx movable\n", h->hotplug[i].nid,
			format_size(h->hotplug[i].size, sz, sizeof(sz)),
			(unsigned long long)h->hotplug[i].start);
	if (h->sysctl_hvo >= 0)
		fprintf(out, "sysctl vm.hugetlb_optimize_vmemmap=%d\n", h->sysctl_hvo);
	else
		fprintf(out, "# vm.hugetlb_optimize_vmemmap is missing: this kernel has no HVO\n");
	for (unsigned i = 0; i < h->nr_pools; i++)
		if (h->pools[i].nr)
			fprintf(out, "hugepages %s %llu\n",
				format_size(h->pools[i].size_kb << 10, sz, sizeof(sz)),
				(unsigned long long)h->pools[i].nr);
}
