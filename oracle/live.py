# SPDX-License-Identifier: GPL-2.0-only
"""The live oracle's steps (oracle/live.sh runs this, as root, and puts the
host back afterwards whatever happens here).

Reads a scenario's run-time commands (hugepages SIZE COUNT, hugepages SIZE
demote N, hugepages SIZE demote_size SIZE, sysctl vm.hugetlb_optimize_vmemmap=V,
vm.nr_hugepages=N or vm.nr_overcommit_hugepages=N, map SIZE N [as NAME],
unmap NAME, settle, snapshot [LABEL]; check goes to the simulator only; other
lines are ignored), runs each on the running kernel (map: a helper process,
oracle/live_map.py, holds the faulted pages until unmap kills it; settle: waits
until the vmemmap counters stop moving, the kernel freeing optimized surplus
pages from a worker), and after each one reads the pools (/sys/kernel/mm/hugepages) and
nr_memmap_pages / nr_memmap_boot_pages (/proc/vmstat).  The simulator runs
`hvo host` (this host as a machine, in its own generation) followed by the
same commands up to that step.  Compared at every step: the pool counters
exactly; the change of nr_memmap_pages + nr_memmap_boot_pages since the start
exactly; how that change splits between the two counters is reported (which
vmemmap pages a folio had, boot memmap or buddy, depends on where the kernel
placed it).  A pool the kernel could not grow as far as asked (fragmentation)
is reported and the simulator is given what the kernel got; so are a demote
with no free page to demote and a mapping the kernel could not back (those
are not simulated).  After unmap only the pools are judged (the worker may
or may not have run); the sum is judged at the next settle.  Helpers still
alive are killed on the way out; their pids go to the file live.sh names.

Exit status: 0 all exact, 1 a mismatch, 2 bad input or a refused request.
"""
import json
import os
import signal
import subprocess
import sys
import time

HP = "/sys/kernel/mm/hugepages"
SYSCTL = "/proc/sys/vm/hugetlb_optimize_vmemmap"
OVERCOMMIT = "/proc/sys/vm/nr_overcommit_hugepages"
MAP_HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "live_map.py")
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


def parse_hugepages(w):
    """hugepages SIZE COUNT | SIZE demote N | SIZE demote_size SIZE: the kind."""
    if len(w) == 3 and w[1] in SIZES and w[2].isdigit():
        return "hugepages"
    if len(w) == 4 and w[1] in SIZES and w[2] == "demote" and w[3].isdigit():
        return "demote"
    if len(w) == 4 and w[1] in SIZES and w[2] == "demote_size" and w[3] in SIZES:
        return "demote_size"
    return None


def parse_sysctl(w):
    """The kind and the words of a sysctl line the live oracle runs."""
    name, _, val = w[1].partition("=") if len(w) == 2 else ("", "", "")
    if name == "vm.hugetlb_optimize_vmemmap" and val in ("0", "1"):
        return "sysctl", w
    if name == "vm.nr_hugepages" and val.isdigit():
        return "hugepages", ["hugepages", "2M", val]
    if name == "vm.nr_overcommit_hugepages" and val.isdigit():
        return "overcommit", w
    return None, w


def parse_map(w, nr_maps):
    """map SIZE N [as NAME], always named for the simulator."""
    if len(w) not in (3, 5) or w[1] not in SIZES or not w[2].isdigit() \
            or (len(w) == 5 and w[3] != "as"):
        return None
    return w[:3] + ["as", w[4] if len(w) == 5 else "map%d" % nr_maps]


def parse(path):
    """[(line number, kind, words)] of the run-time commands."""
    steps, nr_maps = [], 0
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            w = raw.split("#", 1)[0].split()
            if not w:
                continue
            kind = None
            if w[0] == "hugepages":
                kind = parse_hugepages(w)
            elif w[0] == "sysctl":
                kind, w = parse_sysctl(w)
            elif w[0] == "map":
                w = parse_map(w, nr_maps)
                kind = "map" if w else None
                nr_maps += 1
            elif w[0] in ("unmap", "settle", "snapshot", "check"):
                kind = w[0]
                if (w[0] == "unmap" and len(w) != 2) or (w[0] == "settle" and len(w) != 1):
                    die("%s:%d: live: expected unmap NAME or settle" % (path, n))
            elif w[0] in ("machine", "cmdline", "design", "boot"):
                die("%s:%d: live: the machine is this host: leave out '%s'"
                    % (path, n, w[0]))
            else:
                continue
            if kind is None:
                die("%s:%d: live: expected hugepages 2M|1G COUNT | demote N | demote_size "
                    "2M|1G, sysctl vm.hugetlb_optimize_vmemmap=0|1 / vm.nr_hugepages=N / "
                    "vm.nr_overcommit_hugepages=N, or map 2M|1G N [as NAME]" % (path, n))
            steps.append((n, kind, w))
    return steps


def refuse_if_large(path, n, words, grow_kb):
    free_kb = meminfo_kb("MemFree")
    if grow_kb > free_kb // 2:
        die("%s:%d: live: refused: %s needs %d MiB, more than half of the "
            "host's free memory (%d MiB)"
            % (path, n, " ".join(words), grow_kb >> 10, free_kb >> 10))


