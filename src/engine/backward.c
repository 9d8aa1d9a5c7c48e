#include "backward.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "mem.h"
#include "ops.h"

/* The model's sizes and those of the current sentence, as size_t. */
typedef struct dims {
    size_t es, he, dirs, le, k, hd, ld, et, din, dout, vt, a, kd, s, t;
} dims;

static dims dims_of(const rs_model *m, int length, int steps)
{
    const rs_config *c = &m->config;
    dims d = {
        .es = (size_t)c->encoder_embedding_dim, .he = (size_t)c->encoder_hidden_size,
        .dirs = (size_t)c->directions, .le = (size_t)c->encoder_layers, .k = (size_t)c->encoder_output,
        .hd = (size_t)c->decoder_hidden_size, .ld = (size_t)c->decoder_layers,
        .et = (size_t)c->decoder_embedding_dim, .din = (size_t)c->decoder_input, .dout = (size_t)c->output_input,
        .vt = (size_t)c->target_vocab_size, .a = (size_t)c->attention_dim, .kd = (size_t)rs_attention_key_dim(c),
        .s = (size_t)length, .t = (size_t)steps,
    };
    return d;
}

/* The logistic function in libm: the kernels' polynomial one (kernels.h) is vector-only; the difference is at
 * float rounding level, well below what attribution scores resolve. */
static float sigmoid(float x)
{
    return 1.0f / (1.0f + expf(-x));
}

static size_t max2(size_t a, size_t b)
{
    return a > b ? a : b;
}

void rs_backward_init(rs_backward *b, const rs_model *model)
{
    memset(b, 0, sizeof *b);
    b->model = model;
}

void rs_backward_release_weights(rs_backward *b)
{
    for (int i = 0; i < b->transposed_count; i++)
        free(b->transposed[i]);
    free(b->transposed);
    b->transposed = NULL;
    b->transposed_count = 0;
}

void rs_backward_free(rs_backward *b)
{
    rs_backward_release_weights(b);
    free(b->arena.at);
    memset(b, 0, sizeof *b);
}

/* Slots of backward->transposed: the output layer, the attention score's layers (attention.h), the bridge, then
 * the decoder's GRU layers (input then hidden weights, each layer in turn) and the encoder's (each layer and
 * direction). */
enum { SLOT_OUTPUT, SLOT_SCORE, SLOT_BRIDGE = SLOT_SCORE + RS_SCORE_GRAD_LAYERS, SLOT_LAYERS };

static int slot_decoder(int layer, int hidden)
{
    return SLOT_LAYERS + 2 * layer + hidden;
}

static int slot_encoder(const rs_config *c, size_t layer_direction, int hidden)
{
    return SLOT_LAYERS + 2 * c->decoder_layers + 2 * (int)layer_direction + hidden;
}

/* A malloc'd [in_dim, out_dim] float32 copy of the layer's W [out_dim, in_dim] transposed. The layer keeps W
 * packed and maybe f16 or int8 (dense.h); rs_dense_row reads each row as the forward products use it, so the
 * gradients are those of the model that translates. */
static int transpose_into(float **slot, const rs_dense_layer *layer, rs_error *err)
{
    *slot = NULL;
    size_t rows = (size_t)layer->out_dim, cols = (size_t)layer->in_dim;
    float *t = rs_alloc_array(rows * cols, sizeof *t, "attribution", err);
    float *row = rs_alloc_array(cols ? cols : 1, sizeof *row, "attribution", err);
    if (!t || !row) {
        free(t);
        free(row);
        return -1;
    }
    for (size_t r = 0; r < rows; r++) {
        rs_dense_row(layer, (int)r, row);
        for (size_t c = 0; c < cols; c++)
            t[c * rows + r] = row[c];
    }
    free(row);
    *slot = t;
    return 0;
}

