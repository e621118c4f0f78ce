# SPDX-License-Identifier: GPL-2.0-only
"""The guest side: the busybox /init script and the initramfs that holds it.

The /init is a busybox shell script.  It mounts /proc and /sys, carries out
the scenario's writes, reads the kernel's counters at every snapshot point,
and for hotplug asks the host (a "@@HOST LINE" line on the serial console)
and reads its answer from the console.  Every line the host parses starts
with "@@".  The initramfs holds busybox, the script and, for device DAX,
ndctl and the pmem and DAX modules of the very kernel that boots."""

import os
import re
import shlex
import shutil
import subprocess

from base import CACHE, HarnessError


# The guest's /init.  busybox sh; every line the host reads starts with "@@".
GUEST_PRELUDE = r"""#!/bin/busybox sh
# /init of the hvo oracle, written by oracle/oracle.py for @SCENARIO@.
/bin/busybox mkdir -p /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# keep kernel messages off the console while we talk on it
echo 1 > /proc/sys/kernel/printk
kmsg_at_init=$(dmesg | wc -l)
up() { read u rest < /proc/uptime; echo "$u"; }
echo "@@INIT uptime=$(up) cmdline=$(cat /proc/cmdline)"

# one settle before the first point: page cache out, deferred work done
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }

# act LINE FILE VALUE: one write, timed, with the value read back
act() {
	t0=$(up)
	if echo "$3" > "$2"; then rc=0; else rc=$?; fi
	t1=$(up)
	v=$(cat "$2" 2>/dev/null || echo '?')
	echo "@@ACT $1 rc=$rc t0=$t0 t1=$t1 now=$v"
}

# point N: the kernel's counters.  Free memory is nr_free_pages plus the pages
# on the per-CPU lists; the lists trade pages with the buddy allocator in
# batches whose nr_free_pages updates sit in per-CPU vmstat deltas until the
# next fold.  So one awk process (warmed up first, so that it allocates
# nothing more) writes stat_refresh, which folds the deltas, and reads vmstat
# and zoneinfo straight after; it repeats until two readings agree.
point() {
	echo "@@POINT $1 uptime=$(up)"
	awk -v p="$1" '
	function slurp(f,   s) {
		s = ""
		while ((getline line < f) > 0)
			s = s line "\n"
		close(f)
		return s
	}
	function refresh(   r) {
		r = "/proc/sys/vm/stat_refresh"
		printf "1\n" > r
		close(r)
	}
	function free_now(   n, i, a, w, fp, pcp) {
		refresh()
		vm = slurp("/proc/vmstat")
		zi = slurp("/proc/zoneinfo")
		n = split(vm, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], w, " ")
			if (w[1] == "nr_free_pages")
				fp = w[2]
		}
		n = split(zi, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], w, " ")
			if (w[1] == "count:")
				pcp += w[2]
		}
		npcp = pcp
		return fp + pcp
	}
	BEGIN {
		slurp("/proc/vmstat"); slurp("/proc/zoneinfo"); slurp("/proc/meminfo")
		prev = free_now()
		for (tries = 1; tries < 6; tries++) {
			cur = free_now()
			d = cur - prev
			if (d >= -2 && d <= 2)
				break
			prev = cur
		}
		mi = slurp("/proc/meminfo")
		n = split(vm, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], w, " ")
			if (w[1] ~ /^nr_/)
				print "@@K", p, w[1], w[2]
		}
		n = split(zi, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], w, " ")
			if (w[1] == "present") present += w[2]
			else if (w[1] == "managed") managed += w[2]
		}
		n = split(mi, a, "\n")
		for (i = 1; i <= n; i++) {
			split(a[i], w, " ")
			k = w[1]; sub(/:$/, "", k)
			if (k != "")
				print "@@K", p, k, w[2]
		}
		print "@@K", p, "pcp_pages", npcp + 0
		print "@@K", p, "zone_present", present + 0
		print "@@K", p, "zone_managed", managed + 0
		print "@@K", p, "free_reads", tries + 1
		print "@@K", p, "free_read_spread", d
	}' </dev/null
	for d in /sys/kernel/mm/hugepages/hugepages-*; do
		for f in nr_hugepages free_hugepages surplus_hugepages; do
			read v < "$d/$f"
			echo "@@K $1 ${d##*/}/$f $v"
		done
	done
	read v < /proc/sys/vm/hugetlb_optimize_vmemmap
	echo "@@K $1 hugetlb_optimize_vmemmap $v"
	echo "@@POINT_END $1"
}
"""

