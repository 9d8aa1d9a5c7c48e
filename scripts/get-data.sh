#!/usr/bin/env bash
# Fetches the corpora rnnsearch trains and evaluates on from their public origins, pinned to fixed commits, into
# data/corpora/ (or DEST) in the layout scripts/data.py expects (the same as ../shared/data):
#
#   multi30k/{train,val,test_2016_flickr}.{de,en}, README.md   Multi30k task 1 raw captions (gunzipped)
#   tatoeba/eng-fra.txt, _about.txt                           manythings.org fra-eng export (fra.txt renamed)
#   persian/pes.txt, _about.txt                               manythings.org pes-eng export
#   alignment/hansards-enfr/enfr.{src-tgt,gold,en,fr}         Hansards gold alignments (.en/.fr split here)
#
#   scripts/get-data.sh [DEST]
#
# Needs bash, curl or wget, gzip, python3 (for the zip and the split), sha256sum or shasum. Files already
# present are not fetched again but are still verified. Every file is checked against its line count and
# sha256, so a truncated download or a changed origin stops the script instead of silently changing the
# corpus splits. The data's licenses are in README.md / _about.txt beside it; read them before use.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${1:-$ROOT/data/corpora}
PYTHON=${PYTHON:-python3}

MULTI30K=https://raw.githubusercontent.com/multi30k/dataset/a3d2e0d26b56f3846f66a952536ffed4e401d05a
TATOEBA=https://raw.githubusercontent.com/genimind/seq2seq/4f3f8eb0adde54fcc8b89394336b002e7961244c
PERSIAN=https://raw.githubusercontent.com/irmaan/MachineTranslation/025fe1884b7b617d4310dfb497a1f0eb65e7fbf2
HANSARDS=https://raw.githubusercontent.com/neulab/awesome-align/5f150d45bbe51e167daf0a84abebaeb07c3323d1

# path under DEST, line count, sha256 of the file as it is stored there
EXPECTED="
multi30k/train.de 29000 2c2b73fd2b548fbcde3a875e0a78d6ee94d498bfdee6bd3eae3945779e9ddf72
multi30k/train.en 29000 460a15fbd157e34a7a9957ee388c1ca247fe47af3ef25fb50442af6c274e0fc6
multi30k/val.de 1014 660e09eb7e1da2f856ea13ee5ad3cf6d36b3d5b0b733c857e94c5747a3dfc660
multi30k/val.en 1014 1f2a23d992769b5b3d209b0a10dd0b77c08cceb1f20dfb97ed0aafa49d107227
multi30k/test_2016_flickr.de 1000 4be6b5b3236b79c25475c6bb829800a7ce559e9ba7a1f6c2394fe4d40be46d16
multi30k/test_2016_flickr.en 1000 399a4382932c1aadd3ceb9bef1008d388a64c76d4ae4e9d4728c6f4301cac182
multi30k/README.md 113 d85366a011c276342f99bcd1fe32ca126e0295914413f7bf45201972f241818c
tatoeba/eng-fra.txt 142787 2546838ae46e0eac4c02ab7032ea0a02a006074a5340077a36a9444f41e02888
tatoeba/_about.txt 60 359011f5738272138286287b44db215d184823911eb049da2160a6ac6933d6c9
persian/pes.txt 3179 99bc22aeeee7ac57285411062c68b0e89c8cb827411157a17c29de5fe4fd1635
persian/_about.txt 60 fd28e858f358b8ef5a9010d4f8a8b68a76aa7b800fce7c9076df2ecb7e715293
alignment/hansards-enfr/enfr.src-tgt 447 19d56c3de3634ab8420d553df4d9dfd849502b18225f1599382e98a6de9cfc72
alignment/hansards-enfr/enfr.gold 447 0a11b51cba8a92a7608fb00884cb3cf50fe0fcc4e4aa92d70624fd11451c4ddd
alignment/hansards-enfr/enfr.en 447 91398b9a8c4e5efd5255af3786fb027db8c2d920cd74c4d62808ded7a23955f8
alignment/hansards-enfr/enfr.fr 447 364ee58f6c8735ab88a0ca40f93b220ad055d5f15c19c9784b1a1d709c55beeb
"

die() {
    echo "get-data.sh: $*" >&2
    exit 1
}

if command -v curl >/dev/null 2>&1; then
    download() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
    download() { wget -q --tries=3 -O "$2" "$1"; }
else
    die "neither curl nor wget found"
fi

if command -v sha256sum >/dev/null 2>&1; then
    sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
    sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
    sha256() { "$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$1"; }
fi

command -v gzip >/dev/null 2>&1 || die "gzip not found"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON to a Python 3)"

# check FILE NAME: FILE (NAME under DEST, or its staged copy) has the expected line count and sha256.
check() {
    local file=$1 name=$2 want_lines want_sum lines sum
    read -r want_lines want_sum < <(awk -v name="$name" '$1 == name { print $2, $3 }' <<<"$EXPECTED")
    [ -n "${want_sum:-}" ] || die "internal: no checksum for $name"
    lines=$(wc -l <"$file" | tr -d ' ')
    [ "$lines" = "$want_lines" ] || { echo "$name: $lines lines, expected $want_lines"; return 1; }
    sum=$(sha256 "$file")
    [ "$sum" = "$want_sum" ] || { echo "$name: sha256 $sum, expected $want_sum"; return 1; }
}

