/* SPDX-License-Identifier: GPL-2.0-only */
/* <linux/mmdebug.h> for mm/hugetlb_vmemmap.c: the shim (kernel/kshim.h). */
#include "kshim.h"