static int prepare_weights(rs_backward *b, rs_error *err)
{
    if (b->transposed)
        return 0;
    const rs_config *c = &b->model->config;
    const rs_weights *w = &b->model->weights;
    int count = slot_encoder(c, (size_t)(c->encoder_layers * c->directions), 0);
    b->transposed = rs_calloc_array((size_t)count, sizeof *b->transposed, "attribution", err);
    if (!b->transposed)
        return -1;
    b->transposed_count = count;
    const rs_dense_layer *score_layers[RS_SCORE_GRAD_LAYERS];
    rs_attention_grad_layers(b->model, score_layers);
    int rc = transpose_into(&b->transposed[SLOT_OUTPUT], &w->output, err);
    for (int i = 0; rc == 0 && i < RS_SCORE_GRAD_LAYERS; i++)
        if (score_layers[i])
            rc = transpose_into(&b->transposed[SLOT_SCORE + i], score_layers[i], err);
    if (rc == 0 && c->bridge == RS_BRIDGE_LINEAR_TANH)
        rc = transpose_into(&b->transposed[SLOT_BRIDGE], &w->bridge, err);
    for (int l = 0; rc == 0 && l < c->decoder_layers; l++) {
        rc = transpose_into(&b->transposed[slot_decoder(l, 0)], &w->decoder_rnn[l].input, err);
        if (rc == 0)
            rc = transpose_into(&b->transposed[slot_decoder(l, 1)], &w->decoder_rnn[l].hidden, err);
    }
    for (size_t i = 0; rc == 0 && i < (size_t)(c->encoder_layers * c->directions); i++) {
        rc = transpose_into(&b->transposed[slot_encoder(c, i, 0)], &w->encoder_rnn[i].input, err);
        if (rc == 0)
            rc = transpose_into(&b->transposed[slot_encoder(c, i, 1)], &w->encoder_rnn[i].hidden, err);
    }
    if (rc < 0)
        rs_backward_release_weights(b);
    return rc;
}

/* One buffer of the arena: where its pointer goes and how many floats it takes (as a product of three sizes,
 * checked for overflow). */
typedef struct part {
    float **at;
    size_t x, y, z;
} part;

/* Carves every buffer out of one allocation sized for this sentence. */
static int reserve(rs_backward *b, const dims *d, rs_error *err)
{
    size_t g = 3 * max2(d->he, d->hd), wide = max2(d->es, d->k), a = max2(d->a, 1);
    size_t tmp_row = max2(max2(d->s * wide, d->ld * d->hd), max2(d->din, max2(d->hd, d->he)));
    const part parts[] = {
        {&b->source_rows, d->s, d->es, 1}, {&b->embedded, d->s, d->es, 1}, {&b->enc_out, d->le, d->s, d->k},
        {&b->enc_gates, d->le * d->dirs, d->s, 4 * d->he}, {&b->enc_prev, d->le * d->dirs, d->s, d->he},
        {&b->gates_in, d->s, g, 1}, {&b->gates_h, g, 1, 1}, {&b->state, d->ld, d->hd, 1},
        {&b->initial, d->ld, d->hd, 1}, {&b->finals, d->le * d->dirs, d->he, 1}, {&b->keys, d->s, d->kd, 1},
        {&b->query, a, 1, 1}, {&b->dec_prev, d->t, d->ld, d->hd}, {&b->dec_gates, d->t, d->ld, 4 * d->hd},
        {&b->weights, d->t, d->s, 1}, {&b->tanh_act, d->t, d->s, d->a}, {&b->input, d->t, d->din, 1},
        {&b->features, d->dout, 1, 1}, {&b->probs, d->t, d->vt, 1}, {&b->logp, d->t, 1, 1},
        {&b->entropy, d->t, 1, 1}, {&b->d_features, d->t, d->dout, 1}, {&b->d_state, d->ld, d->t, d->hd},
        {&b->d_gates_in, d->t, g, 1}, {&b->d_gates_h, d->t, g, 1}, {&b->d_input, d->t, max2(d->din, d->hd), 1},
        {&b->d_context, d->t, d->k, 1}, {&b->d_scores, d->t, d->s, 1}, {&b->d_query, d->t, max2(a, d->hd), 1},
        {&b->d_memory, d->t, d->s, wide}, {&b->d_keys, d->t, d->s, d->kd}, {&b->d_layer, d->t, d->s, wide},
        {&b->d_enc_gi, d->t, d->s, 3 * d->he}, {&b->d_carry, d->t, d->he, 1},
        {&b->d_final, d->t, max2(d->k, d->ld * d->hd), 1}, {&b->scratch, d->t, tmp_row, 1},
    };
    size_t count = sizeof parts / sizeof parts[0], total = 0, sizes[sizeof parts / sizeof parts[0]];
    for (size_t i = 0; i < count; i++) {
        /* each buffer rounded up to 16 floats, so that every one starts 64-byte aligned within the arena */
        if (!rs_mul3_size(parts[i].x, parts[i].y, parts[i].z, &sizes[i]) || sizes[i] > SIZE_MAX / 2 - total)
            return rs_fail(err, "out of memory (attribution: %zu source positions, %zu target steps)", d->s, d->t);
        sizes[i] = (sizes[i] + 15) / 16 * 16;
        total += sizes[i];
    }
    if (RS_GROW(b->arena, total, "attribution", err) < 0)
        return -1;
    float *next = b->arena.at;
    for (size_t i = 0; i < count; i++) {
        *parts[i].at = next;
        next += sizes[i];
    }
    return 0;
}

