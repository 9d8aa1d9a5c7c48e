#include "check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "mem.h"
#include "output.h"
#include "strbuf.h"
#include "joiner.h"
#include "visible.h"
#include "words.h"

void rs_check_file_free(rs_check_file *f)
{
    for (size_t i = 0; i < f->count; i++)
        free(f->buffers.at[i]);
    free(f->buffers.at);
    free(f->lines.at);
    free(f->header);
    free(f->argv);
    memset(f, 0, sizeof *f);
}

/* Keeps line 1's header options (after RS_CHECK_HEADER) in f->header. */
static int keep_header(rs_check_file *f, const char *text, size_t len, rs_error *err)
{
    size_t skip = strlen(RS_CHECK_HEADER);
    if (memchr(text, '\0', len))
        return rs_fail(err, "%s:1: a NUL byte in the %s header", f->path, RS_CHECK_HEADER);
    f->header = malloc(len - skip + 1);
    if (!f->header)
        return rs_fail(err, "out of memory (check file header of %s)", f->path);
    memcpy(f->header, text + skip, len - skip);
    f->header[len - skip] = '\0';
    return 0;
}

/* Adds one `source<TAB>expected` line; takes text (malloc'd, len bytes, line end removed) in all cases. */
static int add_line(rs_check_file *f, char *text, size_t len, long long number, rs_error *err)
{
    char *tab = memchr(text, '\t', len);
    if (!tab && len == 0) /* an empty line is an empty pair: nothing to translate, nothing expected */
        tab = text;
    if (!tab) {
        free(text);
        return rs_fail(err, "%s:%lld: no tab between the source and the expected output", f->path, number);
    }
    if (RS_GROW(f->lines, f->count + 1, "check file", err) < 0 ||
        RS_GROW(f->buffers, f->count + 1, "check file", err) < 0) {
        free(text);
        return -1;
    }
    size_t source_len = (size_t)(tab - text);
    const char *expected = len == 0 ? text : tab + 1;
    if (len > 0)
        *tab = '\0';
    f->buffers.at[f->count] = text;
    f->lines.at[f->count] = (rs_check_line){text, source_len, expected, len == 0 ? 0 : len - source_len - 1, number};
    f->count++;
    return 0;
}

int rs_check_read(rs_check_file *f, const char *path, rs_error *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in)
        return rs_fail(err, "cannot open %s: %s", path, strerror(errno));
    long long number = 0;
    int rc = 0;
    while (rc == 0) {
        char *text = NULL;
        size_t cap = 0;
        errno = 0;
        ssize_t got = getline(&text, &cap, in);
        if (got < 0) {
            free(text);
            if (ferror(in))
                rc = rs_fail(err, "read error on %s: %s", path, strerror(errno ? errno : EIO));
            break;
        }
        number++;
        size_t len = (size_t)got;
        if (len && text[len - 1] == '\n')
            text[--len] = '\0';
        if (len && text[len - 1] == '\r')
            text[--len] = '\0';
        if (number == 1 && strncmp(text, RS_CHECK_HEADER, strlen(RS_CHECK_HEADER)) == 0) {
            rc = keep_header(f, text, len, err);
            free(text);
        } else {
            rc = add_line(f, text, len, number, err);
        }
    }
    if (in != stdin)
        fclose(in);
    if (rc < 0)
        rs_check_file_free(f);
    return rc;
}

/* The options a header may hold: those that decide the text line compared (README.md "Regression mode"). */
static const char *const HEADER_OPTIONS[] = {"beam",          "max-length",  "max-length-factor", "length-penalty",
                                             "alignments",    "replace-unk", "max-source-tokens",
                                             "no-split-sentences", NULL};
static const char *const HEADER_VALUE_OPTIONS[] = {"beam", "max-length", "max-length-factor", "length-penalty",
                                                   "max-source-tokens", NULL};

static bool listed(const char *const *names, const char *name, size_t len)
{
    for (; *names; names++)
        if (strlen(*names) == len && strncmp(*names, name, len) == 0)
            return true;
    return false;
}

/* Splits f->header in place into words appended to argv (from *argc on) and checks each is an allowed option,
 * or the value of the one before it. */
