# SPDX-License-Identifier: GPL-2.0-only
"""Scenario parsing and translation: one scenario file becomes a Plan.

A Plan holds what both sides of the oracle need: the snapshot points and the
actions between them, the QEMU command line and kernel command line that
express the `machine` and `cmdline` lines, the DIMMs a `hotplug add` plugs
and the one pmem range that `dax create` uses, and the scenario prefixes the
simulator runs.  Whatever the kernel side cannot express is refused here with
ScenarioError (exit status 2) before anything boots.  The guest's /init is
written from a Plan by guest.py."""

import re

from base import ScenarioError, align_up, cmdline_rest, parse_size, tokenize


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
                elif k == "deferred_init":
                    if v != "on":
                        self.err(n, "Debian's kernel has CONFIG_DEFERRED_STRUCT_PAGE_INIT=y: deferred_init must be on")
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
        else all of it (src/sim/machine.c qemu_pc_ranges does the same)."""
        return 3 << 30 if self.mem >= 0xe0000000 else self.mem

    def ram_end(self):
        """The end of the simulator's RAM (its max_pfn): the top 128 KiB of
        low RAM are SeaBIOS's when there is no RAM above 4 GiB."""
        below = self.ram_below_4g()
        if self.mem > below:
            return (4 << 30) + self.mem - below
        return below - (128 << 10)

    def sim_default_addr(self):
        """hotplug_default_addr() of src/mm/memory_hotplug.c: the 1 GiB-aligned
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

    # -- the simulator side

    def sim_text(self, upto, design):
        """The scenario up to line @upto, with the design forced.  The design
        line goes first, so simulator line numbers are one more than ours."""
        body = []
        for n, raw in enumerate(self.lines[:upto], 1):
            body.append("#" + raw if tokenize(raw)[:1] == ["design"] else raw)
        return f"design {design}\n" + "\n".join(body) + "\n"

