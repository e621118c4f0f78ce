// SPDX-License-Identifier: GPL-2.0-only
/* pfnscan LABEL [MAXPFN]: where the guest's memory is, from /proc/kpageflags
 * and /proc/kpagecount, read in small chunks (so the scan itself takes few
 * pages).  Diagnostic for oracle_case_i, not part of the oracle. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define KPF_SLAB 7
#define KPF_BUDDY 10
#define KPF_COMPOUND_HEAD 15
#define KPF_COMPOUND_TAIL 16
#define KPF_HUGE 17
#define KPF_NOPAGE 20
#define KPF_RESERVED 32
#define B(x) (1ULL << (x))
#define CH 8192

static uint64_t fl[CH], cn[CH];
static const char *lab;
/* huge runs */
static unsigned long hs, hn, ho, cur_head = ~0UL, cur_len;
static void huge_done(void)
{
	if (cur_head == ~0UL) return;
	unsigned long o = 0;
	while ((1UL << o) < cur_len) o++;
	if (hn && o == ho && cur_head == hs + (hn << ho)) hn++;
	else {
		if (hn) printf("@@S %s huge %#lx %lu %lu\n", lab, hs, ho, hn);
		hs = cur_head; ho = o; hn = 1;
	}
	cur_head = ~0UL;
}

int main(int argc, char **argv)
{
	lab = argc > 1 ? argv[1] : "x";
	unsigned long maxpfn = argc > 2 ? strtoul(argv[2], 0, 0) : (7UL << 18);
	int ff = open("/proc/kpageflags", O_RDONLY), fc = open("/proc/kpagecount", O_RDONLY);
	if (ff < 0 || fc < 0) { perror("open"); return 1; }
	unsigned long fs = 0; int in = 0;
	unsigned nf = 0, nh = 0, nr = 0, nn = 0, tot_free = 0;
	char line[129]; int li = 0;
	static char out[1 << 16]; setvbuf(stdout, out, _IOFBF, sizeof out);
	for (unsigned long base = 0; base < maxpfn; base += CH) {
		ssize_t a = pread(ff, fl, CH * 8, base * 8), b = pread(fc, cn, CH * 8, base * 8);
		if (a < CH * 8 || b < CH * 8) break;
		for (unsigned long i = 0; i < CH; i++) {
			unsigned long p = base + i;
			uint64_t f = fl[i];
			/* hugetlb heads */
			if (cur_head != ~0UL && (f & B(KPF_COMPOUND_TAIL))) cur_len++;
			else {
				huge_done();
				if ((f & (B(KPF_HUGE) | B(KPF_COMPOUND_HEAD))) == (B(KPF_HUGE) | B(KPF_COMPOUND_HEAD))) {
					cur_head = p; cur_len = 1;
				}
			}
			int fr = cn[i] == 0 && ((f & B(KPF_BUDDY)) || f == 0);
			if (fr && !in) { fs = p; in = 1; }
			else if (!fr && in) {
				in = 0;
				if (p - fs >= 512) printf("@@S %s free %#lx %lu\n", lab, fs, p - fs);
			}
			if (f & B(KPF_NOPAGE)) nn++;
			else if (f & B(KPF_HUGE)) nh++;
			else if (f & B(KPF_RESERVED)) nr++;
			else if (fr) nf++;
			tot_free += fr;
			if ((p & 511) == 511) {
				char c;
				if (nn == 512) c = ' ';
				else if (nh) c = 'H';
				else if (nf == 512) c = 'F';
				else if (nr >= 256) c = 'R';
				else c = '0' + nf * 10 / 512;
				line[li++] = c;
				if (li == 128) { line[li] = 0; printf("@@S %s map %#lx %s\n", lab, p + 1 - 128 * 512, line); li = 0; }
				nf = nh = nr = nn = 0;
			}
		}
	}
	huge_done();
	if (hn) printf("@@S %s huge %#lx %lu %lu\n", lab, hs, ho, hn);
	if (in) printf("@@S %s free %#lx %lu (end)\n", lab, fs, maxpfn - fs);
	printf("@@S %s total_free %u\n", lab, tot_free);
	return 0;
}
