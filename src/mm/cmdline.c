// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel command-line parser (see cmdline.h).  Tokens are separated by
 * white space; a value may be double-quoted.  A huge page count applies to
 * the size named by the last hugepagesz= before it, or to the default size.
 */
#include <ctype.h>
#include <string.h>

#include "mm/cmdline.h"
#include "lib/parse.h"

void boot_params_init(struct boot_params *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->hugetlb_free_vmemmap = -1;
	bp->memmap_on_memory = -1;
	bp->hvo_share_pte = -1;
	bp->hugetlb_cma_only = -1;
}

/*
 * hugetlb_cma=SIZE or hugetlb_cma=NODE:SIZE[,NODE:SIZE...]
 * (cmdline_parse_hugetlb_cma; a later one replaces an earlier one).
 */
static int param_hugetlb_cma(struct boot_params *bp, const char *val, char *err,
			     size_t errlen)
{
	char buf[256], *save = NULL;
	uint64_t size;

	bp->hugetlb_cma_size = 0;
	bp->hugetlb_cma_node_given = false;
	memset(bp->hugetlb_cma_size_in_node, 0, sizeof(bp->hugetlb_cma_size_in_node));
	if (!strchr(val, ':')) {
		if (parse_size(val, &bp->hugetlb_cma_size))
			goto bad;
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", val);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(w, ':');
		uint64_t nid;
		if (!colon)
			goto bad;
		*colon = '\0';
		if (parse_u64(w, &nid) || nid >= MAX_NUMNODES || parse_size(colon + 1, &size))
			goto bad;
		bp->hugetlb_cma_size_in_node[nid] = size;
		bp->hugetlb_cma_node_given = true;
	}
	return 0;
bad:
	snprintf(err, errlen, "hugetlb_cma=%s: expected a size such as 4G or NODE:SIZE,... (node below %d)",
		 val, MAX_NUMNODES);
	return -EINVAL;
}

/*
 * memhp_default_state=: how hot-added memory goes online.  On x86-64 with
 * the default online policy (contig-zones) plain "online" and
 * "online_kernel" give ZONE_NORMAL here.  "offline" is refused: every
 * hot-add in this simulator onlines its memory.
 */
static int param_memhp_default_state(struct boot_params *bp, const char *val, char *err,
				     size_t errlen)
{
	if (!strcmp(val, "online") || !strcmp(val, "online_kernel")) {
		bp->memhp_online_movable = false;
		return 0;
	}
	if (!strcmp(val, "online_movable")) {
		bp->memhp_online_movable = true;
		return 0;
	}
	if (!strcmp(val, "offline")) {
		snprintf(err, errlen, "memhp_default_state=offline: not modelled (hot-added memory is always onlined)");
		return -EINVAL;
	}
	snprintf(err, errlen, "memhp_default_state=%s: expected online, online_kernel or online_movable", val);
	return -EINVAL;
}

/* "0:2,1:3" -> per-node counts. */
static int parse_node_counts(struct hp_request *hp, const char *val,
			     char *err, size_t errlen)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf)) {
		snprintf(err, errlen, "hugepages=%s: too long", val);
		return -EINVAL;
	}
	strcpy(buf, val);
	hp->per_node = true;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		uint64_t nid, cnt;
		if (!colon) {
			snprintf(err, errlen, "hugepages=%s: expected NODE:COUNT[,NODE:COUNT...]", val);
			return -EINVAL;
		}
		*colon = '\0';
		if (parse_u64(tok, &nid) || parse_u64(colon + 1, &cnt) ||
		    nid >= MAX_NUMNODES) {
			snprintf(err, errlen, "hugepages=%s: expected NODE:COUNT with NODE < %d", val, MAX_NUMNODES);
			return -EINVAL;
		}
		/*
		 * As hugepages_setup() does: a node named twice keeps its last
		 * count while the total adds both, so "0:1,0:2" asks for 3 and
		 * allocates 2 ("Only allocated 2 hugepages").  The kernel lets
		 * the total wrap; we refuse that rather than show a wrong number.
		 */
		if (hp->count + cnt < hp->count) {
			snprintf(err, errlen, "hugepages=%s: the counts add up to more than 2^64", val);
			return -EINVAL;
		}
		hp->node_count[nid] = cnt;
		hp->count += cnt;
	}
	return 0;
}

