#!/usr/bin/env bash
# libstream's two entry points on a fresh Debian 12 machine (as root):
#   ./run.sh [INPUT] [-o OUTDIR]   install what is needed, build, and make a lecture ladder
#                                  (of INPUT, or of a built-in synthetic lecture if none is given)
#   ./run.sh test                  install, build, and run the whole test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
BUILD="$ROOT/build"

PKGS=(build-essential autoconf automake libtool pkg-config
      libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
      libx264-dev libdav1d-dev libvpx-dev libxml2-dev libjansson-dev libmicrohttpd-dev ffmpeg
      libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base gstreamer1.0-x)
# every program a test uses: python3 (bad-input, validator and bench checks), the cross compiler and qemu (NEON),
# chromium + node (players), clang + libFuzzer (fuzzing), clang-format (the style test), groff (the man page test),
# gst-inspect-1.0 (the live test checks its GStreamer sources), Slurm and munge (a lecture chunked over a real
# single-node cluster, started by tests/slurm.sh)
TEST_PKGS=(python3 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user chromium nodejs npm clang clang-format libclang-rt-14-dev groff-base
           gstreamer1.0-tools
           slurmctld slurmd slurm-client munge curl)

install_deps() {
    local want=("$@") missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    # Node.js may come from elsewhere than Debian's package: any node + npm will do
    if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        local keep=(); for p in "${missing[@]}"; do [[ $p == nodejs || $p == npm ]] || keep+=("$p"); done
        missing=("${keep[@]+"${keep[@]}"}")
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

build() {
    if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
        autoreconf -fi >/dev/null 2>&1 || autoreconf -fi   # quiet, unless it fails
    fi
    mkdir -p "$BUILD"
    cd "$BUILD"
    [ -f Makefile ] && [ config.status -nt "$ROOT/configure" ] || "$ROOT/configure" -q --with-dav1d --with-vpx --with-microhttpd --with-gstreamer
    make -j"$(nproc)" >/dev/null
    cd "$ROOT"
}

if [ "${1:-}" = test ]; then
    install_deps "${PKGS[@]}" "${TEST_PKGS[@]}"
    # the players and playwright-core, pinned by package-lock.json (never a downloaded browser: Debian's chromium)
    if [ ! -d tests/players/node_modules/playwright-core ] || [ tests/players/package-lock.json -nt tests/players/node_modules ]; then
        (cd tests/players && npm ci --no-audit --no-fund --loglevel=error)
    fi
    build
    # every test writes its temporary files under one fresh TMPDIR, which must be empty again at the end;
    # nothing new may appear in /tmp itself either
    tmp_before=$(ls -A /tmp | sort)
    TMPDIR=$(mktemp -d /tmp/lstream-testrun-XXXXXX)
    export TMPDIR
    cd "$BUILD"
    status=0
    make -j"$(nproc)" check 2>&1 | tee check.out || status=$?
    [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    if [ $status -ne 0 ]; then
        for f in $(find . -name '*.log' -newer config.status); do
            # (a .trs file says ":test-result: FAIL"): the log's own FAIL lines, then its end
            grep -q -E '^:test-result: (FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null &&
                { echo "=== $f"; grep -E '^(FAIL|ERROR)' "$f" | head -20; echo "--- its last lines:"; tail -40 "$f"; }
        done
    fi
    # the release tarball builds and passes the suite without git or anything ignored (make distcheck; its
    # copy of the players is skipped, having no node_modules)
    if LSTREAM_IN_DISTCHECK=1 make -j"$(nproc)" distcheck > distcheck.out 2>&1; then
        echo "PASS: make distcheck"; echo "# PASS: 1" >> check.out
    else
        grep -E '^(FAIL|ERROR)' distcheck.out || true; tail -n 30 distcheck.out
        echo "FAIL: make distcheck"; echo "# FAIL: 1" >> check.out
        status=1
    fi
    # the same library and tools once more under AddressSanitizer + UBSan: memory errors, leaks and undefined
    # behaviour fail the run (the unit, API, input, bad-input, A/V sync and validator suites)
    SAN="$ROOT/build-sanitize"
    mkdir -p "$SAN"
    (cd "$SAN" && { [ -f Makefile ] && [ config.status -nt "$ROOT/configure" ] ||
        "$ROOT/configure" -q --disable-shared CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
                             LDFLAGS="-fsanitize=address,undefined"; } && make -j"$(nproc)" >/dev/null)
    set +e
    (cd "$SAN" && ASAN_OPTIONS=detect_leaks=1 make -j"$(nproc)" check TESTS="tests/checkasm/checkasm tests/unit.sh tests/unit/alloc_test tests/api/api_test tests/api/output_test tests/api/live_test \
        tests/e2e/inputs.sh tests/e2e/bad_input.sh tests/e2e/avsync.sh tests/e2e/validator.sh tests/e2e/damage.sh tests/e2e/chunks.sh tests/fuzz.sh") > sanitize.out 2>&1
    san=$?
    set -e
    cat sanitize.out >> check.out
    grep -E '^(PASS|FAIL|ERROR|SKIP):' sanitize.out | sed 's/^/sanitize: /' || true
    if [ $san -ne 0 ]; then
        status=1
        grep -h -A20 -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$SAN"/tests/*.log "$SAN"/tests/*/*.log 2>/dev/null | head -60 || true
    fi
    # coverage-guided fuzzing (clang + libFuzzer) of the ISO-BMFF reader and the whole validator: a third
    # build, fixed seed and run counts (tests/fuzz/libfuzzer.sh)
    FZ="$ROOT/build-fuzz"
    if command -v clang >/dev/null 2>&1; then
        mkdir -p "$FZ"
        set +e
        (cd "$FZ" && { [ -f Makefile ] && [ config.status -nt "$ROOT/configure" ] ||
            "$ROOT/configure" -q CC=clang --disable-shared --enable-libfuzzer \
                CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
                LDFLAGS="-fsanitize=address,undefined"; } &&
            make -j"$(nproc)" tests/fuzz/fuzz_mp4 tests/fuzz/fuzz_ladder) > libfuzzer.out 2>&1 &&
            (cd "$FZ" && LIBFUZZER_CRASH_DIR="$FZ/crashes" "$ROOT/tests/fuzz/libfuzzer.sh" "$FZ" "$BUILD/lstream" 3000) >> libfuzzer.out 2>&1
        lf=$?
        set -e
        if [ $lf -eq 0 ]; then
            grep '^libfuzzer:\|^Done' libfuzzer.out || true
            echo "PASS: tests/fuzz/libfuzzer.sh"; echo "# PASS: 1" >> check.out
        else
            tail -n 80 libfuzzer.out
            echo "FAIL: tests/fuzz/libfuzzer.sh (inputs in $FZ/crashes)"; echo "# FAIL: 1" >> check.out
            status=1
        fi
    else
        echo "SKIP: tests/fuzz/libfuzzer.sh (no clang)"
    fi
    # no test leaves files behind
    left=$(find "$TMPDIR" -mindepth 1 -maxdepth 1 | head -20)
    rmdir "$TMPDIR" 2>/dev/null || true
    new_tmp=$(comm -13 <(echo "$tmp_before") <(ls -A /tmp | sort) | grep -v "^$(basename "$TMPDIR")\$" || true)
    if [ -z "$left" ] && [ -z "$new_tmp" ]; then
        echo "PASS: temporary files (none left behind)"; echo "# PASS: 1" >> check.out
    else
        echo "FAIL: temporary files left behind: ${left:+in \$TMPDIR: $left }${new_tmp:+in /tmp: $new_tmp}"
        echo "# FAIL: 1" >> check.out
        rm -rf "$TMPDIR"
        status=1
    fi
    p=$(sed -n 's/^# PASS: *//p' check.out | awk '{s += $1} END {print s + 0}')
    f=$(sed -n 's/^# FAIL: *//p' check.out | awk '{s += $1} END {print s + 0}')
    e=$(sed -n 's/^# ERROR: *//p' check.out | awk '{s += $1} END {print s + 0}')
    echo "tests: $p passed, $((f + e)) failed"
    exit $status
fi

install_deps "${PKGS[@]}"
build
args=("$@")
has_o=0; for a in "${args[@]+"${args[@]}"}"; do [[ $a == -o || $a == --output || $a == --output=* ]] && has_o=1; done
if [ $has_o -eq 0 ]; then   # the default output: out/lecture in the source tree (out/ is not in a clone)
    mkdir -p "$ROOT/out"
    args+=(-o "$ROOT/out/lecture")
fi
exec "$BUILD/lstream" transcode "${args[@]}"
