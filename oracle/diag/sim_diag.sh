#!/bin/sh
# sim_diag.sh SCENARIO: the scenario with buddyinfo and pool shown at each snapshot
awk '{print} /^snapshot/ {print "show buddyinfo"; print "show pool"}' "$1" | sed 's/^design .*/design legacy/' | "$(dirname "$0")"/../../build/hvo run - 
