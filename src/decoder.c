#include "decoder.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gru.h"
#include "mem.h"
#include "ops.h"

void rs_decoder_init(rs_decoder *decoder, const rs_model *model)
{
    memset(decoder, 0, sizeof *decoder);
    decoder->model = model;
}

void rs_decoder_free(rs_decoder *d)
{
    free(d->row_encoding);
    free(d->spare_encoding);
    free(d->state);
    free(d->state_spare);
    free(d->query_proj);
    free(d->weights);
    free(d->input);
    free(d->gates_in);
    free(d->gates_h);
    free(d->features);
    free(d->logprobs);
    memset(d, 0, sizeof *d);
}

int rs_decoder_reserve(rs_decoder *d, int rows, int max_length, rs_error *err)
{
    const rs_config *c = &d->model->config;
    size_t r = (size_t)rows;
    size_t a = (size_t)(c->attention_dim ? c->attention_dim : 1);
    size_t n_state, n_query, n_weights, n_input, n_gates, n_features, n_logprobs;
    if (!rs_mul3_size((size_t)c->decoder_layers, r, (size_t)c->decoder_hidden_size, &n_state) ||
        !rs_mul_size(r, a, &n_query) || !rs_mul_size(r, (size_t)max_length, &n_weights) ||
        !rs_mul_size(r, (size_t)c->decoder_input, &n_input) ||
        !rs_mul3_size(r, 3, (size_t)c->decoder_hidden_size, &n_gates) ||
        !rs_mul_size(r, (size_t)c->output_input, &n_features) ||
        !rs_mul_size(r, (size_t)c->target_vocab_size, &n_logprobs))
        return rs_fail(err, "out of memory (decoder, %d rows)", rows);
    void *p = d->row_encoding, *q = d->spare_encoding;
    int rc = rs_reserve(&p, &d->encoding_cap, r, sizeof *d->row_encoding, "decoder", err);
    d->row_encoding = p;
    if (rc == 0)
        rc = rs_reserve(&q, &d->spare_encoding_cap, r, sizeof *d->spare_encoding, "decoder", err);
    d->spare_encoding = q;
    if (rc < 0 || rs_reserve_floats(&d->state, &d->state_cap, n_state, "decoder", err) < 0 ||
        rs_reserve_floats(&d->state_spare, &d->spare_cap, n_state, "decoder", err) < 0 ||
        rs_reserve_floats(&d->query_proj, &d->query_cap, n_query, "decoder", err) < 0 ||
        rs_reserve_floats(&d->weights, &d->weights_cap, n_weights, "decoder", err) < 0 ||
        rs_reserve_floats(&d->input, &d->input_cap, n_input, "decoder", err) < 0 ||
        rs_reserve_floats(&d->gates_in, &d->gates_in_cap, n_gates, "decoder", err) < 0 ||
        rs_reserve_floats(&d->gates_h, &d->gates_h_cap, n_gates, "decoder", err) < 0 ||
        rs_reserve_floats(&d->features, &d->features_cap, n_features, "decoder", err) < 0 ||
        rs_reserve_floats(&d->logprobs, &d->logprobs_cap, n_logprobs, "decoder", err) < 0)
        return -1;
    d->rows_cap = rows;
    d->ld_weights = (size_t)max_length;
    d->rows = 0;
    return 0;
}

static float *layer_state(float *state, const rs_decoder *d, int layer)
{
    return state + (size_t)layer * (size_t)d->rows_cap * (size_t)d->model->config.decoder_hidden_size;
}

void rs_decoder_start(rs_decoder *d, const rs_encoding *const *encodings, int n)
{
    const rs_config *c = &d->model->config;
    size_t hd = (size_t)c->decoder_hidden_size;
    for (int i = 0; i < n; i++) {
        d->row_encoding[i] = encodings[i];
        for (int l = 0; l < c->decoder_layers; l++)
            memcpy(layer_state(d->state, d, l) + (size_t)i * hd, encodings[i]->initial_state + (size_t)l * hd,
                   hd * sizeof(float));
    }
    d->rows = n;
}