# Shell functions for hotplug and DAX, added to /init when the scenario uses them.
GUEST_HOTPLUG_DAX = r"""
note() { echo "@@NOTE $*"; }
memmap_now() { awk '$1 == "nr_memmap_pages" { print $2 }' /proc/vmstat; }

# blocks ADDR SIZE online|gone SECS: wait until every memory block of the
# range is online, or until none is left; status 1 on time out.
blocks() {
	read bs < /sys/devices/system/memory/block_size_bytes
	bs=$((0x$bs)); first=$(($1 / bs)); n=$(($2 / bs)); i=0
	while :; do
		ok=1; j=0
		while [ $j -lt $n ]; do
			f=/sys/devices/system/memory/memory$((first + j))/state
			if [ $3 = online ]; then
				s=; [ -r $f ] && read s < $f
				[ "$s" = online ] || { ok=0; break; }
			elif [ -e $f ]; then
				ok=0; break
			fi
			j=$((j + 1))
		done
		[ $ok = 1 ] && return 0
		i=$((i + 1)); [ $i -gt $(($4 * 10)) ] && return 1
		usleep 100000
	done
}

# hp_add LINE SIZE: the host plugs a pc-dimm through QMP and answers
# "ok ADDR"; the kernel adds and (auto-)onlines its blocks.
hp_add() {
	t0=$(up)
	echo "@@HOST $1"
	read -r ans addr rest
	rc=1
	if [ "$ans" = ok ] && blocks $addr $2 online 120; then rc=0; fi
	t1=$(up)
	sleep 1
	echo "@@ACT $1 rc=$rc t0=$t0 t1=$t1 now=${addr:-?} host=$ans"
}

# hp_remove LINE ADDR SIZE: the host asks QEMU to unplug the DIMM and answers
# "ok" once QEMU has deleted it, or "fail WHY" if the kernel refused the eject.
hp_remove() {
	t0=$(up)
	echo "@@HOST $1"
	read -r ans rest
	rc=1
	if [ "$ans" = ok ] && blocks $2 $3 gone 60; then rc=0; fi
	t1=$(up)
	sleep 1
	echo "@@ACT $1 rc=$rc t0=$t0 t1=$t1 now=$ans host=$ans${rest:+:$rest}"
}

ndctl() { LD_LIBRARY_PATH=/lib/x86_64-linux-gnu /usr/bin/ndctl "$@"; }

# ns_at ADDR: the namespace whose range starts at ADDR
ns_at() {
	for d in /sys/bus/nd/devices/namespace*; do
		[ -r $d/resource ] || continue
		read r < $d/resource
		[ $((r)) = $(($1)) ] && { echo ${d##*/}; return 0; }
	done
	return 1
}

# pmem_setup ADDR MODULES: load libnvdimm and friends; the e820 pmem range
# shows up as a raw namespace, which maps a memmap in RAM (nr_memmap_pages +
# size/64); disable it, so the first point is the simulator's: no pmem.
pmem_setup() {
	for m in $2; do
		insmod /lib/modules/$m.ko || note "insmod $m failed"
	done
	i=0
	until ns=$(ns_at $1) && [ -e /sys/bus/nd/devices/$ns/driver ]; do
		i=$((i + 1)); [ $i -gt 200 ] && { note "pmem no namespace at $1"; return 1; }
		usleep 100000
	done
	note "pmem raw $ns memmap=$(memmap_now)"
	ndctl disable-namespace $ns 2>&1 | sed 's/^/@@NDCTL /'
	note "pmem disabled $ns memmap=$(memmap_now)"
}

# dax_create LINE ADDR ALIGN MAP: the namespace at ADDR becomes device DAX
dax_create() {
	t0=$(up)
	ns=$(ns_at $2)
	ndctl create-namespace -f -e $ns -m devdax -a $3 --map=$4 > /tmp/ndctl.out 2>&1
	rc=$?
	t1=$(up)
	sed 's/^/@@NDCTL /' /tmp/ndctl.out
	for f in /sys/bus/dax/devices/dax*/size /sys/bus/dax/devices/dax*/align; do
		[ -r $f ] && note "$f=$(cat $f)"
	done
	echo "@@ACT $1 rc=$rc t0=$t0 t1=$t1 now=$ns"
}

# dax_destroy LINE ADDR: disable the namespace (and so its DAX device)
dax_destroy() {
	t0=$(up)
	ns=$(ns_at $2)
	ndctl disable-namespace $ns > /tmp/ndctl.out 2>&1
	rc=$?
	t1=$(up)
	sed 's/^/@@NDCTL /' /tmp/ndctl.out
	echo "@@ACT $1 rc=$rc t0=$t0 t1=$t1 now=$ns"
}
"""

