#!/usr/bin/env python3
"""Check the hvo simulator against a real Linux kernel, one scenario at a time.

usage: oracle/oracle.py FILE.hvo [--kernel 6.12.113] [--design legacy]
                        [--strict] [--timeout SECS] [--hvo PATH] [--quiet]

The scenario (the simulator's own language) is run twice:

  * on the kernel: the `machine` line becomes a QEMU command line, the
    `cmdline` line the kernel command line (after console=ttyS0 panic=-1),
    and every pool or sysctl change a write to /sys or /proc in a busybox
    initramfs whose /init this script writes.  The kernel's counters are read
    at every snapshot point;
  * in the simulator (build/hvo, `design legacy` forced): the scenario is cut
    after each snapshot point and the prefix run with `hvo run --json -`.

Then both sets of counters are compared with the rules in RULES below, which
are also printed as a legend under the table.

Snapshot points: right after `boot` (label "boot"), at every `snapshot LABEL`
and at every `expect` line (label "expect@LINE"), and at the end of the
scenario if anything changed after the last point.  Points with no pool or
sysctl change between them are merged.

Kernel side, per command:
  machine mem=S layout=qemu-pc [nodes=N|node_mem=..] [movablecore=S]
                       -> -m S; one NUMA node per size (CPUs on node 0)
  cmdline ...          -> appended to "console=ttyS0 panic=-1"
  hugepages SIZE N     -> /sys/kernel/mm/hugepages/hugepages-<kB>kB/nr_hugepages
  hugepages SIZE N node=K -> /sys/devices/system/node/nodeK/hugepages/.../nr_hugepages
  sysctl vm.X=V        -> /proc/sys/vm/X
  hotplug add node=N size=S [addr=A]
                       -> QMP object-add memory-backend-ram + device_add
                          pc-dimm node=N [addr=A] (QEMU gets -m M,slots=,maxmem=
                          and -qmp); the guest waits until the DIMM's memory
                          blocks are online.  memmap_on_memory must be set on
                          the cmdline (the kernel reads it at boot only)
  hotplug remove addr=A size=S
                       -> QMP device_del of the DIMM added there; the host
                          waits for DEVICE_DELETED or a refusing ACPI _OST
  dax create size=S align=4K|2M|1G addr=A [memmap=ram|device]
                       -> QEMU -m MEM+S and memmap=S!A on the kernel cmdline
                          (A must be the end of the simulator's RAM, one pmem
                          range per scenario, single-node machines); before
                          the first point the guest loads libnvdimm, nd_pmem,
                          nd_e820, device_dax, dax_pmem and disables the raw
                          namespace; then ndctl create-namespace -f -e NS
                          -m devdax -a ALIGN --map=mem|dev
  dax destroy NAME     -> ndctl disable-namespace NS
  design, check, show  -> simulator only, ignored on the kernel side
  fault, poke          -> refused: they have no kernel counterpart

Exit status: 0 every rule held, 1 a rule failed, 2 the scenario cannot be
run on both sides (bad input, or not expressible on QEMU), 3 the harness
failed (no kernel, QEMU or simulator trouble, timeout).

Files of the last run of a scenario are kept in
oracle/work/<scenario>-<kernel>/: init (the guest script), console.log
(serial console with host timestamps), qemu.cmd, sim-N.json, result.json.
"""

import argparse
import json
import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CACHE = os.path.join(HERE, "cache")
WORK = os.path.join(HERE, "work")
DEFAULT_KERNEL = "6.12.113"
PAGE_KB = 4

RULES = """\
Comparison rules (kernel vs simulator, design forced to {design}):
  exact   nr_memmap_pages, nr_memmap_boot_pages and their sum; HugePages_Total,
          HugePages_Free, HugePages_Surp, Hugetlb and the per-size
          nr/free/surplus_hugepages of /sys/kernel/mm/hugepages; the
          vm.hugetlb_optimize_vmemmap sysctl.  Absolute values, every point.
  delta   MemTotal, as its change since the first point, exactly.  The
          absolute value depends on what the kernel reserves at boot
          (firmware, kernel image, page tables, a few kB of boot-to-boot
          noise), which the simulator only approximates with kernel_reserve;
          it is shown, not judged.  Within one boot MemTotal moves only when
          memblock (boot) memmap pages are freed: +4 kB each.
  bound   free memory = nr_free_pages + the pages on the per-CPU lists (the
          "count:" lines of /proc/zoneinfo; MemFree leaves them out and is
          off by thousands of pages), compared as its change since the
          previous point; allowed difference {b2m} pages, {bfirst} for the
          first step after boot (the kernel's first pool change pays one-time
          costs: measured -6 to -27 pages, with HVO on or off), {b1g} for a
          step that allocates 1 GiB pages at run time (alloc_contig_range
          migrates pages).  The kernel side is read by one process that
          writes stat_refresh and reads vmstat and zoneinfo at once, until
          two readings agree; later steps on 6.12.113 measured within +-16.
          The simulator has no per-CPU lists: its nr_free_pages is all its
          free memory.  The kernel also spends pages no counter shows: one
          PTE table per vmemmap PMD that HVO splits.  The simulator models
          those and reports them as vmemmap_pgtable_pages, so its free
          memory already pays for them.  {bhp} pages for a step that hot-adds
          or hot-removes memory: the kernel also starts (and stops) kswapd
          and kcompactd of a node that gets memory, allocates slab for the
          memory block devices, the reading awk's buffers grow with
          /proc/zoneinfo, and offlining shrinks every slab cache, freeing
          the empty slabs of the whole system (measured -123 on an add to
          +182 on a remove).  {bdax} for a step that creates or destroys a
          device DAX namespace (measured -59..+7).
  shift   nr_memmap_pages and nr_memmap_boot_pages differ by opposite amounts,
          their sum is exact and MemTotal's delta differs by exactly 4 kB per
          boot page of the difference, and the difference appeared when pages
          were re-allocated while the memmap of earlier, restored pages was
          buddy memory (no more than either side had).  Both sides optimized
          the same pages' worth of memmap; a different number of them sat on
          pfns whose memmap was still boot memory.  Which pfns the buddy
          allocator returns varies from boot to boot on the real kernel (1 to
          19 of 512 in repeated runs), so this is reported, and counted as a
          pass unless --strict.
  place   hot-add address: where QEMU put the DIMM (query-memory-devices)
          must be the address the simulator used (addr=, or its default).
  outcome a hotplug or dax command succeeds on both sides or fails on both
          (the kernel refuses to eject memory that holds unmovable pages:
          ACPI _OST status 0x82; the simulator: "is in use").
  kernel  the kernel must log no BUG, WARNING or Oops line after /init
          starts, except "BUG: Bad page state" exactly when the simulator's
          free path rejected struct pages too (nr_bad_pages > 0, design
          legacy-6.12.115); accept every write; and reach every point.
  info    absolute MemTotal, MemFree and free memory, the kernel's per-CPU
          list pages, the simulator's vmemmap_pgtable_pages: not judged.
Exit status 1 if any exact, delta, bound, place, outcome or kernel rule fails."""

