/* libFuzzer target for translation on small models: any input lines, with any search and output options,
 * must give one well-formed result per line without a memory error or undefined behaviour.
 * `make fuzz` builds and runs it from the repository root (the models are read from tests/fixtures, or from
 * $FUZZ_MODEL_DIR); the seeds are in tests/fuzz/corpus/decode.
 *
 * Input: byte 0 picks the model and the mode, byte 1 the beam and n-best, byte 2 the length limits and
 * byte 3 the output options; the rest is up to 8 lines of text ("source<TAB>target" in forced mode). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "model.h"
#include "output.h"
#include "strbuf.h"
#include "translator.h"

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition)) {                                                                                   \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #condition);                          \
            abort();                                                                                          \
        }                                                                                                     \
    } while (0)

#define MAX_LINES 8

/* Different tokenizers (none; lowercase, accents, punctuation, capitalize), bos/eos, bridges and scores. */
static const char *const MODEL_NAMES[] = {"tiny_exhaustive.json", "tokenizer_bos.json", "bi2_additive.json",
                                          "general_ctx_state.json"};
#define MODEL_COUNT (sizeof MODEL_NAMES / sizeof *MODEL_NAMES)

static rs_model models[MODEL_COUNT];
static rs_translator translators[MODEL_COUNT][2]; /* [model][forced] */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = getenv("FUZZ_MODEL_DIR");
    if (!dir || !*dir)
        dir = "tests/fixtures";
    for (size_t i = 0; i < MODEL_COUNT; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, MODEL_NAMES[i]);
        rs_error err;
        if (rs_model_load(&models[i], path, &err) < 0) {
            fprintf(stderr, "fuzz_decode: %s (run from the repository root or set FUZZ_MODEL_DIR)\n", err.message);
            exit(1);
        }
        for (int forced = 0; forced < 2; forced++)
            if (rs_translator_init(&translators[i][forced], &models[i], 1024, &err) < 0) {
                fprintf(stderr, "fuzz_decode: %s\n", err.message);
                exit(1);
            }
    }
    return 0;
}

/* Each formatted line ends in one newline and holds no other. */
static void check_one_line(const rs_strbuf *text)
{
    CHECK(text->len > 0 && text->data[text->len - 1] == '\n');
    CHECK(memchr(text->data, '\n', text->len - 1) == NULL);
    CHECK(strlen(text->data) == text->len);
}

static void check_translation(const rs_model *m, const rs_translation *tr, const rs_search_options *o)
{
    if (tr->length == 0) {
        CHECK(tr->hypothesis_count == 0 || tr->hypotheses == NULL || tr->hypothesis_count >= 0);
        return;
    }
    CHECK(tr->hypothesis_count >= 0 && tr->hypothesis_count <= o->beam);
    int limit = rs_length_limit(tr->length, o->max_length, o->max_length_factor);
    for (int k = 0; k < tr->hypothesis_count; k++) {
        const rs_hypothesis *h = &tr->hypotheses[k];
        CHECK(h->steps >= 0);
        CHECK(tr->target_tokens || h->steps <= limit);
        for (int t = 0; t < h->steps; t++)
            CHECK(h->tokens[t] >= 0 && (size_t)h->tokens[t] < m->target_vocab.size);
        if (k > 0 && !isnan(h->normalized_score))
            CHECK(!(h->normalized_score > tr->hypotheses[k - 1].normalized_score));
        if (!o->keep_attention)
            continue;
        for (int t = 0; t < h->steps; t++) {
            double sum = 0;
            for (int j = 0; j < tr->length; j++) {
                float a = h->attention[(size_t)t * (size_t)tr->length + (size_t)j];
                CHECK(a >= 0.0f && a <= 1.0f + 1e-6f);
                sum += a;
            }
            CHECK(fabs(sum - 1.0) < 1e-4);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    size_t which = data[0] % MODEL_COUNT;
    bool forced = data[0] & 0x10;
    int beam = 1 + data[1] % 5;
    int n_best = 1 + (data[1] >> 4) % beam;
    rs_search_options o = {
        .beam = beam,
        .max_length = 1 + data[2] % 16,
        .max_length_factor = 0.5 + (data[2] >> 4) / 4.0,
        .length_penalty = (data[3] & 3) / 2.0,
        .keep_attention = data[3] & 4,
    };
    rs_output_options out_options = {.n_best = forced ? 1 : n_best, .attention = data[3] & 8,
                                      .alignments = data[3] & 16};
    if (out_options.attention || out_options.alignments)
        o.keep_attention = true;
    const rs_model *m = &models[which];
    rs_translator *t = &translators[which][forced];
    t->max_source_tokens = 1 + (size_t)(data[3] >> 5) * 4;

    /* The lines, each copied to a buffer of its own so ASan sees any read past its end. */
    const char *text = (const char *)data + 4;
    size_t len = size - 4;
    char *lines[MAX_LINES];
    const char *sources[MAX_LINES], *targets[MAX_LINES];
    size_t lens[MAX_LINES], target_lens[MAX_LINES];
    int count = 0;
    for (size_t start = 0; start <= len && count < MAX_LINES;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        lines[count] = malloc(end - start + 1);
        CHECK(lines[count]);
        memcpy(lines[count], text + start, end - start);
        lines[count][end - start] = '\0';
        sources[count] = lines[count];
        lens[count] = end - start;
        const char *tab = memchr(lines[count], '\t', lens[count]);
        targets[count] = tab ? tab + 1 : lines[count] + lens[count];
        target_lens[count] = tab ? lens[count] - (size_t)(tab + 1 - lines[count]) : 0;
        if (forced && tab)
            lens[count] = (size_t)(tab - lines[count]);
        count++;
        if (!nl)
            break;
        start = end;
    }

    rs_translation results[MAX_LINES];
    rs_error err;
    int rc = forced ? rs_translate_forced_batch(t, sources, lens, targets, target_lens, count, &o, results, &err)
                    : rs_translate_batch(t, sources, lens, count, &o, results, &err);
    CHECK(rc == 0);

    rs_strbuf sb;
    rs_strbuf_init(&sb);
    for (int i = 0; i < count; i++) {
        check_translation(m, &results[i], &o);

        rs_strbuf_clear(&sb);
        CHECK(rs_format_text(&sb, m, &results[i], i, &out_options, &err) == 0);
        if (out_options.n_best == 1 && !out_options.attention)
            check_one_line(&sb);

        rs_strbuf_clear(&sb);
        CHECK(rs_format_jsonl(&sb, m, &results[i], i, &out_options, &err) == 0);
        check_one_line(&sb);
        cJSON *json = cJSON_ParseWithLength(sb.data, sb.len);
        CHECK(json);
        const cJSON *hyps = cJSON_GetObjectItemCaseSensitive(json, "hypotheses");
        CHECK(cJSON_IsArray(hyps) && cJSON_GetArraySize(hyps) >= 1);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(json, "source")) == results[i].length);
        cJSON_Delete(json);

        if (o.keep_attention) {
            rs_strbuf_clear(&sb);
            CHECK(rs_format_csv(&sb, m, &results[i], i, out_options.n_best, &err) == 0);
        }
    }
    rs_strbuf_free(&sb);
    for (int i = 0; i < count; i++)
        free(lines[i]);
    return 0;
}