GUEST_DIAG = r"""
# HVO_ORACLE_DIAG: where free memory is at every point, and a trace of the
# page allocator during every step (diagnostic, not part of the oracle).
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
diag() {
	echo "@@D $1 begin uptime=$(up)"
	sed "s/^/@@D $1 B /" /proc/buddyinfo
	sed "s/^/@@D $1 P /" /proc/pagetypeinfo
	sed "s/^/@@D $1 Z /" /proc/zoneinfo
	grep -E '^(MemFree|MemAvailable|Slab|SReclaimable|SUnreclaim|AnonPages|Shmem|Cached|KernelStack|PageTables|Percpu|Buffers):' /proc/meminfo | sed "s/^/@@D $1 M /"
	/bin/pfnscan $1
	[ "$1" = 0 ] && grep -i "kernel\|System RAM" /proc/iomem | sed "s/^/@@D $1 I /"
	echo "@@D $1 end uptime=$(up)"
}
# a boot-time trace (trace_event=kmem:mm_page_alloc,kmem:mm_page_free on the
# command line): pages allocated and freed per phase (A before the first
# order-9 allocation, B the 2 MiB boot pool, C after it), zone, order and
# migratetype, and in C per task
boottrace() {
	[ "$(cat $T/events/kmem/mm_page_alloc/enable 2>/dev/null)" = 1 ] || return 0
	echo 0 > $T/events/kmem/enable
	grep -h "entries\|overrun\|dropped" $T/per_cpu/cpu*/stats | sed "s/^/@@BT stats /"
	awk '
	function hex(s,   i, c, v) {
		v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1)) - 1
			v = v * 16 + c
		}
		return v
	}
	/^#/ { next }
	{
		ev = ""; pfn = -1; order = -1; mt = "-"; gfp = "-"
		for (i = 1; i <= NF; i++) {
			if ($i == "mm_page_alloc:") ev = "alloc"
			else if ($i == "mm_page_free:") ev = "free"
			else if ($i ~ /^pfn=/) pfn = hex(substr($i, 5))
			else if ($i ~ /^order=/) order = substr($i, 7) + 0
			else if ($i ~ /^migratetype=/) mt = substr($i, 13)
			else if ($i ~ /^gfp_flags=/) { gfp = substr($i, 11); sub(/\|.*/, "", gfp) }
		}
		if (ev == "" || pfn < 0) next
		comm = $1; sub(/-[0-9]+$/, "", comm); sub(/\/.*/, "", comm)
		if (ev == "alloc" && order == 9) {
			n9++
			if (n9 == 1) { ph = "B"; print "@@BT phaseB", $0 }
			if (n9 == 512) { print "@@BT phaseC-after", $0 }
		}
		phase = n9 == 0 ? "A" : (n9 < 512 || (n9 == 512 && ev == "alloc" && order == 9) ? "B" : "C")
		z = pfn < 4096 ? "DMA" : (pfn < 1048576 ? "DMA32" : "Normal")
		k = phase " " ev " " z " o" order " mt" mt " " gfp
		if (phase == "C") k = k " " comm
		np = 1; for (j = 0; j < order; j++) np *= 2
		pg[k] += np; nr[k]++
		if (phase == "C" && z == "Normal" && ev == "free" && nfc++ < 3) print "@@BT firstC-free", $0
	}
	END { for (k in pg) print "@@BT", k, nr[k], pg[k] }' $T/trace
	echo > $T/trace
}
boottrace
TREV="mm_page_alloc mm_page_free mm_page_alloc_zone_locked mm_page_pcpu_drain"
tron() {
	echo > $T/trace
	for e in $TREV; do echo "$2" > $T/events/kmem/$e/filter; echo 1 > $T/events/kmem/$e/enable; done
	echo 1 > $T/events/kmem/mm_page_alloc_extfrag/enable
}
troff() {
	echo 0 > $T/events/kmem/enable
	grep -h overrun $T/per_cpu/cpu*/stats | sed "s/^/@@T $1 stats /"
	sed -n -e 's/ page=[^ ]*//' -e "s/^.*\[\(00[0-9]\)\] *[^ ]* *\([0-9][0-9.]*\): \(mm_page[a-z_]*\): /@@T $1 \1 \2 \3 /p" $T/trace
}
"""

