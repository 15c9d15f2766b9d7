#!/bin/bash
# Spread one lecture over a Slurm cluster: N video chunks as a job array, the audio as one job, and a
# finalize job that runs when all of them succeeded. INPUT and OUTDIR must be on storage every node sees.
#
#   examples/slurm/submit.sh INPUT OUTDIR N [lstream transcode options...]
#
# The options must include --chunk-span S (segments per encoder: the grid chunks are cut on; 10 is a minute
# at 6 s segments); the ladder is byte-identical to `lstream transcode INPUT -o OUTDIR` with the same options.
# Prints the finalize job's id (wait for it, e.g. with `squeue -j ID` or `sbatch --wait`). LSTREAM names the
# lstream binary (default: lstream on PATH). The same options go to every part; finalize reads them back
# from the parts.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 INPUT OUTDIR N [lstream transcode options...]" >&2
    exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
INPUT=$(realpath "$1"); OUTDIR=$(realpath -m "$2"); CHUNKS=$3; shift 3
case $CHUNKS in ''|*[!0-9]*|0) echo "$0: N must be a positive integer" >&2; exit 1 ;; esac
LSTREAM=$(command -v "${LSTREAM:-lstream}")
LSTREAM_OPTS="$*"
export LSTREAM INPUT OUTDIR CHUNKS LSTREAM_OPTS
# parts of an earlier, different chunking must not mix with these
rm -rf "$OUTDIR.parts"
array=$(sbatch --parsable --export=ALL --array=1-"$CHUNKS" "$here/chunk.sbatch")
audio=$(sbatch --parsable --export=ALL "$here/audio.sbatch")
sbatch --parsable --export=ALL --dependency=afterok:"${array%%;*}":"${audio%%;*}" --kill-on-invalid-dep=yes \
    "$here/finalize.sbatch"