static int split_header(rs_check_file *f, char **argv, int *argc, rs_error *err)
{
    bool value_next = false;
    for (char *p = strtok(f->header, " \t"); p; p = strtok(NULL, " \t")) {
        argv[(*argc)++] = p;
        if (value_next) {
            value_next = false;
            continue;
        }
        size_t len = strcspn(p + 2, "=");
        if (strcmp(p, "-b") == 0 || (strncmp(p, "-b", 2) == 0 && strspn(p + 2, "0123456789") == strlen(p + 2)))
            value_next = p[2] == '\0';
        else if (strncmp(p, "--", 2) == 0 && listed(HEADER_OPTIONS, p + 2, len))
            value_next = p[2 + len] == '\0' && listed(HEADER_VALUE_OPTIONS, p + 2, len);
        else
            return rs_fail(err, "%s:1: '%s' cannot be given in the %s header (decoding options only: -b, "
                                "--max-length, --max-length-factor, --length-penalty, --alignments, "
                                "--replace-unk, --max-source-tokens, --no-split-sentences)",
                           f->path, p, RS_CHECK_HEADER);
    }
    return 0;
}

/* Whether two parses decode and print alike (the parts of rs_cli a header may set). */
static bool same_decoding(const rs_cli *cli_a, const rs_cli *cli_b)
{
    const rs_decoding *a = &cli_a->session.decoding, *b = &cli_b->session.decoding;
    const rs_output_options *x = &cli_a->session.output, *y = &cli_b->session.output;
    return a->search.beam == b->search.beam && a->search.max_length == b->search.max_length &&
           a->search.max_length_factor == b->search.max_length_factor &&
           a->search.length_penalty == b->search.length_penalty && x->alignments == y->alignments &&
           x->replace_unk == y->replace_unk && a->max_source_tokens == b->max_source_tokens &&
           a->split_sentences == b->split_sentences;
}

int rs_check_apply_header(rs_check_file *f, int argc, char **argv, rs_cli *cli, rs_error *err)
{
    if (!f->header)
        return 0;
    size_t words = strlen(f->header) / 2 + 2; /* at most one word per two bytes, and argv[0] */
    f->argv = rs_calloc_array(words + (size_t)argc, sizeof *f->argv, "check file header", err);
    if (!f->argv)
        return -1;
    int count = 0;
    f->argv[count++] = argv[0];
    if (split_header(f, f->argv, &count, err) < 0)
        return -1;
    rs_cli recorded;
    if (rs_cli_parse(&recorded, count, f->argv, err) < 0) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "%s", err->message);
        return rs_fail(err, "%s:1: %s header: %s", f->path, RS_CHECK_HEADER, message);
    }
    int header_words = count;
    for (int i = 1; i < argc; i++)
        f->argv[count++] = argv[i];
    f->argv[count] = NULL;
    if (rs_cli_parse(cli, count, f->argv, err) < 0)
        return -1;
    if (!same_decoding(&recorded, cli)) {
        fprintf(stderr, "rnnsearch: warning: %s:1: the command line changes the decoding options the file records (",
                f->path);
        for (int i = 1; i < header_words; i++)
            fprintf(stderr, "%s%s", i > 1 ? " " : "", f->argv[i]);
        fputs("); outputs may differ for that reason\n", stderr);
    }
    return 0;
}

/* `  NAME: TEXT` shown visibly; *column is where the byte `mark` of it starts on the printed line. */
static int report_field(rs_strbuf *sb, const char *name, const char *text, size_t len, size_t mark, size_t *column,
                        rs_error *err)
{
    size_t at = 0;
    if (rs_strbuf_printf(sb, err, "  %-9s ", name) < 0 || rs_visible_append(sb, text, len, mark, &at, err) < 0 ||
        rs_strbuf_putc(sb, '\n', err) < 0)
        return -1;
    if (column)
        *column = 12 + at;
    return 0;
}

/* FILE:LINE: differs at column C, the source, expected and got lines, and a caret under the first difference. */
static int report(rs_strbuf *sb, const char *path, const rs_check_line *line, const char *got, size_t got_len,
                  rs_error *err)
{
    size_t mark = rs_visible_first_difference(line->expected, line->expected_len, got, got_len), column = 0;
    if (rs_strbuf_printf(sb, err, "%s:%lld: differs at column %zu\n", path, line->number,
                         rs_visible_code_points(got, mark) + 1) < 0 ||
        report_field(sb, "source:", line->source, line->source_len, 0, NULL, err) < 0 ||
        report_field(sb, "expected:", line->expected, line->expected_len, mark, NULL, err) < 0 ||
        report_field(sb, "got:", got, got_len, mark, &column, err) < 0)
        return -1;
    for (size_t i = 0; i < column; i++)
        if (rs_strbuf_putc(sb, ' ', err) < 0)
            return -1;
    return rs_strbuf_puts(sb, "^\n", err);
}

