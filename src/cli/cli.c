#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "align.h"
#include "attribution.h"
#include "heatmap_files.h"
#include "html_report.h"
#include "writers.h"

enum {
    OPT_MAX_LENGTH = 256,
    OPT_MAX_LENGTH_FACTOR,
    OPT_LENGTH_PENALTY,
    OPT_FORMAT,
    OPT_ALIGN_CSV,
    OPT_ALIGNMENTS,
    OPT_CHECK,
    OPT_BATCH_SIZE,
    OPT_MAX_SOURCE_TOKENS,
    OPT_FORCED,
    OPT_HEATMAP,
    OPT_COLOR,
    OPT_REPLACE_UNK,
    OPT_STATS,
    OPT_EXPLAIN,
    OPT_QUIET,
    OPT_REPORT_TIME,
    OPT_LIST_MODELS,
    OPT_HTML,
    OPT_TOKENIZE,
    OPT_NO_SPLIT_SENTENCES,
    OPT_PIECE_LEVEL,
    OPT_NO_REPEAT_NGRAM,
    OPT_QUANTIZE,
    OPT_IG_STEPS,
    OPT_OCCLUSION_UNIT,
    OPT_HEATMAP_SCALE,
    OPT_WORD_SCORES,
    OPT_ALIGN_METHOD,
    OPT_ALIGN_THRESHOLD,
    OPT_ALIGN_PRIOR,
    OPT_SYMMETRIZE,
    OPT_REVERSE_MODEL,
};

static const struct option LONG_OPTIONS[] = {
    {"model", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"beam", required_argument, NULL, 'b'},
    {"n-best", required_argument, NULL, 'n'},
    {"max-length", required_argument, NULL, OPT_MAX_LENGTH},
    {"max-length-factor", required_argument, NULL, OPT_MAX_LENGTH_FACTOR},
    {"length-penalty", required_argument, NULL, OPT_LENGTH_PENALTY},
    {"no-repeat-ngram", required_argument, NULL, OPT_NO_REPEAT_NGRAM},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"attention", no_argument, NULL, 'a'},
    {"align-csv", required_argument, NULL, OPT_ALIGN_CSV},
    {"alignments", no_argument, NULL, OPT_ALIGNMENTS},
    {"check", required_argument, NULL, OPT_CHECK},
    {"forced", no_argument, NULL, OPT_FORCED},
    {"heatmap", required_argument, NULL, OPT_HEATMAP},
    {"heatmap-scale", required_argument, NULL, OPT_HEATMAP_SCALE},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"replace-unk", no_argument, NULL, OPT_REPLACE_UNK},
    {"stats", no_argument, NULL, OPT_STATS},
    {"explain", optional_argument, NULL, OPT_EXPLAIN},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"report-time", no_argument, NULL, OPT_REPORT_TIME},
    {"html", required_argument, NULL, OPT_HTML},
    {"tokenize", no_argument, NULL, OPT_TOKENIZE},
    {"no-split-sentences", no_argument, NULL, OPT_NO_SPLIT_SENTENCES},
    {"piece-level", no_argument, NULL, OPT_PIECE_LEVEL},
    {"ig-steps", required_argument, NULL, OPT_IG_STEPS},
    {"occlusion-unit", required_argument, NULL, OPT_OCCLUSION_UNIT},
    {"word-scores", no_argument, NULL, OPT_WORD_SCORES},
    {"align-method", required_argument, NULL, OPT_ALIGN_METHOD},
    {"align-threshold", required_argument, NULL, OPT_ALIGN_THRESHOLD},
    {"align-prior", required_argument, NULL, OPT_ALIGN_PRIOR},
    {"symmetrize", required_argument, NULL, OPT_SYMMETRIZE},
    {"reverse-model", required_argument, NULL, OPT_REVERSE_MODEL},
    {"threads", required_argument, NULL, 't'},
    {"quantize", required_argument, NULL, OPT_QUANTIZE},
    {"batch-size", required_argument, NULL, OPT_BATCH_SIZE},
    {"max-source-tokens", required_argument, NULL, OPT_MAX_SOURCE_TOKENS},
    {"list-models", no_argument, NULL, OPT_LIST_MODELS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The long name of an option value, for messages. */
static const char *option_name(int value)
{
    for (const struct option *o = LONG_OPTIONS; o->name; o++)
        if (o->val == value)
            return o->name;
    return "?";
}

static bool takes_no_argument(int value)
{
    for (const struct option *o = LONG_OPTIONS; o->name; o++)
        if (o->val == value)
            return o->has_arg == no_argument;
    return false;
}

/* A long option getopt_long did not match: unknown, or an abbreviation of several options. */
static int long_option_error(const char *arg, rs_error *err)
{
    const char *name = arg + 2;
    size_t len = strcspn(name, "=");
    int matches = 0;
    for (const struct option *o = LONG_OPTIONS; o->name; o++)
        matches += len > 0 && strncmp(o->name, name, len) == 0;
    if (matches > 1)
        return rs_fail(err, "option '%.*s' is ambiguous (see rnnsearch --help)", (int)len + 2, arg);
    return rs_fail(err, "unknown option '%s' (see rnnsearch --help)", arg);
}

static int parse_positive_int(const char *text, int option, int *out, rs_error *err)
{
    const char *p = text;
    long long value = 0;
    bool ok = *p != '\0';
    for (; *p && ok; p++) {
        if (*p < '0' || *p > '9')
            ok = false;
        else if ((value = value * 10 + (*p - '0')) > INT_MAX)
            return rs_fail(err, "--%s: %s is too large (at most %d)", option_name(option), text, INT_MAX);
    }
    if (!ok || value < 1)
        return rs_fail(err, "--%s: expected a positive integer, got '%s'", option_name(option), text);
    *out = (int)value;
    return 0;
}

static int parse_number(const char *text, int option, bool allow_zero, double *out, rs_error *err)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    /* An underflow (ERANGE with a finite result, e.g. 1e-320, a subnormal) is the nearest double, taken as it
     * is; an overflow is infinite and refused. */
    bool ok = *text != '\0' && *end == '\0' && text[0] != ' ' && isfinite(value) &&
              (allow_zero ? value >= 0 : value > 0);
    if (!ok)
        return rs_fail(err, "--%s: expected a %s number, got '%s'", option_name(option),
                       allow_zero ? "non-negative" : "positive", text);
    *out = value;
    return 0;
}