/* One GRU step from state h (updated) given the input gates gi: keeps r, z, n and W_hn h + b_hn in gates[4H]. */
static void gru_forward_step(const rs_gru_layer *gru, const float *gi, float *h, float *gh, float *gates)
{
    int hidden = gru->hidden_size;
    size_t H = (size_t)hidden;
    rs_dense_ld(gh, 3 * H, h, H, 1, &gru->hidden);
    for (size_t k = 0; k < H; k++) {
        float r = sigmoid(gi[k] + gh[k]);
        float z = sigmoid(gi[H + k] + gh[H + k]);
        float hn = gh[2 * H + k];
        float n = tanhf(gi[2 * H + k] + r * hn);
        gates[k] = r;
        gates[H + k] = z;
        gates[2 * H + k] = n;
        gates[3 * H + k] = hn;
        h[k] = (1.0f - z) * n + z * h[k];
    }
}

/* The encoder layers over the scaled embeddings, the attention keys and the bridge's s_0. */
static void encode_forward(rs_backward *b, const dims *d, const int32_t *ids, float scale)
{
    const rs_model *m = b->model;
    const rs_config *c = &m->config;
    for (size_t j = 0; j < d->s; j++) {
        rs_embedding_row(&m->weights.encoder_embedding, ids[j], b->source_rows + j * d->es);
        for (size_t i = 0; i < d->es; i++)
            b->embedded[j * d->es + i] = scale * b->source_rows[j * d->es + i];
    }
    const float *input = b->embedded;
    size_t ld_input = d->es, g = 3 * d->he;
    for (size_t l = 0; l < d->le; l++) {
        float *out = b->enc_out + l * d->s * d->k;
        for (size_t dir = 0; dir < d->dirs; dir++) {
            size_t ld = l * d->dirs + dir;
            const rs_gru_layer *gru = &m->weights.encoder_rnn[ld];
            rs_dense_ld(b->gates_in, g, input, ld_input, (int)d->s, &gru->input);
            float *h = b->finals + ld * d->he;
            memset(h, 0, d->he * sizeof *h);
            for (size_t step = 0; step < d->s; step++) {
                size_t j = dir ? d->s - 1 - step : step;
                memcpy(b->enc_prev + (ld * d->s + j) * d->he, h, d->he * sizeof *h);
                gru_forward_step(gru, b->gates_in + j * g, h, b->gates_h,
                                 b->enc_gates + (ld * d->s + j) * 4 * d->he);
                memcpy(out + j * d->k + dir * d->he, h, d->he * sizeof *h);
            }
        }
        input = out;
        ld_input = d->k;
    }
    size_t rows = d->ld * d->hd;
    switch (c->bridge) {
    case RS_BRIDGE_LINEAR_TANH:
        /* the top layer's final states [forward; backward] lie next to each other in finals */
        rs_dense_ld(b->initial, rows, b->finals + (d->le - 1) * d->dirs * d->he, d->k, 1, &m->weights.bridge);
        for (size_t i = 0; i < rows; i++)
            b->initial[i] = tanhf(b->initial[i]);
        break;
    case RS_BRIDGE_COPY:
        memcpy(b->initial, b->finals, rows * sizeof *b->initial);
        break;
    case RS_BRIDGE_ZEROS:
        memset(b->initial, 0, rows * sizeof *b->initial);
        break;
    }
    rs_attention_keys(m, b->enc_out + (d->le - 1) * d->s * d->k, (int)d->s, b->keys);
}

