#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The layer check: calls go only downward.

src/ is cut into layers, one folder each, lowest first (src/README.md):
include and lib, hw, arch, mm, sim, cli.  A function in one layer may call
functions of its own layer and of the layers below it, never of a layer
above.  This script builds the call graph of the tree with Universal Ctags
(function definitions, with their first and last lines and whether they are
static) and a scan of each function body for identifiers followed by '(',
resolved as the compiler would: a static function of the same file first,
then the one global definition.  Calls through function pointers are not
seen, which is the point of a callback: the lower layer names no function
above it.

Usage: layercheck.py [--root DIR] [-v]
Prints each upward call as "FILE:LINE: FUNC() calls CALLEE() (FILE, layer
L above layer K)", and each C file under src/ outside the layer folders
(which nothing builds), and exits 1 if there is any, 0 otherwise, 2 on bad
usage or when ctags is missing.  -v also prints the file-to-file edges.
"""
import json
import os
import re
import subprocess
import sys

# Lowest first.  include/ holds the types every layer shares; its inline
# helpers may call lib and hw, as hw may.
LAYERS = ["include", "lib", "hw", "arch", "mm", "sim", "cli"]
RANK = {"include": 1, "lib": 0, "hw": 1, "arch": 2, "mm": 3, "sim": 4, "cli": 5}

CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'')


def layer_of(path):
    parts = path.split(os.sep)
    return parts[1] if len(parts) > 2 and parts[0] == "src" else None


def source_files(root):
    files = []
    for layer in LAYERS:
        d = os.path.join(root, "src", layer)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith((".c", ".h")):
                files.append(os.path.join("src", layer, name))
    return files


def stray_files(root):
    """Sources under src/ that lie in no layer folder: nothing builds them."""
    stray = []
    for d, _, names in os.walk(os.path.join(root, "src")):
        rel = os.path.relpath(d, root)
        if layer_of(os.path.join(rel, "x")) in LAYERS:
            continue
        stray += [os.path.join(rel, n) for n in sorted(names) if n.endswith((".c", ".h"))]
    return sorted(stray)


def functions(root, files):
    """[(name, path, first, last, static)] for every function definition."""
    try:
        out = subprocess.run(
            ["ctags", "--output-format=json", "--fields=+neP",
             "--kinds-c=f", "--language-force=C", "-o", "-"] + files,
            cwd=root, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        sys.exit(f"layercheck: cannot run Universal Ctags: {e}")
    funcs = []
    for line in out.splitlines():
        t = json.loads(line)
        if t.get("_type") == "tag" and t.get("kind") == "function":
            funcs.append((t["name"], t["path"], t["line"],
                          t.get("end", t["line"]), bool(t.get("file"))))
    return funcs


def strip(text):
    """Comments and literals blanked, newlines kept so line numbers hold."""
    blank = lambda m: re.sub(r"[^\n]", " ", m.group(0))
    return STRING.sub(blank, COMMENT.sub(blank, text))


def calls(root, funcs):
    """Yield (caller, path, line, callee, callee_path)."""
    statics, globals_ = {}, {}
    for name, path, _, _, static in funcs:
        if static:
            statics[(name, path)] = path
        else:
            globals_.setdefault(name, path)
    text = {}
    for name, path, first, last, _ in funcs:
        if path not in text:
            with open(os.path.join(root, path), encoding="utf-8") as f:
                text[path] = strip(f.read()).split("\n")
        body = text[path][first - 1:last]
        for i, src in enumerate(body):
            # skip the definition's own name on its first line
            for m in CALL.finditer(src):
                callee = m.group(1)
                if i == 0 and callee == name:
                    continue
                target = statics.get((callee, path)) or globals_.get(callee)
                if target and target != path:
                    yield name, path, first + i, callee, target


def main(argv):
    root, verbose = ".", False
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--root" and args:
            root = args.pop(0)
        elif a == "-v":
            verbose = True
        else:
            print(__doc__.split("\n\n")[2], file=sys.stderr)
            return 2
    files = source_files(root)
    if not files:
        print(f"layercheck: no sources under {root}/src/<layer>/", file=sys.stderr)
        return 2
    bad, edges = [], set()
    for caller, path, line, callee, target in calls(root, functions(root, files)):
        lc, lt = layer_of(path), layer_of(target)
        edges.add((path, target))
        if RANK[lt] > RANK[lc]:
            bad.append(f"{path}:{line}: {caller}() calls {callee}() "
                       f"({target}, layer {lt} above layer {lc})")
    if verbose:
        for a, b in sorted(edges):
            print(f"{a} -> {b}")
    for b in sorted(bad, key=lambda s: (s.split(":")[0], int(s.split(":")[1]))):
        print(b)
    stray = stray_files(root)
    for s in stray:
        print(f"{s}: in no layer folder (src/<layer>/), so not built")
    print(f"layercheck: {len(files)} files, {len(edges)} file-to-file call "
          f"edges, {len(bad)} upward calls, {len(stray)} stray files")
    return 1 if bad or stray else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
