# SPDX-License-Identifier: GPL-2.0-only
"""The live oracle's steps (oracle/live.sh runs this, as root, and puts the
host back afterwards whatever happens here).

Reads a scenario's run-time commands (hugepages SIZE COUNT, sysctl
vm.hugetlb_optimize_vmemmap=V or vm.nr_hugepages=N, snapshot [LABEL]; check
goes to the simulator only; other lines are ignored), runs each on the running
kernel, and after each one reads the pools (/sys/kernel/mm/hugepages) and
nr_memmap_pages / nr_memmap_boot_pages (/proc/vmstat).  The simulator runs
`hvo host` (this host as a machine, in its own generation) followed by the
same commands up to that step.  Compared at every step: the pool counters
exactly; the change of nr_memmap_pages + nr_memmap_boot_pages since the start
exactly; how that change splits between the two counters is reported (which
vmemmap pages a folio had, boot memmap or buddy, depends on where the kernel
placed it).  A pool the kernel could not grow as far as asked (fragmentation)
is reported and the simulator is given what the kernel got.

Exit status: 0 all exact, 1 a mismatch, 2 bad input or a refused request.
"""
import json
import os
import subprocess
import sys

HP = "/sys/kernel/mm/hugepages"
SYSCTL = "/proc/sys/vm/hugetlb_optimize_vmemmap"
SIZES = {"2M": 2048, "1G": 1048576}


def die(msg):
    """Bad input or a refused request: one line, exit 2."""
    sys.stderr.write(msg + "\n")
    sys.exit(2)


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write("%s\n" % value)


def meminfo_kb(name):
    for line in read("/proc/meminfo").splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def live_state():
    st = {}
    for line in read("/proc/vmstat").splitlines():
        k, v = line.split()
        if k in ("nr_memmap_pages", "nr_memmap_boot_pages"):
            st[k] = int(v)
    for kb in SIZES.values():
        d = "%s/hugepages-%dkB" % (HP, kb)
        if os.path.isdir(d):
            for c in ("nr_hugepages", "free_hugepages", "surplus_hugepages"):
                st["hugepages-%dkB/%s" % (kb, c)] = int(read("%s/%s" % (d, c)))
    st["hugetlb_optimize_vmemmap"] = int(read(SYSCTL))
    return st


def sim_state(hvo, prefix, lines):
    text = prefix + "".join(l + "\n" for l in lines)
    p = subprocess.run([hvo, "run", "--json", "-"], input=text, capture_output=True, text=True)
    if p.returncode == 2 or not p.stdout:
        sys.stderr.write(p.stderr)
        die("live: the simulator refused the scenario")
    d = json.loads(p.stdout)
    return d["counters"], p.returncode


def parse(path):
    """[(line number, kind, words)] of the run-time commands."""
    steps = []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            w = raw.split("#", 1)[0].split()
            if not w:
                continue
            if w[0] == "hugepages" and len(w) == 3 and w[1] in SIZES and w[2].isdigit():
                steps.append((n, "hugepages", w))
            elif w[0] == "sysctl" and len(w) == 2 and w[1].startswith("vm.hugetlb_optimize_vmemmap=") \
                    and w[1].split("=")[1] in ("0", "1"):
                steps.append((n, "sysctl", w))
            elif w[0] == "sysctl" and len(w) == 2 and w[1].startswith("vm.nr_hugepages=") \
                    and w[1].split("=")[1].isdigit():
                steps.append((n, "hugepages", ["hugepages", "2M", w[1].split("=")[1]]))
            elif w[0] == "snapshot":
                steps.append((n, "snapshot", w))
            elif w[0] == "check":
                steps.append((n, "check", w))
            elif w[0] in ("hugepages", "sysctl"):
                die("%s:%d: live: expected hugepages 2M|1G COUNT or sysctl "
                                 "vm.hugetlb_optimize_vmemmap=0|1 / vm.nr_hugepages=N" % (path, n))
            elif w[0] in ("machine", "cmdline", "design", "boot"):
                die("%s:%d: live: the machine is this host: leave out '%s'"
                                 % (path, n, w[0]))
    return steps


