#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "mem.h"
#include "token_view.h"
#include "signals.h"
#include "writers.h"

/* Plain percent for files and pipes (scripts read it); on a terminal shade blocks, or colours unless NO_COLOR
 * (https://no-color.org: set and not empty) or a dumb or unknown TERM says otherwise. */
static rs_matrix_style matrix_style(rs_color color, const rs_sink *out)
{
    if (color == RS_COLOR_ALWAYS)
        return RS_MATRIX_COLOR;
    if (!out || !out->file || !isatty(fileno(out->file)))
        return RS_MATRIX_PLAIN;
    if (color == RS_COLOR_NEVER)
        return RS_MATRIX_BLOCKS;
    const char *term = getenv("TERM"), *no_color = getenv("NO_COLOR");
    if ((no_color && *no_color) || !term || !*term || strcmp(term, "dumb") == 0)
        return RS_MATRIX_BLOCKS;
    return RS_MATRIX_COLOR;
}

int rs_session_init(rs_session *s, const rs_session_options *options, const rs_model *model, rs_sink *out,
                    rs_sink *csv, rs_error *err)
{
    memset(s, 0, sizeof *s);
    s->options = options;
    s->model = model;
    s->out = out;
    s->csv = csv;
    s->output = options->output;
    s->output.matrix = matrix_style(options->color, out);
    s->pieces = rs_model_has_pieces(model);
    rs_word_view_init(&s->words);
    if (options->heatmap) {
        s->heatmapping = true;
        if (rs_heatmap_files_open(&s->heatmaps, options->heatmap, options->output.n_best, err) < 0)
            return -1;
    }
    if (options->html) {
        s->reporting = true;
        if (rs_html_report_open(&s->html, options->html, options->output.explain, options->output.explain_methods,
                                err) < 0)
            return -1;
    }
    /* a method other than the attention gives its links through the explainer, shown or not */
    bool links_explained = options->align_rule && options->align_method != RS_METHOD_ATTENTION && out;
    if ((options->output.explain && (out || options->html)) || links_explained) {
        s->explaining = true;
        unsigned methods =
            options->output.explain ? options->output.explain_methods : RS_METHOD_BIT(options->align_method);
        if (rs_explainer_init(&s->explainer, model, err) < 0)
            return -1;
        rs_explainer_set_occlusion_words(&s->explainer, options->occlude_words);
        if (methods && rs_explainer_set_methods(&s->explainer, methods, options->ig_steps, err) < 0)
            return -1;
    }
    if (options->align_rule && out) {
        s->aligning = true;
        rs_align_rule rule = {(rs_method)options->align_method, options->align_threshold_given,
                              options->align_threshold, (rs_symmetrize)options->symmetrize,
                              options->align_prior_given, options->align_prior};
        if (rs_aligner_init(&s->aligner, model, &rule, options->reverse_model, &options->decoding.search,
                            options->decoding.max_source_tokens, options->ig_steps, options->occlude_words,
                            err) < 0)
            return -1;
    }
    if (options->output.scores && out) {
        s->scoring = true;
        if (rs_scorer_init(&s->scorer, model, err) < 0)
            return -1;
    }
    rs_strbuf_init(&s->text);
    rs_strbuf_init(&s->csv_text);
    int batch = options->decoding.batch_size;
    const rs_decoding *d = &options->decoding;
    if (rs_joiner_init(&s->translator, model, d->max_source_tokens, d->split_sentences, err) < 0)
        return -1;
    s->translator.keep_originals = options->output.replace_unk;
    s->lines = rs_calloc_array((size_t)batch, sizeof *s->lines, "input lines", err);
    s->line_caps = rs_calloc_array((size_t)batch, sizeof *s->line_caps, "input lines", err);
    s->lens = rs_calloc_array((size_t)batch, sizeof *s->lens, "input lines", err);
    s->results = rs_calloc_array((size_t)batch, sizeof *s->results, "input lines", err);
    s->targets = rs_calloc_array((size_t)batch, sizeof *s->targets, "input lines", err);
    s->target_lens = rs_calloc_array((size_t)batch, sizeof *s->target_lens, "input lines", err);
    if (!s->lines || !s->line_caps || !s->lens || !s->results || !s->targets || !s->target_lens)
        return -1;
    s->batch_cap = batch;
    rs_progress_start(&s->progress, options->files, options->file_count, options->report_time);
    if (csv) {
        unsigned methods = options->output.explain && out ? options->output.explain_methods : 0;
        if (rs_format_csv_header_methods(&s->csv_text, methods, s->pieces, err) < 0 ||
            rs_sink_write(csv, s->csv_text.data, s->csv_text.len, err) < 0)
            return -1;
        rs_strbuf_clear(&s->csv_text);
    }
    return 0;
}