/* --explain[=METHODS], --word-scores, --ig-steps and --occlusion-unit (attribution.h, explain.h), kept out of
 * rs_cli_parse's switch. */
static int parse_attribution_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_session_options *s = &cli->session;
    rs_output_options *o = &cli->session.output;
    switch (c) {
    case OPT_EXPLAIN:
        o->explain = true;
        o->explain_methods = 0;
        return arg ? rs_methods_parse(arg, &o->explain_methods, err) : 0;
    case OPT_WORD_SCORES:
        o->scores = true;
        return 0;
    case OPT_OCCLUSION_UNIT:
        if (strcmp(arg, "piece") != 0 && strcmp(arg, "word") != 0)
            return rs_fail(err, "--occlusion-unit: expected piece or word, got '%s'", arg);
        s->occlude_words = strcmp(arg, "word") == 0;
        return 0;
    default: /* OPT_IG_STEPS */
        if (parse_positive_int(arg, c, &s->ig_steps, err) < 0)
            return -1;
        if (s->ig_steps > RS_MAX_IG_STEPS)
            return rs_fail(err, "--ig-steps: %d is too large (at most %d)", s->ig_steps, RS_MAX_IG_STEPS);
        return 0;
    }
}

/* --align-method, --align-threshold, --align-prior, --symmetrize and --reverse-model (align.h): each asks for
 * --alignments by that rule. */
