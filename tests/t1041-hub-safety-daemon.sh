#!/bin/sh
# t1040-hub-safety.sh again, with the laptops reaching the hub (made by
# plain 'git init --bare') through git daemon on loopback instead of as a
# folder: the same refusals, notes, set-asides and repairs.
KHAOSAT_TEST_HUB=daemon
. "$(dirname "$0")/t1040-hub-safety.sh"