GUEST_EPILOGUE = r"""
echo "@@BOOTLOG_BEGIN"
dmesg | head -n "$kmsg_at_init" | grep -E 'Command line|Memory:|HugeTLB|hugetlb|vmemmap'
echo "@@BOOTLOG_END"
echo "@@KMSG_BEGIN"
dmesg | tail -n +$((kmsg_at_init + 1))
echo "@@KMSG_END"
echo "@@DONE uptime=$(up)"
sync
poweroff -f
"""


def init_script(plan, modules=()):
    """The guest's /init for @plan: the shell functions, then the scenario's
    actions and points as calls to them; @modules are the pmem and DAX
    modules in load order."""
    out = [GUEST_PRELUDE.replace("@SCENARIO@", os.path.basename(plan.path))]
    diag = bool(os.environ.get("HVO_ORACLE_DIAG"))
    if diag:
        out.append(GUEST_DIAG)
    if plan.needs_host() or plan.pmem:
        out.append(GUEST_HOTPLUG_DAX)
    if plan.needs_host():
        out.append("stty -echo 2>/dev/null    # the host's answers come in on the console")
    if plan.pmem:
        out.append(f"pmem_setup {plan.pmem[0]:#x} {shlex.quote(' '.join(modules))}")
    for p in plan.points:
        for a in p.actions:
            k = a["kind"]
            if k == "hotplug-add":
                out.append(f"hp_add {a['line']} {a['size']}")
            elif k == "hotplug-remove":
                out.append(f"hp_remove {a['line']} {a['addr']:#x} {a['size']}")
            elif k == "dax-create":
                al = {4 << 10: "4K", 2 << 20: "2M", 1 << 30: "1G"}[a["align"]]
                out.append(f"dax_create {a['line']} {a['addr']:#x} {al} {a['map']}")
            elif k == "dax-destroy":
                out.append(f"dax_destroy {a['line']} {a['addr']:#x}")
            else:
                if diag:
                    flt = "order >= 9" if "1048576kB" in a["path"] else "0"
                    out.append(f"tron {a['line']} '{flt}'")
                out.append(f"act {a['line']} {shlex.quote(a['path'])} {shlex.quote(a['value'])}")
                if diag:
                    out.append(f"troff {a['line']}")
        if p.idx == 0:
            out.append("settle")
        out.append(f"point {p.idx}")
        if diag:
            out.append(f"diag {p.idx}")
            if p.idx == 0:
                out.append("echo 2048 > $T/buffer_size_kb")
    out.append(GUEST_EPILOGUE)
    return "\n".join(out) + "\n"


def kernel_image(version):
    boot = os.path.join(CACHE, f"kernel-{version}", "boot")
    try:
        images = sorted(f for f in os.listdir(boot) if f.startswith("vmlinuz-"))
    except FileNotFoundError:
        images = []
    if not images:
        raise HarnessError(f"kernel {version} is not in {CACHE}: run oracle/setup.sh --kernel {version}")
    return os.path.join(boot, images[0])


# Kernel modules for the e820 pmem range and device DAX, loaded in this order
# (dependencies first; `modinfo -F depends` decides, these are the targets).
PMEM_MODULES = ["nd_e820", "nd_pmem", "device_dax", "dax_pmem"]


