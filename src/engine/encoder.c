#include "encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gru.h"
#include "ops.h"

void rs_encoding_init(rs_encoding *encoding)
{
    memset(encoding, 0, sizeof *encoding);
    rs_workspace_init(&encoding->workspace);
}

void rs_encoding_free(rs_encoding *encoding)
{
    rs_workspace_free(&encoding->workspace);
    rs_encoding_init(encoding);
}

int rs_encoder_init(rs_encoder *encoder, const rs_model *model, rs_error *err)
{
    (void)err;
    memset(encoder, 0, sizeof *encoder);
    encoder->model = model;
    rs_workspace_init(&encoder->workspace);
    return 0;
}

void rs_encoder_free(rs_encoder *e)
{
    rs_workspace_free(&e->workspace);
    memset(e, 0, sizeof *e);
}

static void layout(void *owner, rs_workspace *ws)
{
    rs_encoder *e = owner;
    const rs_config *c = &e->model->config;
    size_t n = (size_t)e->sentences, total = e->positions, he = (size_t)c->encoder_hidden_size;
    size_t width = (size_t)(c->encoder_embedding_dim > c->encoder_output ? c->encoder_embedding_dim
                                                                          : c->encoder_output);
    RS_TAKE(ws, e->packed_a, total, width);
    RS_TAKE(ws, e->packed_b, total, width);
    RS_TAKE(ws, e->gates, total, 3 * he);
    RS_TAKE(ws, e->keys, total, (size_t)rs_attention_key_dim(c));
    RS_TAKE(ws, e->state, n, he);
    RS_TAKE(ws, e->gates_h, n, 3 * he);
    RS_TAKE(ws, e->finals, n * (size_t)c->encoder_layers * (size_t)c->directions, he);
    RS_TAKE(ws, e->bridge_in, n, (size_t)c->encoder_output);
    RS_TAKE(ws, e->bridge_out, n, (size_t)c->decoder_layers * (size_t)c->decoder_hidden_size);
    RS_TAKE(ws, e->order, n, 1);
    RS_TAKE(ws, e->offset, n, 1);
}

/* What one encoding holds: its length and the model's sizes. */
typedef struct encoding_shape {
    rs_encoding *encoding;
    const rs_config *config;
    size_t length;
} encoding_shape;

static void encoding_layout(void *owner, rs_workspace *ws)
{
    encoding_shape *shape = owner;
    rs_encoding *out = shape->encoding;
    const rs_config *c = shape->config;
    RS_TAKE(ws, out->memory, shape->length, (size_t)c->encoder_output);
    RS_TAKE(ws, out->keys, shape->length, (size_t)rs_attention_key_dim(c));
    RS_TAKE(ws, out->initial_state, (size_t)c->decoder_layers, (size_t)c->decoder_hidden_size);
}

/* Sizes the work space for `count` sentences of `total` positions, and each encoding. */
static int reserve(rs_encoder *e, const int *lengths, int count, size_t total, rs_encoding *const *out,
                   rs_error *err)
{
    e->sentences = count;
    e->positions = total;
    if (rs_workspace_fit(&e->workspace, layout, e, "encoder", err) < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        encoding_shape shape = {out[i], &e->model->config, (size_t)lengths[i]};
        if (rs_workspace_fit(&out[i]->workspace, encoding_layout, &shape, "encoder", err) < 0)
            return -1;
    }
    return 0;
}

/* One layer and direction over every sentence: the states advance together, row i being sentence order[i];
 * a sentence drops out of the product when it has no positions left (the longest come first, so those still
 * running are always the first rows). */
static void run_direction(rs_encoder *e, const rs_gru_layer *gru, const float *input, size_t ld_input,
                          const int *lengths, int count, size_t total, bool reverse, float *output, size_t ld_output,
                          float *finals, size_t ld_finals)
{
    int he = gru->hidden_size;
    size_t g = 3 * (size_t)he;
    rs_gru_input_gates(gru, input, ld_input, (int)total, e->gates);
    memset(e->state, 0, (size_t)count * (size_t)he * sizeof *e->state);
    int longest = lengths[e->order[0]];
    int active = count;
    for (int step = 0; step < longest; step++) {
        while (active > 0 && lengths[e->order[active - 1]] <= step)
            active--;
        rs_dense(e->gates_h, e->state, active, &gru->hidden);
        for (int i = 0; i < active; i++) {
            int b = e->order[i];
            size_t t = reverse ? (size_t)(lengths[b] - 1 - step) : (size_t)step;
            size_t row = e->offset[b] + t;
            float *h = e->state + (size_t)i * (size_t)he;
            rs_gru_update(e->gates + row * g, e->gates_h + (size_t)i * g, h, he);
            memcpy(output + row * ld_output, h, (size_t)he * sizeof *h);
        }
    }
    for (int i = 0; i < count; i++)
        memcpy(finals + (size_t)e->order[i] * ld_finals, e->state + (size_t)i * (size_t)he, (size_t)he * sizeof(float));
}

