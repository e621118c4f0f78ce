#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# sim_diag.sh SCENARIO: the simulator's side of a diagnostic oracle run: the
# scenario with `show buddyinfo` and `show pool` after every snapshot.
awk '{print} /^snapshot/ {print "show buddyinfo"; print "show pool"}' "$1" |
	"$(dirname "$0")"/../../build/hvo run -
