# SPDX-License-Identifier: GPL-2.0-only
"""The simulator side: run build/hvo on the scenario, cut after each point.

Each snapshot point's prefix of the scenario, with the design forced, is run
with `hvo run --json -`; the counters of its JSON line are that point's
simulator values.  The whole file is run once more for the simulator's own
expect results and the hotplug and dax commands it reports as failed."""

import json
import os
import re
import subprocess

from base import REPO, HarnessError, ScenarioError


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
