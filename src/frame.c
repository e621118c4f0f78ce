/*
 * Frame store: sparse per-frame entries and their host bytes (see frame.h).
 */
#include <string.h>

#include "frame.h"

int frame_store_init(struct frame_store *fs, uint64_t max_pfn,
		     unsigned pfns_per_dir_shift, size_t page_size)
{
	memset(fs, 0, sizeof(*fs));
	fs->pfn_shift_per_dir = pfns_per_dir_shift;
	fs->nr_dirs = (max_pfn >> pfns_per_dir_shift) + 1;
	fs->dir = calloc(fs->nr_dirs, sizeof(*fs->dir));
	if (!fs->dir)
		return -ENOMEM;
	fs->nr_dir_bytes = fs->nr_dirs * sizeof(*fs->dir);
	hostmem_init(&fs->host, page_size);
	return 0;
}

void frame_store_destroy(struct frame_store *fs)
{
	if (fs->dir) {
		for (uint64_t i = 0; i < fs->nr_dirs; i++)
			free(fs->dir[i]);
		free(fs->dir);
	}
	hostmem_destroy(&fs->host);
	memset(fs, 0, sizeof(*fs));
}

static uint64_t *frame_slot(struct frame_store *fs, pfn_t pfn, bool create)
{
	uint64_t d = pfn >> fs->pfn_shift_per_dir;
	uint64_t per = 1ULL << fs->pfn_shift_per_dir;

	if (d >= fs->nr_dirs)
		return NULL;
	if (!fs->dir[d]) {
		if (!create)
			return NULL;
		fs->dir[d] = calloc(per, sizeof(uint64_t));
		if (!fs->dir[d])
			return NULL;
		fs->nr_dir_bytes += per * sizeof(uint64_t);
	}
	return &fs->dir[d][pfn & (per - 1)];
}

int frame_claim(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		enum frame_origin origin)
{
	uint64_t *slot = frame_slot(fs, pfn, true);
	void *bytes;

	if (!slot)
		return -ENOMEM;
	BUG_ON(*slot);
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return -ENOMEM;
	*slot = (uint64_t)(uintptr_t)bytes | FRAME_DATA |
		((uint64_t)origin << FRAME_ORIGIN_SHIFT) | owner;
	fs->nr_entries++;
	return 0;
}

int frame_claim_lazy(struct frame_store *fs, pfn_t pfn, enum frame_owner owner,
		     enum frame_origin origin, uint64_t vpage)
{
	uint64_t *slot = frame_slot(fs, pfn, true);

	if (!slot)
		return -ENOMEM;
	BUG_ON(*slot);
	*slot = (vpage << FRAME_PAYLOAD_SHIFT) | FRAME_LAZY |
		((uint64_t)origin << FRAME_ORIGIN_SHIFT) | owner;
	fs->nr_entries++;
	fs->nr_lazy++;
	return 0;
}

uint64_t frame_lazy_vpage(const struct frame_store *fs, pfn_t pfn)
{
	uint64_t e = frame_entry(fs, pfn);

	BUG_ON(!(e & FRAME_LAZY));
	return e >> FRAME_PAYLOAD_SHIFT;
}

uint8_t *frame_materialize(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);
	void *bytes;

	BUG_ON(!slot || !(*slot & FRAME_LAZY));
	bytes = hostmem_alloc(&fs->host);
	if (!bytes)
		return NULL;
	*slot = (uint64_t)(uintptr_t)bytes | FRAME_DATA |
		(*slot & (FRAME_ORIGIN_MASK | FRAME_OWNER_MASK));
	fs->nr_lazy--;
	return bytes;
}

void frame_set_owner(struct frame_store *fs, pfn_t pfn, enum frame_owner o)
{
	uint64_t *slot = frame_slot(fs, pfn, false);

	BUG_ON(!slot || !*slot);
	*slot = (*slot & ~FRAME_OWNER_MASK) | o;
}

void frame_release(struct frame_store *fs, pfn_t pfn)
{
	uint64_t *slot = frame_slot(fs, pfn, false);

	BUG_ON(!slot || !*slot);
	if (*slot & FRAME_DATA)
		hostmem_free(&fs->host, frame_bytes(fs, pfn));
	else if (*slot & FRAME_LAZY)
		fs->nr_lazy--;
	*slot = 0;
	fs->nr_entries--;
}

int frame_for_each(const struct frame_store *fs,
		   int (*fn)(void *arg, pfn_t pfn, uint64_t entry), void *arg)
{
	uint64_t per = 1ULL << fs->pfn_shift_per_dir;

	for (uint64_t d = 0; d < fs->nr_dirs; d++) {
		if (!fs->dir[d])
			continue;
		for (uint64_t i = 0; i < per; i++) {
			int ret;
			if (!fs->dir[d][i])
				continue;
			ret = fn(arg, (d << fs->pfn_shift_per_dir) | i,
				 fs->dir[d][i]);
			if (ret)
				return ret;
		}
	}
	return 0;
}
