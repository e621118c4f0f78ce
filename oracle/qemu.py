# SPDX-License-Identifier: GPL-2.0-only
"""The QEMU driver: boot the kernel, serve the guest's host requests, read
its console.

run_kernel() starts qemu-system-x86_64 under TCG with the Plan's command
line and the initramfs of guest.py, and reads the serial console line by
line (kept with host timestamps in console.log).  When the guest asks for a
host action, the QMP client plugs a pc-dimm (memory hot-add) or unplugs one
(hot-remove, waiting for DEVICE_DELETED or a refusing ACPI _OST) and the
answer goes back on the guest's console.  parse_console() turns the "@@"
lines into the kernel's counters per point, the action results and the
kernel log after /init."""

import json
import os
import re
import selectors
import shlex
import shutil
import socket
import subprocess
import tempfile
import time

from base import HarnessError
from guest import build_initrd, kernel_image


class QMP:
    """A minimal QMP client on QEMU's unix socket: commands and events."""

    def __init__(self, path, deadline, log, alive=lambda: True):
        self.log = log
        self.events = []
        self.buf = b""
        self.sock = None
        while True:
            try:
                sk = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sk.connect(path)
                self.sock = sk
                break
            except OSError:
                sk.close()
                if time.monotonic() > deadline or not alive():
                    raise HarnessError(f"cannot connect to QEMU's QMP socket {path}")
                time.sleep(0.05)
        self._read(deadline)                    # the greeting
        self.cmd("qmp_capabilities", deadline=deadline)

    def _read(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("QMP")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("QMP")
            if not chunk:
                raise HarnessError("QEMU closed the QMP socket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        self.log(f"qmp <- {line.decode(errors='replace').strip()}")
        return json.loads(line)

    def cmd(self, name, args=None, deadline=None):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.log(f"qmp -> {json.dumps(msg)}")
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read(deadline)
            if "event" in r:
                self.events.append(r)
            elif "return" in r:
                return r["return"]
            elif "error" in r:
                raise QMPError(r["error"].get("desc", str(r["error"])))

    def wait_event(self, match, deadline):
        """The first event (old or new) for which match(event) is true."""
        while True:
            for i, e in enumerate(self.events):
                if match(e):
                    return self.events.pop(i)
            r = self._read(deadline)
            if "event" in r:
                self.events.append(r)

    def close(self):
        if self.sock:
            self.sock.close()


class QMPError(Exception):
    pass


def host_action(plan, qmp, line, res, deadline):
    """Carry out the host side of scenario line @line; the answer goes back
    to the guest as one line on its console."""
    a = plan.action_by_line(line)
    if a is None or qmp is None:
        return "fail no-such-action"
    rec = res["host"].setdefault(line, {})
    try:
        if a["kind"] == "hotplug-add":
            qmp.cmd("object-add", {"qom-type": "memory-backend-ram", "id": a["backend"],
                                   "size": a["size"]}, deadline=deadline)
            dev = {"driver": "pc-dimm", "id": a["dimm"], "memdev": a["backend"], "node": a["node"]}
            if a["addr"] is not None:
                dev["addr"] = a["addr"]
            qmp.cmd("device_add", dev, deadline=deadline)
            addr = None
            for m in qmp.cmd("query-memory-devices", deadline=deadline):
                if m.get("data", {}).get("id") == a["dimm"]:
                    addr = m["data"]["addr"]
            if addr is None:
                return "fail no-address"
            rec["addr"] = addr
            return f"ok {addr:#x}"
        if a["kind"] == "hotplug-remove":
            qmp.cmd("device_del", {"id": a["dimm"]}, deadline=deadline)
            # DEVICE_DELETED once the guest ejected it; an _OST status other
            # than success (0) or "eject in progress" (0x84) is a refusal.
            ev = qmp.wait_event(
                lambda e: (e["event"] == "DEVICE_DELETED" and e["data"].get("device") == a["dimm"]) or
                          (e["event"] == "ACPI_DEVICE_OST" and
                           e["data"]["info"].get("device") == a["dimm"] and
                           e["data"]["info"].get("status") not in (0, 0x84)),
                min(deadline, time.monotonic() + 180))
            if ev["event"] == "DEVICE_DELETED":
                rec["removed"] = True
                try:
                    qmp.cmd("object-del", {"id": a["dimm"].replace("dimm", "hpmem", 1)}, deadline=deadline)
                except QMPError:
                    pass
                return "ok"
            info = ev["data"]["info"]
            rec["removed"] = False
            rec["ost"] = info
            return f"fail ost-source={info.get('source')}-status={info.get('status'):#x}"
    except QMPError as e:
        rec["error"] = str(e)
        return "fail qmp:" + re.sub(r"\s+", "_", str(e))
    except TimeoutError:
        rec["error"] = "timeout"
        return "fail timeout"
    return "fail unknown-action"


def run_kernel(plan, version, workdir, timeout, smp, say):
    """Boot the kernel, run the actions; returns the parsed console."""
    image = kernel_image(version)
    if not shutil.which("qemu-system-x86_64"):
        raise HarnessError("no qemu-system-x86_64: run oracle/setup.sh")
    initrd = build_initrd(plan, workdir, version)
    sockdir = qmp_path = None
    if plan.needs_host():
        # a short path: unix socket names are limited to 107 bytes
        sockdir = tempfile.mkdtemp(prefix="hvo-oracle-")
        qmp_path = os.path.join(sockdir, "qmp.sock")
    args = plan.qemu_args(image, initrd, smp, qmp_path)
    with open(os.path.join(workdir, "qemu.cmd"), "w") as f:
        f.write(" ".join(shlex.quote(a) for a in args) + "\n")
    res = {"points": {}, "actions": {}, "kmsg": [], "bootlog": [], "init_uptime": None,
           "done": False, "boot_seconds": None, "seconds": None, "qemu_rc": None,
           "qemu_cmd": args, "requests": [], "host": {}, "notes": []}
    log = open(os.path.join(workdir, "console.log"), "w", errors="replace")
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdin=subprocess.PIPE if qmp_path else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    say(f"kernel {version}: QEMU pid {proc.pid}, -m {plan.qemu_memory()}, append: {plan.kernel_cmdline()}")
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    section = None
    timed_out = False
    qmp = None

    def qlog(msg):
        log.write(f"[{time.monotonic() - t0:8.3f}] @@QMP {msg}\n")

    try:
        if qmp_path:
            qmp = QMP(qmp_path, t0 + 30, qlog, lambda: proc.poll() is None)
        while True:
            left = t0 + timeout - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not sel.select(min(left, 5.0)):
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", "replace").rstrip("\r")
                now = time.monotonic() - t0
                log.write(f"[{now:8.3f}] {line}\n")
                section = parse_console(line, res, section, now, say)
            while res["requests"]:
                line = res["requests"].pop(0)
                answer = host_action(plan, qmp, line, res, t0 + timeout)
                qlog(f"answer to line {line}: {answer}")
                say(f"  line {line}: host: {answer}")
                proc.stdin.write(answer.encode() + b"\n")
                proc.stdin.flush()
    finally:
        if qmp:
            qmp.close()
        if proc.poll() is None:
            proc.kill()             # only the QEMU this function started
        res["qemu_rc"] = proc.wait()
        sel.close()
        log.close()
        if sockdir:
            shutil.rmtree(sockdir, ignore_errors=True)
    res["seconds"] = time.monotonic() - t0
    if timed_out:
        raise HarnessError(f"kernel run timed out after {timeout} s (see {workdir}/console.log)")
    return res


def parse_console(line, res, section, now, say):
    if section == "kmsg":
        if line.startswith("@@KMSG_END"):
            return None
        res["kmsg"].append(line)
        return section
    if section == "bootlog":
        if line.startswith("@@BOOTLOG_END"):
            return None
        res["bootlog"].append(line)
        return section
    if not line.startswith("@@"):
        return section
    word, _, rest = line.partition(" ")
    if word == "@@K":
        idx, key, val = rest.split(" ", 2)
        try:
            res["points"].setdefault(int(idx), {})[key] = int(val)
        except ValueError:
            res["points"].setdefault(int(idx), {})[key] = val
    elif word == "@@HOST":
        res["requests"].append(int(rest.split()[0]))
    elif word == "@@NOTE":
        res["notes"].append(rest)
    elif word == "@@ACT":
        lineno, *kv = rest.split()
        res["actions"][int(lineno)] = dict(x.split("=", 1) for x in kv)
    elif word == "@@INIT":
        res["boot_seconds"] = now
        m = re.search(r"uptime=(\S+)", rest)
        res["init_uptime"] = float(m.group(1)) if m else None
        say(f"  /init after {now:.1f} s (guest uptime {res['init_uptime']} s)")
    elif word == "@@POINT_END":
        say(f"  point {rest} read at {now:.1f} s")
    elif word == "@@KMSG_BEGIN":
        return "kmsg"
    elif word == "@@BOOTLOG_BEGIN":
        return "bootlog"
    elif word == "@@DONE":
        res["done"] = True
    return section
