#!/bin/sh
# NEON checked for real on x86: cross-compile the kernels and checkasm for aarch64 and run them under
# qemu-aarch64. Skips (77) only where the cross compiler or qemu-user are absent.
set -eu
CC=${AARCH64_CC:-aarch64-linux-gnu-gcc}
QEMU=${QEMU_AARCH64:-qemu-aarch64}
if [ "$(uname -m)" = aarch64 ]; then echo "native aarch64: checkasm already runs NEON"; exit 77; fi
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: $CC not installed (Debian: gcc-aarch64-linux-gnu)"; exit 77; }
command -v "$QEMU" >/dev/null 2>&1 || { echo "SKIP: $QEMU not installed (Debian: qemu-user)"; exit 77; }
src=${top_srcdir:-$(dirname "$0")/..}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '#define ARCH_AARCH64 1\n#define HAVE_SYS_AUXV_H 1\n#define PACKAGE_VERSION "cross"\n' > "$tmp/config.h"
"$CC" -std=gnu11 -O2 -Wall -static -I"$tmp" -I"$src" -o "$tmp/checkasm-aarch64" \
    "$src"/filters/dsp.c "$src"/filters/cpu.c "$src"/filters/scale.c "$src"/filters/metrics.c "$src"/filters/mem.c \
    "$src"/filters/plane.c "$src"/filters/arm/dsp_neon.c "$src"/tests/checkasm/checkasm.c -lm -lpthread
"$QEMU" "$tmp/checkasm-aarch64" "$@"
