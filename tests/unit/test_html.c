/* HTML report writer tests (src/cli/html.h): JSON strings that cannot leave a script element, matrices stored
 * relative to each row's largest value, one page per document whatever the number of sentences, and write
 * failures reported as errors. The page in a browser is tests/test_html.py's. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "html.h"
#include "strbuf.h"

static char *json_of(const char *text, size_t len)
{
    rs_strbuf sb;
    rs_error err;
    rs_strbuf_init(&sb);
    assert_int_equal(rs_html_json_string(&sb, text, len, &err), 0);
    return sb.data; /* the caller frees */
}

static void assert_json(const char *text, size_t len, const char *expected)
{
    char *got = json_of(text, len);
    assert_string_equal(got, expected);
    free(got);
}

static void test_json_string_escapes(void **state)
{
    (void)state;
    assert_json("plain words", 11, "\"plain words\"");
    assert_json("</script>", 9, "\"\\u003c/script\\u003e\"");
    assert_json("<!-- & \"q\" \\", 12, "\"\\u003c!-- \\u0026 \\\"q\\\" \\\\\"");
    assert_json("a\tb\nc", 5, "\"a\\u0009b\\u000ac\"");
    assert_json("\xE2\x80\xA8|\xE2\x80\xA9", 7, "\"\\u2028|\\u2029\"");
    /* controls, DEL, C1 controls and noncharacters become U+FFFD; invalid UTF-8 too, one per maximal part */
    assert_json("\x01\x7F\xC2\x85\xEF\xBF\xBF", 7, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    assert_json("a\xFF" "b\xE2\x82", 5, "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
    /* a NUL inside the given length is data, not an end */
    assert_json("a\0b", 3, "\"a\xEF\xBF\xBD" "b\"");
    assert_json("\xD9\x81\xD8\xA7 \xF0\x9F\x98\x80", 9, "\"\xD9\x81\xD8\xA7 \xF0\x9F\x98\x80\"");
}

static const rs_html_method METHODS[] = {
    {"attention", "Attention", "weights </script>", RS_HTML_UNIT},
    {"occlusion", "Occlusion", "signed", RS_HTML_SIGNED},
};

static char *page(const rs_html_sentence *sentences, size_t count)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    rs_html_doc doc;
    rs_error err;
    assert_int_equal(rs_html_begin(&doc, f, "test", METHODS, 2, &err), 0);
    for (size_t k = 0; k < count; k++)
        assert_int_equal(rs_html_add(&doc, &sentences[k], &err), 0);
    assert_int_equal(rs_html_end(&doc, &err), 0);
    long size = ftell(f);
    assert_true(size > 0);
    char *text = malloc((size_t)size + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    text[size] = '\0';
    fclose(f);
    return text;
}

static size_t count(const char *text, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(text, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

static void test_page_with_matrices(void **state)
{
    (void)state;
    const char *source[] = {"ein", "</script>", "</s>"}, *target[] = {"a", "dog", "</s>"};
    const float attention[] = {0.5f, 0.25f, 0.25f, 0.0f, 0.0f, 0.0f, 0.1f, NAN, 0.9f};
    const float occlusion[] = {-2.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3.0f};
    const float *both[] = {attention, occlusion}, *first_only[] = {attention, NULL};
    rs_html_sentence sentences[] = {
        {.id = 0, .rank = -1, .score = -1.5, .source_text = "ein </script>\r\n", .source_text_len = 15,
         .translation = "a dog", .source = source, .n_source = 3, .target = target, .n_target = 3,
         .matrices = both},
        {.id = 1, .rank = 2, .score = NAN, .source_text = "", .source_text_len = 0, .translation = ""},
        {.id = 2, .rank = -1, .score = -0.25, .source_text = "x", .source_text_len = 1, .translation = "a",
         .source = source, .n_source = 3, .target = target, .n_target = 1, .matrices = first_only},
    };
    char *text = page(sentences, 3);
    assert_int_equal(strncmp(text, "<!DOCTYPE html>\n", 16), 0);
    assert_int_equal(count(text, "<script"), 2);
    assert_int_equal(count(text, "</script>"), 2);
    assert_int_equal(count(text, "<html"), 1);
    assert_non_null(strstr(text, "</html>\n"));
    assert_non_null(strstr(text, "Content-Security-Policy\" content=\"default-src 'none'; "));
    assert_non_null(strstr(text, "{\"name\":\"occlusion\",\"label\":\"Occlusion\",\"about\":\"signed\","
                                 "\"range\":\"signed\"}"));
    assert_non_null(strstr(text, "\"source_text\":\"ein \\u003c/script\\u003e\",\"translation\":\"a dog\""));
    /* rows relative to their largest |v|: an all-zero row stores zeros with scale 1, NaN is null */
    assert_non_null(strstr(text, "\"attention\":{\"scales\":[0.0005,1,0.0009],"
                                 "\"values\":[1000,500,500,0,0,0,111,null,1000]}"));
    assert_non_null(strstr(text, "\"occlusion\":{\"scales\":[0.002,1,0.003],"
                                 "\"values\":[-1000,500,0,0,0,0,0,0,1000]}"));
    assert_non_null(strstr(text, "{\"id\":1,\"rank\":2,\"score\":null,"));
    assert_non_null(strstr(text, "\"source\":[],\"target\":[],\"source_rtl\":false,\"target_rtl\":false,"
                                 "\"matrices\":{}}"));
    assert_null(strstr(text, "n_target"));
    assert_non_null(strstr(text, "\"target\":[\"a\"],\"source_rtl\":false,\"target_rtl\":false,\"matrices\":"
                                 "{\"attention\":{\"scales\":[0.0005],\"values\":[1000,500,500]}}}"));
    free(text);
}

static void test_direction_votes(void **state)
{
    (void)state;
    const char *persian[] = {"\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85", "!", "</s>"}, *english[] = {"hello", "</s>"};
    const float weights[] = {1, 0, 0, 1, 0, 0};
    const float *matrices[] = {weights, NULL};
    rs_html_sentence sentence = {.id = 0, .rank = -1, .source_text = "", .translation = "hello", .source = persian,
                                 .n_source = 3, .target = english, .n_target = 2, .matrices = matrices};
    char *text = page(&sentence, 1);
    assert_non_null(strstr(text, "\"source_rtl\":true,\"target_rtl\":false"));
    free(text);
}

static void test_empty_page_and_write_failure(void **state)
{
    (void)state;
    char *text = page(NULL, 0);
    assert_non_null(strstr(text, "\"sentences\":[]}</script>"));
    free(text);

    FILE *full = fopen("/dev/full", "w");
    if (!full)
        skip();
    rs_html_doc doc;
    rs_error err;
    int rc = rs_html_begin(&doc, full, "/dev/full", METHODS, 1, &err);
    if (rc == 0)
        rc = rs_html_end(&doc, &err);
    else
        rs_html_abandon(&doc);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.message, "cannot write the HTML report to /dev/full"));
    fclose(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_page_with_matrices),
        cmocka_unit_test(test_direction_votes),
        cmocka_unit_test(test_empty_page_and_write_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