/* a_t (weights row tau) and c_t (in input row tau) for the query q, the top layer's state before step tau. */
static void attend_forward(rs_backward *b, const dims *d, size_t tau, const float *q)
{
    float *w = b->weights + tau * d->s;
    rs_attention_energies_taped(b->model, q, b->keys, (int)d->s, b->query, b->tanh_act + tau * d->s * d->a, w);
    rs_softmax(w, d->s);
    rs_matmul(b->input + tau * d->din + d->et, d->din, w, d->s, b->enc_out + (d->le - 1) * d->s * d->k, d->k, 1,
              (int)d->s, (int)d->k);
}

/* Decoder step tau fed `prev`: attention, the GRU stack, the output layer; log p(target) and the entropy. */
static void decode_forward_step(rs_backward *b, const dims *d, size_t tau, int32_t prev, int32_t target)
{
    const rs_model *m = b->model;
    const rs_config *c = &m->config;
    size_t g = 3 * d->hd;
    float *top = b->state + (d->ld - 1) * d->hd, *x = b->input + tau * d->din;
    memcpy(b->dec_prev + tau * d->ld * d->hd, b->state, d->ld * d->hd * sizeof *b->state);
    attend_forward(b, d, tau, top);
    rs_embedding_row(&m->weights.decoder_embedding, prev, x);
    for (size_t l = 0; l < d->ld; l++) {
        const rs_gru_layer *gru = &m->weights.decoder_rnn[l];
        const float *in = l == 0 ? x : b->state + (l - 1) * d->hd;
        rs_dense_ld(b->gates_in, g, in, (size_t)gru->input_size, 1, &gru->input);
        gru_forward_step(gru, b->gates_in, b->state + l * d->hd, b->gates_h,
                         b->dec_gates + (tau * d->ld + l) * 4 * d->hd);
    }
    float *f = b->features;
    for (int p = 0; p < c->output_count; p++) {
        size_t size = (size_t)rs_part_size(c, c->output[p]);
        const float *src = c->output[p] == RS_PART_STATE ? top : c->output[p] == RS_PART_CONTEXT ? x + d->et : x;
        memcpy(f, src, size * sizeof *f);
        f += size;
    }
    float *logits = b->probs + tau * d->vt;
    rs_dense_ld(logits, d->vt, b->features, d->dout, 1, &m->weights.output);
    rs_log_softmax(logits, d->vt);
    b->logp[tau] = logits[target];
    double entropy = 0.0;
    for (size_t v = 0; v < d->vt; v++) {
        float p = expf(logits[v]);
        if (p > 0.0f)
            entropy -= (double)p * (double)logits[v];
        logits[v] = p;
    }
    b->entropy[tau] = (float)entropy;
}

int rs_backward_forward(rs_backward *b, const int32_t *ids, int length, const int32_t *targets, int steps,
                        float scale, rs_error *err)
{
    if (length < 1 || steps < 1)
        return rs_fail(err, "attribution: nothing to explain (%d source positions, %d target steps)", length, steps);
    dims d = dims_of(b->model, length, steps);
    if (reserve(b, &d, err) < 0)
        return -1;
    b->length = length;
    b->steps = steps;
    encode_forward(b, &d, ids, scale);
    memcpy(b->state, b->initial, d.ld * d.hd * sizeof *b->state);
    for (size_t tau = 0; tau < d.t; tau++)
        decode_forward_step(b, &d, tau, tau ? targets[tau - 1] : b->model->target_ids.bos, targets[tau]);
    return 0;
}

/* out[n, m] = a[n, k] . W[k, m] given wt = W transposed ([m, k]). */
static void product(float *out, size_t ld_out, const float *a, size_t ld_a, const float *wt, size_t n, size_t k,
                    size_t m)
{
    rs_linear(out, ld_out, a, ld_a, (int)n, wt, (int)m, (int)k, NULL);
}

