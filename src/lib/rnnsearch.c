/* The public API of include/rnnsearch.h: a facade over the engine the command line runs (joiner.h's
 * sentence-split translation, words.h's word views, explain.h's attributions, target_text.h's token strings and
 * text). What a call produces is copied into its result, because the engine's results live only until its
 * next call. */
#include "rnnsearch.h"

#include <math.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attribution.h"
#include "defaults.h"
#include "error.h"
#include "explain.h"
#include "joiner.h"
#include "mem.h"
#include "model.h"
#include "model_find.h"
#include "ops.h"
#include "target_text.h"
#include "strbuf.h"
#include "words.h"

#ifndef RS_VERSION
#define RS_VERSION "unknown"
#endif

/* The engine's worker threads are one pool per process (ops.h), and a pool runs one job at a time: every
 * call that translates or sets the threads holds this lock. */
static pthread_mutex_t engine_lock = PTHREAD_MUTEX_INITIALIZER;
static bool threads_set;

struct rnnsearch_model {
    rs_model model;
    bool pieces;      /* a subword model: results get word views */
    rs_joiner joiner; /* the engine's work space, kept across calls */
    rs_word_view words;
    rs_explainer explainer;
    bool explainer_ready;
    unsigned methods; /* what the explainer is set up for */
    int ig_steps;
    char error[sizeof(((rs_error *)0)->message)];
};

typedef struct lib_hypothesis {
    const char *text;
    const char **tokens, **words;
    int token_count, word_count;
    int *word_of; /* [token_count] */
    int steps, word_rows;
    bool ended_by_eos, truncated;
    double score, normalized_score;
    float *logprobs;       /* [steps] */
    float *attention;      /* [steps, length] */
    float *word_attention; /* [word_rows, source words] */
    float *attribution[RS_METHOD_COUNT];
    float *ig_error;
    double *rho[RS_METHOD_COUNT];
    double mean_rho[RS_METHOD_COUNT];
} lib_hypothesis;

typedef struct lib_sentence {
    const char **source, **source_words;
    int length, source_word_count;
    int *source_word_of; /* [length] */
    size_t dropped;
    lib_hypothesis *hypotheses;
    int hypothesis_count;
} lib_sentence;

/* The result's memory is one chain of blocks, freed together. */
typedef struct lib_block {
    struct lib_block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
} lib_block;

struct rnnsearch_result {
    lib_sentence *sentences;
    int count;
    lib_block *blocks;
};

#define BLOCK_SIZE ((size_t)64 << 10)

const char *rnnsearch_version(void)
{
    return RS_VERSION;
}

const char *rnnsearch_status_string(int status)
{
    switch (status) {
    case RNNSEARCH_OK:
        return "success";
    case RNNSEARCH_ERROR_ARGUMENT:
        return "bad argument";
    case RNNSEARCH_ERROR_MODEL:
        return "model error";
    case RNNSEARCH_ERROR_MEMORY:
        return "out of memory";
    case RNNSEARCH_ERROR_TRANSLATE:
        return "translation error";
    default:
        return "unknown status";
    }
}

/* Hands an engine error to the caller: the status, and the message in err and in the model. An engine
 * message about memory is a memory error whatever the call was. */
static int report(rnnsearch_model *model, rnnsearch_error *err, int status, const rs_error *e)
{
    if (strncmp(e->message, "out of memory", 13) == 0)
        status = RNNSEARCH_ERROR_MEMORY;
    if (err) {
        err->status = status;
        snprintf(err->message, sizeof err->message, "%s", e->message);
    }
    if (model)
        snprintf(model->error, sizeof model->error, "%s", e->message);
    return status;
}

