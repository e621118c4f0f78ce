# SPDX-License-Identifier: GPL-2.0-only
"""The live oracle's `map SIZE N` on the host: a process that maps N huge
pages of SIZE kB (MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, the size in
the MAP_HUGE_SHIFT bits), writes one byte to each page so that each is
faulted, prints "ready" and then waits to be killed (oracle/live.py's
`unmap NAME`).  It asks the kernel to kill it too when its parent dies
(PR_SET_PDEATHSIG), so a helper never outlives the oracle.  If the mmap or a
fault fails it prints "error: ..." and exits 1.

    python3 oracle/live_map.py SIZE_KB N
"""
import ctypes
import mmap
import signal
import sys

MAP_HUGETLB = 0x40000
MAP_HUGE_SHIFT = 26
PR_SET_PDEATHSIG = 1


def main():
    kb, n = int(sys.argv[1]), int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    size = kb * 1024
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | MAP_HUGETLB \
        | ((size.bit_length() - 1) << MAP_HUGE_SHIFT)
    try:
        area = mmap.mmap(-1, n * size, flags=flags)
    except OSError as e:
        print("error: mmap of %d pages of %d kB: %s" % (n, kb, e.strerror), flush=True)
        return 1
    for i in range(n):
        area[i * size] = 1
    print("ready", flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