static int parse_align_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_session_options *s = &cli->session;
    s->output.alignments = true;
    s->align_rule = true;
    switch (c) {
    case OPT_ALIGN_METHOD:
        for (int m = 0; m < RS_METHOD_COUNT; m++)
            if (strcmp(arg, rs_method_name((rs_method)m)) == 0) {
                s->align_method = m;
                return 0;
            }
        return rs_fail(err, "--align-method: unknown method '%s' (expected attention, occlusion, saliency, "
                            "grad_input or ig)", arg);
    case OPT_ALIGN_THRESHOLD: {
        char *end = NULL;
        errno = 0;
        double value = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !isfinite(value))
            return rs_fail(err, "--align-threshold: expected a number, got '%s'", arg);
        s->align_threshold_given = true;
        s->align_threshold = value;
        return 0;
    }
    case OPT_ALIGN_PRIOR: {
        char *end = NULL;
        errno = 0;
        double value = strtod(arg, &end);
        if (*arg == '\0' || *end != '\0' || errno == ERANGE || !isfinite(value) || value < 0 ||
            value > RS_MAX_ALIGN_PRIOR)
            return rs_fail(err, "--align-prior: expected a tension from 0 to %g, got '%s'", RS_MAX_ALIGN_PRIOR, arg);
        s->align_prior_given = true;
        s->align_prior = value;
        return 0;
    }
    case OPT_SYMMETRIZE: {
        rs_symmetrize mode;
        if (rs_symmetrize_parse(arg, &mode, err) < 0)
            return -1;
        s->symmetrize = (int)mode;
        return 0;
    }
    default: /* OPT_REVERSE_MODEL */
        if (*arg == '\0')
            return rs_fail(err, "--reverse-model: expected a model file or name");
        s->reverse_model = arg;
        return 0;
    }
}

/* The alignment rule's combinations: what it needs and what it cannot go with. */
static int check_align_rule(rs_cli *cli, rs_error *err)
{
    rs_session_options *s = &cli->session;
    rs_output_options *o = &cli->session.output;
    if (!s->align_rule)
        return 0;
    if (cli->check_file)
        return rs_fail(err, "--check compares 1-best text lines: it cannot be combined with --align-method, "
                            "--align-threshold, --align-prior, --symmetrize or --reverse-model");
    if (s->reverse_model && s->symmetrize == RS_SYMMETRIZE_NONE)
        return rs_fail(err, "--reverse-model gives the second direction of a symmetrization: it needs "
                            "--symmetrize intersection, union or grow-diag-final");
    if (o->explain && !o->explain_methods && s->align_method != RS_METHOD_ATTENTION)
        return rs_fail(err, "--align-method %s with bare --explain: give --explain=METHODS instead",
                       rs_method_name((rs_method)s->align_method));
    /* the method's matrix is computed for the links: with --explain=METHODS it is shown like the others */
    if (o->explain_methods)
        o->explain_methods |= RS_METHOD_BIT(s->align_method);
    return 0;
}

/* The options that exclude each other, once all are read. */
static int check_combinations(const rs_cli *cli, rs_error *err)
{
    const rs_session_options *s = &cli->session;
    const rs_decoding *d = &cli->session.decoding;
    const rs_output_options *o = &cli->session.output;
    if (o->n_best > d->search.beam)
        return rs_fail(err, "--n-best %d is larger than the beam (%d)%s", o->n_best, d->search.beam,
                       o->nbest_layout && d->search.beam == RS_DEFAULT_BEAM ? "; raise it with --beam" : "");
    if (cli->check_file) {
        if (s->file_count > 0)
            return rs_fail(err, "--check reads its sources from %s; no input FILE may be given", cli->check_file);
        if (s->format != rs_writer_default() || o->attention || cli->align_csv || o->nbest_layout)
            return rs_fail(err, "--check compares 1-best text lines: it cannot be combined with --format jsonl, "
                                "-a, --align-csv or --n-best");
        if (s->heatmap || s->html || o->stats || o->explain || o->scores)
            return rs_fail(err, "--check compares 1-best text lines: it cannot be combined with --heatmap, "
                                "--html, --stats, --explain or --word-scores");
    }
    if (s->tokenize && (cli->check_file || s->forced || o->attention || cli->align_csv || o->alignments ||
                          s->heatmap || s->html || o->replace_unk || o->stats || o->explain ||
                          o->scores || o->n_best > 1))
        return rs_fail(err, "--tokenize prints the source tokens without translating: it cannot be combined with "
                            "--check, --forced, -a, --align-csv, --alignments, --heatmap, --html, --replace-unk, "
                            "--stats, --explain, --word-scores or --n-best");
    if (s->forced && (cli->check_file || o->n_best > 1))
        return rs_fail(err, "--forced decodes the given target: it cannot be combined with --check or --n-best");
    return 0;
}

