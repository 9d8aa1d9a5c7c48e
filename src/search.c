#include "search.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void rs_search_init(rs_search *search)
{
    memset(search, 0, sizeof *search);
}

void rs_search_free(rs_search *s)
{
    free(s->node_token);
    free(s->node_parent);
    free(s->node_score);
    free(s->node_attention);
    free(s->alive);
    free(s->next_alive);
    free(s->parents);
    free(s->prev_tokens);
    free(s->alive_scores);
    free(s->candidates);
    free(s->finished);
    free(s->hypotheses);
    free(s->result_tokens);
    free(s->result_attention);
    rs_search_init(s);
}

int rs_length_limit(int source_length, int max_length, double max_length_factor)
{
    double by_factor = ceil(max_length_factor * (double)source_length);
    return by_factor < (double)max_length ? (int)by_factor : max_length;
}

/* Inlined in the search's inner loop, which offers every (row, token). */
static inline void offer(rs_candidate *cand, int *count, int need, double score, int row, int32_t token)
{
    int n = *count;
    if (n == need && !(score > cand[n - 1].score))
        return;
    if (score != score) /* NaN ranks nowhere */
        return;
    int pos = n == need ? n - 1 : n;
    while (pos > 0 && cand[pos - 1].score < score) {
        cand[pos] = cand[pos - 1];
        pos--;
    }
    cand[pos].score = score;
    cand[pos].row = row;
    cand[pos].token = token;
    if (n < need)
        *count = n + 1;
}

void rs_offer_candidate(rs_candidate *cand, int *count, int need, double score, int row, int32_t token)
{
    offer(cand, count, need, score, row, token);
}

static int reserve_beam(rs_search *s, int beam, rs_error *err)
{
    size_t k = (size_t)beam;
    if (k <= s->beam_cap)
        return 0;
    /* The beam arrays are small and sized together. */
    void *p[8] = {s->alive, s->next_alive, s->parents, s->prev_tokens, s->alive_scores, s->candidates, s->finished,
                  s->hypotheses};
    size_t sizes[8] = {sizeof(int), sizeof(int), sizeof(int), sizeof(int32_t), sizeof(double), sizeof(rs_candidate),
                       sizeof(int), sizeof(rs_hypothesis)};
    for (int i = 0; i < 8; i++) {
        size_t bytes;
        if (!rs_mul_size(k, sizes[i], &bytes))
            return rs_fail(err, "out of memory (beam of %d)", beam);
        void *grown = realloc(p[i], bytes);
        if (!grown) {
            k = s->beam_cap; /* the arrays grown so far are kept (and freed) with the rest */
            break;
        }
        p[i] = grown;
    }
    s->alive = p[0];
    s->next_alive = p[1];
    s->parents = p[2];
    s->prev_tokens = p[3];
    s->alive_scores = p[4];
    s->candidates = p[5];
    s->finished = p[6];
    s->hypotheses = p[7];
    if (k < (size_t)beam)
        return rs_fail(err, "out of memory (beam of %d)", beam);
    s->beam_cap = k;
    return 0;
}

static int reserve_nodes(rs_search *s, size_t count, int length, bool attention, rs_error *err)
{
    if (count > INT32_MAX)
        return rs_fail(err, "out of memory (beam search over %zu hypotheses)", count);
    void *p = s->node_token;
    if (rs_reserve(&p, &s->node_token_cap, count, sizeof(int32_t), "beam search", err) < 0)
        return -1;
    s->node_token = p;
    p = s->node_parent;
    if (rs_reserve(&p, &s->node_parent_cap, count, sizeof(int), "beam search", err) < 0)
        return -1;
    s->node_parent = p;
    p = s->node_score;
    if (rs_reserve(&p, &s->node_score_cap, count, sizeof(double), "beam search", err) < 0)
        return -1;
    s->node_score = p;
    if (attention) {
        size_t floats;
        if (!rs_mul_size(count, (size_t)length, &floats))
            return rs_fail(err, "out of memory (attention weights)");
        if (rs_reserve_floats(&s->node_attention, &s->node_attention_cap, floats, "attention weights", err) < 0)
            return -1;
    }
    return 0;
}

static int node_depth(const rs_search *s, int node)
{
    int depth = 0;
    for (; node >= 0; node = s->node_parent[node])
        depth++;
    return depth;
}

/* Builds hypothesis f from the finished node s->finished[f]; its attention rows (length floats each) are read
 * from node_attention rows `stride` apart. */
