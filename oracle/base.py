# SPDX-License-Identifier: GPL-2.0-only
"""Shared ground of the kernel oracle: where its files are, its two errors,
and the words of the scenario language as the simulator reads them.

Every other oracle module imports from here.  Sizes, comment rules and the
raw text of a `cmdline` line follow the simulator's own parser
(src/cli/scenario.c and src/lib/parse.c), so both sides of the oracle read
a scenario the same way."""

import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
CACHE = os.path.join(HERE, "cache")
WORK = os.path.join(HERE, "work")
DEFAULT_KERNEL = "6.12.113"
PAGE_KB = 4


class ScenarioError(Exception):
    """The scenario cannot be translated (exit 2)."""


class HarnessError(Exception):
    """Kernel, QEMU or simulator trouble (exit 3)."""



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
    """Words up to a word that starts with '#', as src/cli/scenario.c does."""
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