/* An argument error of the facade itself. */
static int refuse(rnnsearch_model *model, rnnsearch_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int refuse(rnnsearch_model *model, rnnsearch_error *err, const char *fmt, ...)
{
    rs_error e;
    va_list args;
    va_start(args, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, args);
    va_end(args);
    return report(model, err, RNNSEARCH_ERROR_ARGUMENT, &e);
}

static void succeed(rnnsearch_model *model, rnnsearch_error *err)
{
    if (err) {
        err->status = RNNSEARCH_OK;
        err->message[0] = '\0';
    }
    if (model)
        model->error[0] = '\0';
}

/* ---- models ---- */

void rnnsearch_load_options_init(rnnsearch_load_options *options)
{
    memset(options, 0, sizeof *options);
}

/* The file of -m's argument (model_find.h); malloc'd. */
static int find_model(const char *name_or_path, char **path, rs_error *err)
{
    rs_model_dirs dirs;
    int rc = rs_model_dirs_init(&dirs, RS_DATADIR, err);
    if (rc == 0)
        rc = rs_model_find(&dirs, name_or_path, path, err);
    rs_model_dirs_free(&dirs);
    return rc;
}

/* -t for the whole process: an explicit count always, the default only when nothing set one yet. */
static void set_threads(int threads)
{
    if (threads > RS_MAX_THREADS)
        threads = RS_MAX_THREADS;
    pthread_mutex_lock(&engine_lock);
    if (threads > 0 || !threads_set) {
        rs_set_threads(threads > 0 ? threads : rs_default_threads());
        threads_set = true;
    }
    pthread_mutex_unlock(&engine_lock);
}

int rnnsearch_model_load(rnnsearch_model **out, const char *name_or_path, const rnnsearch_load_options *options,
                         rnnsearch_error *err)
{
    if (!out)
        return refuse(NULL, err, "rnnsearch_model_load: no place for the model (NULL)");
    *out = NULL;
    rnnsearch_load_options defaults;
    rnnsearch_load_options_init(&defaults);
    if (!options)
        options = &defaults;
    if (options->threads < 0)
        return refuse(NULL, err, "threads: expected 0 (the default) or a positive count, got %d", options->threads);
    rs_error e;
    rnnsearch_model *m = calloc(1, sizeof *m);
    if (!m) {
        rs_fail(&e, "out of memory (a model)");
        return report(NULL, err, RNNSEARCH_ERROR_MEMORY, &e);
    }
    char *path = NULL;
    if (find_model(name_or_path, &path, &e) < 0 || rs_model_load(&m->model, path, &e) < 0) {
        free(path);
        free(m);
        return report(NULL, err, RNNSEARCH_ERROR_MODEL, &e);
    }
    free(path);
    m->pieces = rs_model_has_pieces(&m->model);
    rs_word_view_init(&m->words);
    int rc = options->quantize_int8 ? rs_model_quantize(&m->model, &e) : 0;
    if (rc == 0)
        rc = rs_joiner_init(&m->joiner, &m->model, RS_DEFAULT_MAX_SOURCE_TOKENS, true, &e);
    if (rc < 0) {
        rs_joiner_free(&m->joiner);
        rs_word_view_free(&m->words);
        rs_model_free(&m->model);
        free(m);
        return report(NULL, err, RNNSEARCH_ERROR_MODEL, &e);
    }
    set_threads(options->threads);
    *out = m;
    succeed(NULL, err);
    return RNNSEARCH_OK;
}

void rnnsearch_model_free(rnnsearch_model *m)
{
    if (!m)
        return;
    if (m->explainer_ready)
        rs_explainer_free(&m->explainer);
    rs_joiner_free(&m->joiner);
    rs_word_view_free(&m->words);
    rs_model_free(&m->model);
    free(m);
}

const char *rnnsearch_model_error(const rnnsearch_model *m)
{
    return m ? m->error : "no model (NULL)";
}

int rnnsearch_model_is_subword(const rnnsearch_model *m)
{
    return m && m->pieces;
}

const char *rnnsearch_model_source_language(const rnnsearch_model *m)
{
    return m ? m->model.source_language : "";
}

const char *rnnsearch_model_target_language(const rnnsearch_model *m)
{
    return m ? m->model.target_language : "";
}

/* ---- methods ---- */

const char *rnnsearch_method_name(int method)
{
    return method >= 0 && method < RS_METHOD_COUNT ? rs_method_name((rs_method)method) : NULL;
}

int rnnsearch_methods_parse(const char *list, unsigned *methods, rnnsearch_error *err)
{
    if (!list || !methods)
        return refuse(NULL, err, "rnnsearch_methods_parse: no list or no place for the mask (NULL)");
    rs_error e;
    if (rs_methods_parse(list, methods, &e) < 0)
        return report(NULL, err, RNNSEARCH_ERROR_ARGUMENT, &e);
    succeed(NULL, err);
    return RNNSEARCH_OK;
}

/* ---- options ---- */

void rnnsearch_options_init(rnnsearch_options *o)
{
    memset(o, 0, sizeof *o);
    o->beam = RS_DEFAULT_BEAM;
    o->n_best = 1;
    o->max_length = RS_DEFAULT_MAX_LENGTH;
    o->max_length_factor = RS_DEFAULT_MAX_LENGTH_FACTOR;
    o->length_penalty = RS_DEFAULT_LENGTH_PENALTY;
    o->max_source_tokens = RS_DEFAULT_MAX_SOURCE_TOKENS;
    o->split_sentences = 1;
    o->batch_size = RS_DEFAULT_BATCH_SIZE;
}

/* The command line's checks of the same options (cli.c), with the C field names in the messages. */
static int check_options(rnnsearch_model *m, const rnnsearch_options *o, bool forced, rnnsearch_error *err)
{
    if (o->beam < 1 || o->beam > RS_MAX_BEAM)
        return refuse(m, err, "beam: expected 1 .. %d, got %d", RS_MAX_BEAM, o->beam);
    if (o->n_best < 1 || o->n_best > o->beam)
        return refuse(m, err, "n_best: expected 1 .. beam (%d), got %d", o->beam, o->n_best);
    if (forced && o->n_best > 1)
        return refuse(m, err, "n_best: forced decoding gives one hypothesis, got n_best %d", o->n_best);
    if (o->max_length < 1)
        return refuse(m, err, "max_length: expected a positive integer, got %d", o->max_length);
    if (!(isfinite(o->max_length_factor) && o->max_length_factor > 0))
        return refuse(m, err, "max_length_factor: expected a positive number, got %g", o->max_length_factor);
    if (!(isfinite(o->length_penalty) && o->length_penalty >= 0))
        return refuse(m, err, "length_penalty: expected a non-negative number, got %g", o->length_penalty);
    if (o->no_repeat_ngram < 0)
        return refuse(m, err, "no_repeat_ngram: expected 0 (off) or a positive integer, got %d", o->no_repeat_ngram);
    if (o->max_source_tokens < 1)
        return refuse(m, err, "max_source_tokens: expected a positive integer, got %d", o->max_source_tokens);
    if (o->explain & ~((1u << RS_METHOD_COUNT) - 1))
        return refuse(m, err, "explain: 0x%x has bits of no method (RNNSEARCH_METHOD_BIT)", o->explain);
    if (o->ig_steps < 0 || o->ig_steps > RS_MAX_IG_STEPS)
        return refuse(m, err, "ig_steps: expected 0 (adaptive) .. %d, got %d", RS_MAX_IG_STEPS, o->ig_steps);
    if (o->batch_size < 1)
        return refuse(m, err, "batch_size: expected a positive integer, got %d", o->batch_size);
    if (o->occlusion_words != 0 && o->occlusion_words != 1)
        return refuse(m, err, "occlusion_words: expected 0 (piece) or 1 (word), got %d", o->occlusion_words);
    return 0;
}

/* ---- the result's memory ---- */

static void *take(rnnsearch_result *r, size_t count, size_t size, rs_error *err)
{
    size_t bytes;
    if (!rs_mul_size(count, size, &bytes) || bytes > SIZE_MAX - 2 * alignof(max_align_t))
        return rs_fail(err, "out of memory (a result of %zu x %zu bytes)", count, size), NULL;
    bytes = (bytes + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t);
    lib_block *b = r->blocks;
    if (!b || b->size - b->used < bytes) {
        size_t room = bytes > BLOCK_SIZE ? bytes : BLOCK_SIZE;
        b = malloc(sizeof *b + room);
        if (!b)
            return rs_fail(err, "out of memory (a result of %zu bytes)", bytes), NULL;
        b->size = room;
        b->used = 0;
        b->next = r->blocks;
        r->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    return p;
}

static void *copy(rnnsearch_result *r, const void *from, size_t count, size_t size, rs_error *err)
{
    void *to = take(r, count, size, err);
    if (to && count)
        memcpy(to, from, count * size);
    return to;
}

static const char **copy_strings(rnnsearch_result *r, const char *const *from, int n, rs_error *err)
{
    const char **to = take(r, (size_t)n, sizeof *to, err);
    for (int i = 0; to && i < n; i++)
        if (!(to[i] = copy(r, from[i], strlen(from[i]) + 1, 1, err)))
            return NULL;
    return to;
}

static int *identity(rnnsearch_result *r, int n, rs_error *err)
{
    int *to = take(r, (size_t)n, sizeof *to, err);
    for (int i = 0; to && i < n; i++)
        to[i] = i;
    return to;
}

/* ---- translation ---- */

/* The explainer for the options' methods, made or set up again when they changed. */
static int prepare_explainer(rnnsearch_model *m, const rnnsearch_options *o, rs_error *err)
{
    if (!o->explain)
        return 0;
    if (!m->explainer_ready) {
        if (rs_explainer_init(&m->explainer, &m->model, err) < 0) {
            rs_explainer_free(&m->explainer);
            return -1;
        }
        m->explainer_ready = true;
        m->methods = 0;
    }
    rs_explainer_set_occlusion_words(&m->explainer, o->occlusion_words);
    if (m->methods == o->explain && m->ig_steps == o->ig_steps)
        return 0;
    m->methods = 0;
    if (rs_explainer_set_methods(&m->explainer, o->explain, o->ig_steps, err) < 0)
        return -1;
    m->methods = o->explain;
    m->ig_steps = o->ig_steps;
    return 0;
}

/* The attributions of one hypothesis (explain.h's explanation). */
static int copy_explanation(rnnsearch_result *r, lib_hypothesis *h, const rs_explanation *e, rs_error *err)
{
    size_t cells = (size_t)e->steps * (size_t)e->length;
    for (int k = 0; k < RS_METHOD_COUNT; k++) {
        h->mean_rho[k] = NAN;
        if (e->matrix[k] && !(h->attribution[k] = copy(r, e->matrix[k], cells, sizeof(float), err)))
            return -1;
        if (e->method_rho[k]) {
            if (!(h->rho[k] = copy(r, e->method_rho[k], (size_t)e->steps, sizeof(double), err)))
                return -1;
            h->mean_rho[k] = e->method_mean_rho[k];
        }
    }
    if (e->matrix[RS_METHOD_IG] && !(h->ig_error = copy(r, e->ig_error, (size_t)e->steps, sizeof(float), err)))
        return -1;
    return 0;
}

/* Hypothesis k of `line` (tr with the word view's source, as the command line formats it). */
static int copy_hypothesis(rnnsearch_result *r, rnnsearch_model *m, const rs_translation *line, int k,
                           const rnnsearch_options *o, lib_hypothesis *h, rs_error *err)
{
    const rs_hypothesis *src = &line->hypotheses[k];
    memset(h, 0, sizeof *h);
    h->steps = src->steps;
    h->ended_by_eos = src->ended_by_eos;
    h->truncated = src->truncated;
    h->score = src->score;
    h->normalized_score = src->normalized_score;
    h->token_count = src->ended_by_eos ? src->steps - 1 : src->steps;
    h->tokens = take(r, (size_t)h->token_count, sizeof *h->tokens, err);
    if (!h->tokens)
        return -1;
    for (int t = 0; t < h->token_count; t++) {
        const char *token = rs_format_step_token(&m->model, line, src, t, o->replace_unk);
        if (!(h->tokens[t] = copy(r, token, strlen(token) + 1, 1, err)))
            return -1;
    }
    rs_strbuf text;
    rs_strbuf_init(&text);
    int rc = rs_format_hypothesis_text(&text, &m->model, line, src, o->replace_unk, err);
    if (rc == 0)
        h->text = copy(r, text.data ? text.data : "", text.data ? text.len + 1 : 1, 1, err);
    rs_strbuf_free(&text);
    if (rc < 0 || !h->text || !(h->logprobs = copy(r, src->logprobs, (size_t)src->steps, sizeof(float), err)) ||
        !(h->attention = copy(r, src->attention, (size_t)src->steps * (size_t)line->length, sizeof(float), err)))
        return -1;
    if (!m->pieces) {
        h->words = h->tokens;
        h->word_count = h->token_count;
        h->word_attention = h->attention;
        h->word_rows = h->steps;
        return (h->word_of = identity(r, h->token_count, err)) ? 0 : -1;
    }
    const rs_word_view *v = &m->words;
    const rs_hypothesis *w = &v->view.hypotheses[k];
    h->word_count = w->ended_by_eos ? w->steps - 1 : w->steps;
    h->word_rows = w->steps;
    if (!(h->words = copy_strings(r, v->view.step_strings + v->view.step_offsets[k], h->word_count, err)) ||
        !(h->word_of =
              copy(r, v->target_word_of.at + v->step_offsets.at[k], (size_t)h->token_count, sizeof(int), err)) ||
        !(h->word_attention = copy(r, w->attention, (size_t)w->steps * (size_t)v->view.length, sizeof(float), err)))
        return -1;
    return 0;
}

/* Line i of the engine's last batch, tr, into s: its word view, its attributions and its hypotheses. */
static int copy_sentence(rnnsearch_result *r, rnnsearch_model *m, const rs_translation *tr, int i,
                         const rnnsearch_options *o, lib_sentence *s, rs_error *err)
{
    rs_translation line = *tr;
    bool viewed = m->pieces && tr->hypothesis_count > 0;
    if (viewed) {
        if (rs_word_view_build(&m->words, &m->model, tr, tr->hypothesis_count, true, o->replace_unk, err) < 0)
            return -1;
        line = rs_word_view_source(&m->words, tr);
    }
    s->length = tr->length;
    s->dropped = tr->dropped_tokens + tr->dropped_target_tokens;
    s->hypothesis_count = tr->length == 0 ? 0 : tr->hypothesis_count < o->n_best ? tr->hypothesis_count : o->n_best;
    if (!(s->source = copy_strings(r, tr->source, tr->length, err)))
        return -1;
    if (viewed) {
        s->source_word_count = m->words.view.length;
        if (!(s->source_words = copy_strings(r, m->words.view.source, s->source_word_count, err)) ||
            !(s->source_word_of = copy(r, m->words.source_word_of.at, (size_t)tr->length, sizeof(int), err)))
            return -1;
    } else {
        s->source_words = s->source;
        s->source_word_count = s->length;
        if (!(s->source_word_of = identity(r, s->length, err)))
            return -1;
    }
    const rs_explanation *explained = NULL;
    if (o->explain && s->hypothesis_count > 0 &&
        rs_joiner_explain(&m->joiner, &m->explainer, i, &line, s->hypothesis_count, &explained, err) < 0)
        return -1;
    if (!(s->hypotheses = take(r, (size_t)s->hypothesis_count, sizeof *s->hypotheses, err)))
        return -1;
    for (int k = 0; k < s->hypothesis_count; k++)
        if (copy_hypothesis(r, m, &line, k, o, &s->hypotheses[k], err) < 0 ||
            (explained && copy_explanation(r, &s->hypotheses[k], &explained[k], err) < 0))
            return -1;
    return 0;
}

/* Translates sentences [first, first + n) into r->sentences. */
static int translate_chunk(rnnsearch_model *m, const char *const *sentences, const char *const *targets, int first,
                           int n, const rnnsearch_options *o, rnnsearch_result *r, rs_error *err)
{
    size_t *lens = rs_alloc_array((size_t)n, 2 * sizeof *lens, "sentence lengths", err);
    rs_translation *results = rs_calloc_array((size_t)n, sizeof *results, "results", err);
    int rc = lens && results ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++) {
        lens[i] = strlen(sentences[first + i]);
        lens[n + i] = targets ? strlen(targets[first + i]) : 0;
    }
    rs_search_options search = {
        .beam = o->beam,
        .max_length = o->max_length,
        .max_length_factor = o->max_length_factor,
        .length_penalty = o->length_penalty,
        .keep_attention = true,
        .no_repeat_ngram = o->no_repeat_ngram,
    };
    if (rc == 0)
        rc = rs_joiner_translate(&m->joiner, sentences + first, lens, targets ? targets + first : NULL,
                                 targets ? lens + n : NULL, n, &search, results, err);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = copy_sentence(r, m, &results[i], i, o, &r->sentences[first + i], err);
    free(lens);
    free(results);
    return rc;
}

/* rnnsearch_translate with its arguments checked, under the engine lock. */
static int translate_all(rnnsearch_model *m, const char *const *sentences, const char *const *targets, int count,
                         const rnnsearch_options *o, rnnsearch_result *r, rs_error *err)
{
    m->joiner.split = o->split_sentences != 0;
    m->joiner.keep_originals = o->replace_unk != 0;
    m->joiner.translator.max_source_tokens = (size_t)o->max_source_tokens;
    if (prepare_explainer(m, o, err) < 0)
        return -1;
    int batch = o->batch_size > RS_MAX_BATCH_SIZE ? RS_MAX_BATCH_SIZE : o->batch_size;
    for (int first = 0; first < count; first += batch)
        if (translate_chunk(m, sentences, targets, first, count - first < batch ? count - first : batch, o, r, err) < 0)
            return -1;
    return 0;
}

int rnnsearch_translate(rnnsearch_model *m, const char *const *sentences, const char *const *targets, int count,
                        const rnnsearch_options *options, rnnsearch_result **out, rnnsearch_error *err)
{
    if (!out)
        return refuse(m, err, "rnnsearch_translate: no place for the result (NULL)");
    *out = NULL;
    if (!m)
        return refuse(NULL, err, "rnnsearch_translate: no model (NULL)");
    if (count < 0 || (count > 0 && !sentences))
        return refuse(m, err, "rnnsearch_translate: %d sentences at %p", count, (const void *)sentences);
    for (int i = 0; i < count; i++)
        if (!sentences[i] || (targets && !targets[i]))
            return refuse(m, err, "rnnsearch_translate: %s %d is NULL", sentences[i] ? "target" : "sentence", i);
    rnnsearch_options defaults;
    rnnsearch_options_init(&defaults);
    const rnnsearch_options *o = options ? options : &defaults;
    int rc = check_options(m, o, targets != NULL, err);
    if (rc != RNNSEARCH_OK)
        return rc;
    rs_error e;
    rnnsearch_result *r = calloc(1, sizeof *r);
    if (!r || !(r->sentences = take(r, (size_t)count, sizeof *r->sentences, &e))) {
        rnnsearch_result_free(r);
        rs_fail(&e, "out of memory (a result of %d sentences)", count);
        return report(m, err, RNNSEARCH_ERROR_MEMORY, &e);
    }
    memset(r->sentences, 0, (size_t)count * sizeof *r->sentences);
    r->count = count;
    pthread_mutex_lock(&engine_lock);
    rc = translate_all(m, sentences, targets, count, o, r, &e);
    pthread_mutex_unlock(&engine_lock);
    if (rc < 0) {
        rnnsearch_result_free(r);
        return report(m, err, RNNSEARCH_ERROR_TRANSLATE, &e);
    }
    *out = r;
    succeed(m, err);
    return RNNSEARCH_OK;
}

void rnnsearch_result_free(rnnsearch_result *r)
{
    if (!r)
        return;
    for (lib_block *b = r->blocks, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(r);
}

/* ---- accessors ---- */

static const lib_sentence *sentence(const rnnsearch_result *r, int i)
{
    return r && i >= 0 && i < r->count ? &r->sentences[i] : NULL;
}

static const lib_hypothesis *hypothesis(const rnnsearch_result *r, int i, int k)
{
    const lib_sentence *s = sentence(r, i);
    return s && k >= 0 && k < s->hypothesis_count ? &s->hypotheses[k] : NULL;
}

static bool valid_method(int method)
{
    return method >= 0 && method < RS_METHOD_COUNT;
}

int rnnsearch_result_count(const rnnsearch_result *r)
{
    return r ? r->count : 0;
}

int rnnsearch_source_tokens(const rnnsearch_result *r, int i, int level, const char *const **tokens)
{
    const lib_sentence *s = sentence(r, i);
    bool words = level == RNNSEARCH_WORDS;
    if (tokens)
        *tokens = !s ? NULL : words ? s->source_words : s->source;
    return !s ? 0 : words ? s->source_word_count : s->length;
}

const int *rnnsearch_source_word_of(const rnnsearch_result *r, int i)
{
    const lib_sentence *s = sentence(r, i);
    return s ? s->source_word_of : NULL;
}

size_t rnnsearch_source_dropped(const rnnsearch_result *r, int i)
{
    const lib_sentence *s = sentence(r, i);
    return s ? s->dropped : 0;
}

int rnnsearch_hyp_count(const rnnsearch_result *r, int i)
{
    const lib_sentence *s = sentence(r, i);
    return s ? s->hypothesis_count : 0;
}

const char *rnnsearch_hyp_text(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->text : NULL;
}

int rnnsearch_hyp_tokens(const rnnsearch_result *r, int i, int k, int level, const char *const **tokens)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    bool words = level == RNNSEARCH_WORDS;
    if (tokens)
        *tokens = !h ? NULL : words ? h->words : h->tokens;
    return !h ? 0 : words ? h->word_count : h->token_count;
}

const int *rnnsearch_hyp_word_of(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->word_of : NULL;
}

int rnnsearch_hyp_steps(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->steps : 0;
}

int rnnsearch_hyp_ended_by_eos(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h && h->ended_by_eos;
}

int rnnsearch_hyp_truncated(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h && h->truncated;
}

double rnnsearch_hyp_score(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->score : 0.0;
}

double rnnsearch_hyp_normalized_score(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->normalized_score : 0.0;
}

const float *rnnsearch_hyp_logprobs(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->logprobs : NULL;
}

/* *rows and *cols (when not NULL) get the shape, 0 x 0 with a NULL matrix. */
static const float *shaped(const float *matrix, int rows, int cols, int *rows_out, int *cols_out)
{
    if (rows_out)
        *rows_out = matrix ? rows : 0;
    if (cols_out)
        *cols_out = matrix ? cols : 0;
    return matrix;
}

const float *rnnsearch_hyp_attention(const rnnsearch_result *r, int i, int k, int level, int *rows, int *cols)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    if (!h)
        return shaped(NULL, 0, 0, rows, cols);
    if (level == RNNSEARCH_WORDS)
        return shaped(h->word_attention, h->word_rows, sentence(r, i)->source_word_count, rows, cols);
    return shaped(h->attention, h->steps, sentence(r, i)->length, rows, cols);
}

const float *rnnsearch_hyp_attribution(const rnnsearch_result *r, int i, int k, int method, int *rows, int *cols)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    if (!h || !valid_method(method))
        return shaped(NULL, 0, 0, rows, cols);
    return shaped(h->attribution[method], h->steps, sentence(r, i)->length, rows, cols);
}

const float *rnnsearch_hyp_ig_error(const rnnsearch_result *r, int i, int k)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h ? h->ig_error : NULL;
}

const double *rnnsearch_hyp_rank_correlation(const rnnsearch_result *r, int i, int k, int method)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h && valid_method(method) ? h->rho[method] : NULL;
}

double rnnsearch_hyp_mean_rank_correlation(const rnnsearch_result *r, int i, int k, int method)
{
    const lib_hypothesis *h = hypothesis(r, i, k);
    return h && valid_method(method) && h->rho[method] ? h->mean_rho[method] : NAN;
}
