#!/bin/sh
# Copies the captured Linux runs into the repository for the conformance suite, trimming
# events.txt: every line except the ICC_SGI1R_EL1 writes (S) made before the first
# /proc/interrupts table ("M ... IRQS boot"), which are the boot's and the init script's
# background traffic that no test reads. meta.txt, phases.json and console.txt are copied whole.
# Usage: tests/captures/copy-captures.sh [SOURCE]   (default ../shared/linux-captures from the repo root)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${1:-$here/../../../shared/linux-captures}
for dir in "$src"/*/; do
    name=$(basename "$dir")
    mkdir -p "$here/$name"
    cp "$dir/meta.txt" "$dir/phases.json" "$dir/console.txt" "$here/$name/"
    awk '$1 == "M" && $3 == "IRQS" { kept = 1 } kept || $1 != "S"' "$dir/events.txt" > "$here/$name/events.txt"
done
