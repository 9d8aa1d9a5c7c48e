#!/bin/sh
# Installs what rnnsearch needs from Debian's packages (as root, or through sudo).
#   scripts/setup.sh          build and run: a C compiler, make, pkg-config, cJSON
#   scripts/setup.sh --test   also what the test suite needs: cmocka, PyTorch, SentencePiece (the authority the C
#                             segmenter is tested against), NLTK, matplotlib, valgrind, clang, GNU parallel,
#                             Chromium and a font with Arabic script (the --html browser tests), and OpenBLAS
#                             (only `make bench`'s reference), lcov (make coverage)
set -eu
packages="build-essential pkg-config libcjson-dev"
if [ "${1:-}" = "--test" ]; then
    packages="$packages libopenblas-dev libcmocka-dev python3 python3-torch python3-sentencepiece python3-numpy python3-nltk python3-matplotlib valgrind clang librsvg2-bin parallel chromium fonts-dejavu-core lcov"
fi
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
echo "setup: installing$missing" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >&2
