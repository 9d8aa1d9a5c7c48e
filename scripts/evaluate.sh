#!/usr/bin/env bash
# Corpus BLEU (scripts/bleu.py: sacreBLEU's defaults), case-sensitive and case-insensitive (-lc), of every
# bundled model on its test sets, with greedy search and with beam search, and the share of output lines that
# contain <unk>, printed as a table:
#
#   models/deu-eng.json   multi30k test_2016_flickr and the tatoeba-deu test split (German -> English)
#   models/deu-eng-word.json  the same two (the word-level German -> English model)
#   models/fra-eng.json   tatoeba test split           (French -> English), and its test-unseen lines
#   models/fra-eng-word.json  the same two (the word-level French -> English model, trained on an older
#                         split: test-unseen are the test lines it never saw, scripts/data.py)
#   models/eng-fra.json   tatoeba test split, reversed (English -> French)
#   models/eng-pes.json   persian test split           (English -> Persian)
# (each when the model and the data exist)
#
#   scripts/evaluate.sh
#
# Environment: THREADS   rnnsearch -t (default: the tool's own default)
#              BEAM      beam size of the beam column (default 5, the tool's default)
#              RNNSEARCH the binary (default ./rnnsearch, built with make when missing)
#              MODELS    the folder holding the models (default models)
#              PYTHON    the Python for scripts/ (default /usr/bin/python3)
#              KEEP      a folder to keep each test set's source, reference and outputs in
#              QUANTIZE  rnnsearch --quantize (e.g. int8; default: the weights as stored)
# A model or test set that is missing is skipped with a note; a failed run is reported and makes the exit
# status 1, after the other models have been evaluated.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BEAM=${BEAM:-5}
RNNSEARCH=${RNNSEARCH:-./rnnsearch}
MODELS=${MODELS:-models}
PYTHON=${PYTHON:-/usr/bin/python3}
THREAD_ARGS=()
if [ -n "${THREADS:-}" ]; then
    THREAD_ARGS=(-t "$THREADS")
fi
if [ -n "${QUANTIZE:-}" ]; then
    THREAD_ARGS+=(--quantize "$QUANTIZE")
fi

# model file, corpus (scripts/data.py), test set name shown
EVALUATIONS="
deu-eng.json multi30k multi30k/test_2016_flickr
deu-eng.json tatoeba-deu tatoeba-deu/test
deu-eng-word.json multi30k multi30k/test_2016_flickr
deu-eng-word.json tatoeba-deu tatoeba-deu/test
fra-eng.json tatoeba tatoeba/test
fra-eng.json tatoeba:test-unseen tatoeba/test-unseen
fra-eng-word.json tatoeba tatoeba/test
fra-eng-word.json tatoeba:test-unseen tatoeba/test-unseen
eng-fra.json tatoeba-rev tatoeba-rev/test
eng-pes.json persian persian/test
"

if [ ! -x "$RNNSEARCH" ]; then
    if [ "$RNNSEARCH" != ./rnnsearch ]; then
        echo "evaluate.sh: $RNNSEARCH is not an executable" >&2
        exit 2
    fi
    echo "evaluate.sh: building ./rnnsearch" >&2
    make -j2 >&2 || { echo "evaluate.sh: make failed" >&2; exit 2; }
fi

if [ -n "${KEEP:-}" ]; then
    WORK=$KEEP
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
fi

now() {
    # Bash 5 has the clock with microseconds built in; otherwise GNU date.
    if [ -n "${EPOCHREALTIME:-}" ]; then
        echo "${EPOCHREALTIME/,/.}"
    else
        date +%s.%N
    fi
}

ROWS=()
NOTES=()
STATUS=0

# translate MODEL BEAM SRC OUT: runs rnnsearch; prints the wall-clock seconds it took.
translate() {
    local start end
    start=$(now)
    "$RNNSEARCH" -m "$1" -b "$2" ${THREAD_ARGS[@]+"${THREAD_ARGS[@]}"} <"$3" >"$4" 2>"$4.err" || return 1
    end=$(now)
    [ -s "$4.err" ] || rm -f "$4.err"
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}

while read -r model corpus testset; do
    [ -n "$model" ] || continue
    name=${model%.json}
    part=test  # CORPUS:PART names another part than test (scripts/data.py's test-unseen)
    case $corpus in *:*) part=${corpus#*:} corpus=${corpus%%:*} ;; esac
    run=$name.$corpus.$part
    if [ ! -f "$MODELS/$model" ]; then
        NOTES+=("skipped $name: $MODELS/$model not found")
        continue
    fi
    src=$WORK/$run.src
    ref=$WORK/$run.ref
    if ! "$PYTHON" scripts/data.py "$corpus" "$part" src >"$src" 2>"$WORK/$run.data.err" ||
        ! "$PYTHON" scripts/data.py "$corpus" "$part" tgt >"$ref" 2>>"$WORK/$run.data.err"; then
        NOTES+=("skipped $name: no $testset data ($(tail -n1 "$WORK/$run.data.err"))")
        continue
    fi
    rm -f "$WORK/$run.data.err"
    lines=$(wc -l <"$src" | tr -d ' ')
    if [ "$lines" = 0 ]; then
        NOTES+=("skipped $name: $testset is empty")
        continue
    fi
    scores=()
    seconds=()
    for beam in 1 "$BEAM"; do
        hyp=$WORK/$run.b$beam.out
        echo "evaluate.sh: $name on $testset ($lines lines), beam $beam" >&2
        if ! secs=$(translate "$MODELS/$model" "$beam" "$src" "$hyp"); then
            NOTES+=("FAILED $name -b $beam: $(tail -n1 "$hyp.err")")
            STATUS=1
            scores+=(error error)
            unk=-
            seconds+=(-)
            continue
        fi
        for case_flag in "" -lc; do
            if ! score=$("$PYTHON" scripts/bleu.py $case_flag --score-only "$ref" "$hyp" 2>"$hyp.bleu.err"); then
                NOTES+=("FAILED $name -b $beam: $(tail -n1 "$hyp.bleu.err")")
                STATUS=1
                score=error
            fi
            scores+=("$score")
        done
        [ -s "$hyp.bleu.err" ] || rm -f "$hyp.bleu.err"
        seconds+=("$secs")
        unk=$(awk -v n="$lines" '/<unk>/ { k++ } END { printf "%.2f", 100 * k / n }' "$hyp")
    done
    ROWS+=("$(printf '%-12s %-26s %6s %8s %8s %8s %8s %6s %9s %9s' "$name" "$testset" "$lines" \
        "${scores[0]}" "${scores[1]}" "${scores[2]}" "${scores[3]}" "$unk" "${seconds[0]}" "${seconds[1]}")")
done <<<"$EVALUATIONS"

echo "BLEU: sacreBLEU defaults (13a, exp smoothing), cased and lowercased (lc); rnnsearch ${THREAD_ARGS[*]:-(default threads)}"
echo "unk%: output lines of the beam run that contain <unk>"
printf '%-12s %-26s %6s %8s %8s %8s %8s %6s %9s %9s\n' model "test set" lines greedy "greedy-lc" "beam $BEAM" \
    "beam-lc" "unk%" "s greedy" "s beam"
for row in "${ROWS[@]+"${ROWS[@]}"}"; do
    echo "$row"
done
for note in "${NOTES[@]+"${NOTES[@]}"}"; do
    echo "note: $note"
done
if [ -n "${KEEP:-}" ]; then
    echo "outputs kept in $KEEP"
fi
exit "$STATUS"
