#!/bin/sh
# The Python binding (examples/python) against the library just built.
set -eu
src=${top_srcdir:-.}; bld=${top_builddir:-.}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
lib=$(ls "$bld"/.libs/libstream.so.0 2>/dev/null || true)
[ -n "$lib" ] || { echo "SKIP: no shared library built (--disable-shared)"; exit 77; }
LIBSTREAM_LIB=$lib exec python3 "$src/examples/python/test_binding.py" "$bld/lstream"