static int param_hugepages(struct boot_params *bp, const char *val, char *err,
			   size_t errlen)
{
	struct hp_request *hp;

	if (bp->nr_hp == MAX_HP_REQUESTS) {
		snprintf(err, errlen, "hugepages=: more than %d requests", MAX_HP_REQUESTS);
		return -EINVAL;
	}
	hp = &bp->hp[bp->nr_hp];
	memset(hp, 0, sizeof(*hp));
	hp->size = bp->nr_hugepagesz ? bp->hugepagesz[bp->nr_hugepagesz - 1] : 0;
	if (strchr(val, ':')) {
		if (parse_node_counts(hp, val, err, errlen))
			return -EINVAL;
	} else if (parse_u64(val, &hp->count)) {
		snprintf(err, errlen, "hugepages=%s: expected a count or NODE:COUNT list", val);
		return -EINVAL;
	}
	for (unsigned i = 0; i < bp->nr_hp; i++) {
		if (bp->hp[i].size == hp->size) {
			snprintf(err, errlen, "hugepages=%s: a count for this size was already given", val);
			return -EINVAL;
		}
	}
	bp->nr_hp++;
	return 0;
}

static int param_hugepagesz(struct boot_params *bp, const char *val, char *err,
			    size_t errlen)
{
	uint64_t size;

	if (parse_size(val, &size) || !size) {
		snprintf(err, errlen, "hugepagesz=%s: expected a size such as 2M or 1G", val);
		return -EINVAL;
	}
	for (unsigned i = 0; i < bp->nr_hugepagesz; i++) {
		if (bp->hugepagesz[i] == size) {
			snprintf(err, errlen, "hugepagesz=%s specified twice", val);
			return -EINVAL;
		}
	}
	if (bp->nr_hugepagesz == MAX_HP_REQUESTS) {
		snprintf(err, errlen, "hugepagesz=: more than %d sizes", MAX_HP_REQUESTS);
		return -EINVAL;
	}
	bp->hugepagesz[bp->nr_hugepagesz++] = size;
	return 0;
}

/* Append @word to the space-separated list @list (of @cap bytes). */
/*
 * Append @word to the space-separated list @list (of @cap bytes); a list
 * that is full ends in "..." so that nothing is left out unsaid.
 */
static void list_append(char *list, size_t cap, const char *word)
{
	size_t len = strlen(list);

	if (len >= 3 && !strcmp(list + len - 3, "..."))
		return;
	if (len + strlen(word) + 6 >= cap) {
		strcpy(list + len, len ? " ..." : "...");
		return;
	}
	if (len)
		list[len++] = ' ';
	strcpy(list + len, word);
}

/*
 * Parameters the kernel has (its __setup and early_param names, a few
 * dozen that hosts running HugeTLB commonly pass) whose effect hvo does
 * not simulate.
 */
static const char *const unmodelled_params[] = {
	"hugepage_alloc_threads", "cma",
	"kernelcore", "movable_node", "mem", "memmap", "numa", "nokaslr",
	"transparent_hugepage", "transparent_hugepage_shmem", "thp_anon",
	"init_on_alloc", "init_on_free", "page_alloc.shuffle", "debug_pagealloc",
	"page_owner", "memtest", "crashkernel", "console", "earlyprintk",
	"earlycon", "loglevel", "quiet", "debug", "ignore_loglevel", "root",
	"rootfstype", "rootwait", "ro", "rw", "init", "rdinit", "panic",
	"nr_cpus", "maxcpus", "nosmp", "isolcpus", "nohz_full", "rcu_nocbs",
	"mitigations", "iommu", "intel_iommu", "amd_iommu", "noapic", "acpi",
	"pci", "selinux", "apparmor", "security", "audit", "lsm", "nomodeset",
	"vmemmap_populate_hvo", "hugetlb_optimize_vmemmap", "sysctl",
	NULL,
};

/*
 * A well-formed parameter hvo does not model: known kernel parameters and
 * dotted module parameters (the kernel keeps those for the module, never
 * for init) by name, the rest as the kernel would hand them to init.
 */
static void note_unmodelled(struct boot_params *bp, const char *tok, size_t keylen)
{
	char key[128];

	snprintf(key, sizeof(key), "%.*s", (int)MIN(keylen, sizeof(key) - 1), tok);
	for (unsigned i = 0; unmodelled_params[i]; i++) {
		if (!strcmp(key, unmodelled_params[i])) {
			list_append(bp->unmodelled, sizeof(bp->unmodelled), key);
			return;
		}
	}
	if (strchr(key, '.')) {
		list_append(bp->unmodelled, sizeof(bp->unmodelled), key);
		return;
	}
	list_append(bp->unknown, sizeof(bp->unknown), tok);
}