static void trace(rs_search *s, int f, int length, size_t stride, const rs_search_options *o, int32_t eos,
                  size_t *token_offset, size_t *attention_offset)
{
    int node = s->finished[f];
    int steps = node_depth(s, node);
    rs_hypothesis *h = &s->hypotheses[f];
    int32_t *tokens = s->result_tokens + *token_offset;
    float *att = o->keep_attention ? s->result_attention + *attention_offset : NULL;
    h->tokens = tokens;
    h->attention = att;
    h->steps = steps;
    h->score = s->node_score[node];
    for (int t = steps - 1; t >= 0; t--, node = s->node_parent[node]) {
        tokens[t] = s->node_token[node];
        if (att)
            memcpy(att + (size_t)t * (size_t)length, s->node_attention + (size_t)node * stride,
                   (size_t)length * sizeof(float));
    }
    h->ended_by_eos = steps > 0 && tokens[steps - 1] == eos;
    h->normalized_score = steps ? h->score / pow((double)steps, o->length_penalty) : h->score;
    *token_offset += (size_t)steps;
    *attention_offset += (size_t)steps * (size_t)length;
}

/* Reserves the result buffers for the finished nodes: hypothesis f has encodings[f]->length source positions,
 * or `length` when encodings is NULL. */
static int reserve_results(rs_search *s, int finished_count, const rs_encoding *const *encodings, int length,
                           const rs_search_options *o, rs_error *err)
{
    size_t total = 0, floats = 0;
    for (int f = 0; f < finished_count; f++) {
        size_t steps = (size_t)node_depth(s, s->finished[f]);
        total += steps;
        floats += steps * (size_t)(encodings ? encodings[f]->length : length);
    }
    void *p = s->result_tokens;
    if (rs_reserve(&p, &s->result_tokens_cap, total, sizeof(int32_t), "hypotheses", err) < 0)
        return -1;
    s->result_tokens = p;
    if (o->keep_attention &&
        rs_reserve_floats(&s->result_attention, &s->result_attention_cap, floats, "attention weights", err) < 0)
        return -1;
    return 0;
}

/* Builds the ranked hypotheses of one sentence from the finished nodes. */
static int collect(rs_search *s, int finished_count, int length, size_t stride, const rs_search_options *o,
                   int32_t eos, rs_error *err)
{
    if (reserve_results(s, finished_count, NULL, length, o, err) < 0)
        return -1;
    size_t token_offset = 0, attention_offset = 0;
    for (int f = 0; f < finished_count; f++)
        trace(s, f, length, stride, o, eos, &token_offset, &attention_offset);
    /* Stable insertion sort (at most K items): equal normalised scores keep their finishing order. */
    for (int i = 1; i < finished_count; i++) {
        rs_hypothesis h = s->hypotheses[i];
        int j = i;
        while (j > 0 && s->hypotheses[j - 1].normalized_score < h.normalized_score) {
            s->hypotheses[j] = s->hypotheses[j - 1];
            j--;
        }
        s->hypotheses[j] = h;
    }
    s->hypothesis_count = finished_count;
    return 0;
}

/* Starts the beam of one sentence: the empty hypothesis alone. */
static int beam_begin(rs_search *s, const rs_model *m, const rs_encoding *encoding, const rs_search_options *o,
                      rs_error *err)
{
    s->hypothesis_count = 0;
    s->node_count = 0;
    if (reserve_beam(s, o->beam, err) < 0)
        return -1;
    s->length = encoding->length;
    s->limit = rs_length_limit(encoding->length, o->max_length, o->max_length_factor);
    s->alive_count = 1;
    s->finished_count = 0;
    s->alive[0] = -1;
    s->alive_scores[0] = 0.0;
    s->prev_tokens[0] = m->target_ids.bos;
    return 0;
}

/* One step of one sentence's beam, given its rows' log-probabilities (rows Vt apart) and attention weights
 * (rows ld_weights apart). Afterwards s->alive_count is the number of hypotheses going on (0 when the search
 * is over), row i of the next step continuing row s->parents[i] of this one with token s->prev_tokens[i]. */
