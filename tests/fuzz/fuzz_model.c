/* libFuzzer target for model loading: any bytes must either load as a model whose every invariant holds, or
 * fail with one printable line that names the file, without a memory error or undefined behaviour. The fast
 * loader (bulk.h's pre-pass) and the cJSON-only one must agree: both load the same weights, bit for bit, or
 * both fail with the same message.
 * `make fuzz` builds and runs it (tests/fuzz/corpus/model holds the seeds, model.dict the JSON words); by hand:
 *
 *   make build/fuzz/fuzz_model
 *   build/fuzz/fuzz_model -dict=tests/fuzz/model.dict build/fuzz/corpus/model tests/fuzz/corpus/model
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition))                                                                                     \
            abort();                                                                                          \
    } while (0)

/* The message is what the user sees after "rnnsearch: ": it names the file, is one line and valid UTF-8. */
static void check_message(const char *message)
{
    CHECK(strncmp(message, "fuzz.json: ", 11) == 0);
    const unsigned char *p = (const unsigned char *)message;
    while (*p) {
        CHECK(*p >= 0x20 && *p != 0x7f);
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = *p >= 0xf0 ? 3 : *p >= 0xe0 ? 2 : 1;
        CHECK(*p >= 0xc2 && *p <= 0xf4);
        for (size_t k = 1; k <= n; k++)
            CHECK((p[k] & 0xc0) == 0x80);
        p += n + 1;
    }
}

static void check_special(const rs_vocab *vocab, int32_t id, bool optional)
{
    if (optional && id < 0)
        return;
    CHECK(id >= 0 && (size_t)id < vocab->size);
}

static void check_model(const rs_model *m)
{
    const rs_config *c = &m->config;
    CHECK(c->source_vocab_size > 0 && (size_t)c->source_vocab_size == m->source_vocab.size);
    CHECK(c->target_vocab_size > 0 && (size_t)c->target_vocab_size == m->target_vocab.size);
    check_special(&m->source_vocab, m->source_ids.unk, false);
    check_special(&m->source_vocab, m->source_ids.bos, false);
    check_special(&m->source_vocab, m->source_ids.eos, false);
    check_special(&m->source_vocab, m->source_ids.pad, true);
    check_special(&m->target_vocab, m->target_ids.unk, false);
    check_special(&m->target_vocab, m->target_ids.bos, false);
    check_special(&m->target_vocab, m->target_ids.eos, false);
    check_special(&m->target_vocab, m->target_ids.pad, true);
    CHECK(c->encoder_output == c->encoder_hidden_size * c->directions);
    CHECK(c->output_count >= 1 && c->output_count <= RS_MAX_PARTS);
    const rs_weights *w = &m->weights;
    CHECK(w->encoder_embedding.values && w->decoder_embedding.values && w->output.packed && w->output.bias);
    CHECK(w->encoder_embedding.rows == c->source_vocab_size && w->decoder_embedding.rows == c->target_vocab_size);
    for (int i = 0; i < c->encoder_layers * c->directions; i++)
        CHECK(w->encoder_rnn[i].input.packed && w->encoder_rnn[i].hidden.packed && w->encoder_rnn[i].input.bias &&
              w->encoder_rnn[i].hidden.bias);
    for (int i = 0; i < c->decoder_layers; i++)
        CHECK(w->decoder_rnn[i].input.packed && w->decoder_rnn[i].hidden.packed && w->decoder_rnn[i].input.bias &&
              w->decoder_rnn[i].hidden.bias);
    if (c->score == RS_SCORE_ADDITIVE)
        CHECK(w->query.packed && w->query.bias && w->key.packed && w->key.bias && w->v_weight);
    if (c->score == RS_SCORE_GENERAL)
        CHECK(w->general.packed);
    if (c->bridge == RS_BRIDGE_LINEAR_TANH)
        CHECK(w->bridge.packed && w->bridge.bias);
    CHECK(w->output.out_dim == c->target_vocab_size && w->output.in_dim == c->output_input);
    /* Reading the last row of each embedding catches a buffer shorter than the config says (ASan). */
    float last[4096] = {0};
    if (c->encoder_embedding_dim <= 4096 && c->decoder_embedding_dim <= 4096) {
        rs_embedding_row(&w->encoder_embedding, c->source_vocab_size - 1, last);
        rs_embedding_row(&w->decoder_embedding, c->target_vocab_size - 1, last);
    }
    volatile float sink = w->output.bias[(size_t)c->target_vocab_size - 1] + last[0];
    (void)sink;
}

