# SPDX-License-Identifier: GPL-2.0-only
# Kernel mode (kernel/README.md), included by the Makefile.
#   make kernel KSRC=DIR|linux-source-X.Y.tar.xz   build/kernel-VERSION/hvo
#   make kernel-check   build 6.12.113 (fetched if not cached) and run its tests
KERNEL_SRC := kernel/kmode.c kernel/kshim.h kernel/kshim_backend.c kernel/kshim_backend.h kernel/kmode.h kernel/pageflags.awk

kernel: $(KERNEL_SRC)
	@CC="$(CC)" CFLAGS="$(CFLAGS)" CSTD="$(CSTD)" WARN="$(WARN)" \
		SRC="$(SRC) src/cli/main.c" kernel/build.sh "$(KSRC)"

kernel-check:
	@MAKE="$(MAKE)" kernel/check.sh

.PHONY: kernel kernel-check