static int beam_step(rs_search *s, const rs_model *m, const float *logprobs, const float *weights,
                     size_t ld_weights, int step, const rs_search_options *o, rs_error *err)
{
    int vocab = m->config.target_vocab_size, length = s->length;
    int32_t eos = m->target_ids.eos;
    int need = o->beam - s->finished_count, kept = 0;
    for (int i = 0; i < s->alive_count; i++) {
        const float *lp = logprobs + (size_t)i * (size_t)vocab;
        double base = s->alive_scores[i];
        rs_candidate *cand = s->candidates;
        for (int w = 0; w < vocab; w++) {
            double score = base + (double)lp[w];
            if (kept < need || score > cand[need - 1].score) /* the common case, a candidate too weak, stays here */
                offer(cand, &kept, need, score, i, w);
        }
    }
    if (reserve_nodes(s, s->node_count + (size_t)kept, length, o->keep_attention, err) < 0)
        return -1;
    int next_count = 0;
    for (int c = 0; c < kept; c++) {
        const rs_candidate *cand = &s->candidates[c];
        int node = (int)s->node_count++;
        s->node_token[node] = cand->token;
        s->node_parent[node] = s->alive[cand->row];
        s->node_score[node] = cand->score;
        if (o->keep_attention)
            memcpy(s->node_attention + (size_t)node * (size_t)length, weights + (size_t)cand->row * ld_weights,
                   (size_t)length * sizeof(float));
        if (cand->token == eos) {
            s->finished[s->finished_count++] = node;
        } else {
            s->next_alive[next_count] = node;
            s->parents[next_count] = cand->row;
            s->prev_tokens[next_count] = cand->token;
            next_count++;
        }
    }
    if (s->finished_count >= o->beam || next_count == 0) {
        s->alive_count = 0;
        return 0;
    }
    if (step == s->limit) { /* the alive ones are finished as they are */
        for (int i = 0; i < next_count; i++)
            s->finished[s->finished_count++] = s->next_alive[i];
        s->alive_count = 0;
        return 0;
    }
    for (int i = 0; i < next_count; i++) {
        s->alive[i] = s->next_alive[i];
        s->alive_scores[i] = s->node_score[s->next_alive[i]];
    }
    s->alive_count = next_count;
    return 0;
}

/* Sentences decoded in one step at most: their beams share the decoder's matrix products. */
#define RS_BEAM_BATCH_ROWS 256

int rs_search_beam_batch(rs_search *const *searches, rs_decoder *d, const rs_encoding *const *encodings, int count,
                         const rs_search_options *o, rs_error *err)
{
    const rs_model *m = d->model;
    int vocab = m->config.target_vocab_size;
    int32_t eos = m->target_ids.eos;
    int group = o->beam < RS_BEAM_BATCH_ROWS ? RS_BEAM_BATCH_ROWS / o->beam : 1;
    if (count > group) { /* in groups, so that the decoder's buffers stay small */
        for (int start = 0; start < count; start += group)
            if (rs_search_beam_batch(searches + start, d, encodings + start, count - start < group ? count - start : group,
                                     o, err) < 0)
                return -1;
        return 0;
    }
    if (count <= 0)
        return 0;
    int max_length = 0;
    for (int b = 0; b < count; b++) {
        if (beam_begin(searches[b], m, encodings[b], o, err) < 0)
            return -1;
        if (encodings[b]->length > max_length)
            max_length = encodings[b]->length;
    }
    /* The decoder's rows: each sentence's alive hypotheses, sentence after sentence. Its own search's arrays
     * serve as the step's global ones: row_start, tokens and parents of every row. */
    size_t rows_cap;
    if (!rs_mul_size((size_t)o->beam, (size_t)count, &rows_cap) || rows_cap > INT32_MAX)
        return rs_fail(err, "out of memory (beam of %d for %d sentences)", o->beam, count);
    if (rs_decoder_reserve(d, (int)rows_cap, max_length, err) < 0)
        return -1;
    int *row_start = rs_alloc_array((size_t)count, sizeof *row_start, "beam search", err);
    int32_t *tokens = rs_alloc_array(rows_cap, sizeof *tokens, "beam search", err);
    int *parents = rs_alloc_array(rows_cap, sizeof *parents, "beam search", err);
    int rc = row_start && tokens && parents ? 0 : -1;
    if (rc == 0) {
        rs_decoder_start(d, encodings, count);
        int rows = 0;
        for (int b = 0; b < count; b++) {
            row_start[b] = rows;
            tokens[rows++] = searches[b]->prev_tokens[0];
        }
        for (int step = 1; rc == 0 && rows > 0; step++) {
            rs_decoder_step(d, tokens);
            int next_rows = 0;
            for (int b = 0; b < count && rc == 0; b++) {
                rs_search *s = searches[b];
                if (s->alive_count == 0)
                    continue;
                int start = row_start[b];
                rc = beam_step(s, m, d->logprobs + (size_t)start * (size_t)vocab,
                               d->weights + (size_t)start * d->ld_weights, d->ld_weights, step, o, err);
                if (rc < 0)
                    break;
                if (s->alive_count == 0) {
                    rc = collect(s, s->finished_count, s->length, (size_t)s->length, o, eos, err);
                    continue;
                }
                row_start[b] = next_rows;
                for (int i = 0; i < s->alive_count; i++) {
                    parents[next_rows] = start + s->parents[i];
                    tokens[next_rows] = s->prev_tokens[i];
                    next_rows++;
                }
            }
            if (rc == 0 && next_rows > 0)
                rs_decoder_select(d, parents, next_rows);
            rows = next_rows;
        }
    }
    free(row_start);
    free(tokens);
    free(parents);
    return rc;
}

