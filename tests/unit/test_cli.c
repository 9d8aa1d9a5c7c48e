/* Command line parsing: defaults, every option, and the messages of bad values and combinations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli.h"
#include "writers.h"

#define MAX_ARGS 32

/* Parses a NULL-terminated list of arguments (after the program name). */
static int parse(rs_cli *cli, rs_error *err, const char *first, ...)
{
    static char *argv[MAX_ARGS];
    int argc = 0;
    argv[argc++] = "rnnsearch";
    va_list args;
    va_start(args, first);
    for (const char *a = first; a; a = va_arg(args, const char *))
        argv[argc++] = (char *)a;
    va_end(args);
    argv[argc] = NULL;
    return rs_cli_parse(cli, argc, argv, err);
}

static void expect_error(const char *message, rs_cli *cli, int rc, const rs_error *err)
{
    (void)cli;
    assert_int_equal(rc, -1);
    assert_string_equal(err->message, message);
}

static void test_defaults(void **state)
{
    (void)state;
    rs_cli cli;
    rs_error err;
    assert_int_equal(parse(&cli, &err, NULL), 0);
    assert_null(cli.model_path);
    assert_int_equal(cli.session.decoding.search.beam, 5);
    assert_int_equal(cli.session.output.n_best, 1);
    assert_int_equal(cli.session.decoding.search.max_length, 256);
    assert_true(cli.session.decoding.search.max_length_factor == 3.0);
    assert_true(cli.session.decoding.search.length_penalty == 0.6);
    assert_string_equal(cli.session.format->name, "text");
    assert_false(cli.session.output.attention || cli.session.output.alignments ||
                 cli.session.decoding.search.keep_attention);
    assert_null(cli.align_csv);
    assert_null(cli.check_file);
    assert_int_equal(cli.threads, 0); /* not given: main.c asks rs_default_threads() */
    assert_false(cli.quantize_int8);
    assert_int_equal(cli.session.decoding.batch_size, 32);
    assert_int_equal(cli.session.decoding.max_source_tokens, 1024);
    assert_int_equal(cli.session.file_count, 0);
}

static void test_all_options(void **state)
{
    (void)state;
    rs_cli cli;
    rs_error err;
    int rc = parse(&cli, &err, "in1.txt", "-m", "m.json", "-b", "8", "-n", "3", "--max-length", "40",
                   "--max-length-factor", "1.5", "--length-penalty", "0", "--format", "jsonl", "-a",
                   "--align-csv", "-", "--alignments", "-t", "4", "--batch-size", "7", "--max-source-tokens", "9",
                   "--quantize", "int8", "-", "in2.txt", NULL);
    assert_int_equal(rc, 0);
    assert_string_equal(cli.model_path, "m.json");
    assert_int_equal(cli.session.decoding.search.beam, 8);
    assert_int_equal(cli.session.output.n_best, 3);
    assert_int_equal(cli.session.decoding.search.max_length, 40);
    assert_true(cli.session.decoding.search.max_length_factor == 1.5);
    assert_true(cli.session.decoding.search.length_penalty == 0.0);
    assert_string_equal(cli.session.format->name, "jsonl");
    assert_true(cli.session.output.attention && cli.session.output.alignments &&
                cli.session.decoding.search.keep_attention);
    assert_string_equal(cli.align_csv, "-");
    assert_int_equal(cli.threads, 4);
    assert_true(cli.quantize_int8);
    assert_int_equal(cli.session.decoding.batch_size, 7);
    assert_int_equal(cli.session.decoding.max_source_tokens, 9);
    assert_int_equal(cli.session.file_count, 3); /* options may follow files; "-" is a file */
    assert_string_equal(cli.session.files[0], "in1.txt");
    assert_string_equal(cli.session.files[1], "-");
    assert_string_equal(cli.session.files[2], "in2.txt");

    /* more threads than RS_MAX_THREADS count as that many (issue 13: -t 100000 took 302 MB) */
    assert_int_equal(parse(&cli, &err, "-t", "100000", "-o", "out.txt", NULL), 0);
    assert_int_equal(cli.threads, RS_MAX_THREADS);
    assert_string_equal(cli.output, "out.txt");
    assert_int_equal(parse(&cli, &err, "--beam=1", "--n-best=1", "--", "-b", NULL), 0);
    assert_int_equal(cli.session.decoding.search.beam, 1);
    assert_int_equal(cli.session.file_count, 1);
    assert_string_equal(cli.session.files[0], "-b");

    assert_int_equal(parse(&cli, &err, "--help", "--beam", "x", NULL), -1); /* options are all checked */
    assert_int_equal(parse(&cli, &err, "-V", NULL), 0);
    assert_true(cli.version);
}

