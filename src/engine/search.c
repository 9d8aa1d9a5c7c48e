#include "search.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

void rs_search_init(rs_search *search)
{
    memset(search, 0, sizeof *search);
    rs_workspace_init(&search->beam_space);
    rs_workspace_init(&search->ngram_space);
    rs_workspace_init(&search->result_space);
}

void rs_search_free(rs_search *s)
{
    free(s->nodes);
    free(s->node_attention);
    rs_workspace_free(&s->beam_space);
    rs_workspace_free(&s->ngram_space);
    rs_workspace_free(&s->result_space);
    rs_search_init(s);
}

int rs_length_limit(int source_length, int max_length, double max_length_factor)
{
    double by_factor = ceil(max_length_factor * (double)source_length);
    return by_factor < (double)max_length ? (int)by_factor : max_length;
}

/* ---- candidate selection ---- */

static inline double rank_value(double score)
{
    return score == score ? score : -INFINITY;
}

/* a ranks after b: lower score, or an equal score offered later. */
static inline bool ranks_after(const rs_candidate *a, const rs_candidate *b)
{
    double x = rank_value(a->score), y = rank_value(b->score);
    if (x != y)
        return x < y;
    return a->row != b->row ? a->row > b->row : a->token > b->token;
}

static void sift_down(rs_candidate *heap, int count, int i)
{
    for (;;) {
        int child = 2 * i + 1, weakest = i;
        if (child < count && ranks_after(&heap[child], &heap[weakest]))
            weakest = child;
        if (child + 1 < count && ranks_after(&heap[child + 1], &heap[weakest]))
            weakest = child + 1;
        if (weakest == i)
            return;
        rs_candidate swap = heap[i];
        heap[i] = heap[weakest];
        heap[weakest] = swap;
        i = weakest;
    }
}

