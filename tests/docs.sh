#!/bin/sh
# The documentation agrees with the program and stays inside the source tree:
#  - every long option `lstream --help` lists is in the man page, and the other way round;
#  - the man page renders without groff warnings (where groff is installed);
#  - every relative link in the Markdown documentation points at a file that exists in the tree;
#  - no source or document refers to a file outside the repository (the shared folder beside a checkout).
set -eu
src=${top_srcdir:-.}; bld=${top_builddir:-.}
PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

opts() { grep -oE -- '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u; }
help=$("$bld/lstream" --help | opts)
man=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$src/doc/lstream.1" | opts)
only_help=$(printf '%s\n' "$help" | grep -vxF -- "$man" || true)
only_man=$(printf '%s\n' "$man" | grep -vxF -- "$help" || true)
[ -z "$only_help" ] && ok || bad "options in --help but not in doc/lstream.1: $(echo $only_help)"
[ -z "$only_man" ] && ok || bad "options in doc/lstream.1 but not in --help: $(echo $only_man)"
[ "$(printf '%s\n' "$help" | wc -l)" -ge 20 ] && ok || bad "--help lists only $(printf '%s\n' "$help" | wc -l) options"
if command -v groff >/dev/null 2>&1; then
    w=$(groff -man -Tutf8 -ww -z "$src/doc/lstream.1" 2>&1 || true)
    [ -z "$w" ] && ok || bad "groff warns about doc/lstream.1: $w"
fi

# relative links of the Markdown documentation
for md in "$src"/README.md "$src"/BENCHMARKS.md "$src"/doc/*.md "$src"/doc/*/*.md; do
    [ -f "$md" ] || continue
    dir=$(dirname "$md")
    for l in $(grep -oE '\]\([^) ]+\)' "$md" | sed 's/^](//; s/)$//'); do
        case $l in http://*|https://*|mailto:*|\#*) continue ;; esac
        f=${l%%#*}
        [ -e "$dir/$f" ] && ok || bad "$(basename "$md"): link to '$l', which is not in the source tree"
    done
done
# nothing names a file outside the repository
out=$(find "$src" \( -name node_modules -o -name 'build*' -o -name .git -o -name autom4te.cache \) -prune -o \
      -type f \( -name '*.md' -o -name '*.c' -o -name '*.h' -o -name '*.1' -o -name '*.sh' -o -name '*.am' -o -name '*.ac' -o -name run \) \
      -print | xargs grep -l '\.\./shared/' 2>/dev/null || true)
[ -z "$out" ] && ok || bad "files refer to the shared folder outside the repository, which a clone does not have: $out"
echo "docs: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