/* "3 of 50 lines hit the length limit (--max-length 3)": the option(s) whose limit cut them. */
static void warn_truncated(const rs_session *s)
{
    if (s->truncated_lines == 0)
        return;
    char limits[96];
    int n = 0;
    if (s->cut_by_max_length)
        n = snprintf(limits, sizeof limits, "--max-length %d", s->options->decoding.search.max_length);
    if (s->cut_by_factor)
        snprintf(limits + n, sizeof limits - (size_t)n, "%s--max-length-factor %g", n ? ", " : "",
                 s->options->decoding.search.max_length_factor);
    rs_warn("%lld of %lld lines hit the length limit (%s)", s->truncated_lines, s->next_id, limits);
}

int rs_session_finish(rs_session *s, rs_error *err)
{
    rs_status_clear();
    /* A reader that went away ends the run quietly (README "Command line"): no summary either. */
    if (!(s->out && s->out->broken_pipe) && !(s->csv && s->csv->broken_pipe)) {
        warn_truncated(s);
        rs_progress_finish(&s->progress);
    }
    if (s->heatmapping) {
        s->heatmapping = false;
        if (rs_heatmap_files_close(&s->heatmaps, err) < 0)
            return -1;
    }
    if (s->reporting) {
        s->reporting = false;
        return rs_html_report_close(&s->html, err);
    }
    return 0;
}

void rs_session_free(rs_session *s)
{
    if (s->heatmapping)
        rs_heatmap_files_abandon(&s->heatmaps);
    if (s->reporting)
        rs_html_report_abandon(&s->html);
    if (s->explaining)
        rs_explainer_free(&s->explainer);
    if (s->aligning)
        rs_aligner_free(&s->aligner);
    if (s->scoring)
        rs_scorer_free(&s->scorer);
    rs_joiner_free(&s->translator);
    rs_word_view_free(&s->words);
    for (int i = 0; i < s->batch_cap; i++)
        free(s->lines[i]);
    free(s->lines);
    free(s->line_caps);
    free(s->lens);
    free(s->results);
    free(s->targets);
    free(s->target_lens);
    rs_strbuf_free(&s->text);
    rs_strbuf_free(&s->csv_text);
    rs_tokens_free(&s->tokens);
    memset(s, 0, sizeof *s);
}

/* Writes the results of one batch; first_line is the 1-based line number of its first line in `name`. */
/* A subword model's word view of the line (words.h), and the line as formatted: with the view's words for
 * --replace-unk. */
static int view_words(rs_session *s, const rs_translation *tr, rs_translation *line, rs_error *err)
{
    *line = *tr;
    s->output.words = NULL;
    if (!s->pieces || tr->hypothesis_count == 0)
        return 0;
    if (rs_word_view_build(&s->words, s->model, tr, tr->hypothesis_count, true, s->output.replace_unk, err) < 0)
        return -1;
    s->output.words = &s->words;
    *line = rs_word_view_source(&s->words, tr);
    return 0;
}