void rs_candidates_offer(rs_candidates *c, double score, int row, int32_t token)
{
    rs_candidate offered = {score, row, token};
    if (c->count == c->need) {
        if (c->need == 0 || !ranks_after(&c->items[0], &offered))
            return;
        c->items[0] = offered;
        sift_down(c->items, c->count, 0);
        return;
    }
    int i = c->count++;
    while (i > 0 && ranks_after(&offered, &c->items[(i - 1) / 2])) {
        c->items[i] = c->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    c->items[i] = offered;
}

static int best_first(const void *a, const void *b)
{
    return ranks_after(a, b) ? 1 : ranks_after(b, a) ? -1 : 0;
}

void rs_candidates_sort(rs_candidates *c)
{
    qsort(c->items, (size_t)c->count, sizeof *c->items, best_first);
}

/* ---- the sentence's memory ---- */

static void beam_layout(void *owner, rs_workspace *ws)
{
    rs_search *s = owner;
    size_t k = (size_t)s->beam;
    RS_TAKE(ws, s->alive, k, 1);
    RS_TAKE(ws, s->next_alive, k, 1);
    RS_TAKE(ws, s->parents, k, 1);
    RS_TAKE(ws, s->prev_tokens, k, 1);
    RS_TAKE(ws, s->alive_scores, k, 1);
    RS_TAKE(ws, s->candidates, k, 1);
    RS_TAKE(ws, s->finished, k, 1);
}

static void ngram_layout(void *owner, rs_workspace *ws)
{
    rs_search *s = owner;
    RS_TAKE(ws, s->history, (size_t)s->history_room, 1);
    RS_TAKE(ws, s->banned, (size_t)s->history_room, 1);
}

static void result_layout(void *owner, rs_workspace *ws)
{
    rs_search *s = owner;
    RS_TAKE(ws, s->hypotheses, (size_t)s->finished_count, 1);
    RS_TAKE(ws, s->result_tokens, s->result_steps, 1);
    RS_TAKE(ws, s->result_logprobs, s->result_steps, 1);
    RS_TAKE(ws, s->result_attention, s->keep_attention ? s->result_steps : 0, (size_t)s->length);
}

/* Room for `count` nodes; unlike the workspaces, the nodes grow keeping their contents. */
static int reserve_nodes(rs_search *s, size_t count, bool attention, rs_error *err)
{
    if (count > INT32_MAX)
        return rs_fail(err, "out of memory (beam search over %zu hypotheses)", count);
    if (count > s->node_room) {
        size_t room = count < 2 * s->node_room ? 2 * s->node_room : count;
        rs_node *nodes = rs_alloc_array(room, sizeof *nodes, "beam search", err);
        if (!nodes)
            return -1;
        if (s->node_count)
            memcpy(nodes, s->nodes, s->node_count * sizeof *nodes);
        free(s->nodes);
        s->nodes = nodes;
        s->node_room = room;
    }
    size_t floats;
    if (!attention)
        return 0;
    if (!rs_mul_size(s->node_room, (size_t)s->length, &floats))
        return rs_fail(err, "out of memory (attention weights)");
    return rs_reserve_floats(&s->node_attention, &s->attention_room, floats, "attention weights", err);
}

/* Starts one sentence: the empty hypothesis alone. */
static int begin(rs_search *s, const rs_encoding *encoding, const int32_t *forced, int forced_length, int32_t bos,
                 const rs_search_options *o, rs_error *err)
{
    s->length = encoding->length;
    s->limit = rs_length_limit(encoding->length, o->max_length, o->max_length_factor);
    s->beam = forced ? 1 : o->beam;
    s->keep_attention = o->keep_attention;
    s->forced = forced;
    s->forced_length = forced_length;
    s->node_count = 0;
    s->hypothesis_count = 0;
    s->finished_count = 0;
    if (rs_workspace_fit(&s->beam_space, beam_layout, s, "beam search", err) < 0)
        return -1;
    s->alive_count = 1;
    s->alive[0] = -1;
    s->alive_scores[0] = 0.0;
    s->prev_tokens[0] = bos;
    return 0;
}

static int node_depth(const rs_search *s, int node)
{
    int depth = 0;
    for (; node >= 0; node = s->nodes[node].parent)
        depth++;
    return depth;
}

static int ascending(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* The tokens that would make the hypothesis ending at `node` repeat one of its n-grams (CTranslate2's
 * no_repeat_ngram_size): those that followed an earlier occurrence of its last n - 1 tokens. They go to
 * s->banned in ascending order, without duplicates; returns their number, or -1. */
static int banned_tokens(rs_search *s, int node, int n, rs_error *err)
{
    int depth = node_depth(s, node);
    if (depth < n)
        return 0;
    if (depth > s->history_room) {
        s->history_room = depth < INT32_MAX / 2 ? 2 * depth : depth;
        if (rs_workspace_fit(&s->ngram_space, ngram_layout, s, "--no-repeat-ngram", err) < 0)
            return -1;
    }
    for (int t = depth - 1; t >= 0; t--, node = s->nodes[node].parent)
        s->history[t] = s->nodes[node].token;
    const int32_t *suffix = s->history + depth - (n - 1);
    int count = 0;
    for (int j = 0; j + n <= depth; j++)
        if (memcmp(s->history + j, suffix, (size_t)(n - 1) * sizeof *suffix) == 0)
            s->banned[count++] = s->history[j + n - 1];
    qsort(s->banned, (size_t)count, sizeof *s->banned, ascending);
    int unique = 0;
    for (int i = 0; i < count; i++)
        if (unique == 0 || s->banned[i] != s->banned[unique - 1])
            s->banned[unique++] = s->banned[i];
    return unique;
}

/* The best K - F extensions of the alive hypotheses (rows `vocab` log-probabilities apart), best first, in
 * s->candidates; returns their number, or -1. */
static int select_candidates(rs_search *s, const float *logprobs, int vocab, const rs_search_options *o,
                             rs_error *err)
{
    rs_candidates kept = {s->candidates, 0, s->beam - s->finished_count};
    /* Once the heap is full, a candidate must beat its weakest: NaN (as -infinity) never does, and an equal
     * score offered later ranks after. The common case, a candidate too weak, costs one comparison. */
    double weakest = INFINITY;
    for (int i = 0; i < s->alive_count; i++) {
        const float *lp = logprobs + (size_t)i * (size_t)vocab;
        double base = s->alive_scores[i];
        int bans = 0, next_ban = 0;
        if (o->no_repeat_ngram > 0 && (bans = banned_tokens(s, s->alive[i], o->no_repeat_ngram, err)) < 0)
            return -1;
        for (int w = 0; w < vocab; w++) {
            if (next_ban < bans && w == s->banned[next_ban]) {
                next_ban++;
                continue;
            }
            double score = base + (double)lp[w];
            if (kept.count == kept.need && !(score > weakest))
                continue;
            rs_candidates_offer(&kept, score, i, w);
            if (kept.count == kept.need)
                weakest = rank_value(kept.items[0].score);
        }
    }
    rs_candidates_sort(&kept);
    return kept.count;
}

/* Forced decoding's one candidate: the given token of this step, eos after the last. */
static int forced_candidate(rs_search *s, const float *logprobs, int step, int32_t eos)
{
    int32_t token = step <= s->forced_length ? s->forced[step - 1] : eos;
    s->candidates[0] = (rs_candidate){s->alive_scores[0] + (double)logprobs[token], 0, token};
    return 1;
}

/* One step of one sentence, given its rows' log-probabilities and attention weights. Afterwards
 * s->alive_count is the number of hypotheses going on (0 when the search is over), row i of the next step
 * continuing row s->parents[i] of this one with token s->prev_tokens[i]. */
static int advance(rs_search *s, const rs_step_result *r, int vocab, int32_t eos, int step,
                   const rs_search_options *o, rs_error *err)
{
    int kept = s->forced ? forced_candidate(s, r->logprobs, step, eos)
                         : select_candidates(s, r->logprobs, vocab, o, err);
    if (kept < 0 || reserve_nodes(s, s->node_count + (size_t)kept, s->keep_attention, err) < 0)
        return -1;
    int next_count = 0;
    for (int c = 0; c < kept; c++) {
        const rs_candidate *cand = &s->candidates[c];
        int node = (int)s->node_count++;
        float logprob = r->logprobs[(size_t)cand->row * (size_t)vocab + (size_t)cand->token];
        s->nodes[node] = (rs_node){cand->token, s->alive[cand->row], logprob, cand->score};
        if (s->keep_attention)
            memcpy(s->node_attention + (size_t)node * (size_t)s->length,
                   r->attention + (size_t)cand->row * r->ld_attention, (size_t)s->length * sizeof(float));
        bool finished = s->forced ? step > s->forced_length : cand->token == eos;
        if (finished) {
            s->finished[s->finished_count++] = node;
        } else {
            s->next_alive[next_count] = node;
            s->parents[next_count] = cand->row;
            s->prev_tokens[next_count] = cand->token;
            next_count++;
        }
    }
    s->alive_count = 0;
    if (s->finished_count >= s->beam || next_count == 0)
        return 0;
    if (!s->forced && step >= s->limit) { /* the alive ones are finished as they are: truncated */
        for (int i = 0; i < next_count; i++)
            s->finished[s->finished_count++] = s->next_alive[i];
        return 0;
    }
    for (int i = 0; i < next_count; i++) {
        s->alive[i] = s->next_alive[i];
        s->alive_scores[i] = s->nodes[s->next_alive[i]].score;
    }
    s->alive_count = next_count;
    return 0;
}

/* Builds hypothesis f from the finished node s->finished[f], its arrays at `offset` steps into the results. */
static void trace(rs_search *s, int f, size_t offset, int32_t eos, double alpha)
{
    int node = s->finished[f];
    int steps = node_depth(s, node);
    size_t length = (size_t)s->length;
    rs_hypothesis *h = &s->hypotheses[f];
    int32_t *tokens = s->result_tokens + offset;
    float *logprobs = s->result_logprobs + offset;
    float *attention = s->keep_attention ? s->result_attention + offset * length : NULL;
    for (int t = steps - 1; t >= 0; t--, node = s->nodes[node].parent) {
        tokens[t] = s->nodes[node].token;
        logprobs[t] = s->nodes[node].logprob;
        if (attention)
            memcpy(attention + (size_t)t * length, s->node_attention + (size_t)node * length,
                   length * sizeof(float));
    }
    h->tokens = tokens;
    h->logprobs = logprobs;
    h->attention = attention;
    h->steps = steps;
    h->score = s->nodes[s->finished[f]].score;
    h->ended_by_eos = steps > 0 && tokens[steps - 1] == eos;
    h->truncated = !h->ended_by_eos; /* the only other way to finish is the length limit */
    h->normalized_score = steps ? h->score / pow((double)steps, alpha) : h->score;
}

/* The ranked hypotheses of a finished search. */
static int collect(rs_search *s, int32_t eos, double alpha, rs_error *err)
{
    s->result_steps = 0;
    for (int f = 0; f < s->finished_count; f++)
        s->result_steps += (size_t)node_depth(s, s->finished[f]);
    if (rs_workspace_fit(&s->result_space, result_layout, s, "hypotheses", err) < 0)
        return -1;
    size_t offset = 0;
    for (int f = 0; f < s->finished_count; f++) {
        trace(s, f, offset, eos, alpha);
        offset += (size_t)s->hypotheses[f].steps;
    }
    /* Stable insertion sort (at most K items): equal normalised scores keep their finishing order. */
    for (int i = 1; i < s->finished_count; i++) {
        rs_hypothesis h = s->hypotheses[i];
        int j = i;
        while (j > 0 && s->hypotheses[j - 1].normalized_score < h.normalized_score) {
            s->hypotheses[j] = s->hypotheses[j - 1];
            j--;
        }
        s->hypotheses[j] = h;
    }
    s->hypothesis_count = s->finished_count;
    return 0;
}

/* ---- the driver ---- */

/* The decoder's rows: each sentence's alive hypotheses, sentence after sentence. */
typedef struct batch_rows {
    int sentences;
    size_t max_rows;
    int *row_start;  /* [sentences]: the sentence's first row */
    int32_t *tokens; /* [max_rows]: the token each row is fed next */
    int *parents;    /* [max_rows]: the row of the step before that each row continues */
} batch_rows;

static void rows_layout(void *owner, rs_workspace *ws)
{
    batch_rows *b = owner;
    RS_TAKE(ws, b->row_start, (size_t)b->sentences, 1);
    RS_TAKE(ws, b->tokens, b->max_rows, 1);
    RS_TAKE(ws, b->parents, b->max_rows, 1);
}

/* Steps every sentence until all are finished. */
static int run_steps(rs_search *const *searches, const rs_search_decoder *d, batch_rows *b,
                     const rs_search_options *o, rs_error *err)
{
    int rows = b->sentences;
    for (int step = 1; rows > 0; step++) {
        rs_step_result r = d->step(d->self, b->tokens);
        int next_rows = 0;
        bool moved = false;
        for (int i = 0; i < b->sentences; i++) {
            rs_search *s = searches[i];
            if (s->alive_count == 0)
                continue;
            int start = b->row_start[i];
            rs_step_result mine = {r.logprobs + (size_t)start * (size_t)d->vocab_size,
                                   r.attention + (size_t)start * r.ld_attention, r.ld_attention};
            if (advance(s, &mine, d->vocab_size, d->eos, step, o, err) < 0)
                return -1;
            if (s->alive_count == 0) {
                if (collect(s, d->eos, o->length_penalty, err) < 0)
                    return -1;
                continue;
            }
            b->row_start[i] = next_rows;
            for (int k = 0; k < s->alive_count; k++, next_rows++) {
                b->parents[next_rows] = start + s->parents[k];
                b->tokens[next_rows] = s->prev_tokens[k];
                moved = moved || b->parents[next_rows] != next_rows;
            }
        }
        if (next_rows > 0 && (moved || next_rows < rows))
            d->select(d->self, b->parents, next_rows);
        rows = next_rows;
    }
    return 0;
}

static int search_group(rs_search *const *searches, const rs_search_decoder *d, const rs_encoding *const *encodings,
                        const int32_t *const *forced, const int *forced_lengths, int count,
                        const rs_search_options *o, rs_error *err)
{
    int beam = forced ? 1 : o->beam;
    batch_rows b = {count, (size_t)beam * (size_t)count, NULL, NULL, NULL};
    for (int i = 0; i < count; i++)
        if (begin(searches[i], encodings[i], forced ? forced[i] : NULL, forced ? forced_lengths[i] : 0, d->bos, o,
                  err) < 0)
            return -1;
    rs_workspace rows;
    rs_workspace_init(&rows);
    int rc = rs_workspace_fit(&rows, rows_layout, &b, "beam search", err);
    if (rc == 0)
        rc = d->start(d->self, encodings, count, (int)b.max_rows, err);
    if (rc == 0) {
        for (int i = 0; i < count; i++) {
            b.row_start[i] = i;
            b.tokens[i] = d->bos;
        }
        rc = run_steps(searches, d, &b, o, err);
    }
    rs_workspace_free(&rows);
    return rc;
}

/* Decoder rows of one step at most (unless one beam is larger): the sentences' beams share the decoder's
 * matrix products, and the decoder's buffers stay small. */
#define RS_SEARCH_BATCH_ROWS 256

int rs_search_batch(rs_search *const *searches, const rs_search_decoder *d, const rs_encoding *const *encodings,
                    const int32_t *const *forced, const int *forced_lengths, int count, const rs_search_options *o,
                    rs_error *err)
{
    if (o->beam < 1 || o->beam > RS_MAX_BEAM)
        return rs_fail(err, "beam size %d outside 1 .. %d", o->beam, RS_MAX_BEAM);
    int beam = forced ? 1 : o->beam;
    int group = beam < RS_SEARCH_BATCH_ROWS ? RS_SEARCH_BATCH_ROWS / beam : 1;
    for (int start = 0; start < count; start += group) {
        int n = count - start < group ? count - start : group;
        if (search_group(searches + start, d, encodings + start, forced ? forced + start : NULL,
                         forced ? forced_lengths + start : NULL, n, o, err) < 0)
            return -1;
    }
    return 0;
}