/* out[n, m] += a[n, k] . W[k, m] given wt = W transposed, through scratch. */
static void add_product(float *out, size_t ld_out, const float *a, size_t ld_a, const float *wt, size_t n, size_t k,
                        size_t m, float *scratch)
{
    rs_linear_accumulate(out, ld_out, a, ld_a, (int)n, wt, (int)m, (int)k, scratch);
}

/* The element-wise part of a GRU step backwards for one cotangent row dh of h' (gates and prev as the forward
 * pass kept them): the cotangents of the input gates (dgi) and hidden gates (dgh), and into direct (which may
 * be dh itself) the part of dh that flows straight to the previous state, dh * z. */
static void gru_backward_row(const float *gates, const float *prev, const float *dh, float *dgi, float *dgh,
                             float *direct, size_t H)
{
    for (size_t k = 0; k < H; k++) {
        float r = gates[k], z = gates[H + k], n = gates[2 * H + k], hn = gates[3 * H + k], g = dh[k];
        float da_n = g * (1.0f - z) * (1.0f - n * n);
        float da_z = g * (prev[k] - n) * z * (1.0f - z);
        float da_r = da_n * hn * r * (1.0f - r);
        dgi[k] = dgh[k] = da_r;
        dgi[H + k] = dgh[H + k] = da_z;
        dgi[2 * H + k] = da_n;
        dgh[2 * H + k] = da_n * r;
        direct[k] = g * z;
    }
}

/* The GRU stack at decoder step tau backwards for rows [tau, T): d_state[l] goes from the cotangent of
 * s^l_tau to that of s^l_{tau-1}; the input's cotangent ends in d_input. */
static void decoder_layers_backward(rs_backward *b, const dims *d, size_t tau)
{
    const rs_model *m = b->model;
    size_t rows = d->t - tau, g = 3 * d->hd;
    for (size_t l = d->ld; l-- > 0;) {
        const rs_gru_layer *gru = &m->weights.decoder_rnn[l];
        const float *gates = b->dec_gates + (tau * d->ld + l) * 4 * d->hd;
        const float *prev = b->dec_prev + (tau * d->ld + l) * d->hd;
        float *ds = b->d_state + (l * d->t + tau) * d->hd;
        for (size_t r = 0; r < rows; r++)
            gru_backward_row(gates, prev, ds + r * d->hd, b->d_gates_in + r * g, b->d_gates_h + r * g,
                             ds + r * d->hd, d->hd);
        add_product(ds, d->hd, b->d_gates_h, g, b->transposed[slot_decoder((int)l, 1)], rows, g, d->hd, b->scratch);
        size_t in = (size_t)gru->input_size;
        product(b->d_input, in, b->d_gates_in, g, b->transposed[slot_decoder((int)l, 0)], rows, g, in);
        if (l > 0) {
            float *below = b->d_state + ((l - 1) * d->t + tau) * d->hd;
            for (size_t i = 0; i < rows * d->hd; i++)
                below[i] += b->d_input[i];
        }
    }
}

/* The scores' part of the attention backwards at step tau (the score's own, attention.h): d_scores (rows
 * [tau, T)) holds the cotangents of the energies e_j; adds those of the keys to d_keys and those of the query
 * (the top state before step tau) to d_state. */
static void scores_backward(rs_backward *b, const dims *d, size_t tau)
{
    const rs_score_grad grad = {
        .rows = d->t - tau, .length = d->s, .keys = b->keys,
        .state = b->dec_prev + (tau * d->ld + d->ld - 1) * d->hd, .saved = b->tanh_act + tau * d->s * d->a,
        .d_energies = b->d_scores + tau * d->s, .d_keys = b->d_keys + tau * d->s * d->kd,
        .d_state = b->d_state + ((d->ld - 1) * d->t + tau) * d->hd, .d_query = b->d_query, .scratch = b->scratch,
        .transposed = (const float *const *)(b->transposed + SLOT_SCORE),
    };
    rs_attention_energies_backward(b->model, &grad);
}

