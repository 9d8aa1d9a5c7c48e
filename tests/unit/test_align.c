/* Alignment links and their symmetrizations (align.h) on hand-made matrices. With --links the binary is also
 * tests/test_align.py's tool: it reads cases from standard input, each a line `rows width first count null
 * use_threshold threshold method tension` (method: rs_method's number; tension < 0: no --align-prior) and `rows`
 * lines of `width` numbers, and prints per case five lines (after the prior, when there is one), the links of
 * the rows, of the columns, and of intersection, union and grow-diag-final, as Pharaoh "c-r" pairs; the test
 * compares them with scripts/aer.py's Python. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "align.h"
#include "strbuf.h"

/* The links of the five rules, each "s-t ..." on its own line. */
static int all_rules(const float *m, int rows, int width, int first, int count, const rs_align_rule *rule,
                     bool nulls, rs_strbuf *out, rs_error *err)
{
    size_t n = (size_t)rows * (size_t)count + 1;
    unsigned char *f = calloc(n, 1), *b = calloc(n, 1), *links = calloc(n, 1);
    int rc = f && b && links ? 0 : -1;
    if (rc == 0) {
        rs_links_rows(m, rows, width, first, count, rule, nulls, f);
        rs_links_columns(m, rows, width, first, count, rule, b);
        rc = rs_links_format(out, f, rows, count, err) < 0 || rs_strbuf_putc(out, '\n', err) < 0 ||
                     rs_links_format(out, b, rows, count, err) < 0 || rs_strbuf_putc(out, '\n', err) < 0
                 ? -1
                 : 0;
    }
    for (int mode = RS_SYMMETRIZE_INTERSECTION; rc == 0 && mode <= RS_SYMMETRIZE_GROW_DIAG_FINAL; mode++)
        rc = rs_links_symmetrize(f, b, rows, count, (rs_symmetrize)mode, links, err) < 0 ||
                     rs_links_format(out, links, rows, count, err) < 0 || rs_strbuf_putc(out, '\n', err) < 0
                 ? -1
                 : 0;
    free(f);
    free(b);
    free(links);
    return rc;
}

static void check(const float *m, int rows, int width, int first, int count, bool nulls, const char *expected)
{
    rs_align_rule rule = {RS_METHOD_ATTENTION, false, 0.0, RS_SYMMETRIZE_NONE, false, 0.0};
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    assert_int_equal(all_rules(m, rows, width, first, count, &rule, nulls, &out, &err), 0);
    assert_string_equal(out.data, expected);
    rs_strbuf_free(&out);
}

static void test_rules(void **state)
{
    (void)state;
    /* 3 target words x 3 source words: row argmax 0->0, 1->2, 2->2; column argmax 0->0, 1->1 (its largest is
     * row 1), 2->2. Grow-diag-final adds 1-1 (a neighbour of 0-0 whose row is unaligned), and then not 1-2
     * (row 1 and column 2 both have links). */
    const float a[] = {
        0.9f, 0.1f, 0.0f, /* */
        0.0f, 0.3f, 0.7f, /* */
        0.1f, 0.2f, 0.8f,
    };
    check(a, 3, 3, 0, 3, false,
          "0-0 2-1 2-2\n0-0 1-1 2-2\n0-0 2-2\n0-0 1-1 2-1 2-2\n0-0 1-1 2-2\n");
    /* the same rows with a bos column before and an eos column after: the attention's argmax on eos (row 1)
     * leaves that word unaligned; the other methods' argmax takes the words alone */
    const float b[] = {
        0.0f, 0.9f, 0.1f, 0.0f, 0.0f, /* */
        0.0f, 0.0f, 0.3f, 0.2f, 0.5f, /* */
        0.0f, 0.1f, 0.2f, 0.7f, 0.0f,
    };
    check(b, 3, 5, 1, 3, true, "0-0 2-2\n0-0 1-1 2-2\n0-0 2-2\n0-0 1-1 2-2\n0-0 1-1 2-2\n");
    check(b, 3, 5, 1, 3, false, "0-0 1-1 2-2\n0-0 1-1 2-2\n0-0 1-1 2-2\n0-0 1-1 2-2\n0-0 1-1 2-2\n");
    /* ties go to the first */
    const float c[] = {0.5f, 0.5f, 0.5f, 0.5f};
    check(c, 2, 2, 0, 2, false, "0-0 0-1\n0-0 1-0\n0-0\n0-0 1-0 0-1\n0-0 1-0 0-1\n");
}