/* Compares the results of lines[0 .. count) (the first having index `first` in the file). */
static int compare_batch(const rs_session_options *o, const rs_model *model, const rs_check_file *f, size_t first,
                         int count, const rs_translation *results, rs_word_view *words, rs_sink *out,
                         long long *differ, rs_error *err)
{
    rs_output_options options = {.n_best = 1, .alignments = o->output.alignments, .replace_unk = o->output.replace_unk};
    rs_strbuf got, sb;
    rs_strbuf_init(&got);
    rs_strbuf_init(&sb);
    int rc = 0;
    for (int i = 0; rc == 0 && i < count; i++) {
        const rs_check_line *line = &f->lines.at[first + (size_t)i];
        if (results[i].dropped_tokens)
            rs_warn("%s:%lld: %zu tokens, only the first %d are translated (--max-source-tokens)", f->path,
                    line->number, results[i].dropped_tokens + (size_t)results[i].token_count, results[i].token_count);
        rs_strbuf_clear(&got);
        options.words = NULL;
        rs_translation result = results[i];
        if (words && result.hypothesis_count > 0) { /* a subword model: word-level links and --replace-unk */
            rc = rs_word_view_build(words, model, &results[i], 1, true, o->output.replace_unk, err);
            options.words = words;
            result = rs_word_view_source(words, &results[i]);
        }
        if (rc == 0)
            rc = rs_format_text(&got, model, &result, (long long)(first + (size_t)i), &options, err);
        if (rc < 0)
            break;
        if (got.len && got.data[got.len - 1] == '\n')
            got.data[--got.len] = '\0';
        if (got.len == line->expected_len && memcmp(got.data, line->expected, got.len) == 0)
            continue;
        (*differ)++;
        rs_strbuf_clear(&sb);
        rc = report(&sb, f->path, line, got.data ? got.data : "", got.len, err);
        if (rc == 0)
            rc = rs_sink_write(out, sb.data, sb.len, err);
    }
    rs_strbuf_free(&got);
    rs_strbuf_free(&sb);
    return rc;
}

int rs_check_run(const rs_session_options *o, const rs_model *model, const rs_check_file *f, rs_sink *out,
                 long long *differ, rs_error *err)
{
    *differ = 0;
    int batch = o->decoding.batch_size;
    rs_joiner joiner;
    memset(&joiner, 0, sizeof joiner);
    rs_word_view words;
    rs_word_view_init(&words);
    bool pieces = (o->output.alignments || o->output.replace_unk) && rs_model_has_pieces(model);
    rs_translation *results = rs_calloc_array((size_t)batch, sizeof *results, "check", err);
    const char **sources = rs_calloc_array((size_t)batch, sizeof *sources, "check", err);
    size_t *lens = rs_calloc_array((size_t)batch, sizeof *lens, "check", err);
    int rc = results && sources && lens
                 ? rs_joiner_init(&joiner, model, o->decoding.max_source_tokens, o->decoding.split_sentences, err)
                 : -1;
    joiner.keep_originals = o->output.replace_unk;
    for (size_t start = 0; rc == 0 && start < f->count; start += (size_t)batch) {
        int count = f->count - start < (size_t)batch ? (int)(f->count - start) : batch;
        for (int i = 0; i < count; i++) {
            sources[i] = f->lines.at[start + (size_t)i].source;
            lens[i] = f->lines.at[start + (size_t)i].source_len;
        }
        rc = rs_joiner_translate(&joiner, sources, lens, NULL, NULL, count, &o->decoding.search, results, err);
        if (rc == 0)
            rc = compare_batch(o, model, f, start, count, results, pieces ? &words : NULL, out, differ, err);
    }
    rs_joiner_free(&joiner);
    rs_word_view_free(&words);
    if (rc == 0) {
        rs_strbuf sb;
        rs_strbuf_init(&sb);
        if (*differ)
            rc = rs_strbuf_printf(&sb, err, "check: %lld of %zu lines differ\n", *differ, f->count);
        else
            rc = rs_strbuf_printf(&sb, err, "check: all %zu lines match\n", f->count);
        if (rc == 0)
            rc = rs_sink_write(out, sb.data, sb.len, err);
        rs_strbuf_free(&sb);
    }
    free(results);
    free(sources);
    free(lens);
    return rc;
}