def run_resize(path, n, words):
    kb, want = SIZES[words[1]], int(words[2])
    f = "%s/hugepages-%dkB/nr_hugepages" % (HP, kb)
    refuse_if_large(path, n, words, (want - int(read(f))) * kb)
    write(f, want)
    got = int(read(f))
    if got != want:
        return ["hugepages", words[1], str(got)], \
            "the kernel gave %d of %d (fragmentation or pages in use); simulated with %d" \
            % (got, want, got)
    return words, None


def run_demote(words):
    """Demote what the pool has free; none free (the grow found no page) is
    said, and the simulator is given the same count."""
    d = "%s/hugepages-%dkB" % (HP, SIZES[words[1]])
    want, free = int(words[3]), int(read(d + "/free_hugepages"))
    n = min(want, free)
    if n == 0:
        return None, "nothing to demote: the pool has no free page (the kernel found none)"
    try:
        write(d + "/demote", n)
    except OSError as e:
        return None, "the kernel refused the demote (%s); not simulated" % e.strerror
    words = words[:3] + [str(n)]
    return words, None if n == want else \
        "only %d of %d pages free to demote; simulated with %d" % (n, want, n)


def run_map(path, n, words, helpers, pidfile):
    kb, nr, name = SIZES[words[1]], int(words[2]), words[4]
    if name in helpers:
        die("%s:%d: live: a mapping named %s is already live" % (path, n, name))
    refuse_if_large(path, n, words, nr * kb)
    p = subprocess.Popen([sys.executable, MAP_HELPER, str(kb), str(nr)],
                         stdout=subprocess.PIPE, text=True)
    if pidfile:
        with open(pidfile, "a") as f:
            f.write("%d\n" % p.pid)
    line = p.stdout.readline().strip()
    if line != "ready":
        p.wait()
        return None, "the kernel could not give the mapping its pages (%s); not simulated" \
            % (line or "the helper died")
    helpers[name] = p
    return words, None


def stop_helper(p):
    p.kill()
    p.wait()


def run_unmap(path, n, words, helpers):
    p = helpers.pop(words[1], None)
    if p is None:
        return None, "no live mapping %s (its map failed); not simulated" % words[1]
    stop_helper(p)
    return words, "the sum is judged at the next settle (the kernel frees optimized " \
        "surplus pages from a worker)"


def settle():
    """Until nr_memmap_pages + nr_memmap_boot_pages stops moving: unchanged
    for half a second, at most five seconds."""
    def total():
        st = live_state()
        return st["nr_memmap_pages"] + st["nr_memmap_boot_pages"]
    last, still, waited = total(), 0, 0.0
    while still < 10 and waited < 5.0:
        time.sleep(0.05)
        waited += 0.05
        now = total()
        still = still + 1 if now == last else 0
        last = now
    return None if still >= 10 else "the counters were still moving after 5 s"


def run_live(path, kind, words, n, helpers, pidfile):
    """Apply one command to the kernel: the words the simulator gets (None:
    it gets nothing) and a note."""
    if kind == "sysctl":
        write(SYSCTL, words[1].split("=")[1])
    elif kind == "overcommit":
        write(OVERCOMMIT, words[1].split("=")[1])
    elif kind == "hugepages":
        return run_resize(path, n, words)
    elif kind == "demote":
        return run_demote(words)
    elif kind == "demote_size":
        write("%s/hugepages-%dkB/demote_size" % (HP, SIZES[words[1]]), words[3])
    elif kind == "map":
        return run_map(path, n, words, helpers, pidfile)
    elif kind == "unmap":
        return run_unmap(path, n, words, helpers)
    elif kind == "settle":
        return words, settle()
    return words, None


def pools_of(st):
    return {k: v for k, v in st.items() if k.startswith("hugepages-")}


def main():
    path, hvo, prefix_file = sys.argv[1], sys.argv[2], sys.argv[3]
    pidfile = sys.argv[4] if len(sys.argv) > 4 else None
    helpers = {}
    try:
        return compare(path, hvo, prefix_file, helpers, pidfile)
    finally:
        for p in helpers.values():
            stop_helper(p)


def compare(path, hvo, prefix_file, helpers, pidfile):
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
    for n, kind, asked in steps:
        words, note = asked, None
        if kind not in ("snapshot", "check"):
            words, note = run_live(path, kind, asked, n, helpers, pidfile)
        simulated = words is not None
        if simulated:
            sim_lines.append(" ".join(words))
        words = words or asked
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
        pending = kind == "unmap" and simulated
        verdict = "ok" if pools_ok and (lsum == ssum or pending) else "MISMATCH"
        if verdict != "ok":
            bad += 1
        elif pending:
            verdict = "ok (pools; sum at settle)"
        elif not split_ok:
            noisy += 1
            verdict = "ok (split differs: placement)"
        if note and ("kernel gave" in note or "could not" in note or "nothing to" in note):
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


def on_term(signum, frame):
    """TERM (live.sh's restore): unwind, so that main's helpers are killed."""
    sys.exit(143)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
