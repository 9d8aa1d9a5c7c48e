#include "decoder.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "gru.h"
#include "ops.h"

void rs_decoder_init(rs_decoder *decoder, const rs_model *model)
{
    memset(decoder, 0, sizeof *decoder);
    decoder->model = model;
    rs_workspace_init(&decoder->workspace);
}

void rs_decoder_free(rs_decoder *d)
{
    rs_workspace_free(&d->workspace);
    memset(d, 0, sizeof *d);
}

static void layout(void *owner, rs_workspace *ws)
{
    rs_decoder *d = owner;
    const rs_config *c = &d->model->config;
    size_t rows = (size_t)d->max_rows, hd = (size_t)c->decoder_hidden_size;
    RS_TAKE(ws, d->row_encoding, rows, 1);
    RS_TAKE(ws, d->spare_encoding, rows, 1);
    RS_TAKE(ws, d->state, (size_t)c->decoder_layers * rows, hd);
    RS_TAKE(ws, d->state_spare, (size_t)c->decoder_layers * rows, hd);
    RS_TAKE(ws, d->query_proj, rows, (size_t)(c->attention_dim ? c->attention_dim : 1));
    RS_TAKE(ws, d->weights, rows, d->ld_weights);
    RS_TAKE(ws, d->input, rows, (size_t)c->decoder_input);
    RS_TAKE(ws, d->gates_in, rows, 3 * hd);
    RS_TAKE(ws, d->gates_h, rows, 3 * hd);
    RS_TAKE(ws, d->features, rows, (size_t)c->output_input);
    RS_TAKE(ws, d->logprobs, rows, (size_t)c->target_vocab_size);
}

int rs_decoder_reserve(rs_decoder *d, int rows, int max_length, rs_error *err)
{
    d->max_rows = rows;
    d->ld_weights = (size_t)max_length;
    d->rows = 0;
    return rs_workspace_fit(&d->workspace, layout, d, "decoder", err);
}