/* a_t and c_t of rows [begin, end). */
static void attend_rows(void *arg, int begin, int end)
{
    rs_decoder *d = arg;
    const rs_model *m = d->model;
    const rs_config *c = &m->config;
    size_t hd = (size_t)c->decoder_hidden_size, et = (size_t)c->decoder_embedding_dim;
    size_t k = (size_t)c->encoder_output, din = (size_t)c->decoder_input, a = (size_t)c->attention_dim;
    const float *top = layer_state(d->state, d, c->decoder_layers - 1);
    bool additive = c->score == RS_SCORE_ADDITIVE;
    for (int i = begin; i < end; i++) {
        const rs_encoding *enc = d->row_encoding[i];
        const float *query = additive ? d->query_proj + (size_t)i * a : top + (size_t)i * hd;
        float *weights = d->weights + (size_t)i * d->ld_weights;
        rs_attention_weights(m, query, additive ? a : hd, 1, enc->keys, enc->length, NULL, weights, d->ld_weights);
        /* c_t = a_t . memory, written straight after E(y_{t-1}) in the GRU input */
        rs_matmul(d->input + (size_t)i * din + et, din, weights, d->ld_weights, enc->memory, k, 1, enc->length,
                  (int)k);
    }
}

/* log_softmax of the logits of rows [begin, end). */
static void normalize_rows(void *arg, int begin, int end)
{
    rs_decoder *d = arg;
    size_t vt = (size_t)d->model->config.target_vocab_size;
    for (int i = begin; i < end; i++)
        rs_log_softmax(d->logprobs + (size_t)i * vt, vt);
}

void rs_decoder_step(rs_decoder *d, const int32_t *prev)
{
    const rs_model *m = d->model;
    const rs_config *c = &m->config;
    int n = d->rows;
    size_t hd = (size_t)c->decoder_hidden_size, et = (size_t)c->decoder_embedding_dim;
    size_t k = (size_t)c->encoder_output, din = (size_t)c->decoder_input, dout = (size_t)c->output_input;
    size_t a = (size_t)c->attention_dim;
    float *top = layer_state(d->state, d, c->decoder_layers - 1);

    rs_attention_project(m, top, hd, n, d->query_proj);
    double attention_cost = 0.0;
    for (int i = 0; i < n; i++)
        attention_cost += (double)d->row_encoding[i]->length * (double)(8 * a + k + hd);
    rs_parallel_rows(attend_rows, d, n, attention_cost);
    for (int i = 0; i < n; i++)
        rs_embedding_row(&m->weights.decoder_embedding, prev[i], d->input + (size_t)i * din);

    for (int l = 0; l < c->decoder_layers; l++) {
        const rs_gru_layer *gru = &m->weights.decoder_rnn[l];
        const float *x = l == 0 ? d->input : layer_state(d->state, d, l - 1);
        rs_gru_input_gates(gru, x, l == 0 ? din : hd, n, d->gates_in);
        rs_gru_step(gru, d->gates_in, layer_state(d->state, d, l), n, d->gates_h);
    }

    for (int i = 0; i < n; i++) {
        float *f = d->features + (size_t)i * dout;
        for (int p = 0; p < c->output_count; p++) {
            const float *src = NULL;
            size_t size = (size_t)rs_part_size(c, c->output[p]);
            switch (c->output[p]) {
            case RS_PART_STATE:
                src = top + (size_t)i * hd;
                break;
            case RS_PART_CONTEXT:
                src = d->input + (size_t)i * din + et;
                break;
            case RS_PART_EMBEDDING:
                src = d->input + (size_t)i * din;
                break;
            }
            memcpy(f, src, size * sizeof(float));
            f += size;
        }
    }
    int vt = c->target_vocab_size;
    rs_dense(d->logprobs, d->features, n, &m->weights.output);
    rs_parallel_rows(normalize_rows, d, n, 8.0 * n * vt);
}

void rs_decoder_select(rs_decoder *d, const int *parents, int n)
{
    const rs_config *c = &d->model->config;
    size_t hd = (size_t)c->decoder_hidden_size;
    for (int l = 0; l < c->decoder_layers; l++) {
        const float *from = layer_state(d->state, d, l);
        float *to = layer_state(d->state_spare, d, l);
        for (int i = 0; i < n; i++)
            memcpy(to + (size_t)i * hd, from + (size_t)parents[i] * hd, hd * sizeof(float));
    }
    for (int i = 0; i < n; i++)
        d->spare_encoding[i] = d->row_encoding[parents[i]];
    float *swap = d->state;
    d->state = d->state_spare;
    d->state_spare = swap;
    size_t cap = d->state_cap;
    d->state_cap = d->spare_cap;
    d->spare_cap = cap;
    const rs_encoding **enc_swap = d->row_encoding;
    d->row_encoding = d->spare_encoding;
    d->spare_encoding = enc_swap;
    cap = d->encoding_cap;
    d->encoding_cap = d->spare_encoding_cap;
    d->spare_encoding_cap = cap;
    d->rows = n;
}