static void set_defaults(rs_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    rs_session_options *s = &cli->session;
    rs_decoding *d = &cli->session.decoding;
    rs_output_options *o = &cli->session.output;
    d->search.beam = RS_DEFAULT_BEAM;
    d->search.max_length = RS_DEFAULT_MAX_LENGTH;
    d->search.max_length_factor = RS_DEFAULT_MAX_LENGTH_FACTOR;
    d->search.length_penalty = RS_DEFAULT_LENGTH_PENALTY;
    o->n_best = 1;
    s->format = rs_writer_default();
    cli->threads = 0; /* not given: rs_default_threads() */
    d->batch_size = RS_DEFAULT_BATCH_SIZE;
    d->max_source_tokens = RS_DEFAULT_MAX_SOURCE_TOKENS;
    d->split_sentences = true;
}

/* The option groups below each take the options of theirs: 0 when `c` was one and is set, -1 on an error, 1
 * when `c` belongs to another group. */

/* The search: -b, -n, --max-length, --max-length-factor, --length-penalty, --no-repeat-ngram. */
static int parse_search_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_decoding *d = &cli->session.decoding;
    rs_output_options *o = &cli->session.output;
    switch (c) {
    case 'b':
        if (parse_positive_int(arg, c, &d->search.beam, err) < 0)
            return -1;
        if (d->search.beam > RS_MAX_BEAM)
            return rs_fail(err, "--beam: %s is too large (at most %d)", arg, RS_MAX_BEAM);
        return 0;
    case 'n':
        if (parse_positive_int(arg, c, &o->n_best, err) < 0)
            return -1;
        o->nbest_layout = true;
        return 0;
    case OPT_MAX_LENGTH:
        return parse_positive_int(arg, c, &d->search.max_length, err);
    case OPT_MAX_LENGTH_FACTOR:
        return parse_number(arg, c, false, &d->search.max_length_factor, err);
    case OPT_LENGTH_PENALTY:
        return parse_number(arg, c, true, &d->search.length_penalty, err);
    case OPT_NO_REPEAT_NGRAM:
        d->search.no_repeat_ngram = 0; /* 0: off, as by default */
        if (strcmp(arg, "0") != 0 && parse_positive_int(arg, c, &d->search.no_repeat_ngram, err) < 0)
            return -1;
        return 0;
    default:
        return 1;
    }
}

/* What is written: --format, -a, --align-csv, --alignments, --check, --forced, --replace-unk, --stats,
 * --tokenize, --piece-level and the attribution options. */
static int parse_output_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_session_options *s = &cli->session;
    rs_output_options *o = &cli->session.output;
    switch (c) {
    case OPT_FORMAT:
        if ((s->format = rs_writer_find(arg)) == NULL) {
            char names[128];
            rs_writer_names(names, sizeof names);
            return rs_fail(err, "--format: expected %s, got '%s'", names, arg);
        }
        return 0;
    case 'a':
        o->attention = true;
        return 0;
    case OPT_ALIGN_CSV:
        if (*arg == '\0')
            return rs_fail(err, "--align-csv: expected a file name or '-'");
        cli->align_csv = arg;
        return 0;
    case OPT_ALIGNMENTS:
        o->alignments = true;
        return 0;
    case OPT_CHECK:
        cli->check_file = arg;
        return 0;
    case OPT_FORCED:
        s->forced = true;
        return 0;
    case OPT_REPLACE_UNK:
        o->replace_unk = true;
        return 0;
    case OPT_STATS:
        o->stats = true;
        return 0;
    case OPT_TOKENIZE:
        s->tokenize = true;
        return 0;
    case OPT_PIECE_LEVEL:
        o->piece_level = true;
        return 0;
    case OPT_EXPLAIN:
    case OPT_WORD_SCORES:
    case OPT_IG_STEPS:
    case OPT_OCCLUSION_UNIT:
        return parse_attribution_option(cli, c, arg, err);
    case OPT_ALIGN_METHOD:
    case OPT_ALIGN_THRESHOLD:
    case OPT_ALIGN_PRIOR:
    case OPT_SYMMETRIZE:
    case OPT_REVERSE_MODEL:
        return parse_align_option(cli, c, arg, err);
    default:
        return 1;
    }
}