static float *layer_state(float *state, const rs_decoder *d, int layer)
{
    return state + (size_t)layer * (size_t)d->max_rows * (size_t)d->model->config.decoder_hidden_size;
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

/* a_t and c_t of rows [begin, end): the row's query against its own sentence's keys, and c_t = a_t . memory
 * written straight after E(y_{t-1}) in the GRU input. */
static void attend_rows(void *arg, int begin, int end)
{
    rs_decoder *d = arg;
    const rs_model *m = d->model;
    const rs_config *c = &m->config;
    size_t et = (size_t)c->decoder_embedding_dim, k = (size_t)c->encoder_output, din = (size_t)c->decoder_input;
    for (int i = begin; i < end; i++) {
        const rs_encoding *enc = d->row_encoding[i];
        float *weights = d->weights + (size_t)i * d->ld_weights;
        rs_attention_weights(m, d->queries + (size_t)i * d->ld_queries, d->ld_queries, 1, enc->keys, enc->length,
                             weights, d->ld_weights);
        rs_matmul(d->input + (size_t)i * din + et, din, weights, d->ld_weights, enc->memory, k, 1, enc->length,
                  (int)k);
    }
}

/* weights, context = attention(s_{t-1}, keys, memory) */
static void attend(rs_decoder *d)
{
    const rs_config *c = &d->model->config;
    size_t hd = (size_t)c->decoder_hidden_size;
    d->queries = rs_attention_queries(d->model, layer_state(d->state, d, c->decoder_layers - 1), hd, d->rows,
                                      d->query_proj, &d->ld_queries);
    double cost = 0.0;
    for (int i = 0; i < d->rows; i++)
        cost += rs_attention_row_cost(c, d->row_encoding[i]->length);
    rs_parallel_rows(attend_rows, d, d->rows, cost);
}

/* emb = E(y_{t-1}), in front of c_t in the GRU input */
static void embed(rs_decoder *d, const int32_t *prev)
{
    size_t din = (size_t)d->model->config.decoder_input;
    for (int i = 0; i < d->rows; i++)
        rs_embedding_row(&d->model->weights.decoder_embedding, prev[i], d->input + (size_t)i * din);
}

/* s_t = GRU([emb; c_t], s_{t-1}), layer by layer */
static void recur(rs_decoder *d)
{
    const rs_config *c = &d->model->config;
    size_t hd = (size_t)c->decoder_hidden_size, din = (size_t)c->decoder_input;
    for (int l = 0; l < c->decoder_layers; l++) {
        const rs_gru_layer *gru = &d->model->weights.decoder_rnn[l];
        const float *x = l == 0 ? d->input : layer_state(d->state, d, l - 1);
        rs_gru_input_gates(gru, x, l == 0 ? din : hd, d->rows, d->gates_in);
        rs_gru_step(gru, d->gates_in, layer_state(d->state, d, l), d->rows, d->gates_h);
    }
}

/* features = the output parts (s_t, c_t, emb) in config order */
static void gather_features(rs_decoder *d)
{
    const rs_config *c = &d->model->config;
    size_t hd = (size_t)c->decoder_hidden_size, et = (size_t)c->decoder_embedding_dim;
    size_t din = (size_t)c->decoder_input, dout = (size_t)c->output_input;
    const float *top = layer_state(d->state, d, c->decoder_layers - 1);
    for (int i = 0; i < d->rows; i++) {
        float *f = d->features + (size_t)i * dout;
        const float *input = d->input + (size_t)i * din;
        for (int p = 0; p < c->output_count; p++) {
            const float *part = c->output[p] == RS_PART_STATE     ? top + (size_t)i * hd
                                : c->output[p] == RS_PART_CONTEXT ? input + et
                                                                  : input; /* RS_PART_EMBEDDING */
            size_t size = (size_t)rs_part_size(c, c->output[p]);
            memcpy(f, part, size * sizeof(float));
            f += size;
        }
    }
}

/* log p(. | y_<t, x) = log_softmax(W_o features + b_o) */
static void predict(rs_decoder *d)
{
    rs_dense(d->logprobs, d->features, d->rows, &d->model->weights.output);
    rs_log_softmax_rows(d->logprobs, d->rows, (size_t)d->model->config.target_vocab_size);
}

/* scripts/model.py step(), line by line. */
void rs_decoder_step(rs_decoder *d, const int32_t *prev)
{
    attend(d);          /* weights, context = self.attention(state[-1], keys, enc_out, mask) */
    embed(d, prev);     /* emb = self.decoder.embedding(y_prev) */
    recur(d);           /* out, state = self.decoder.rnn(torch.cat([emb, context]), state) */
    gather_features(d); /* features = torch.cat([parts[p] for p in self.config["output"]]) */
    predict(d);         /* logits = self.output(features); log_softmax as the search takes it */
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
    const rs_encoding **enc_swap = d->row_encoding;
    d->row_encoding = d->spare_encoding;
    d->spare_encoding = enc_swap;
    d->rows = n;
}

static int search_start(void *self, const rs_encoding *const *sentences, int n, int max_rows, rs_error *err)
{
    rs_decoder *d = self;
    int longest = 0;
    for (int i = 0; i < n; i++)
        if (sentences[i]->length > longest)
            longest = sentences[i]->length;
    if (rs_decoder_reserve(d, max_rows, longest, err) < 0)
        return -1;
    rs_decoder_start(d, sentences, n);
    return 0;
}

static rs_step_result search_step(void *self, const int32_t *prev)
{
    rs_decoder *d = self;
    rs_decoder_step(d, prev);
    return (rs_step_result){d->logprobs, d->weights, d->ld_weights};
}

static void search_select(void *self, const int *parents, int n)
{
    rs_decoder_select(self, parents, n);
}

rs_search_decoder rs_decoder_for_search(rs_decoder *d)
{
    const rs_model *m = d->model;
    return (rs_search_decoder){d, m->config.target_vocab_size, m->target_ids.bos, m->target_ids.eos,
                               search_start, search_step, search_select};
}