static int parse_param(struct boot_params *bp, char *tok, char *err,
		       size_t errlen)
{
	char *eq = strchr(tok, '=');
	const char *key = tok, *val = NULL;
	bool b;

	if (eq) {
		*eq = '\0';
		val = eq + 1;
		if (!*key) {
			snprintf(err, errlen, "'=%s': parameter name missing", val);
			return -EINVAL;
		}
	}
	if (!strcmp(key, "hugepagesz") || !strcmp(key, "hugepages") ||
	    !strcmp(key, "default_hugepagesz") || !strcmp(key, "movablecore") ||
	    !strcmp(key, "hugetlb_free_vmemmap") || !strcmp(key, "hvo_share_pte") ||
	    !strcmp(key, "memory_hotplug.memmap_on_memory") || !strcmp(key, "memhp_default_state") ||
	    !strcmp(key, "hugetlb_cma") || !strcmp(key, "hugetlb_cma_only")) {
		if (!val || !*val) {
			snprintf(err, errlen, "%s: expected %s=VALUE", key, key);
			return -EINVAL;
		}
	}
	if (!strcmp(key, "hugepagesz"))
		return param_hugepagesz(bp, val, err, errlen);
	if (!strcmp(key, "hugepages"))
		return param_hugepages(bp, val, err, errlen);
	if (!strcmp(key, "default_hugepagesz")) {
		if (parse_size(val, &bp->default_hugepagesz) || !bp->default_hugepagesz) {
			snprintf(err, errlen, "default_hugepagesz=%s: expected a size such as 2M or 1G", val);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "hugetlb_free_vmemmap") || !strcmp(key, "hvo_share_pte") ||
	    !strcmp(key, "memory_hotplug.memmap_on_memory")) {
		if (parse_bool(val, &b)) {
			snprintf(err, errlen, "%s=%s: expected on/off, y/n or 1/0", key, val);
			return -EINVAL;
		}
		if (!strcmp(key, "hugetlb_free_vmemmap"))
			bp->hugetlb_free_vmemmap = b;
		else if (!strcmp(key, "hvo_share_pte"))
			bp->hvo_share_pte = b;
		else
			bp->memmap_on_memory = b;
		return 0;
	}
	if (!strcmp(key, "hugetlb_cma"))
		return param_hugetlb_cma(bp, val, err, errlen);
	if (!strcmp(key, "hugetlb_cma_only")) { /* kstrtobool */
		if (parse_bool(val, &b)) {
			snprintf(err, errlen, "hugetlb_cma_only=%s: expected on/off, y/n or 1/0", val);
			return -EINVAL;
		}
		bp->hugetlb_cma_only = b;
		return 0;
	}
	if (!strcmp(key, "memhp_default_state"))
		return param_memhp_default_state(bp, val, err, errlen);
	if (!strcmp(key, "movablecore")) {
		if (parse_size(val, &bp->movablecore)) {
			snprintf(err, errlen, "movablecore=%s: expected a size such as 1G", val);
			return -EINVAL;
		}
		bp->movablecore_set = true;
		return 0;
	}
	if (eq)
		*eq = '=';
	note_unmodelled(bp, tok, eq ? (size_t)(eq - tok) : strlen(tok));
	return 0;
}

/* Next token of @p into @tok (quotes removed); NULL at the end. */
static const char *next_token(const char *p, char *tok, size_t len, int *bad)
{
	size_t n = 0;
	bool quoted = false;

	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return NULL;
	while (*p && (quoted || !isspace((unsigned char)*p))) {
		if (*p == '"') {
			quoted = !quoted;
			p++;
			continue;
		}
		if (n + 1 >= len) {
			*bad = 1;
			return NULL;
		}
		tok[n++] = *p++;
	}
	tok[n] = '\0';
	if (quoted)
		*bad = 2;
	return p;
}

int cmdline_parse(struct boot_params *bp, const char *line, char *err,
		  size_t errlen)
{
	char tok[512];
	const char *p = line;
	int bad = 0;

	while ((p = next_token(p, tok, sizeof(tok), &bad))) {
		if (bad)
			break;
		if (parse_param(bp, tok, err, errlen))
			return -EINVAL;
	}
	if (bad == 1) {
		snprintf(err, errlen, "kernel command line: a parameter is longer than %zu characters", sizeof(tok) - 1);
		return -EINVAL;
	}
	if (bad == 2) {
		snprintf(err, errlen, "kernel command line: unterminated quote");
		return -EINVAL;
	}
	return 0;
}
