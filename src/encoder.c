#include "encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gru.h"
#include "mem.h"
#include "ops.h"

void rs_encoding_init(rs_encoding *encoding)
{
    memset(encoding, 0, sizeof *encoding);
}

void rs_encoding_free(rs_encoding *encoding)
{
    free(encoding->memory);
    free(encoding->keys);
    free(encoding->initial_state);
    rs_encoding_init(encoding);
}

int rs_encoder_init(rs_encoder *encoder, const rs_model *model, rs_error *err)
{
    (void)err;
    memset(encoder, 0, sizeof *encoder);
    encoder->model = model;
    return 0;
}

void rs_encoder_free(rs_encoder *e)
{
    free(e->packed_a);
    free(e->packed_b);
    free(e->gates);
    free(e->keys);
    free(e->state);
    free(e->gates_h);
    free(e->finals);
    free(e->bridge_in);
    free(e->bridge_out);
    free(e->order);
    free(e->offset);
    memset(e, 0, sizeof *e);
}

/* Sizes the work space for `count` sentences of `total` positions, and each encoding. */
static int reserve(rs_encoder *e, const int *lengths, int count, size_t total, rs_encoding *const *out,
                   rs_error *err)
{
    const rs_config *c = &e->model->config;
    size_t n = (size_t)count, he = (size_t)c->encoder_hidden_size, k = (size_t)c->encoder_output;
    size_t width = (size_t)(c->encoder_embedding_dim > c->encoder_output ? c->encoder_embedding_dim
                                                                          : c->encoder_output);
    size_t key_dim = (size_t)rs_attention_key_dim(c), initial = (size_t)c->decoder_layers * (size_t)c->decoder_hidden_size;
    size_t layers = (size_t)c->encoder_layers * (size_t)c->directions;
    size_t n_packed, n_gates, n_keys, n_state, n_gates_h, n_finals, n_bridge_in, n_bridge_out;
    if (!rs_mul_size(total, width, &n_packed) || !rs_mul3_size(total, 3, he, &n_gates) ||
        !rs_mul_size(total, key_dim, &n_keys) || !rs_mul_size(n, he, &n_state) ||
        !rs_mul3_size(n, 3, he, &n_gates_h) || !rs_mul3_size(n, layers, he, &n_finals) ||
        !rs_mul_size(n, k, &n_bridge_in) || !rs_mul_size(n, initial, &n_bridge_out))
        return rs_fail(err, "out of memory (encoder, %zu source positions)", total);
    void *order = e->order, *offset = e->offset;
    int rc = rs_reserve(&order, &e->order_cap, n, sizeof *e->order, "encoder", err);
    e->order = order;
    if (rc == 0)
        rc = rs_reserve(&offset, &e->offset_cap, n, sizeof *e->offset, "encoder", err);
    e->offset = offset;
    if (rc < 0 || rs_reserve_floats(&e->packed_a, &e->packed_a_cap, n_packed, "encoder", err) < 0 ||
        rs_reserve_floats(&e->packed_b, &e->packed_b_cap, n_packed, "encoder", err) < 0 ||
        rs_reserve_floats(&e->gates, &e->gates_cap, n_gates, "encoder", err) < 0 ||
        rs_reserve_floats(&e->keys, &e->keys_cap, n_keys, "encoder", err) < 0 ||
        rs_reserve_floats(&e->state, &e->state_cap, n_state, "encoder", err) < 0 ||
        rs_reserve_floats(&e->gates_h, &e->gates_h_cap, n_gates_h, "encoder", err) < 0 ||
        rs_reserve_floats(&e->finals, &e->finals_cap, n_finals, "encoder", err) < 0 ||
        rs_reserve_floats(&e->bridge_in, &e->bridge_in_cap, n_bridge_in, "encoder", err) < 0 ||
        rs_reserve_floats(&e->bridge_out, &e->bridge_out_cap, n_bridge_out, "encoder", err) < 0)
        return -1;
    for (int i = 0; i < count; i++) {
        size_t s = (size_t)lengths[i], n_out, n_key;
        if (!rs_mul_size(s, k, &n_out) || !rs_mul_size(s, key_dim, &n_key))
            return rs_fail(err, "out of memory (encoder, %zu source positions)", s);
        if (rs_reserve_floats(&out[i]->memory, &out[i]->memory_cap, n_out, "encoder", err) < 0 ||
            rs_reserve_floats(&out[i]->keys, &out[i]->keys_cap, n_key, "encoder", err) < 0 ||
            rs_reserve_floats(&out[i]->initial_state, &out[i]->initial_cap, initial, "encoder", err) < 0)
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
