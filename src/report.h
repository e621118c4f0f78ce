/*
 * Human reports: the machine summary printed by `show report` (and `make
 * run`), and the explanation of one page frame (`show pfn N`).
 */
#ifndef HVO_REPORT_H
#define HVO_REPORT_H

#include "machine.h"

void show_report(struct machine *m, FILE *out);
/* Explain pfn @pfn; -ERANGE if it is beyond every section. */
int show_pfn(struct machine *m, pfn_t pfn, FILE *out);

#endif