def run_live(path, kind, words, n):
    """Apply one command to the kernel; the words the simulator gets."""
    if kind == "sysctl":
        write(SYSCTL, words[1].split("=")[1])
        return words, None
    kb, want = SIZES[words[1]], int(words[2])
    f = "%s/hugepages-%dkB/nr_hugepages" % (HP, kb)
    cur = int(read(f))
    grow_kb = (want - cur) * kb
    free_kb = meminfo_kb("MemFree")
    if grow_kb > free_kb // 2:
        die("%s:%d: live: refused: %s needs %d MiB, more than half of the "
                         "host's free memory (%d MiB)"
                         % (path, n, " ".join(words), grow_kb >> 10, free_kb >> 10))
    write(f, want)
    got = int(read(f))
    if got != want:
        return ["hugepages", words[1], str(got)], \
            "the kernel gave %d of %d (fragmentation or pages in use); simulated with %d" \
            % (got, want, got)
    return words, None


def pools_of(st):
    return {k: v for k, v in st.items() if k.startswith("hugepages-")}


def main():
    path, hvo, prefix_file = sys.argv[1], sys.argv[2], sys.argv[3]
    prefix = read(prefix_file) + "\n"
    steps = parse(path)
    live0 = live_state()
    sim0, _ = sim_state(hvo, prefix, [])
    design = [l.split()[1] for l in prefix.splitlines() if l.startswith("design ")][0]
    print("live oracle: %s on Linux %s, simulated as design %s"
          % (path, read("/proc/sys/kernel/osrelease"), design))
    print("at start: live nr_memmap_boot_pages %d nr_memmap_pages %d, simulated %d %d"
          % (live0["nr_memmap_boot_pages"], live0["nr_memmap_pages"],
             sim0["nr_memmap_boot_pages"], sim0["nr_memmap_pages"]))
    bad = 0
    lsum0 = live0["nr_memmap_pages"] + live0["nr_memmap_boot_pages"]
    ssum0 = sim0["nr_memmap_pages"] + sim0["nr_memmap_boot_pages"]
    if lsum0 != ssum0 or pools_of(live0) != {k: sim0.get(k) for k in pools_of(live0)}:
        bad += 1
        print("MISMATCH at start: nr_memmap_pages + nr_memmap_boot_pages live %d, simulated %d;"
              " pools live %s" % (lsum0, ssum0, pools_of(live0)))
    print("%-4s %-36s %-22s %-15s %-15s %s" % ("line", "command", "pools 2M,1G nr/free",
                                               "sum d live/sim", "boot d live/sim",
                                               "buddy d live/sim"))
    sim_lines, noisy, short, checks = [], 0, 0, 0
    for n, kind, words in steps:
        note = None
        if kind in ("hugepages", "sysctl"):
            words, note = run_live(path, kind, words, n)
        sim_lines.append(" ".join(words))
        if kind == "check":
            checks += 1
        live = live_state()
        sim, rc = sim_state(hvo, prefix, sim_lines)
        if rc:
            bad += 1
            note = (note + "; " if note else "") + "the simulator's check failed"
        lp, sp = pools_of(live), {k: sim.get(k) for k in pools_of(live)}
        d = {c: (live[c] - live0[c], sim[c] - sim0[c])
             for c in ("nr_memmap_pages", "nr_memmap_boot_pages")}
        lsum = d["nr_memmap_pages"][0] + d["nr_memmap_boot_pages"][0]
        ssum = d["nr_memmap_pages"][1] + d["nr_memmap_boot_pages"][1]
        pools_ok = lp == sp
        split_ok = d["nr_memmap_pages"][0] == d["nr_memmap_pages"][1]
        verdict = "ok" if pools_ok and lsum == ssum else "MISMATCH"
        if verdict != "ok":
            bad += 1
        elif not split_ok:
            noisy += 1
            verdict = "ok (split differs: placement)"
        if note and "kernel gave" in note:
            short += 1
        pools = ",".join("%d/%d" % (live.get("hugepages-%dkB/nr_hugepages" % kb, 0),
                                    live.get("hugepages-%dkB/free_hugepages" % kb, 0))
                         for kb in SIZES.values())
        print("%-4d %-36s %-22s %-15s %-15s %-15s %s"
              % (n, " ".join(words), pools, "%+d/%+d" % (lsum, ssum),
                 "%+d/%+d" % d["nr_memmap_boot_pages"], "%+d/%+d" % d["nr_memmap_pages"],
                 verdict))
        if not pools_ok:
            print("     pools: live %s, simulated %s" % (lp, sp))
        if note:
            print("     note: " + note)
    print("result: %d steps, %d mismatches, %d with the split between the counters "
          "differing (placement), %d allocations the kernel could not satisfy in full"
          % (len(steps), bad, noisy, short))
    return 1 if bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
