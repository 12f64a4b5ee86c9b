#!/usr/bin/env bash
# Set up, build, generate the bundled sample data and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
data=build/sample-data
[ -d "$data/atn" ] || build/atn-node sample-data --out "$data"
exec build/atn-node train --data "$data/atn" --images "$data/frames" --preset tiny --steps 300 "$@"