# present NAME: true, after verifying it, when DEST/NAME exists.
present() {
    local why
    [ -e "$DEST/$1" ] || return 1
    why=$(check "$DEST/$1" "$1") || die "$why: $DEST/$1 is not the expected file; delete it to fetch it again"
    echo "present   $1 (verified)"
}

# install STAGED NAME: verify a file made in the staging folder and move it into place.
install_file() {
    local why
    why=$(check "$1" "$2") || die "$why (a truncated download, or the origin changed)"
    mkdir -p "$(dirname "$DEST/$2")"
    mv -f "$1" "$DEST/$2"
    echo "ok        $2 ($(wc -l <"$DEST/$2" | tr -d ' ') lines, sha256 verified)"
}

fetch() {  # fetch URL FILE
    echo "fetch     $1"
    download "$1" "$2" || die "download failed: $1"
}

mkdir -p "$DEST"
STAGE=$(mktemp -d "$DEST/.get-data.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
echo "get-data.sh: into $DEST"

# Multi30k: gzipped at the origin.
for name in train val test_2016_flickr; do
    for lang in de en; do
        file=multi30k/$name.$lang
        present "$file" && continue
        fetch "$MULTI30K/data/task1/raw/$name.$lang.gz" "$STAGE/$name.$lang.gz"
        gzip -dc "$STAGE/$name.$lang.gz" >"$STAGE/$name.$lang" || die "$file: not a valid gzip file"
        install_file "$STAGE/$name.$lang" "$file"
    done
done
if ! present multi30k/README.md; then
    fetch "$MULTI30K/README.md" "$STAGE/README.md"
    install_file "$STAGE/README.md" multi30k/README.md
fi

# Tatoeba fr-en: fra.txt and _about.txt inside fra-eng.zip; fra.txt is stored as eng-fra.txt (its columns are
# English<TAB>French).
if ! { present tatoeba/eng-fra.txt && present tatoeba/_about.txt; }; then
    fetch "$TATOEBA/fra-eng.zip" "$STAGE/fra-eng.zip"
    "$PYTHON" - "$STAGE/fra-eng.zip" "$STAGE" <<'EOF' || die "tatoeba: cannot extract fra.txt and _about.txt from fra-eng.zip"
import os, sys, zipfile
archive, out = sys.argv[1], sys.argv[2]
try:
    z = zipfile.ZipFile(archive)
except zipfile.BadZipFile:
    with open(archive, "rb") as f:
        sys.exit(f"get-data.sh: fra-eng.zip is not a zip archive; it starts with {f.read(60)!r}")
with z:
    members = {os.path.basename(name): name for name in z.namelist() if not name.endswith("/")}
    for want, stored in (("fra.txt", "eng-fra.txt"), ("_about.txt", "_about.txt")):
        if want not in members:
            sys.exit(f"get-data.sh: fra-eng.zip has no {want} (it has {sorted(members)})")
        with z.open(members[want]) as src, open(os.path.join(out, stored), "wb") as dst:
            dst.write(src.read())
EOF
    for name in eng-fra.txt _about.txt; do
        if [ -e "$DEST/tatoeba/$name" ]; then
            rm -f "$STAGE/$name"
        else
            install_file "$STAGE/$name" "tatoeba/$name"
        fi
    done
fi

# Persian-English.
for name in pes.txt _about.txt; do
    present "persian/$name" && continue
    fetch "$PERSIAN/$name" "$STAGE/$name"
    install_file "$STAGE/$name" "persian/$name"
done

# Hansards gold alignments; the English and French sides are derived from enfr.src-tgt
# ("English ||| French" per line), whitespace-normalised.
for name in enfr.src-tgt enfr.gold; do
    present "alignment/hansards-enfr/$name" && continue
    fetch "$HANSARDS/examples/$name" "$STAGE/$name"
    install_file "$STAGE/$name" "alignment/hansards-enfr/$name"
done
if ! { present alignment/hansards-enfr/enfr.en && present alignment/hansards-enfr/enfr.fr; }; then
    echo "derive    alignment/hansards-enfr/enfr.{en,fr} from enfr.src-tgt"
    "$PYTHON" - "$DEST/alignment/hansards-enfr/enfr.src-tgt" "$STAGE" <<'EOF' || die "hansards: cannot split enfr.src-tgt"
import os, sys
source, out = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8", newline="\n") as f:
    pairs = [line.rstrip("\n").split(" ||| ") for line in f]
bad = [number for number, pair in enumerate(pairs, 1) if len(pair) != 2]
if bad:
    sys.exit(f"get-data.sh: enfr.src-tgt line {bad[0]}: expected one ' ||| '")
for side, suffix in ((0, "en"), (1, "fr")):
    with open(os.path.join(out, "enfr." + suffix), "w", encoding="utf-8", newline="\n") as f:
        f.writelines(" ".join(pair[side].split()) + "\n" for pair in pairs)
EOF
    for side in en fr; do
        if [ -e "$DEST/alignment/hansards-enfr/enfr.$side" ]; then
            rm -f "$STAGE/enfr.$side"
        else
            install_file "$STAGE/enfr.$side" "alignment/hansards-enfr/enfr.$side"
        fi
    done
fi

if [ "$DEST" = "$ROOT/data/corpora" ]; then
    echo "get-data.sh: done; scripts/data.py reads $DEST when ../shared/data is absent"
else
    echo "get-data.sh: done; point scripts/data.py at it with RNNSEARCH_DATA=$DEST"
fi