/* The attention at step tau backwards from the cotangents of c_t in d_context (rows [tau, T)). */
static void attention_backward(rs_backward *b, const dims *d, size_t tau)
{
    size_t rows = d->t - tau;
    const float *w = b->weights + tau * d->s, *memory = b->enc_out + (d->le - 1) * d->s * d->k;
    float *dw = b->d_scores + tau * d->s;
    /* d a_j = dc . h_j, then through the softmax; d h_j += a_j dc */
    rs_linear(dw, d->s, b->d_context + tau * d->k, d->k, (int)rows, memory, (int)d->s, (int)d->k, NULL);
    for (size_t r = 0; r < rows; r++) {
        const float *dc = b->d_context + (tau + r) * d->k;
        float *row = dw + r * d->s;
        float dot = 0.0f;
        for (size_t j = 0; j < d->s; j++) {
            float *dm = b->d_memory + ((tau + r) * d->s + j) * d->k;
            for (size_t x = 0; x < d->k; x++)
                dm[x] += w[j] * dc[x];
            dot += w[j] * row[j];
        }
        for (size_t j = 0; j < d->s; j++)
            row[j] = w[j] * (row[j] - dot);
    }
    scores_backward(b, d, tau);
}

/* Decoder step tau backwards: row tau's own output adds its cotangent, then the GRU stack and the attention. */
static void decode_backward_step(rs_backward *b, const dims *d, size_t tau)
{
    const rs_config *c = &b->model->config;
    size_t rows = d->t - tau;
    const float *df = b->d_features + tau * d->dout;
    float *ds_top = b->d_state + ((d->ld - 1) * d->t + tau) * d->hd;
    for (int p = 0; p < c->output_count; p++) {
        size_t size = (size_t)rs_part_size(c, c->output[p]);
        if (c->output[p] == RS_PART_STATE)
            for (size_t i = 0; i < size; i++)
                ds_top[i] += df[i];
        df += size;
    }
    decoder_layers_backward(b, d, tau);
    for (size_t r = 0; r < rows; r++)
        memcpy(b->d_context + (tau + r) * d->k, b->d_input + r * d->din + d->et, d->k * sizeof *b->d_context);
    df = b->d_features + tau * d->dout;
    for (int p = 0; p < c->output_count; p++) {
        size_t size = (size_t)rs_part_size(c, c->output[p]);
        if (c->output[p] == RS_PART_CONTEXT)
            for (size_t i = 0; i < size; i++)
                b->d_context[tau * d->k + i] += df[i];
        df += size;
    }
    attention_backward(b, d, tau);
}

/* d log p(y_t) / d features_t = W_o[y_t] - sum_v p_t(v) W_o[v], every row t. */
static void output_backward(rs_backward *b, const dims *d, const int32_t *targets)
{
    const float *wo_t = b->transposed[SLOT_OUTPUT]; /* [Do, Vt]: W_o[v, i] at i * Vt + v */
    product(b->d_features, d->dout, b->probs, d->vt, wo_t, d->t, d->vt, d->dout);
    for (size_t t = 0; t < d->t; t++)
        for (size_t i = 0; i < d->dout; i++)
            b->d_features[t * d->dout + i] = wo_t[i * d->vt + (size_t)targets[t]] - b->d_features[t * d->dout + i];
}

/* The bridge backwards: the cotangents of s_0 (d_state) become those of the top encoder layer's final states
 * [forward; backward] in d_final (linear_tanh); copy and zeros need nothing here. */
static void bridge_backward(rs_backward *b, const dims *d)
{
    const rs_model *m = b->model;
    if (m->config.bridge != RS_BRIDGE_LINEAR_TANH)
        return;
    size_t rows = d->ld * d->hd;
    float *pre = b->scratch; /* [T, Ld * Hd]: the cotangents before the tanh */
    for (size_t t = 0; t < d->t; t++)
        for (size_t l = 0; l < d->ld; l++)
            for (size_t i = 0; i < d->hd; i++) {
                float s = b->initial[l * d->hd + i];
                pre[t * rows + l * d->hd + i] = b->d_state[(l * d->t + t) * d->hd + i] * (1.0f - s * s);
            }
    product(b->d_final, d->k, pre, rows, b->transposed[SLOT_BRIDGE], d->t, rows, d->k);
}

