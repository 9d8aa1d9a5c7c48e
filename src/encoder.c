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
    memset(encoder, 0, sizeof *encoder);
    encoder->model = model;
    const rs_config *c = &model->config;
    size_t he = (size_t)c->encoder_hidden_size;
    if (rs_reserve_floats(&encoder->finals, &encoder->finals_cap,
                          (size_t)c->encoder_layers * (size_t)c->directions * he, "encoder", err) < 0 ||
        rs_reserve_floats(&encoder->gates_h, &encoder->gates_h_cap, 3 * he, "encoder", err) < 0) {
        rs_encoder_free(encoder);
        return -1;
    }
    return 0;
}

void rs_encoder_free(rs_encoder *encoder)
{
    free(encoder->embedded);
    free(encoder->gates);
    free(encoder->layer_out);
    free(encoder->finals);
    free(encoder->gates_h);
    memset(encoder, 0, sizeof *encoder);
}

static int reserve(rs_encoder *e, rs_encoding *out, int length, rs_error *err)
{
    const rs_config *c = &e->model->config;
    size_t s = (size_t)length;
    size_t n_emb, n_gates, n_out, n_keys;
    if (!rs_mul_size(s, (size_t)c->encoder_embedding_dim, &n_emb) ||
        !rs_mul3_size(s, 3, (size_t)c->encoder_hidden_size, &n_gates) ||
        !rs_mul_size(s, (size_t)c->encoder_output, &n_out) ||
        !rs_mul_size(s, (size_t)rs_attention_key_dim(c), &n_keys))
        return rs_fail(err, "out of memory (encoder, %d source positions)", length);
    if (rs_reserve_floats(&e->embedded, &e->embedded_cap, n_emb, "encoder", err) < 0 ||
        rs_reserve_floats(&e->gates, &e->gates_cap, n_gates, "encoder", err) < 0 ||
        rs_reserve_floats(&e->layer_out, &e->layer_out_cap, n_out, "encoder", err) < 0 ||
        rs_reserve_floats(&out->memory, &out->memory_cap, n_out, "encoder", err) < 0 ||
        rs_reserve_floats(&out->keys, &out->keys_cap, n_keys, "encoder", err) < 0 ||
        rs_reserve_floats(&out->initial_state, &out->initial_cap,
                          (size_t)c->decoder_layers * (size_t)c->decoder_hidden_size, "encoder", err) < 0)
        return -1;
    return 0;
}

/* The decoder's initial state s_0 [Ld, Hd] from the encoder's final states. */
static void bridge(const rs_encoder *e, float *initial_state)
{
    const rs_model *m = e->model;
    const rs_config *c = &m->config;
    size_t he = (size_t)c->encoder_hidden_size;
    int rows = c->decoder_layers * c->decoder_hidden_size;
    switch (c->bridge) {
    case RS_BRIDGE_LINEAR_TANH: {
        /* The top layer's [forward after the last position; backward after the first] lie next to each other
         * in finals, in that order. */
        const float *final = e->finals + (size_t)(c->encoder_layers - 1) * (size_t)c->directions * he;
        rs_linear(initial_state, (size_t)rows, final, (size_t)c->encoder_output, 1, m->weights.bridge_weight, rows,
                  c->encoder_output, m->weights.bridge_bias);
        for (int i = 0; i < rows; i++)
            initial_state[i] = tanhf(initial_state[i]);
        break;
    }
    case RS_BRIDGE_COPY: /* unidirectional with Le = Ld, He = Hd: finals is [Ld, Hd] already */
        memcpy(initial_state, e->finals, (size_t)rows * sizeof *initial_state);
        break;
    case RS_BRIDGE_ZEROS:
        memset(initial_state, 0, (size_t)rows * sizeof *initial_state);
        break;
    }
}

int rs_encode(rs_encoder *e, const int32_t *ids, int length, rs_encoding *out, rs_error *err)
{
    const rs_model *m = e->model;
    const rs_config *c = &m->config;
    if (reserve(e, out, length, err) < 0)
        return -1;
    out->length = length;
    size_t es = (size_t)c->encoder_embedding_dim, he = (size_t)c->encoder_hidden_size;
    size_t k = (size_t)c->encoder_output;
    for (int t = 0; t < length; t++)
        memcpy(e->embedded + (size_t)t * es, m->weights.encoder_embedding + (size_t)ids[t] * es, es * sizeof(float));

    for (int l = 0; l < c->encoder_layers; l++) {
        const float *input = l == 0 ? e->embedded : e->layer_out;
        size_t ld_input = l == 0 ? es : k;
        /* The top layer writes straight into the encoding; lower ones into memory too, and are copied to
         * layer_out before the next layer reads them, since each direction writes its half. */
        for (int d = 0; d < c->directions; d++) {
            const rs_gru_layer *gru = &m->weights.encoder_rnn[l * c->directions + d];
            rs_gru_input_gates(gru, input, ld_input, length, e->gates);
            float *h = e->finals + (size_t)(l * c->directions + d) * he;
            memset(h, 0, he * sizeof *h);
            rs_gru_sequence(gru, e->gates, length, d == 1, h, out->memory + (size_t)d * he, k, e->gates_h);
        }
        if (l + 1 < c->encoder_layers)
            memcpy(e->layer_out, out->memory, (size_t)length * k * sizeof(float));
    }
    bridge(e, out->initial_state);
    rs_attention_keys(m, out->memory, length, out->keys);
    return 0;
}