def module_files(version):
    """name -> .ko file of the unpacked kernel package."""
    top = os.path.join(CACHE, f"kernel-{version}", "lib", "modules")
    files = {}
    for dirpath, _, names in os.walk(top):
        for f in names:
            m = re.fullmatch(r"(.+)\.ko(\.xz|\.zst|\.gz)?", f)
            if m:
                files[m.group(1).replace("-", "_")] = os.path.join(dirpath, f)
    return files


def add_pmem_tools(root, version):
    """Put ndctl (oracle/cache/ndctl, from setup.sh) and the pmem and DAX
    modules of this very kernel into the initramfs tree at @root.  Returns
    the module names in load order."""
    tree = os.path.join(CACHE, "ndctl")
    if not os.path.exists(os.path.join(tree, "usr", "bin", "ndctl")):
        raise HarnessError(f"no ndctl in {tree}: run oracle/setup.sh")
    shutil.copytree(tree, root, symlinks=True, dirs_exist_ok=True)
    files = module_files(version)
    order = []

    def visit(name, depth=0):
        if name in order:
            return
        if name not in files or depth > 16:
            raise HarnessError(f"kernel {version} has no module {name}")
        r = subprocess.run(["modinfo", "-F", "depends", files[name]], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode:
            raise HarnessError(f"modinfo {files[name]}: {r.stderr.strip()}")
        for dep in filter(None, r.stdout.strip().split(",")):
            visit(dep.replace("-", "_"), depth + 1)
        order.append(name)

    for name in PMEM_MODULES:
        visit(name)
    mdir = os.path.join(root, "lib", "modules")
    os.makedirs(mdir, exist_ok=True)
    for name in order:
        src = files[name]
        unpack = {".xz": ["xz", "-dc"], ".zst": ["zstd", "-dcq"], ".gz": ["gzip", "-dc"]}.get(
            os.path.splitext(src)[1], ["cat"])
        with open(os.path.join(mdir, name + ".ko"), "wb") as out:
            if subprocess.run(unpack + [src], stdout=out).returncode:
                raise HarnessError(f"cannot unpack {src}")
    return order


def build_initrd(plan, workdir, version):
    root = os.path.join(workdir, "root")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "bin"))
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not os.path.exists(busybox):
        raise HarnessError("no busybox: run oracle/setup.sh (busybox-static)")
    shutil.copy(busybox, os.path.join(root, "bin", "busybox"))
    if os.environ.get("HVO_ORACLE_DIAG"):
        diag = os.path.join(os.path.dirname(os.path.abspath(__file__)), "diag")
        scan = os.path.join(workdir, "pfnscan")
        if subprocess.run(["gcc", "-O2", "-static", "-o", scan, os.path.join(diag, "pfnscan.c")]).returncode:
            raise HarnessError("cannot build oracle/diag/pfnscan.c (gcc -static)")
        shutil.copy(scan, os.path.join(root, "bin", "pfnscan"))
    modules = []
    if plan.pmem:
        modules = add_pmem_tools(root, version)
    init = init_script(plan, modules)
    for name in (os.path.join(root, "init"), os.path.join(workdir, "init")):
        with open(name, "w") as f:
            f.write(init)
        os.chmod(name, 0o755)
    initrd = os.path.join(workdir, "initrd.gz")
    for tool in ("cpio", "gzip"):
        if not shutil.which(tool):
            raise HarnessError(f"no {tool}: run oracle/setup.sh")
    with open(initrd, "wb") as out:
        find = subprocess.Popen(["find", "."], cwd=root, stdout=subprocess.PIPE)
        cpio = subprocess.Popen(["cpio", "-o", "-H", "newc", "--quiet"], cwd=root,
                                stdin=find.stdout, stdout=subprocess.PIPE)
        find.stdout.close()
        gz = subprocess.Popen(["gzip", "-1"], stdin=cpio.stdout, stdout=out)
        cpio.stdout.close()
        if gz.wait() or cpio.wait() or find.wait():
            raise HarnessError("building the initramfs failed")
    shutil.rmtree(root)
    return initrd