static void test_threshold(void **state)
{
    (void)state;
    const float a[] = {0.6f, 0.3f, 0.1f, 0.4f, 0.4f, 0.2f};
    rs_align_rule rule = {RS_METHOD_OCCLUSION, true, 0.3, RS_SYMMETRIZE_NONE, false, 0.0};
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    assert_int_equal(all_rules(a, 2, 3, 0, 3, &rule, false, &out, &err), 0);
    /* the threshold rule is symmetric: both directions give the same links */
    assert_string_equal(out.data, "0-0 1-0 0-1 1-1\n0-0 1-0 0-1 1-1\n0-0 1-0 0-1 1-1\n0-0 1-0 0-1 1-1\n"
                                  "0-0 1-0 0-1 1-1\n");
    rs_strbuf_free(&out);
}

static void test_word_matrix(void **state)
{
    (void)state;
    /* rows: pieces 0, 1 of word 0, piece 2 of word 1; columns: pieces 0 | 1, 2 */
    const float m[] = {0.2f, 0.3f, 0.5f, 0.4f, 0.4f, 0.2f, 1.0f, 0.0f, 0.0f};
    const int rows[] = {0, 0, 1}, cols[] = {0, 1, 1};
    float out[4];
    rs_word_matrix(m, 3, 3, rows, 2, cols, 2, out);
    assert_true(out[0] == (0.2f + 0.4f) / 2.0f);
    assert_true(out[1] == ((0.3f + 0.5f) + (0.4f + 0.2f)) / 2.0f);
    assert_true(out[2] == 1.0f && out[3] == 0.0f);
}

static void test_prior(void **state)
{
    (void)state;
    /* two equal occlusion rows: the prior alone decides, each row's own diagonal word taking 1 / (1 + e^-2) at
     * tension 4 (the other word is half the sentence away); bos and eos columns stay as they were */
    float m[] = {7.0f, 0.5f, 0.5f, 7.0f, /* */ 7.0f, 0.5f, 0.5f, 7.0f};
    rs_links_prior(m, 2, 4, 1, 2, RS_METHOD_OCCLUSION, 4.0);
    float diagonal = (float)(1.0 / (1.0 + exp(-2.0)));
    assert_true(m[0] == 7.0f && m[3] == 7.0f && m[4] == 7.0f && m[7] == 7.0f);
    assert_true(m[1] == diagonal && m[6] == diagonal);
    assert_true(fabsf(m[1] + m[2] - 1.0f) < 1e-6f);
    /* attention weights are read as log probabilities: at tension 0 the row is the weights renormalized over
     * the words, and a zero weight gets 1e-9 of the mass before normalization */
    float a[] = {0.2f, 0.6f, 0.0f};
    rs_links_prior(a, 1, 3, 0, 3, RS_METHOD_ATTENTION, 0.0);
    assert_true(fabsf(a[0] - 0.25f) < 1e-6f && fabsf(a[1] - 0.75f) < 1e-6f && a[2] > 0.0f && a[2] < 2e-9f);
}

static void test_symmetrize_names(void **state)
{
    (void)state;
    rs_symmetrize mode;
    rs_error err;
    assert_int_equal(rs_symmetrize_parse("grow-diag-final", &mode, &err), 0);
    assert_int_equal(mode, RS_SYMMETRIZE_GROW_DIAG_FINAL);
    assert_int_equal(rs_symmetrize_parse("grow-diag", &mode, &err), -1);
    assert_non_null(strstr(err.message, "unknown rule 'grow-diag'"));
}

/* --links: the tool mode (see the top). */
static int links_tool(void)
{
    int rows, width, first, count, nulls, use_threshold, method;
    double threshold, tension;
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    while (scanf("%d %d %d %d %d %d %lf %d %lf", &rows, &width, &first, &count, &nulls, &use_threshold, &threshold,
                 &method, &tension) == 9) {
        if (rows < 0 || width <= 0 || first < 0 || count < 0 || first + count > width || method < 0 ||
            method >= RS_METHOD_COUNT)
            return 2;
        float *m = malloc(((size_t)rows * (size_t)width + 1) * sizeof *m);
        if (!m)
            return 2;
        for (size_t i = 0; i < (size_t)rows * (size_t)width; i++)
            if (scanf("%f", &m[i]) != 1) {
                free(m);
                return 2;
            }
        rs_align_rule rule = {(rs_method)method, use_threshold != 0, threshold, RS_SYMMETRIZE_NONE, tension >= 0,
                              tension};
        if (rule.use_prior) {
            rs_links_prior(m, rows, width, first, count, rule.method, tension);
            nulls = 0;
        }
        rs_strbuf_clear(&out);
        int rc = all_rules(m, rows, width, first, count, &rule, nulls != 0, &out, &err);
        free(m);
        if (rc < 0)
            return 2;
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    }
    rs_strbuf_free(&out);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--links") == 0)
        return links_tool();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_word_matrix),
        cmocka_unit_test(test_prior),
        cmocka_unit_test(test_symmetrize_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