/* Writes the results of one batch; first_line is the 1-based line number of its first line in `name`. */
static int write_batch(rs_session *s, int count, const char *name, long long first_line, bool flush, rs_error *err)
{
    for (int i = 0; i < count && !rs_stop_signal(); i++) {
        rs_translation line;
        const rs_translation *tr = &line;
        long long id = s->next_id++;
        if (view_words(s, &s->results[i], &line, err) < 0)
            return -1;
        if (tr->dropped_tokens)
            rs_warn("%s:%lld: %zu tokens, only the first %d are translated (--max-source-tokens)", name,
                    first_line + i, tr->dropped_tokens + (size_t)tr->token_count, tr->token_count);
        const rs_translation *decoded = &s->results[i];
        /* links of a cut target would silently leave its last words unaligned */
        if (decoded->dropped_target_tokens && s->aligning)
            return rs_fail(err, "%s:%lld: forced target of %zu tokens is longer than --max-source-tokens %d, "
                                "too long to align", name, first_line + i,
                           decoded->dropped_target_tokens + (size_t)decoded->target_count, decoded->target_count);
        if (decoded->dropped_target_tokens)
            rs_warn("%s:%lld: target of %zu tokens, only the first %d are decoded (--max-source-tokens)", name,
                    first_line + i, decoded->dropped_target_tokens + (size_t)decoded->target_count,
                    decoded->target_count);
        int printed = tr->length == 0                           ? 0
                      : tr->hypothesis_count < s->output.n_best ? tr->hypothesis_count
                                                                : s->output.n_best;
        s->output.explained = NULL;
        const rs_explanation *explained = NULL;
        if (s->explaining && printed > 0 &&
            rs_joiner_explain(&s->translator, &s->explainer, i, tr, printed, &explained, err) < 0)
            return -1;
        if (s->options->output.explain)
            s->output.explained = explained;
        s->output.links = NULL;
        if (s->aligning && printed > 0) {
            if (rs_align(&s->aligner, tr, printed, explained, err) < 0)
                return -1;
            s->output.links = s->aligner.texts;
        }
        s->output.word_scores = NULL;
        if (s->scoring && printed > 0) {
            if ((tr->sentence_count > 1
                     ? rs_score_tokens_joined(&s->scorer, tr, rs_joiner_sentences(&s->translator, i), printed, err)
                     : rs_score_tokens(&s->scorer, tr, printed, err)) < 0)
                return -1;
            s->output.word_scores = s->scorer.scores.at;
        }
        const rs_translation *shown = s->output.words && !s->output.piece_level ? &s->words.view : tr;
        if (s->heatmapping && rs_heatmap_files_add(&s->heatmaps, s->model, shown, tr, id, &s->output, err) < 0)
            return -1;
        if (s->reporting &&
            rs_html_report_add(&s->html, s->model, shown, tr, id, s->lines[i], s->lens[i], &s->output, err) < 0)
            return -1;
        if (s->out) {
            rs_strbuf_clear(&s->text);
            int rc = s->options->format->line(&s->text, s->model, tr, id, &s->output, err);
            if (rc < 0 || rs_sink_write(s->out, s->text.data, s->text.len, err) < 0)
                return -1;
        }
        if (s->csv) {
            rs_strbuf_clear(&s->csv_text);
            if (rs_format_csv_rows(&s->csv_text, s->model, tr, id, &s->output, err) < 0 ||
                rs_sink_write(s->csv, s->csv_text.data, s->csv_text.len, err) < 0)
                return -1;
        }
        if (flush && ((s->out && rs_sink_flush(s->out, err) < 0) || (s->csv && rs_sink_flush(s->csv, err) < 0)))
            return -1;
    }
    return 0;
}