/* The decoder's initial states s_0 [Ld, Hd] of every sentence from the encoder's final states. */
static void bridge(rs_encoder *e, int count, rs_encoding *const *out)
{
    const rs_model *m = e->model;
    const rs_config *c = &m->config;
    size_t he = (size_t)c->encoder_hidden_size, layers = (size_t)c->encoder_layers * (size_t)c->directions;
    int rows = c->decoder_layers * c->decoder_hidden_size;
    for (int b = 0; b < count; b++) {
        const float *finals = e->finals + (size_t)b * layers * he;
        float *initial = out[b]->initial_state;
        switch (c->bridge) {
        case RS_BRIDGE_LINEAR_TANH:
            /* the top layer's [forward after the last position; backward after the first], next to each other */
            memcpy(e->bridge_in + (size_t)b * (size_t)c->encoder_output,
                   finals + (size_t)(c->encoder_layers - 1) * (size_t)c->directions * he,
                   (size_t)c->encoder_output * sizeof(float));
            break;
        case RS_BRIDGE_COPY: /* unidirectional with Le = Ld, He = Hd: the finals are [Ld, Hd] already */
            memcpy(initial, finals, (size_t)rows * sizeof *initial);
            break;
        case RS_BRIDGE_ZEROS:
            memset(initial, 0, (size_t)rows * sizeof *initial);
            break;
        }
    }
    if (c->bridge != RS_BRIDGE_LINEAR_TANH)
        return;
    rs_dense(e->bridge_out, e->bridge_in, count, &m->weights.bridge);
    for (int b = 0; b < count; b++)
        for (int i = 0; i < rows; i++)
            out[b]->initial_state[i] = tanhf(e->bridge_out[(size_t)b * (size_t)rows + (size_t)i]);
}

/* Sentences encoded together at most: enough to fill the products, few enough to keep the work space small. */
#define RS_ENCODE_GROUP 32

int rs_encode_batch(rs_encoder *e, const int32_t *const *ids, const int *lengths, int count, rs_encoding *const *out,
                    rs_error *err)
{
    if (count > RS_ENCODE_GROUP) {
        for (int start = 0; start < count; start += RS_ENCODE_GROUP) {
            int group = count - start < RS_ENCODE_GROUP ? count - start : RS_ENCODE_GROUP;
            if (rs_encode_batch(e, ids + start, lengths + start, group, out + start, err) < 0)
                return -1;
        }
        return 0;
    }
    if (count <= 0)
        return 0;
    const rs_model *m = e->model;
    const rs_config *c = &m->config;
    size_t total = 0;
    for (int b = 0; b < count; b++)
        total += (size_t)lengths[b];
    if (reserve(e, lengths, count, total, out, err) < 0)
        return -1;
    size_t es = (size_t)c->encoder_embedding_dim, he = (size_t)c->encoder_hidden_size;
    size_t k = (size_t)c->encoder_output, layers = (size_t)c->encoder_layers * (size_t)c->directions;
    /* longest first (insertion sort, stable: the batches are small) */
    for (int b = 0; b < count; b++) {
        int j = b;
        while (j > 0 && lengths[e->order[j - 1]] < lengths[b]) {
            e->order[j] = e->order[j - 1];
            j--;
        }
        e->order[j] = b;
    }
    size_t offset = 0;
    for (int b = 0; b < count; b++) {
        e->offset[b] = offset;
        out[b]->length = lengths[b];
        for (int t = 0; t < lengths[b]; t++)
            rs_embedding_row(&m->weights.encoder_embedding, ids[b][t], e->packed_a + (offset + (size_t)t) * es);
        offset += (size_t)lengths[b];
    }
    float *input = e->packed_a, *output = e->packed_b;
    size_t ld_input = es;
    for (int l = 0; l < c->encoder_layers; l++) {
        for (int d = 0; d < c->directions; d++) {
            const rs_gru_layer *gru = &m->weights.encoder_rnn[l * c->directions + d];
            run_direction(e, gru, input, ld_input, lengths, count, total, d == 1, output + (size_t)d * he, k,
                          e->finals + (size_t)(l * c->directions + d) * he, layers * he);
        }
        float *swap = input;
        input = output;
        output = swap;
        ld_input = k;
    }
    /* input now holds the top layer's outputs */
    int key_dim = rs_attention_key_dim(c);
    rs_attention_keys(m, input, (int)total, e->keys);
    for (int b = 0; b < count; b++) {
        size_t s = (size_t)lengths[b];
        memcpy(out[b]->memory, input + e->offset[b] * k, s * k * sizeof(float));
        memcpy(out[b]->keys, e->keys + e->offset[b] * (size_t)key_dim, s * (size_t)key_dim * sizeof(float));
    }
    bridge(e, count, out);
    return 0;
}

int rs_encode(rs_encoder *e, const int32_t *ids, int length, rs_encoding *out, rs_error *err)
{
    return rs_encode_batch(e, &ids, &length, 1, &out, err);
}