/* The initial cotangent carried into layer l, direction dir, at its last processed position: the bridge's. */
static void initial_carry(rs_backward *b, const dims *d, size_t l, size_t dir)
{
    const rs_model *m = b->model;
    size_t bytes = d->t * d->he * sizeof *b->d_carry;
    if (m->config.bridge == RS_BRIDGE_LINEAR_TANH && l == d->le - 1) {
        for (size_t t = 0; t < d->t; t++)
            memcpy(b->d_carry + t * d->he, b->d_final + t * d->k + dir * d->he, d->he * sizeof *b->d_carry);
    } else if (m->config.bridge == RS_BRIDGE_COPY) {
        memcpy(b->d_carry, b->d_state + l * d->t * d->hd, bytes); /* He = Hd, one direction */
    } else {
        memset(b->d_carry, 0, bytes);
    }
}

/* Encoder layer l backwards from the cotangents of its outputs (d_out, rows of K per (t, j)) into those of its
 * inputs (d_in, rows of its input size), both directions. */
static void encoder_layer_backward(rs_backward *b, const dims *d, size_t l, const float *d_out, float *d_in)
{
    const rs_model *m = b->model;
    size_t g = 3 * d->he, in = l ? d->k : d->es;
    memset(d_in, 0, d->t * d->s * in * sizeof *d_in);
    for (size_t dir = 0; dir < d->dirs; dir++) {
        size_t ld = l * d->dirs + dir;
        initial_carry(b, d, l, dir);
        for (size_t step = 0; step < d->s; step++) {
            size_t j = dir ? step : d->s - 1 - step; /* the forward pass's order, reversed */
            const float *gates = b->enc_gates + (ld * d->s + j) * 4 * d->he;
            const float *prev = b->enc_prev + (ld * d->s + j) * d->he;
            for (size_t t = 0; t < d->t; t++) {
                float *carry = b->d_carry + t * d->he;
                const float *dy = d_out + (t * d->s + j) * d->k + dir * d->he;
                for (size_t i = 0; i < d->he; i++)
                    carry[i] += dy[i];
                gru_backward_row(gates, prev, carry, b->d_enc_gi + (t * d->s + j) * g, b->d_gates_h + t * g, carry,
                                 d->he);
            }
            add_product(b->d_carry, d->he, b->d_gates_h, g, b->transposed[slot_encoder(&m->config, ld, 1)], d->t, g,
                        d->he, b->scratch);
        }
        add_product(d_in, in, b->d_enc_gi, g, b->transposed[slot_encoder(&m->config, ld, 0)], d->t * d->s, g, in,
                    b->scratch);
    }
}

int rs_backward_run(rs_backward *b, const int32_t *ids, int length, const int32_t *targets, int steps, float scale,
                    rs_error *err)
{
    if (prepare_weights(b, err) < 0 || rs_backward_forward(b, ids, length, targets, steps, scale, err) < 0)
        return -1;
    dims d = dims_of(b->model, length, steps);
    memset(b->d_state, 0, d.ld * d.t * d.hd * sizeof *b->d_state);
    memset(b->d_memory, 0, d.t * d.s * d.k * sizeof *b->d_memory);
    memset(b->d_keys, 0, d.t * d.s * d.kd * sizeof *b->d_keys);
    output_backward(b, &d, targets);
    for (size_t tau = d.t; tau-- > 0;)
        decode_backward_step(b, &d, tau);
    rs_attention_keys_backward(b->model, d.t * d.s, b->d_keys, b->d_memory,
                               (const float *const *)(b->transposed + SLOT_SCORE), b->scratch);
    bridge_backward(b, &d);
    /* the layers from the top down, the cotangents alternating between d_memory and d_layer */
    float *d_out = b->d_memory, *d_in = b->d_layer;
    for (size_t l = d.le; l-- > 0;) {
        encoder_layer_backward(b, &d, l, d_out, d_in);
        float *swap = d_out;
        d_out = d_in;
        d_in = swap;
    }
    if (d_out != b->d_layer)
        memcpy(b->d_layer, d_out, d.t * d.s * d.es * sizeof *b->d_layer);
    return 0;
}