int rs_search_run(rs_search *s, rs_decoder *d, const rs_encoding *encoding, const rs_search_options *o,
                  rs_error *err)
{
    return rs_search_beam_batch(&s, d, &encoding, 1, o, err);
}

/* Greedy search, or forced decoding when `forced` is given (sentence i then emits forced[i][0 ..
 * forced_length[i]) and eos, whatever the model prefers). */
static int decode_rows(rs_search *s, rs_decoder *d, const rs_encoding *const *encodings, int count,
                       const int32_t *const *forced, const int *forced_length, const rs_search_options *o,
                       rs_error *err)
{
    const rs_model *m = d->model;
    int vocab = m->config.target_vocab_size;
    int32_t eos = m->target_ids.eos;
    s->hypothesis_count = 0;
    s->node_count = 0;
    if (count <= 0)
        return 0;
    int max_length = 0;
    for (int i = 0; i < count; i++)
        if (encodings[i]->length > max_length)
            max_length = encodings[i]->length;
    /* The beam arrays serve as per-row arrays here: alive = a row's last node, parents = kept rows,
     * finished[i] = sentence i's last node; next_alive maps a row to its sentence. */
    if (reserve_beam(s, count, err) < 0 || rs_decoder_reserve(d, count, max_length, err) < 0)
        return -1;
    int *sentence = s->next_alive;
    rs_decoder_start(d, encodings, count);
    int rows = count;
    for (int i = 0; i < count; i++) {
        s->alive[i] = -1;
        sentence[i] = i;
        s->prev_tokens[i] = m->target_ids.bos;
        s->finished[i] = -1;
    }
    for (int step = 1; rows > 0; step++) {
        rs_decoder_step(d, s->prev_tokens);
        if (reserve_nodes(s, s->node_count + (size_t)rows, max_length, o->keep_attention, err) < 0)
            return -1;
        int kept = 0;
        for (int r = 0; r < rows; r++) {
            const float *lp = d->logprobs + (size_t)r * (size_t)vocab;
            int best = 0;
            if (forced) {
                int i = sentence[r];
                best = step <= forced_length[i] ? forced[i][step - 1] : eos;
            } else {
                for (int w = 1; w < vocab; w++)
                    if (lp[w] > lp[best])
                        best = w;
            }
            int node = (int)s->node_count++;
            int parent = s->alive[r];
            s->node_token[node] = best;
            s->node_parent[node] = parent;
            s->node_score[node] = (parent < 0 ? 0.0 : s->node_score[parent]) + (double)lp[best];
            if (o->keep_attention)
                memcpy(s->node_attention + (size_t)node * (size_t)max_length, d->weights + (size_t)r * d->ld_weights,
                       (size_t)encodings[sentence[r]]->length * sizeof(float));
            bool done = forced ? step > forced_length[sentence[r]]
                               : best == eos ||
                                     step >= rs_length_limit(encodings[sentence[r]]->length, o->max_length,
                                                             o->max_length_factor);
            if (done) {
                s->finished[sentence[r]] = node;
            } else {
                /* rows only move towards the front, so these in-place updates never overwrite a row still
                 * to be read */
                s->alive[kept] = node;
                sentence[kept] = sentence[r];
                s->prev_tokens[kept] = best;
                s->parents[kept] = r;
                kept++;
            }
        }
        if (kept == 0)
            break;
        if (kept < rows)
            rs_decoder_select(d, s->parents, kept);
        rows = kept;
    }

    if (reserve_results(s, count, encodings, 0, o, err) < 0)
        return -1;
    size_t token_offset = 0, attention_offset = 0;
    for (int i = 0; i < count; i++)
        trace(s, i, encodings[i]->length, (size_t)max_length, o, eos, &token_offset, &attention_offset);
    s->hypothesis_count = count;
    return 0;
}

int rs_search_greedy_batch(rs_search *s, rs_decoder *d, const rs_encoding *const *encodings, int count,
                           const rs_search_options *o, rs_error *err)
{
    return decode_rows(s, d, encodings, count, NULL, NULL, o, err);
}

int rs_search_forced_batch(rs_search *s, rs_decoder *d, const rs_encoding *const *encodings,
                           const int32_t *const *targets, const int *target_lengths, int count,
                           const rs_search_options *o, rs_error *err)
{
    return decode_rows(s, d, encodings, count, targets, target_lengths, o, err);
}
