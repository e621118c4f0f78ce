#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run every example of README.md and `hvo help` as written.

From README.md: each fenced block without a language whose first command
is `machine` is a scenario, run with `build/hvo run` (must exit 0); each
line of a ```sh block that starts with `build/hvo` is a shell command
(must exit 0); a block whose first line is `$ build/hvo ...` is a sample:
its command must exit 0 and every line shown must appear in its output
(a line ending in "..." matches as a prefix, a line "..." stands for
lines left out).  A command ending in a comment `# exit N` must exit N
instead (`hvo diff` exits 1 on a difference).  A line or sample that
starts with `build/kernel-VERSION/` needs a kernel-mode build (`make
kernel`): it runs when that binary exists and is counted as skipped
otherwise.  From `hvo help`: every value of a cmdline option listed
as `name=a|b|c` must be accepted by `cmdline name=a` on a booted machine.

Commands run in a scratch directory where build/, tests/ and examples/ point at the
tree, so files they write (strip.svg) do not land in the tree.

Usage: examples.py [--root DIR] [--readme FILE] [-v]
Prints one line per broken example and exits 1 if there is any, else 0.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def blocks(text):
    """(language, first line number, lines) of each fenced block."""
    out, lang, start, cur = [], None, 0, None
    for n, line in enumerate(text.split("\n"), 1):
        if line.startswith("```"):
            if cur is None:
                lang, start, cur = line[3:].strip(), n + 1, []
            else:
                out.append((lang, start, cur))
                cur = None
        elif cur is not None:
            cur.append(line)
    return out


def first_command(lines):
    for line in lines:
        word = line.split("#", 1)[0].split()
        if word:
            return word[0]
    return None


EXIT_RE = re.compile(r"#\s*exit (\d+)\s*$")
KERNEL_RE = re.compile(r"^(build/kernel-[^/\s]+/[^\s]+)")


def expected_status(cmd):
    """0, or N for a command that ends in the comment `# exit N`."""
    m = EXIT_RE.search(cmd)
    return int(m.group(1)) if m else 0


def needs_missing_kernel_build(cmd, root):
    """True for a build/kernel-VERSION/ command whose binary is not built."""
    m = KERNEL_RE.match(cmd)
    return bool(m) and not os.path.exists(os.path.join(root, m.group(1)))


def run(cmd, cwd, stdin=None):
    p = subprocess.run(cmd, shell=True, cwd=cwd, input=stdin, capture_output=True,
                       text=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


def sample_matches(shown, actual):
    """The lines of @shown that do not appear in @actual, in order."""
    missing, pos, lines = [], 0, actual.split("\n")
    for want in shown:
        w = want.strip()
        if not w or w == "...":
            continue
        prefix = w.endswith("...")
        w = w[:-3].rstrip() if prefix else w
        for i in range(pos, len(lines)):
            got = lines[i].strip()
            if (got.startswith(w) if prefix else got == w):
                pos = i + 1
                break
        else:
            missing.append(want)
    return missing


def readme_examples(readme, scratch, verbose, root, skipped):
    failures, count = [], 0
    with open(readme) as f:
        text = f.read()
    name = os.path.basename(readme)
    for lang, start, lines in blocks(text):
        if lang == "" and lines and (lines[0].startswith("$ build/hvo") or
                                     KERNEL_RE.match(lines[0][2:])):
            cmd = lines[0][2:]
            if needs_missing_kernel_build(cmd, root):
                skipped.append(cmd)
                continue
            count += 1
            st, out, err = run(cmd, scratch)
            missing = sample_matches(lines[1:], out)
            if st != expected_status(cmd) or missing:
                failures.append("%s:%d: sample `%s`: status %d%s%s" % (
                    name, start, cmd, st, err and ", " + err.strip().split("\n")[0] or "",
                    missing and ", output lacks: " + missing[0].strip() or ""))
        elif lang == "" and first_command(lines) == "machine":
            count += 1
            st, out, err = run("build/hvo run -", scratch, "\n".join(lines) + "\n")
            if st:
                failures.append("%s:%d: scenario block: status %d: %s" % (
                    name, start, st, err.strip().split("\n")[0] if err else ""))
        elif lang == "sh":
            for i, line in enumerate(lines):
                if not line.startswith("build/hvo") and not KERNEL_RE.match(line):
                    continue
                if needs_missing_kernel_build(line, root):
                    skipped.append(line)
                    continue
                count += 1
                st, out, err = run(line, scratch)
                if st != expected_status(line):
                    failures.append("%s:%d: `%s`: status %d: %s" % (
                        name, start + i, line.split("#")[0].strip(), st,
                        err.strip().split("\n")[0] if err else ""))
        if verbose:
            print("%s:%d: %s block checked" % (name, start, lang or "plain"))
    return failures, count


def help_options(scratch):
    """Every `name=a|b|c` value of the help's cmdline lines, tried."""
    st, out, err = run("build/hvo help", scratch)
    if st:
        return ["hvo help: status %d" % st], 1
    text = re.sub(r"\|\n\s+", "|", out)
    section = text.split("\n  cmdline", 1)[1].split("\n  design", 1)[0]
    failures, count = [], 0
    for name, values in re.findall(r"([a-z_.]+)=((?:[a-z_0-9]+\|)+[a-z_0-9]+)", section):
        for v in values.split("|"):
            count += 1
            design = "design generic\n" if name == "hvo_share_pte" else ""
            scen = "machine mem=4G\ncmdline %s=%s\n%sboot\n" % (name, v, design)
            st, _, err = run("build/hvo run -", scratch, scen)
            if st:
                failures.append("hvo help: cmdline %s=%s: status %d: %s" % (
                    name, v, st, err.strip()))
    return failures, count


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--readme", default=None)
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    readme = os.path.abspath(a.readme or os.path.join(root, "README.md"))
    with tempfile.TemporaryDirectory(prefix="hvo-examples.") as scratch:
        for d in ("build", "tests", "examples"):
            os.symlink(os.path.join(root, d), os.path.join(scratch, d))
        skipped = []
        f1, n1 = readme_examples(readme, scratch, a.v, root, skipped)
        f2, n2 = help_options(scratch)
    for f in f1 + f2:
        print(f)
    print("%d examples, %d broken%s" % (
        n1 + n2, len(f1) + len(f2),
        skipped and ", %d skipped (no kernel-mode build: make kernel KSRC=DIR)" % len(skipped) or ""))
    return 1 if f1 + f2 else 0


if __name__ == "__main__":
    sys.exit(main())
