# SPDX-License-Identifier: GPL-2.0-only
"""The report: the table of one oracle run, as printed and kept in table.txt.

render() writes a header (QEMU memory, kernel command line, boot time), then
per snapshot point what the kernel side did for each action and one line per
compared counter (kernel, simulator, difference, rule, verdict), a summary of
the kernel log's BUG/WARNING/Oops lines, the simulator's own expect results,
the rules legend, and the closing "ORACLE PASS|FAIL" line that
run-suite.sh reads."""

import re

from compare import KMSG_BAD, rules_text


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
        out.append(rules_text(design))
    out.append("")
    verdict = "PASS" if not fails else "FAIL"
    out.append(f"ORACLE {verdict} {plan.path} kernel={version} design={design} "
               f"failures={fails} shifts={shifts} kernel_bugs={len(kbad)} seconds={kres['seconds']:.1f}")
    return "\n".join(out)
