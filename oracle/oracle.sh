#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# oracle/oracle.sh FILE.hvo [--kernel 6.12.113] [options]: the kernel oracle
# for one scenario.  The work is done by oracle/oracle.py (see its --help).
exec python3 "$(dirname "$0")/oracle.py" "$@"