/* Pictures: --heatmap, --heatmap-scale, --color, --html. */
static int parse_picture_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_session_options *s = &cli->session;
    rs_output_options *o = &cli->session.output;
    switch (c) {
    case OPT_HEATMAP:
        if (rs_heatmap_pattern_check(arg, err) < 0)
            return -1;
        s->heatmap = arg;
        return 0;
    case OPT_HEATMAP_SCALE:
        if (strcmp(arg, "global") != 0 && strcmp(arg, "row") != 0)
            return rs_fail(err, "--heatmap-scale: expected 'global' or 'row', got '%s'", arg);
        o->heatmap_row_scale = strcmp(arg, "row") == 0;
        return 0;
    case OPT_COLOR:
        if (strcmp(arg, "auto") == 0)
            s->color = RS_COLOR_AUTO;
        else if (strcmp(arg, "always") == 0)
            s->color = RS_COLOR_ALWAYS;
        else if (strcmp(arg, "never") == 0)
            s->color = RS_COLOR_NEVER;
        else
            return rs_fail(err, "--color: expected 'auto', 'always' or 'never', got '%s'", arg);
        return 0;
    case OPT_HTML:
        if (rs_html_path_check(arg, err) < 0)
            return -1;
        s->html = arg;
        return 0;
    default:
        return 1;
    }
}

/* The run: -m, -o, -t, --batch-size, --max-source-tokens, --no-split-sentences, --quantize. */
static int parse_run_option(rs_cli *cli, int c, const char *arg, rs_error *err)
{
    rs_decoding *d = &cli->session.decoding;
    int value;
    switch (c) {
    case 'm':
        if (*arg == '\0')
            return rs_fail(err, "--model: expected a file name or a model name");
        cli->model_path = arg;
        return 0;
    case 'o':
        if (*arg == '\0')
            return rs_fail(err, "--output: expected a file name ('-': standard output)");
        cli->output = strcmp(arg, "-") == 0 ? NULL : arg;
        return 0;
    case 't':
        if (parse_positive_int(arg, c, &cli->threads, err) < 0)
            return -1;
        /* More threads than this never pay, and each costs a stack. */
        if (cli->threads > RS_MAX_THREADS)
            cli->threads = RS_MAX_THREADS;
        return 0;
    case OPT_BATCH_SIZE:
        if (parse_positive_int(arg, c, &d->batch_size, err) < 0)
            return -1;
        /* Larger batches gain nothing, and the per-line arrays of a batch are allocated up front. */
        if (d->batch_size > RS_MAX_BATCH_SIZE)
            d->batch_size = RS_MAX_BATCH_SIZE;
        return 0;
    case OPT_MAX_SOURCE_TOKENS:
        if (parse_positive_int(arg, c, &value, err) < 0)
            return -1;
        d->max_source_tokens = (size_t)value;
        return 0;
    case OPT_NO_SPLIT_SENTENCES:
        d->split_sentences = false;
        return 0;
    case OPT_QUANTIZE:
        if (strcmp(arg, "int8") != 0 && strcmp(arg, "none") != 0)
            return rs_fail(err, "--quantize: expected 'int8' or 'none', got '%s'", arg);
        cli->quantize_int8 = strcmp(arg, "int8") == 0;
        return 0;
    default:
        return 1;
    }
}

/* Standard error and what runs instead of a translation: --quiet, --report-time, --list-models, -h, -V. */
static int parse_info_option(rs_cli *cli, int c)
{
    rs_session_options *s = &cli->session;
    switch (c) {
    case OPT_QUIET:
        cli->quiet = true;
        return 0;
    case OPT_REPORT_TIME:
        s->report_time = true;
        return 0;
    case OPT_LIST_MODELS:
        cli->list_models = true;
        return 0;
    case 'h':
        cli->help = true;
        return 0;
    case 'V':
        cli->version = true;
        return 0;
    default:
        return 1;
    }
}

/* What getopt_long could not take: a missing argument (':'), an unknown or ambiguous option. */
static int option_error(int c, char **argv, rs_error *err)
{
    if (c == ':') {
        /* Only the last argument can lack its value: argv[optind - 1] is the option itself, but a short
         * one may sit at the end of a cluster such as -ab. */
        if (strncmp(argv[optind - 1], "--", 2) == 0)
            return rs_fail(err, "option '%s' needs an argument (see rnnsearch --help)", argv[optind - 1]);
        return rs_fail(err, "option '-%c' needs an argument (see rnnsearch --help)", optopt);
    }
    /* getopt_long leaves optopt 0 for a long option it cannot match (then argv[optind - 1] is that
     * option), the option's value for a long option that takes no argument but got one, and the
     * character of an unknown short option (argv[optind - 1] may then be an earlier argument). */
    if (optopt == 0)
        return long_option_error(argv[optind - 1], err);
    if (takes_no_argument(optopt))
        return rs_fail(err, "option '--%s' takes no argument (see rnnsearch --help)", option_name(optopt));
    return rs_fail(err, "unknown option '-%c' (see rnnsearch --help)", optopt);
}

