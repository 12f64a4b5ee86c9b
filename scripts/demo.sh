#!/usr/bin/env bash
# Set up, build, and run the main job: a federation on this machine — 4 solvers, 2 coordinators and an
# aggregator, each its own process on loopback — training on the bundled sample data for 3 rounds.
# Arguments replace the default simulation options, e.g. `scripts/demo.sh --nodes 8 --rounds 5
# --byzantine 2 --attack scale`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
data=build/sample-data
[ -d "$data/atn" ] || build/atn-node sample-data --out "$data"
[ $# -gt 0 ] || set -- --nodes 4 --coordinators 2 --rounds 3 --parity
exec build/atn-node simulate --data "$data/atn" --images "$data/frames" --state-dir build/simulation "$@"