BOUND_2M = 32
BOUND_FIRST = 48
BOUND_1G = 64
BOUND_HOTPLUG = 256
BOUND_DAX = 96


class ScenarioError(Exception):
    """The scenario cannot be translated (exit 2)."""


class HarnessError(Exception):
    """Kernel, QEMU or simulator trouble (exit 3)."""


# ---------------------------------------------------------------- parsing

def parse_size(text):
    """Sizes as the simulator reads them: 4096, 4K, 2M, 1G, 2MB, 0x1000."""
    m = re.fullmatch(r"(0[xX][0-9a-fA-F]+|[0-9]+)([kKmMgGtTpP][bB]?)?", text or "")
    if not m:
        raise ValueError(text)
    v = int(m.group(1), 0)
    if m.group(2):
        v <<= {"k": 10, "m": 20, "g": 30, "t": 40, "p": 50}[m.group(2)[0].lower()]
    return v


def align_up(v, a):
    return (v + a - 1) // a * a


def tokenize(line):
    """Words up to a word that starts with '#', as src/scenario.c does."""
    words = []
    for w in line.split():
        if w.startswith("#"):
            break
        words.append(w)
    return words


def cmdline_rest(line):
    """The raw text after 'cmdline', minus a trailing ' #comment'."""
    rest = line.strip()[len("cmdline"):].strip()
    m = re.search(r"(^|\s)#", rest)
    if m:
        rest = rest[:m.start()]
    return rest.strip()


class Point:
    def __init__(self, idx, label, line):
        self.idx = idx
        self.labels = [label]
        self.line = line            # the simulator prefix ends after this line
        self.actions = []           # actions since the previous point
        self.big_alloc = False      # a step that allocates 1 GiB pages