int rs_cli_parse(rs_cli *cli, int argc, char **argv, rs_error *err)
{
    rs_session_options *s = &cli->session;
    rs_decoding *d = &cli->session.decoding;
    rs_output_options *o = &cli->session.output;
    set_defaults(cli);
    opterr = 0;
    optind = 0; /* 0, not 1: a full reset of GNU getopt, so tests may parse several times */
    int c;
    while ((c = getopt_long(argc, argv, ":m:o:b:n:at:hV", LONG_OPTIONS, NULL)) != -1) {
        int rc = parse_search_option(cli, c, optarg, err);
        if (rc > 0)
            rc = parse_output_option(cli, c, optarg, err);
        if (rc > 0)
            rc = parse_picture_option(cli, c, optarg, err);
        if (rc > 0)
            rc = parse_run_option(cli, c, optarg, err);
        if (rc > 0)
            rc = parse_info_option(cli, c);
        if (rc > 0)
            rc = option_error(c, argv, err);
        if (rc < 0)
            return -1;
    }
    if (cli->help || cli->version || cli->list_models)
        return 0;
    s->files = argv + optind;
    s->file_count = argc - optind;

    if (check_combinations(cli, err) < 0 || check_align_rule(cli, err) < 0)
        return -1;
    d->search.keep_attention = o->attention || o->alignments || cli->align_csv != NULL || s->heatmap != NULL ||
                                 s->html != NULL || o->replace_unk || o->stats || o->explain;
    return 0;
}

