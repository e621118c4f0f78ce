# SPDX-License-Identifier: GPL-2.0-only
"""Comparison rules: what must agree between the kernel and the simulator.

RULES is the legend printed under every table and by `oracle.py --legend`;
the BOUND_* limits are the free-memory tolerances it names.  compare() walks
the snapshot points and gives each counter a row with a rule (exact, delta,
bound, place, info) and a verdict (ok, shift, FAIL), and counts failures and
shifts.  The kernel log rule's pattern, KMSG_BAD, is here too; main() in
oracle.py applies it and the outcome rule."""

import re

from base import PAGE_KB


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


KMSG_BAD = re.compile(r"BUG:|WARNING:|Oops|kernel BUG")


def rules_text(design):
    """The rules, with the bounds filled in, for the forced @design."""
    return RULES.format(b2m=BOUND_2M, b1g=BOUND_1G, bfirst=BOUND_FIRST, bhp=BOUND_HOTPLUG, bdax=BOUND_DAX,
                        design=design)


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