class Plan:
    """Everything both sides need, derived from one scenario file."""

    def __init__(self, path):
        self.path = path
        try:
            with open(path, encoding="utf-8") as f:
                self.lines = f.read().split("\n")
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"{path}: {e}")
        self.mem = None
        self.layout = "flat"
        self.nodes = None
        self.node_mem = None
        self.movablecore = None
        self.cmdline = ""
        self.boot_line = None
        self.points = []
        self.notes = []
        # memory hotplug: every DIMM ever plugged, the ones plugged now
        self.dimms = []
        self.present_dimms = {}
        # pmem for device DAX: the one range (addr, size), and its live device
        self.pmem = None
        self.dax_seq = 0
        self.live_dax = {}
        self._parse()

    def err(self, lineno, msg):
        raise ScenarioError(f"{self.path}:{lineno}: {msg}")

    def _parse(self):
        pending = []                # actions since the last point
        big = False
        last_point = None
        for n, raw in enumerate(self.lines, 1):
            words = tokenize(raw)
            if not words:
                continue
            cmd = words[0]
            if cmd == "machine":
                self._machine(n, words[1:])
            elif cmd == "cmdline":
                self.cmdline = cmdline_rest(raw)
            elif cmd == "design":
                self.notes.append(f"line {n}: '{' '.join(words)}' replaced by the forced design")
            elif cmd == "boot":
                if self.mem is None:
                    self.err(n, "boot before machine")
                self.boot_line = n
                last_point = self._new_point("boot", n, [], False)
            elif cmd in ("hugepages", "sysctl", "hotplug", "dax"):
                if self.boot_line is None:
                    self.err(n, f"'{cmd}' before boot")
                if cmd == "hotplug":
                    act = self._hotplug(n, words)
                elif cmd == "dax":
                    act = self._dax(n, words)
                else:
                    act = self._action(n, words)
                pending.append(act)
                if act["kind"] == "pool" and act["size"] >= 1 << 30:
                    big = True
            elif cmd in ("snapshot", "expect"):
                if self.boot_line is None:
                    self.err(n, f"'{cmd}' before boot")
                if cmd == "snapshot":
                    label = words[1] if len(words) > 1 else "last"
                else:
                    label = f"expect@{n}"
                if pending or last_point is None:
                    last_point = self._new_point(label, n, pending, big)
                    pending, big = [], False
                elif label not in last_point.labels:
                    last_point.labels.append(label)
            elif cmd in ("check", "show"):
                continue
            elif cmd in ("fault", "poke"):
                self.err(n, f"'{cmd}' has no kernel counterpart: the oracle cannot run this scenario")
            else:
                self.err(n, f"unknown command '{cmd}'")
        if self.boot_line is None:
            raise ScenarioError(f"{self.path}: no 'boot' line")
        if pending:
            last = max(a["line"] for a in pending)
            self._new_point("end", last, pending, big)

    def _new_point(self, label, line, actions, big):
        p = Point(len(self.points), label, line)
        p.actions = list(actions)
        p.big_alloc = big
        self.points.append(p)
        return p

    def _machine(self, n, args):
        for a in args:
            if "=" not in a:
                self.err(n, f"machine: expected KEY=VALUE, got '{a}'")
            k, v = a.split("=", 1)
            try:
                if k == "mem":
                    self.mem = parse_size(v)
                elif k == "layout":
                    self.layout = v
                elif k == "nodes":
                    self.nodes = int(v)
                elif k == "node_mem":
                    self.node_mem = [parse_size(s) for s in v.split(",")]
                elif k == "movablecore":
                    self.movablecore = parse_size(v)
                elif k == "page_size":
                    if parse_size(v) != 4096:
                        self.err(n, "the kernel is x86-64 with 4K pages: page_size must be 4K")
                elif k == "struct_page":
                    if int(v) != 64:
                        self.err(n, "Debian's kernel has a 64-byte struct page: struct_page must be 64")
                elif k == "arch":
                    if v != "x86-64":
                        self.err(n, "the kernel is x86-64: arch must be x86-64")
                elif k == "kernel_reserve":
                    self.notes.append(f"line {n}: kernel_reserve is simulator-only (absolute MemTotal is not judged)")
                else:
                    self.err(n, f"machine: unknown parameter '{k}'")
            except ValueError:
                self.err(n, f"machine: bad value in '{a}'")
        if self.mem is None:
            self.err(n, "machine: mem=SIZE is required")
        if self.layout != "qemu-pc":
            self.err(n, "the oracle boots a QEMU pc machine: add layout=qemu-pc to the machine line")
        if self.mem % (2 << 20):
            self.err(n, "mem must be a multiple of 2 MiB for QEMU")
        sizes = None
        if self.node_mem:
            sizes = self.node_mem
            if self.nodes is not None and self.nodes != len(sizes):
                self.err(n, "nodes= disagrees with node_mem=")
            if sum(sizes) != self.mem:
                self.err(n, "node_mem does not add up to mem")
        elif self.nodes and self.nodes > 1:
            share = (self.mem // self.nodes) & ~4095
            sizes = [share] * self.nodes
            sizes[0] += self.mem - share * self.nodes
        if sizes and any(s % (2 << 20) for s in sizes):
            self.err(n, "QEMU needs NUMA node sizes in multiples of 2 MiB")
        self.node_sizes = sizes

    def _action(self, n, words):
        if words[0] == "hugepages":
            if len(words) not in (3, 4):
                self.err(n, "hugepages: expected SIZE COUNT [node=N]")
            try:
                size = parse_size(words[1])
                count = int(words[2], 0)
            except ValueError:
                self.err(n, "hugepages: expected SIZE COUNT [node=N]")
            kb = size >> 10
            if len(words) == 4:
                m = re.fullmatch(r"node=([0-9]+)", words[3])
                if not m:
                    self.err(n, "hugepages: expected node=N")
                path = (f"/sys/devices/system/node/node{m.group(1)}/hugepages/"
                        f"hugepages-{kb}kB/nr_hugepages")
            else:
                path = f"/sys/kernel/mm/hugepages/hugepages-{kb}kB/nr_hugepages"
            return {"line": n, "kind": "pool", "size": size, "path": path,
                    "value": str(count), "text": " ".join(words)}
        if len(words) != 2 or "=" not in words[1]:
            self.err(n, "sysctl: expected NAME=VALUE")
        name, value = words[1].split("=", 1)
        if not re.fullmatch(r"vm\.[a-z_]+", name):
            self.err(n, f"sysctl: '{name}' is not a vm.* sysctl")
        size = 0
        if name == "vm.nr_hugepages":
            size = self.default_hugepage_size()
        return {"line": n, "kind": "sysctl", "size": size,
                "path": "/proc/sys/vm/" + name[3:], "value": value,
                "text": " ".join(words)}

    # -- memory hotplug and device DAX

    def nr_nodes(self):
        return len(self.node_sizes) if self.node_sizes else 1

    def ram_below_4g(self):
        """QEMU pc puts 3 GiB below 4 GiB when the guest has 3.5 GiB or more,
        else all of it (src/machine.c qemu_pc_ranges does the same)."""
        return 3 << 30 if self.mem >= 0xe0000000 else self.mem

    def ram_end(self):
        """The end of the simulator's RAM (its max_pfn): the top 128 KiB of
        low RAM are SeaBIOS's when there is no RAM above 4 GiB."""
        below = self.ram_below_4g()
        if self.mem > below:
            return (4 << 30) + self.mem - below
        return below - (128 << 10)

    def sim_default_addr(self):
        """hotplug_default_addr() of src/memory_hotplug.c: the 1 GiB-aligned
        end of the highest present section (RAM, hot-added memory, DAX)."""
        end = self.ram_end()
        for a, sz in list(self.present_dimms.values()) + [(d["addr"], d["size"]) for d in self.live_dax.values()]:
            end = max(end, a + sz)
        return align_up(end, 1 << 30)

    def qemu_device_base(self):
        """Where QEMU 7.2's pc machine starts its device memory region, the
        home of pc-dimms: the 1 GiB-aligned end of RAM above 4 GiB (the pmem
        range is RAM to QEMU)."""
        above = max(0, self.qemu_mem() - self.ram_below_4g())
        return align_up((4 << 30) + above, 1 << 30)

    def qemu_mem(self):
        return self.mem + (self.pmem[1] if self.pmem else 0)

    def cmdline_value(self, name):
        """The value of the last name= on the kernel command line, or None."""
        m = None
        for m in re.finditer(r"(?:^|\s)" + re.escape(name) + r"=(\S+)", self.cmdline):
            pass
        return m.group(1) if m else None

    def cmdline_mom(self):
        v = self.cmdline_value("memory_hotplug.memmap_on_memory")
        return v is not None and v.lower() in ("1", "y", "yes", "on", "true", "force")

    def cmdline_movable(self):
        return self.cmdline_value("memhp_default_state") == "online_movable"

    def _hotplug(self, n, words):
        usage = ("hotplug: expected 'add node=N size=S [addr=A] [memmap_on_memory[=0|1]] "
                 "[movable|kernel]' or 'remove addr=A size=S'")
        if len(words) < 2 or words[1] not in ("add", "remove"):
            self.err(n, usage)
        add = words[1] == "add"
        size = addr = None
        node = 0
        mom = movable = None
        for w in words[2:]:
            k, eq, v = w.partition("=")
            try:
                if k == "size" and eq:
                    size = parse_size(v)
                elif k == "addr" and eq:
                    addr = parse_size(v)
                elif add and k == "node" and eq:
                    node = int(v, 0)
                elif add and k == "memmap_on_memory":
                    mom = True if not eq else v.lower() in ("1", "y", "yes", "on", "true")
                elif add and k in ("movable", "kernel") and not eq:
                    movable = k == "movable"
                else:
                    self.err(n, f"hotplug {words[1]}: bad argument '{w}'")
            except ValueError:
                self.err(n, f"hotplug {words[1]}: bad argument '{w}'")
        if not size:
            self.err(n, f"hotplug {words[1]}: size=S is required")
        if size % (128 << 20):
            self.err(n, "hotplug: QEMU plugs DIMMs of whole 128 MiB memory blocks: size must be a multiple of 128M")
        text = " ".join(words)
        if add:
            if node >= self.nr_nodes():
                self.err(n, f"hotplug add: node {node} does not exist")
            if mom is not None and mom != self.cmdline_mom():
                self.err(n, "hotplug add: the kernel reads memory_hotplug.memmap_on_memory once, at boot: "
                            "set it with 'cmdline memory_hotplug.memmap_on_memory=0|1' instead of per add")
            if movable is not None and movable != self.cmdline_movable():
                self.err(n, "hotplug add: the guest lets the kernel online each DIMM as "
                            "memhp_default_state= says: set 'cmdline memhp_default_state=online_movable' "
                            "(or leave it out) instead of movable/kernel per add")
            sim_addr = addr if addr is not None else self.sim_default_addr()
            d = {"line": n, "kind": "hotplug-add", "size": size, "node": node, "addr": addr,
                 "sim_addr": sim_addr, "dimm": f"dimm{n}", "backend": f"hpmem{n}", "text": text}
            self.dimms.append(d)
            self.present_dimms[d["dimm"]] = (sim_addr, size)
            return d
        if addr is None:
            self.err(n, "hotplug remove: addr=A is required")
        for dimm, (a, sz) in self.present_dimms.items():
            if (a, sz) == (addr, size):
                del self.present_dimms[dimm]
                return {"line": n, "kind": "hotplug-remove", "size": size, "addr": addr,
                        "dimm": dimm, "text": text}
        self.err(n, "hotplug remove: QEMU unplugs whole DIMMs: addr= and size= must be those of a "
                    "DIMM added earlier and still present")

    def _dax(self, n, words):
        text = " ".join(words)
        if len(words) == 3 and words[1] == "destroy":
            d = self.live_dax.pop(words[2], None)
            if d is None:
                self.err(n, f"dax destroy: no live device '{words[2]}' (devices are named dax0, dax1, ... "
                            "in the order they are created)")
            return {"line": n, "kind": "dax-destroy", "size": 0, "name": words[2],
                    "addr": d["addr"], "text": text}
        if len(words) < 2 or words[1] != "create":
            self.err(n, "dax: expected 'create size=S align=4K|2M|1G [node=N] [memmap=ram|device] [addr=A]' "
                        "or 'destroy NAME'")
        size = align = addr = None
        node = 0
        onmem = "mem"
        for w in words[2:]:
            k, eq, v = w.partition("=")
            try:
                if k == "size" and eq:
                    size = parse_size(v)
                elif k == "align" and eq:
                    align = parse_size(v)
                elif k == "addr" and eq:
                    addr = parse_size(v)
                elif k == "node" and eq:
                    node = int(v, 0)
                elif w in ("memmap=ram", "memmap=device"):
                    onmem = "mem" if w == "memmap=ram" else "dev"
                else:
                    self.err(n, f"dax create: bad argument '{w}'")
            except ValueError:
                self.err(n, f"dax create: bad argument '{w}'")
        if not size or not align:
            self.err(n, "dax create: size=S and align=A are required")
        if align not in (4 << 10, 2 << 20, 1 << 30):
            self.err(n, "dax create: align must be 4K, 2M or 1G")
        if self.node_sizes:
            self.err(n, "dax create: the pmem range is RAM of the last NUMA node to QEMU: "
                        "the oracle runs dax scenarios on single-node machines only")
        if node != 0:
            self.err(n, "dax create: the pmem range belongs to node 0 on a single-node machine")
        if addr is None:
            self.err(n, "dax create: give addr=: the kernel's pmem range is fixed at boot (memmap=SIZE!ADDR)")
        if self.mem < 0xe0000000:
            self.err(n, "dax create: the oracle carves pmem out of RAM above 4 GiB: the machine needs mem >= 3.5G")
        if self.pmem is None:
            if addr != self.ram_end():
                self.err(n, f"dax create: the pmem range must start where the simulator's RAM ends "
                            f"({self.ram_end() >> 20}M), where QEMU's RAM goes on to back it")
            if addr % (128 << 20) or size % (128 << 20):
                self.err(n, "dax create: addr and size must be multiples of 128M (one memory section)")
            self.pmem = (addr, size)
        elif self.pmem != (addr, size):
            self.err(n, "dax create: the oracle sets up one pmem range (memmap=SIZE!ADDR): every dax create "
                        "must use the same addr= and size=")
        if self.live_dax:
            self.err(n, "dax create: the pmem range holds one device at a time: destroy the last one first")
        name = f"dax{self.dax_seq}"
        self.dax_seq += 1
        d = {"line": n, "kind": "dax-create", "size": size, "align": align, "addr": addr,
             "map": onmem, "name": name, "text": text}
        self.live_dax[name] = d
        return d

    def default_hugepage_size(self):
        m = re.search(r"(?:^|\s)default_hugepagesz=(\S+)", self.cmdline)
        try:
            return parse_size(m.group(1)) if m else 2 << 20
        except ValueError:
            return 2 << 20

    # -- the kernel side

    def qemu_memory(self):
        """The -m argument: RAM plus the pmem range (memmap=S!A turns the
        top of it into pmem); with hotplug, DIMM slots and the room for them."""
        m = f"{self.qemu_mem() >> 20}M"
        if self.dimms:
            base = self.qemu_device_base()
            room = sum(d["size"] for d in self.dimms)
            for d in self.dimms:
                if d["addr"] is not None:
                    room = max(room, d["addr"] + d["size"] - base)
            m += f",slots={min(max(len(self.dimms), 1), 32)},maxmem={(self.qemu_mem() + align_up(room, 1 << 30)) >> 20}M"
        return m

    def qemu_args(self, kernel_image, initrd, smp, qmp=None):
        args = ["qemu-system-x86_64", "-accel", "tcg,thread=multi", "-cpu", "max",
                "-smp", str(smp), "-m", self.qemu_memory(),
                "-display", "none", "-serial", "stdio", "-monitor", "none",
                "-nic", "none", "-no-reboot",
                "-kernel", kernel_image, "-initrd", initrd,
                "-append", self.kernel_cmdline()]
        if qmp:
            args += ["-qmp", f"unix:{qmp},server=on,wait=off"]
        if self.node_sizes:
            for i, s in enumerate(self.node_sizes):
                node = f"node,nodeid={i}"
                if s:               # a memoryless node has no backend
                    args += ["-object", f"memory-backend-ram,id=ram-node{i},size={s >> 20}M"]
                    node += f",memdev=ram-node{i}"
                if i == 0:
                    node += f",cpus=0-{smp - 1}"
                args += ["-numa", node]
        return args

    def kernel_cmdline(self):
        parts = ["console=ttyS0", "panic=-1"]
        if self.cmdline:
            parts.append(self.cmdline)
        if self.movablecore and not re.search(r"(^|\s)movablecore=", self.cmdline):
            parts.append(f"movablecore={self.movablecore >> 20}M")
        if self.pmem:
            parts.append(f"memmap={self.pmem[1] >> 20}M!{self.pmem[0] >> 20}M")
        return " ".join(parts)

    def needs_host(self):
        """Scenario commands the host carries out (QMP), answering the guest
        on its console."""
        return bool(self.dimms)

    def action_by_line(self, line):
        for p in self.points:
            for a in p.actions:
                if a["line"] == line:
                    return a
        return None

    def guest_init(self, modules=()):
        out = [GUEST_PRELUDE.replace("@SCENARIO@", os.path.basename(self.path))]
        if self.needs_host() or self.pmem:
            out.append(GUEST_HOTPLUG_DAX)
        if self.needs_host():
            out.append("stty -echo 2>/dev/null    # the host's answers come in on the console")
        if self.pmem:
            out.append(f"pmem_setup {self.pmem[0]:#x} {shlex.quote(' '.join(modules))}")
        for p in self.points:
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
                    out.append(f"act {a['line']} {shlex.quote(a['path'])} {shlex.quote(a['value'])}")
            if p.idx == 0:
                out.append("settle")
            out.append(f"point {p.idx}")
        out.append(GUEST_EPILOGUE)
        return "\n".join(out) + "\n"

    # -- the simulator side

    def sim_text(self, upto, design):
        """The scenario up to line @upto, with the design forced.  The design
        line goes first, so simulator line numbers are one more than ours."""
        body = []
        for n, raw in enumerate(self.lines[:upto], 1):
            body.append("#" + raw if tokenize(raw)[:1] == ["design"] else raw)
        return f"design {design}\n" + "\n".join(body) + "\n"


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


# ---------------------------------------------------------------- kernel side

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
    modules = []
    if plan.pmem:
        modules = add_pmem_tools(root, version)
    init = plan.guest_init(modules)
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


class QMP:
    """A minimal QMP client on QEMU's unix socket: commands and events."""

    def __init__(self, path, deadline, log, alive=lambda: True):
        self.log = log
        self.events = []
        self.buf = b""
        self.sock = None
        while True:
            try:
                sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sk.connect(path)
                self.sock = sk
                break
            except OSError:
                sk.close()
                if time.monotonic() > deadline or not alive():
                    raise HarnessError(f"cannot connect to QEMU's QMP socket {path}")
                time.sleep(0.05)
        self._read(deadline)                    # the greeting
        self.cmd("qmp_capabilities", deadline=deadline)

    def _read(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("QMP")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("QMP")
            if not chunk:
                raise HarnessError("QEMU closed the QMP socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        self.log(f"qmp <- {line.decode(errors='replace').strip()}")
        return json.loads(line)

    def cmd(self, name, args=None, deadline=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.log(f"qmp -> {json.dumps(msg)}")
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read(deadline)
            if "event" in r:
                self.events.append(r)
            elif "return" in r:
                return r["return"]
            elif "error" in r:
                raise QMPError(r["error"].get("desc", str(r["error"])))

    def wait_event(self, match, deadline):
        """The first event (old or new) for which match(event) is true."""
        while True:
            for i, e in enumerate(self.events):
                if match(e):
                    return self.events.pop(i)
            r = self._read(deadline)
            if "event" in r:
                self.events.append(r)

    def close(self):
        if self.sock:
            self.sock.close()


class QMPError(Exception):
    pass


def host_action(plan, qmp, line, res, deadline):
    """Carry out the host side of scenario line @line; the answer goes back
    to the guest as one line on its console."""
    a = plan.action_by_line(line)
    if a is None or qmp is None:
        return "fail no-such-action"
    rec = res["host"].setdefault(line, {})
    try:
        if a["kind"] == "hotplug-add":
            qmp.cmd("object-add", {"qom-type": "memory-backend-ram", "id": a["backend"],
                                   "size": a["size"]}, deadline=deadline)
            dev = {"driver": "pc-dimm", "id": a["dimm"], "memdev": a["backend"], "node": a["node"]}
            if a["addr"] is not None:
                dev["addr"] = a["addr"]
            qmp.cmd("device_add", dev, deadline=deadline)
            addr = None
            for m in qmp.cmd("query-memory-devices", deadline=deadline):
                if m.get("data", {}).get("id") == a["dimm"]:
                    addr = m["data"]["addr"]
            if addr is None:
                return "fail no-address"
            rec["addr"] = addr
            return f"ok {addr:#x}"
        if a["kind"] == "hotplug-remove":
            qmp.cmd("device_del", {"id": a["dimm"]}, deadline=deadline)
            # DEVICE_DELETED once the guest ejected it; an _OST status other
            # than success (0) or "eject in progress" (0x84) is a refusal.
            ev = qmp.wait_event(
                lambda e: (e["event"] == "DEVICE_DELETED" and e["data"].get("device") == a["dimm"]) or
                          (e["event"] == "ACPI_DEVICE_OST" and
                           e["data"]["info"].get("device") == a["dimm"] and
                           e["data"]["info"].get("status") not in (0, 0x84)),
                min(deadline, time.monotonic() + 180))
            if ev["event"] == "DEVICE_DELETED":
                rec["removed"] = True
                try:
                    qmp.cmd("object-del", {"id": a["dimm"].replace("dimm", "hpmem", 1)}, deadline=deadline)
                except QMPError:
                    pass
                return "ok"
            info = ev["data"]["info"]
            rec["removed"] = False
            rec["ost"] = info
            return f"fail ost-source={info.get('source')}-status={info.get('status'):#x}"
    except QMPError as e:
        rec["error"] = str(e)
        return "fail qmp:" + re.sub(r"\s+", "_", str(e))
    except TimeoutError:
        rec["error"] = "timeout"
        return "fail timeout"
    return "fail unknown-action"


def run_kernel(plan, version, workdir, timeout, smp, say):
    """Boot the kernel, run the actions; returns the parsed console."""
    image = kernel_image(version)
    if not shutil.which("qemu-system-x86_64"):
        raise HarnessError("no qemu-system-x86_64: run oracle/setup.sh")
    initrd = build_initrd(plan, workdir, version)
    sockdir = qmp_path = None
    if plan.needs_host():
        # a short path: unix socket names are limited to 107 bytes
        sockdir = tempfile.mkdtemp(prefix="hvo-oracle-")
        qmp_path = os.path.join(sockdir, "qmp.sock")
    args = plan.qemu_args(image, initrd, smp, qmp_path)
    with open(os.path.join(workdir, "qemu.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(a) for a in args) + "\n")
    res = {"points": {}, "actions": {}, "kmsg": [], "bootlog": [], "init_uptime": None,
           "done": False, "boot_seconds": None, "seconds": None, "qemu_rc": None,
           "qemu_cmd": args, "requests": [], "host": {}, "notes": []}
    log = open(os.path.join(workdir, "console.log"), "w", errors="replace")
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if qmp_path else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    say(f"kernel {version}: QEMU pid {proc.pid}, -m {plan.qemu_memory()}, append: {plan.kernel_cmdline()}")
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    section = None
    timed_out = False
    qmp = None

    def qlog(msg):
        log.write(f"[{time.monotonic() - t0:8.3f}] @@QMP {msg}\n")

    try:
        if qmp_path:
            qmp = QMP(qmp_path, t0 + 30, qlog, lambda: proc.poll() is None)
        while True:
            left = t0 + timeout - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(min(left, 5.0)):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                now = time.monotonic() - t0
                log.write(f"[{now:8.3f}] {line}\n")
                section = parse_console(line, res, section, now, say)
            while res["requests"]:
                line = res["requests"].pop(0)
                answer = host_action(plan, qmp, line, res, t0 + timeout)
                qlog(f"answer to line {line}: {answer}")
                say(f"  line {line}: host: {answer}")
                proc.stdin.write(answer.encode() + b"\n")
                proc.stdin.flush()
    finally:
        if qmp:
            qmp.close()
        if proc.poll() is None:
            proc.kill()             # only the QEMU this function started
        res["qemu_rc"] = proc.wait()
        sel.close()
        log.close()
        if sockdir:
            shutil.rmtree(sockdir, ignore_errors=True)
    res["seconds"] = time.monotonic() - t0
    if timed_out:
        raise HarnessError(f"kernel run timed out after {timeout} s (see {workdir}/console.log)")
    return res


def parse_console(line, res, section, now, say):
    if section == "kmsg":
        if line.startswith("@@KMSG_END"):
            return None
        res["kmsg"].append(line)
        return section
    if section == "bootlog":
        if line.startswith("@@BOOTLOG_END"):
            return None
        res["bootlog"].append(line)
        return section
    if not line.startswith("@@"):
        return section
    word, _, rest = line.partition(" ")
    if word == "@@K":
        idx, key, val = rest.split(" ", 2)
        try:
            res["points"].setdefault(int(idx), {})[key] = int(val)
        except ValueError:
            res["points"].setdefault(int(idx), {})[key] = val
    elif word == "@@HOST":
        res["requests"].append(int(rest.split()[0]))
    elif word == "@@NOTE":
        res["notes"].append(rest)
    elif word == "@@ACT":
        lineno, *kv = rest.split()
        res["actions"][int(lineno)] = dict(x.split("=", 1) for x in kv)
    elif word == "@@INIT":
        res["boot_seconds"] = now
        m = re.search(r"uptime=(\S+)", rest)
        res["init_uptime"] = float(m.group(1)) if m else None
        say(f"  /init after {now:.1f} s (guest uptime {res['init_uptime']} s)")
    elif word == "@@POINT_END":
        say(f"  point {rest} read at {now:.1f} s")
    elif word == "@@KMSG_BEGIN":
        return "kmsg"
    elif word == "@@BOOTLOG_BEGIN":
        return "bootlog"
    elif word == "@@DONE":
        res["done"] = True
    return section


KMSG_BAD = re.compile(r"BUG:|WARNING:|Oops|kernel BUG")


# ---------------------------------------------------------------- simulator side

def find_hvo(path):
    if path:
        if not os.access(path, os.X_OK):
            raise HarnessError(f"{path} is not an executable")
        return path
    hvo = os.path.join(REPO, "build", "hvo")
    if not os.access(hvo, os.X_OK):
        r = subprocess.run(["make", "-C", REPO, "build/hvo"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode or not os.access(hvo, os.X_OK):
            raise HarnessError("building the simulator failed:\n" + r.stdout[-2000:])
    return hvo


def run_sim(hvo, text, plan_path):
    r = subprocess.run([hvo, "run", "--json", "-"], input=text, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    # simulator line N is our line N-1 (the forced design line comes first)
    errs = re.sub(r"<stdin>:(\d+):",
                  lambda m: f"{plan_path}:{int(m.group(1)) - 1}:", r.stderr)
    obj = None
    for line in reversed(r.stdout.strip().split("\n")):
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = None
            break
    if r.returncode == 2 or obj is None or obj.get("error") or obj.get("counters") is None:
        raise ScenarioError("the simulator rejected the scenario:\n" + errs.strip())
    return obj, r.returncode, errs


def run_simulator(plan, hvo, design, workdir):
    points = {}
    for p in plan.points:
        obj, _, _ = run_sim(hvo, plan.sim_text(p.line, design), plan.path)
        with open(os.path.join(workdir, f"sim-{p.idx}.json"), "w") as f:
            json.dump(obj, f, indent=1)
        points[p.idx] = obj["counters"]
    full, rc, errs = run_sim(hvo, plan.sim_text(len(plan.lines), design), plan.path)
    summary = {"rc": rc, "expects_passed": full.get("expects_passed"),
               "expects_failed": full.get("expects_failed"),
               "checks_failed": full.get("checks_failed"), "stderr": errs.strip(),
               "design": full.get("design"),
               "bad_pages": (full.get("counters") or {}).get("nr_bad_pages", 0)}
    # hotplug and dax failures are outcomes, reported on stderr: "FILE:N: hotplug add failed: ..."
    summary["failed_lines"] = sorted({int(m.group(1)) for m in re.finditer(
        r":(\d+): (?:hotplug \w+|dax create) failed", errs)})
    return points, summary


# ---------------------------------------------------------------- comparison

EXACT = ["nr_memmap_pages", "nr_memmap_boot_pages", "memmap_total",
         "HugePages_Total", "HugePages_Free", "HugePages_Surp", "Hugetlb",
         "hugetlb_optimize_vmemmap"]


def derive(c, kernel):
    d = dict(c)
    if "nr_memmap_pages" in d and "nr_memmap_boot_pages" in d:
        d["memmap_total"] = d["nr_memmap_pages"] + d["nr_memmap_boot_pages"]
    if kernel:
        d["free"] = d.get("nr_free_pages", 0) + d.get("pcp_pages", 0)
    else:
        d["free"] = d.get("nr_free_pages", 0)
    return d


def hp_keys(k, s):
    order = {"nr_hugepages": 0, "free_hugepages": 1, "surplus_hugepages": 2}
    keys = sorted((x for x in k if x.startswith("hugepages-") and x in s),
                  key=lambda x: (int(re.search(r"(\d+)kB", x).group(1)),
                                 order.get(x.split("/")[-1], 9)))
    return keys


def compare(plan, kres, spoints, strict, sim_failed=()):
    kpoints = kres["points"]
    rows_by_point = []
    fails = 0
    shifts = 0
    first = None
    prev = None
    prev_db = 0
    prev_shift_ok = False
    for p in plan.points:
        rows = []
        if p.idx not in kpoints or p.idx not in spoints:
            rows.append(("(point not reached on the kernel)", None, None, None, "kernel", "FAIL"))
            fails += 1
            rows_by_point.append((p, rows))
            continue
        k = derive(kpoints[p.idx], True)
        s = derive(spoints[p.idx], False)
        if first is None:
            first = (k, s)
        db = k.get("nr_memmap_boot_pages", 0) - s.get("nr_memmap_boot_pages", 0)
        dm = k.get("nr_memmap_pages", 0) - s.get("nr_memmap_pages", 0)
        # A shift is believable only where pages could be re-optimized on
        # pfns whose vmemmap is buddy memory from an earlier restore: the
        # part of it that is new since the previous point must not exceed
        # the buddy memmap either side had there.  A shift already accepted
        # at the previous point carries over unchanged.
        shift_ok = False
        if db and dm == -db and not strict and prev is not None:
            new = abs(db - prev_db)
            reusable = min(prev[0].get("nr_memmap_pages", 0), prev[1].get("nr_memmap_pages", 0))
            shift_ok = (new == 0 and prev_shift_ok) or (0 < new <= reusable and (prev_db == 0 or prev_shift_ok))
        for key in EXACT + hp_keys(k, s):
            if key not in k or key not in s:
                continue
            diff = k[key] - s[key]
            verdict = "ok"
            rule = "exact"
            if diff:
                if key in ("nr_memmap_pages", "nr_memmap_boot_pages") and shift_ok:
                    verdict = "shift"
                else:
                    verdict = "FAIL"
            if verdict == "FAIL":
                fails += 1
            if verdict == "shift":
                shifts += 1
            rows.append((key, k[key], s[key], diff, rule, verdict))
        # MemTotal: change since the first point
        kd = k["MemTotal"] - first[0]["MemTotal"]
        sd = s["MemTotal"] - first[1]["MemTotal"]
        db0 = first[0].get("nr_memmap_boot_pages", 0) - first[1].get("nr_memmap_boot_pages", 0)
        diff = kd - sd
        if diff == 0:
            verdict = "ok"
        elif shift_ok and diff == -(db - db0) * PAGE_KB:
            verdict = "shift"
            shifts += 1
        else:
            verdict = "FAIL"
            fails += 1
        rows.append(("MemTotal kB (abs, info)", k["MemTotal"], s["MemTotal"],
                     k["MemTotal"] - s["MemTotal"], "info", ""))
        rows.append((f"  MemTotal since {plan.points[0].labels[0]}", kd, sd, diff, "delta", verdict))
        rows.append(("MemFree kB (abs, info)", k["MemFree"], s["MemFree"],
                     k["MemFree"] - s["MemFree"], "info", ""))
        rows.append(("free pages (abs, info)", k["free"], s["free"], k["free"] - s["free"], "info", ""))
        if prev is not None:
            kf = k["free"] - prev[0]["free"]
            sf = s["free"] - prev[1]["free"]
            if p.big_alloc:
                bound = BOUND_1G
            elif any(a["kind"].startswith("hotplug") for a in p.actions):
                bound = BOUND_HOTPLUG
            elif any(a["kind"].startswith("dax") for a in p.actions):
                bound = BOUND_DAX
            elif p.idx == 1:
                bound = BOUND_FIRST
            else:
                bound = BOUND_2M
            diff = kf - sf
            verdict = "ok" if abs(diff) <= bound else "FAIL"
            if verdict == "FAIL":
                fails += 1
            rows.append(("  free since previous point", kf, sf, diff, f"+-{bound}", verdict))
            kc = k["free"] - first[0]["free"]
            sc = s["free"] - first[1]["free"]
            rows.append((f"  free since {plan.points[0].labels[0]} (info)", kc, sc, kc - sc, "info", ""))
        for a in p.actions:
            if a["kind"] == "hotplug-add" and a["line"] not in sim_failed:
                kaddr = kres["host"].get(a["line"], {}).get("addr")
                ok = kaddr == a["sim_addr"]
                if not ok:
                    fails += 1
                rows.append((f"hot-add address (line {a['line']})",
                             f"{kaddr:#x}" if kaddr is not None else None, f"{a['sim_addr']:#x}",
                             None, "place", "ok" if ok else "FAIL"))
        rows.append(("per-CPU list pages (kernel)", k.get("pcp_pages"), None, None, "info", ""))
        if "vmemmap_pgtable_pages" in s:
            rows.append(("vmemmap_pgtable_pages (sim)", None, s["vmemmap_pgtable_pages"], None, "info", ""))
        prev = (k, s)
        prev_db = db
        prev_shift_ok = shift_ok
        rows_by_point.append((p, rows))
    return rows_by_point, fails, shifts


def fmt(v):
    if v is None:
        return "-"
    return str(v)


def fmt_diff(v):
    if v is None:
        return ""
    return f"{v:+d}" if v else "0"


def action_desc(a, r):
    """What the kernel side did for one scenario action."""
    k = a["kind"]
    if k == "hotplug-add":
        return (f"QMP object-add memory-backend-ram {a['size'] >> 20}M + device_add pc-dimm node={a['node']}"
                + (f" addr={a['addr']:#x}" if a["addr"] is not None else "")
                + f", QEMU placed it at {r.get('now', '?')}, blocks online")
    if k == "hotplug-remove":
        return f"QMP device_del {a['dimm']}: {r.get('host', '?')}"
    if k == "dax-create":
        al = {4 << 10: "4K", 2 << 20: "2M", 1 << 30: "1G"}[a["align"]]
        return f"ndctl create-namespace -f -e {r.get('now', '?')} -m devdax -a {al} --map={a['map']}"
    if k == "dax-destroy":
        return f"ndctl disable-namespace {r.get('now', '?')}"
    return f"kernel wrote {a['value']} to {a['path']}, reads {r.get('now', '?')}"


def render(plan, version, design, kres, rows_by_point, fails, shifts, kbad, sim_summary, legend,
           sim_failed=()):
    out = []
    w = 36
    out.append(f"== {plan.path}: kernel {version} vs simulator (design {design})")
    out.append(f"   QEMU -m {plan.qemu_memory()}" +
               (f", NUMA nodes {','.join(str(s >> 20) + 'M' for s in plan.node_sizes)}" if plan.node_sizes else "") +
               f"; append: {plan.kernel_cmdline()}")
    for n in plan.notes:
        out.append(f"   note: {n}")
    out.append(f"   boot to /init {kres['boot_seconds'] or 0:.1f} s, whole run {kres['seconds']:.1f} s (TCG)")
    for n in kres.get("notes", []):
        out.append(f"   kernel note: {n}")
    for p, rows in rows_by_point:
        out.append("")
        where = f"line {p.line}"
        out.append(f"-- point {p.idx} '{' = '.join(p.labels)}' ({where})")
        for a in p.actions:
            r = kres["actions"].get(a["line"], {})
            took = ""
            try:
                took = f", {float(r['t1']) - float(r['t0']):.2f} s"
            except (KeyError, ValueError):
                pass
            out.append(f"   line {a['line']}: {a['text']}: {action_desc(a, r)} (rc {r.get('rc', '?')}{took})"
                       + ("; the simulator reports it failed" if a["line"] in sim_failed else ""))
        out.append(f"   {'counter':<{w}} {'kernel':>10} {'simulator':>10} {'diff':>8}  {'rule':<6} verdict")
        for key, kv, sv, diff, rule, verdict in rows:
            out.append(f"   {key:<{w}} {fmt(kv):>10} {fmt(sv):>10} {fmt_diff(diff):>8}  {rule:<6} {verdict}")
    out.append("")
    out.append(f"kernel log after /init: {len(kbad)} BUG/WARNING/Oops lines" +
               ("" if not kbad else ":"))
    if kbad:
        kinds = {}
        for line in kres["kmsg"]:
            if KMSG_BAD.search(line) or "page dumped because" in line:
                key = re.sub(r"^\[[ 0-9.]+\] ", "", line)
                key = re.sub(r"(pfn:|pid:? ?)[0-9a-fx]+", r"\1N", key)
                kinds[key] = kinds.get(key, 0) + 1
        for key, n in sorted(kinds.items(), key=lambda x: -x[1])[:8]:
            out.append(f"   {n:5d} x {key}")
        first = next(i for i, l in enumerate(kres["kmsg"]) if KMSG_BAD.search(l))
        out.append("   the first one:")
        for line in kres["kmsg"][first:first + 24]:
            out.append("     " + line)
    if sim_summary:
        out.append(f"simulator's own expects (design {sim_summary['design']}): "
                   f"{sim_summary['expects_passed']} passed, {sim_summary['expects_failed']} failed, "
                   f"{sim_summary['checks_failed']} checks failed")
        if sim_summary["stderr"]:
            for line in sim_summary["stderr"].split("\n")[:10]:
                out.append("   " + line)
    if legend:
        out.append("")
        out.append(RULES.format(b2m=BOUND_2M, b1g=BOUND_1G, bfirst=BOUND_FIRST, bhp=BOUND_HOTPLUG, bdax=BOUND_DAX, design=design))
    out.append("")
    verdict = "PASS" if not fails else "FAIL"
    out.append(f"ORACLE {verdict} {plan.path} kernel={version} design={design} "
               f"failures={fails} shifts={shifts} kernel_bugs={len(kbad)} seconds={kres['seconds']:.1f}")
    return "\n".join(out)


# ---------------------------------------------------------------- main

def default_design(kernel):
    """The simulator design that models a Debian 6.12 kernel: 6.12.115 and
    later took the vmemmap_walk refactor whose restore skips the struct page
    reset (REPORT.md section 6), modelled as design legacy-6.12.115."""
    try:
        major, minor, patch = (int(x) for x in kernel.split("+")[0].split(".")[:3])
    except ValueError:
        return "legacy"
    return "legacy-6.12.115" if (major, minor) == (6, 12) and patch >= 115 else "legacy"


def main(argv):
    ap = argparse.ArgumentParser(
        prog="oracle.py",
        description="Run one hvo scenario on a real kernel under QEMU and in the simulator; compare.",
        epilog="Exit status: 0 pass, 1 a rule failed, 2 bad scenario, 3 harness failure.")
    ap.add_argument("scenario", nargs="?")
    ap.add_argument("--kernel", default=DEFAULT_KERNEL, help="Debian kernel version (default %(default)s)")
    ap.add_argument("--design", default=None,
                    help="simulator design to force (default: legacy, or legacy-6.12.115 for "
                         "Debian kernels 6.12.115 and later, which carry the restore regression)")
    ap.add_argument("--strict", action="store_true", help="count 'shift' verdicts as failures")
    ap.add_argument("--timeout", type=float, default=900, help="seconds for the kernel run (default %(default)s)")
    ap.add_argument("--smp", type=int, default=2, help="guest CPUs (default %(default)s)")
    ap.add_argument("--hvo", help="simulator binary (default build/hvo, built with make if missing)")
    ap.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    ap.add_argument("--no-legend", action="store_true", help="leave the rules out of the output")
    ap.add_argument("--legend", action="store_true", help="print the comparison rules and exit")
    a = ap.parse_args(argv)
    if a.design is None:
        a.design = default_design(a.kernel)
    if a.legend:
        print(RULES.format(b2m=BOUND_2M, b1g=BOUND_1G, bfirst=BOUND_FIRST, bhp=BOUND_HOTPLUG, bdax=BOUND_DAX, design=a.design))
        return 0
    if not a.scenario:
        ap.error("a scenario file is required")

    def say(msg):
        if not a.quiet:
            print(msg, file=sys.stderr, flush=True)

    try:
        plan = Plan(a.scenario)
        hvo = find_hvo(a.hvo)
        stem = os.path.splitext(os.path.basename(a.scenario))[0]
        workdir = os.path.join(WORK, f"{stem}-{a.kernel}")
        os.makedirs(workdir, exist_ok=True)
        # the simulator first: it is fast and rejects bad input early
        spoints, sim_summary = run_simulator(plan, hvo, a.design, workdir)
        say(f"{a.scenario}: {len(plan.points)} points; simulator done")
        kres = run_kernel(plan, a.kernel, workdir, a.timeout, a.smp, say)
    except ScenarioError as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 2
    except HarnessError as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 3
    except OSError as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 3

    kbad = [l for l in kres["kmsg"] if KMSG_BAD.search(l)]
    sim_failed = set(sim_summary.get("failed_lines", []))
    rows_by_point, fails, shifts = compare(plan, kres, spoints, a.strict, sim_failed)
    # "Bad page state" is expected exactly when the simulator's free path
    # rejected struct pages too (design legacy-6.12.115); anything else fails.
    bad_page = [l for l in kbad if "Bad page state" in l]
    other = [l for l in kbad if "Bad page state" not in l]
    if other or bool(bad_page) != bool(sim_summary["bad_pages"]):
        fails += 1
    if not kres["done"]:
        fails += 1
    # A write the kernel refused fails, and so does a hotplug or dax action
    # whose outcome (done or refused) differs between the two sides.
    bad_writes = []
    outcome = []
    for p in plan.points:
        for act in p.actions:
            r = kres["actions"].get(act["line"])
            if r is None:
                continue
            kok = r.get("rc") == "0"
            if act["kind"] in ("pool", "sysctl"):
                if not kok:
                    bad_writes.append(act["line"])
            elif kok == (act["line"] in sim_failed):
                outcome.append((act["line"], kok))
    fails += len(bad_writes) + len(outcome)
    text = render(plan, a.kernel, a.design, kres, rows_by_point, fails, shifts, kbad, sim_summary,
                  not a.no_legend, sim_failed)
    for n in sorted(bad_writes):
        text += f"\n(line {n}: the kernel refused the write: rc {kres['actions'][n].get('rc')}; counted as a failure)"
    for n, kok in outcome:
        text += (f"\n(line {n}: " + ("the kernel did it but the simulator failed" if kok else
                 "the kernel failed but the simulator did it") + "; counted as a failure)")
    if not kres["done"]:
        text += f"\n(the guest did not finish: QEMU exit {kres['qemu_rc']}; see {workdir}/console.log)"
    print(text)
    with open(os.path.join(workdir, "table.txt"), "w") as f:
        f.write(text + "\n")
    result = {
        "scenario": a.scenario, "kernel": a.kernel, "design": a.design,
        "pass": fails == 0, "failures": fails, "shifts": shifts,
        "kernel_bug_lines": len(kbad), "seconds": kres["seconds"],
        "boot_seconds": kres["boot_seconds"], "done": kres["done"],
        "points": [{"labels": p.labels, "line": p.line,
                    "kernel": kres["points"].get(p.idx), "sim": spoints.get(p.idx),
                    "rows": [list(r) for r in rows]}
                   for p, rows in rows_by_point],
        "actions": kres["actions"], "bootlog": kres["bootlog"],
        "simulator": sim_summary,
    }
    with open(os.path.join(workdir, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    return 0 if fails == 0 else 1


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main(sys.argv[1:]))