static void test_bad_values(void **state)
{
    (void)state;
    rs_cli cli;
    rs_error err;
    expect_error("--beam: expected a positive integer, got 'x'", &cli, parse(&cli, &err, "--beam", "x", NULL), &err);
    expect_error("--beam: expected a positive integer, got '0'", &cli, parse(&cli, &err, "-b", "0", NULL), &err);
    expect_error("--beam: expected a positive integer, got '-3'", &cli, parse(&cli, &err, "-b", "-3", NULL), &err);
    expect_error("--beam: 99999999999 is too large (at most 2147483647)", &cli,
                 parse(&cli, &err, "-b", "99999999999", NULL), &err);
    expect_error("--threads: expected a positive integer, got '2x'", &cli, parse(&cli, &err, "-t", "2x", NULL), &err);
    expect_error("--max-length: expected a positive integer, got ''", &cli,
                 parse(&cli, &err, "--max-length", "", NULL), &err);
    expect_error("--max-length-factor: expected a positive number, got '0'", &cli,
                 parse(&cli, &err, "--max-length-factor", "0", NULL), &err);
    expect_error("--max-length-factor: expected a positive number, got 'inf'", &cli,
                 parse(&cli, &err, "--max-length-factor", "inf", NULL), &err);
    expect_error("--length-penalty: expected a non-negative number, got '-0.5'", &cli,
                 parse(&cli, &err, "--length-penalty", "-0.5", NULL), &err);
    expect_error("--format: expected 'text' or 'jsonl', got 'xml'", &cli, parse(&cli, &err, "--format", "xml", NULL),
                 &err);
    expect_error("unknown option '--frobnicate' (see rnnsearch --help)", &cli,
                 parse(&cli, &err, "--frobnicate", NULL), &err);
    expect_error("unknown option '-z' (see rnnsearch --help)", &cli, parse(&cli, &err, "-z", NULL), &err);
    expect_error("option '--model' needs an argument (see rnnsearch --help)", &cli, parse(&cli, &err, "--model", NULL),
                 &err);
}

static void test_combinations(void **state)
{
    (void)state;
    rs_cli cli;
    rs_error err;
    expect_error("--n-best 6 is larger than the beam (5); raise it with --beam", &cli,
                 parse(&cli, &err, "-n", "6", NULL), &err);
    expect_error("--n-best 3 is larger than the beam (2)", &cli, parse(&cli, &err, "-n", "3", "-b", "2", NULL), &err);
    expect_error("--check reads its sources from t.tsv; no input FILE may be given", &cli,
                 parse(&cli, &err, "--check", "t.tsv", "in.txt", NULL), &err);
    assert_int_equal(parse(&cli, &err, "--check", "t.tsv", "--alignments", "-b", "1", NULL), 0);
    assert_int_equal(parse(&cli, &err, "--check", "t.tsv", "--format", "jsonl", NULL), -1);
    assert_int_equal(parse(&cli, &err, "--check", "t.tsv", "-n", "2", NULL), -1);
    assert_int_equal(parse(&cli, &err, "--align-csv", "out.csv", NULL), 0);
    assert_true(cli.session.decoding.search.keep_attention);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_combinations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
