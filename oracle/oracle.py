#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
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

Then both sets of counters are compared with the rules in RULES of
compare.py, which are also printed as a legend under the table.

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

This file is the entry point: the command line, and the verdict from the
rows that compare.py gives.  The other modules next to it:
  base.py       paths, the two errors (exit 2 and 3), scenario words
  plan.py       scenario parsing and translation into a Plan
  guest.py      the guest's /init script and the initramfs
  qemu.py       the QEMU and QMP driver, the console parser
  simulator.py  the runs of build/hvo, one per point
  compare.py    the comparison rules and tolerances
  report.py     the printed table
"""

import argparse
import json
import os
import signal
import sys

from base import DEFAULT_KERNEL, WORK, HarnessError, ScenarioError
from compare import KMSG_BAD, compare, rules_text
from plan import Plan
from qemu import run_kernel
from report import render
from simulator import find_hvo, run_simulator


def default_design(kernel):
    """The simulator design that models a Debian 6.12 kernel: 6.12.115 and
    later took the vmemmap_walk refactor whose restore skips the struct page
    reset (docs/bugs.md), modelled as design legacy-6.12.115."""
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
        print(rules_text(a.design))
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
        if kres["boot_seconds"] is None and not kres["points"]:
            # The guest died before /init, so before the scenario ran: an
            # emulation failure (under multi-threaded TCG the kernel's text
            # patching can hit its own int3).  Boot once more; the first
            # console stays as console-1.log, and a second death counts.
            os.replace(os.path.join(workdir, "console.log"),
                       os.path.join(workdir, "console-1.log"))
            say(f"kernel {a.kernel}: the guest died before /init "
                f"(see {workdir}/console-1.log); booting it once more")
            kres = run_kernel(plan, a.kernel, workdir, a.timeout, a.smp, say)
            kres["notes"].append("first boot died before /init; this is the second")
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