static void same_floats(const float *a, const float *b, size_t count)
{
    CHECK((a == NULL) == (b == NULL));
    if (a)
        CHECK(memcmp(a, b, count * sizeof *a) == 0);
}

/* The same packed weights (dense.h) and bias. */
static void same_dense(const rs_dense_layer *a, const rs_dense_layer *b)
{
    CHECK(a->out_dim == b->out_dim && a->in_dim == b->in_dim && a->dtype == b->dtype);
    CHECK((a->packed == NULL) == (b->packed == NULL));
    if (a->packed)
        CHECK(memcmp(a->packed, b->packed, rs_dense_bytes(a)) == 0);
    same_floats(a->bias, b->bias, (size_t)a->out_dim);
}

static void same_embedding(const rs_embedding *a, const rs_embedding *b)
{
    CHECK(a->rows == b->rows && a->dim == b->dim && a->dtype == b->dtype);
    CHECK(memcmp(a->values, b->values, rs_embedding_bytes(a)) == 0);
}

static void same_gru(const rs_gru_layer *a, const rs_gru_layer *b)
{
    CHECK(a->input_size == b->input_size && a->hidden_size == b->hidden_size);
    same_dense(&a->input, &b->input);
    same_dense(&a->hidden, &b->hidden);
}

static void same_models(const rs_model *a, const rs_model *b)
{
    const rs_config *c = &a->config;
    CHECK(memcmp(&a->config, &b->config, sizeof a->config) == 0);
    CHECK(memcmp(&a->source_ids, &b->source_ids, sizeof a->source_ids) == 0);
    CHECK(memcmp(&a->target_ids, &b->target_ids, sizeof a->target_ids) == 0);
    CHECK(memcmp(&a->tokenizer, &b->tokenizer, sizeof a->tokenizer) == 0);
    CHECK(a->add_bos == b->add_bos && a->add_eos == b->add_eos);
    size_t att = (size_t)c->attention_dim;
    const rs_weights *x = &a->weights, *y = &b->weights;
    same_embedding(&x->encoder_embedding, &y->encoder_embedding);
    for (int i = 0; i < c->encoder_layers * c->directions; i++)
        same_gru(&x->encoder_rnn[i], &y->encoder_rnn[i]);
    same_dense(&x->bridge, &y->bridge);
    same_dense(&x->query, &y->query);
    same_dense(&x->key, &y->key);
    same_floats(x->v_weight, y->v_weight, att);
    same_dense(&x->general, &y->general);
    same_embedding(&x->decoder_embedding, &y->decoder_embedding);
    for (int i = 0; i < c->decoder_layers; i++)
        same_gru(&x->decoder_rnn[i], &y->decoder_rnn[i]);
    same_dense(&x->output, &y->output);
    CHECK(a->source_vocab.size == b->source_vocab.size && a->target_vocab.size == b->target_vocab.size);
    for (size_t i = 0; i < a->source_vocab.size; i++)
        CHECK(strcmp(rs_vocab_string(&a->source_vocab, (int32_t)i), rs_vocab_string(&b->source_vocab, (int32_t)i)) == 0);
    for (size_t i = 0; i < a->target_vocab.size; i++)
        CHECK(strcmp(rs_vocab_string(&a->target_vocab, (int32_t)i), rs_vocab_string(&b->target_vocab, (int32_t)i)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rs_model fast, slow;
    rs_error fast_err, slow_err;
    memset(&fast_err, 0, sizeof fast_err);
    memset(&slow_err, 0, sizeof slow_err);
    int fast_rc = rs_model_load_text(&fast, (const char *)data, size, "fuzz.json", &fast_err);
    int slow_rc = rs_model_load_cjson(&slow, (const char *)data, size, "fuzz.json", &slow_err);
    CHECK(fast_rc == slow_rc);
    if (fast_rc == 0) {
        check_model(&fast);
        same_models(&fast, &slow);
        rs_model_free(&fast);
        rs_model_free(&slow);
    } else {
        check_message(fast_err.message);
        CHECK(strcmp(fast_err.message, slow_err.message) == 0);
    }
    return 0;
}
