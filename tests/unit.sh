#!/bin/sh
# unit tests, with the golden manifests from the source tree
exec "${top_builddir:-.}/tests/unit/test_core" "${top_srcdir:-.}/tests/golden"