/* Counts a batch for the length-limit warning and the progress; `position` is how far `in` has been read. */
static void count_batch(rs_session *s, int count, double position)
{
    long long tokens = 0;
    for (int i = 0; i < count; i++) {
        const rs_translation *tr = &s->results[i];
        if (tr->length == 0 || tr->hypothesis_count == 0)
            continue;
        const rs_hypothesis *best = &tr->hypotheses[0];
        tokens += best->ended_by_eos ? best->steps - 1 : best->steps;
        if (!best->truncated)
            continue;
        s->truncated_lines++;
        const rs_search_options *o = &s->options->decoding.search;
        if (rs_length_limit(tr->length, o->max_length, o->max_length_factor) == o->max_length)
            s->cut_by_max_length = true;
        else
            s->cut_by_factor = true;
    }
    rs_progress_add(&s->progress, count, tokens, position);
}

/* --tokenize: writes the source tokens of the batch's lines instead of translations (token_view.h). */
static int write_token_views(rs_session *s, int count, const char *name, long long first_line, bool flush,
                             rs_error *err)
{
    for (int i = 0; i < count; i++) {
        s->tokens.limit = s->options->decoding.max_source_tokens;
        if (rs_tokenize(&s->model->tokenizer.source, s->lines[i], s->lens[i], &s->tokens, err) < 0)
            return -1;
        if (s->tokens.dropped)
            rs_warn("%s:%lld: %zu tokens, only the first %zu are shown (--max-source-tokens)", name, first_line + i,
                    s->tokens.dropped + s->tokens.count, s->tokens.count);
        rs_strbuf_clear(&s->text);
        if (s->options->format->tokens(&s->text, s->model, &s->tokens, s->next_id++, err) < 0 ||
            rs_sink_write(s->out, s->text.data, s->text.len, err) < 0 || (flush && rs_sink_flush(s->out, err) < 0))
            return -1;
    }
    return 0;
}

/* After a read error on `in`: true (the error cleared) when reading may go on - an O_NONBLOCK descriptor
 * that had nothing yet (waited for with poll), or a signal that did not ask to stop. */
static bool wait_for_input(FILE *in)
{
    int error = errno;
    if (error != EAGAIN && error != EWOULDBLOCK && error != EINTR)
        return false;
    if (rs_stop_signal())
        return false;
    clearerr(in);
    if (error != EINTR) {
        struct pollfd p = {.fd = fileno(in), .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR)
            return false;
    }
    return true;
}

/* getline() that keeps at most RS_MAX_LINE_BYTES bytes of a line (cut at a UTF-8 character boundary, the
 * line end kept): the rest is read and dropped, so that memory stays bounded whatever the input, a file
 * without a single newline included. Returns the bytes kept, or -1 at the end of the input or on an error
 * (ferror tells); *total is the length of the whole line. */
static ssize_t read_line(FILE *in, char **line, size_t *cap, unsigned long long *total)
{
    size_t len = 0;
    unsigned long long seen = 0;
    bool newline = false;
    int c;
    while ((c = getc_unlocked(in)) != EOF || (ferror(in) && wait_for_input(in))) {
        if (c == EOF)
            continue;
        if (c == '\n') {
            newline = true;
            break;
        }
        if (seen++ >= RS_MAX_LINE_BYTES)
            continue;
        if (len + 2 > *cap) {
            size_t grown = *cap < 256 ? 256 : *cap * 2;
            char *bigger = realloc(*line, grown);
            if (!bigger) {
                errno = ENOMEM;
                return -1;
            }
            *line = bigger;
            *cap = grown;
        }
        (*line)[len++] = (char)c;
    }
    if (c == EOF && (seen == 0 || ferror(in)))
        return -1;
    if (seen > RS_MAX_LINE_BYTES) {
        /* Back to the start of a character the cut would split. */
        size_t start = len;
        while (start > 0 && len - start < 4 && ((unsigned char)(*line)[start - 1] & 0xc0) == 0x80)
            start--;
        if (start > 0) {
            unsigned char lead = (unsigned char)(*line)[start - 1];
            size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
            if (len - (start - 1) < need)
                len = start - 1;
        }
    }
    if (*line == NULL || len + 2 > *cap) {
        char *bigger = realloc(*line, len + 2);
        if (!bigger) {
            errno = ENOMEM;
            return -1;
        }
        *line = bigger;
        *cap = len + 2;
    }
    if (newline)
        (*line)[len++] = '\n';
    (*line)[len] = '\0';
    *total = seen;
    return (ssize_t)len;
}