void rs_cli_help(FILE *out)
{
    fputs("Usage: rnnsearch [OPTIONS] [FILE...]\n"
          "Translate text with an RNNsearch (GRU encoder-decoder with attention) model: one sentence per line of\n"
          "the FILEs (or standard input; '-' is standard input), one result line per input line.\n"
          "\n"
          "  -m, --model FILE|NAME     model file, or the name of an installed model such as fra-eng (see\n"
          "                            --list-models; default: $RNNSEARCH_MODEL, else deu-eng)\n"
          "  -o, --output FILE         write the output to FILE instead of standard output: to a temporary\n"
          "                            file renamed into place when the run succeeds ('-': standard output)\n"
          "  -b, --beam N              beam size, at most 1000; 1 is greedy search (default 5)\n"
          "  -n, --n-best N            print the N best hypotheses, N <= beam; text: a line `ID ||| TEXT |||\n"
          "                            SCORE ||| NORMALIZED_SCORE` each (also with -n 1)\n"
          "      --max-length N        at most N target tokens, eos included (default 256)\n"
          "      --max-length-factor F at most ceil(F x source positions) target tokens (default 3.0)\n"
          "      --length-penalty A    rank hypotheses by score / length^A (default 0.6; 0: raw score)\n"
          "      --no-repeat-ngram N   no hypothesis repeats an N-gram of its tokens (default 0: off)\n"
          "      --format text|jsonl   output format (default text)\n"
          "  -a, --attention           add attention weights (text: a matrix in percent, drawn in shades or\n"
          "                            colours on a terminal; jsonl: \"attention\")\n"
          "      --align-csv FILE      write the alignment CSV to FILE ('-': to standard output, instead of\n"
          "                            the translations)\n"
          "      --alignments          add hard alignments `s-t` (text: after ` ||| `; jsonl: \"alignment\")\n"
          "      --align-method M      --alignments from method M's matrix: attention (default), occlusion,\n"
          "                            saliency, grad_input or ig (word to word; see the README)\n"
          "      --align-threshold X   link every source word scoring >= X instead of the argmax\n"
          "      --align-prior T       read each target word's row as P(source word | target word) =\n"
          "                            softmax(log-score - T x diagonal distance), fast_align's prior\n"
          "                            (T = 4 is its default tension); the links and --symmetrize's\n"
          "                            columns then use P (see the README)\n"
          "      --symmetrize RULE     none (default), intersection, union or grow-diag-final of the target\n"
          "                            words' links and the source words' (the column argmax of the same\n"
          "                            matrix, or the reverse model's links)\n"
          "      --reverse-model FILE  a model of the reverse direction (its source side this model's\n"
          "                            target side) for --symmetrize: forced on target -> source\n"
          "      --check FILE          regression test: translate each `source<TAB>expected` line of FILE and\n"
          "                            report the lines whose output differs (exit 1 if any)\n"
          "      --forced              forced decoding: each line is `source<TAB>target`; the output is the\n"
          "                            target with its score and attention (for alignments)\n"
          "      --heatmap PATH        write SVG heatmaps of the attention: all lines stacked in PATH, or one file\n"
          "                            per line when PATH holds {id} (and per hypothesis with {hyp} and -n)\n"
          "      --html FILE           write an interactive HTML report to FILE: each sentence with its\n"
          "                            translation and heatmap; hovering a word highlights the words it draws\n"
          "                            on; with --explain, occlusion importance (and each method of\n"
          "                            --explain=METHODS) as further views\n"
          "      --heatmap-scale S     heatmap colours: global (default: weight 0..1) or row (each row\n"
          "                            relative to its largest weight, for faint maps)\n"
          "      --color WHEN          colours in the -a matrix on a terminal: auto (default), always, never\n"
          "      --replace-unk         replace each unknown target token by the most attended source word, as\n"
          "                            the input wrote it\n"
          "      --stats               add attention entropy per target token and coverage per source token\n"
          "                            (text: `entropy`/`coverage` lines; jsonl: \"entropy\", \"coverage\")\n"
          "      --explain             occlusion importance of each source word for each target token and its\n"
          "                            rank correlation with the attention (text: a table; jsonl: \"occlusion\",\n"
          "                            \"rank_correlation\", \"mean_rank_correlation\")\n"
          "      --explain=METHODS     attribution by each method of a comma list: attention, occlusion,\n"
          "                            saliency, grad_input, ig (gradients of log p(y_t) by the source\n"
          "                            embeddings), with rank correlations with the attention (jsonl: a matrix\n"
          "                            per method named after it, \"rank_correlations\", ...)\n"
          "      --ig-steps N          ig by N-node Gauss-Legendre quadrature (default: adaptive, until the\n"
          "                            completeness error is within 1%)\n"
          "      --occlusion-unit U    what occlusion hides at a time: piece (default; a token) or word (all\n"
          "                            pieces of a subword model's word, sharing its importance equally)\n"
          "      --word-scores         add log p and the output distribution's entropy of each target token\n"
          "                            (text: `logprob`/`output_entropy` lines; jsonl: \"word_scores\",\n"
          "                            \"output_entropy\")\n"
          "      --quiet               no warnings and no progress line on standard error (errors still show)\n"
          "      --report-time         at the end, lines/s and target tokens/s on standard error\n"
          "      --tokenize            print the source tokens of each line (a subword model's pieces) instead\n"
          "                            of translating (jsonl: \"tokens\", \"ids\", \"word_start\")\n"
          "      --no-split-sentences  translate each line whole (default: sentence by sentence, joined with a\n"
          "                            space on the line's output; see the README)\n"
          "      --piece-level         subword models: show pieces, not words, in the -a matrix and heatmaps\n"
          "  -t, --threads N           threads (default: the CPUs available, at most 8; N <= 256; output\n"
          "                            identical for any N)\n"
          "      --quantize int8|none  int8 weights for the matrices (per-row scales, made at load): about\n"
          "                            half the memory of f16 and faster; translations may differ slightly\n"
          "      --batch-size N        lines of a regular file read and translated at a time (default 32);\n"
          "                            terminals and pipes are answered line by line\n"
          "      --max-source-tokens N translate only the first N tokens of a longer line (default 1024)\n"
          "      --list-models         list the models -m NAME finds (name, languages, file) and exit\n"
          "  -h, --help                show this help and exit\n"
          "  -V, --version             show the version and exit\n"
          "\n"
          "Exit status: 0 success, 1 --check found differences, 2 usage, model or I/O error, 128+N signal N.\n",
          out);
}
