#!/usr/bin/env bash
# Set up, build, generate the bundled sample data and run the main job. Arguments replace the
# default training options, e.g. `scripts/demo.sh --steps 1000 --preset small`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
data=build/sample-data
[ -d "$data/atn" ] || build/atn-node sample-data --out "$data"
[ $# -gt 0 ] || set -- --preset tiny --steps 300
exec build/atn-node train --data "$data/atn" --images "$data/frames" "$@"