/* Whether a line of `in` (a pipe or a terminal) can be read without waiting for whoever writes it. A line in
 * stdio's buffer that the descriptor does not show waits for the next batch: never longer than its own
 * translation. */
static bool input_ready(FILE *in)
{
    struct pollfd p = {.fd = fileno(in), .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

int rs_session_run(rs_session *s, FILE *in, const char *name, rs_error *err)
{
    struct stat st;
    bool regular = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
    int batch = s->batch_cap;
    long long line_number = 0;
    for (;;) {
        int count = 0;
        bool end = false;
        while (count < batch) {
            /* From a pipe or a terminal, a batch takes the lines already there: a lone line is answered at
             * once, a stream of them is translated --batch-size at a time. */
            if (!regular && count > 0 && !input_ready(in))
                break;
            errno = 0;
            unsigned long long total = 0;
            ssize_t got = read_line(in, &s->lines[count], &s->line_caps[count], &total);
            if (got < 0) {
                if (rs_stop_signal())
                    return 0;
                if (ferror(in))
                    return rs_fail(err, "read error on %s: %s", name, strerror(errno ? errno : EIO));
                if (errno == ENOMEM)
                    return rs_fail(err, "out of memory (reading a line of %s)", name);
                end = true;
                break;
            }
            if (total > RS_MAX_LINE_BYTES)
                rs_warn("%s:%lld: line of %llu bytes, only the first %d are read (the limit on line length)", name,
                        line_number + count + 1, total, RS_MAX_LINE_BYTES);
            s->lens[count++] = (size_t)got;
        }
        if (count == 0 || rs_stop_signal())
            break;
        int rc;
        if (s->options->tokenize) {
            if (write_token_views(s, count, name, line_number + 1, !regular, err) < 0)
                return -1;
            line_number += count;
            if (end)
                return 0;
            continue;
        }
        if (s->options->forced) {
            /* source<TAB>target: the source part ends at the first tab; an empty line is an empty pair */
            for (int i = 0; i < count; i++) {
                char *tab = memchr(s->lines[i], '\t', s->lens[i]);
                if (!tab && strspn(s->lines[i], "\r\n") == s->lens[i]) {
                    s->targets[i] = s->lines[i];
                    s->target_lens[i] = s->lens[i] = 0;
                    continue;
                }
                if (!tab)
                    return rs_fail(err, "%s:%lld: no tab between the source and the target (--forced)", name,
                                   line_number + 1 + i);
                s->targets[i] = tab + 1;
                s->target_lens[i] = s->lens[i] - (size_t)(tab + 1 - s->lines[i]);
                s->lens[i] = (size_t)(tab - s->lines[i]);
            }
            rc = rs_joiner_translate(&s->translator, (const char *const *)s->lines, s->lens,
                                     (const char *const *)s->targets,
                                     s->target_lens, count, &s->options->decoding.search, s->results, err);
        } else {
            rc = rs_joiner_translate(&s->translator, (const char *const *)s->lines, s->lens, NULL, NULL, count,
                                     &s->options->decoding.search, s->results, err);
        }
        if (rc == 0)
            rs_progress_before_output(&s->progress);
        if (rc < 0 || write_batch(s, count, name, line_number + 1, !regular, err) < 0)
            return -1;
        count_batch(s, count, regular ? (double)ftello(in) : 0);
        line_number += count;
        if (end || rs_stop_signal())
            break;
    }
    if (regular)
        rs_progress_input_done(&s->progress, (double)ftello(in));
    return 0;
}
