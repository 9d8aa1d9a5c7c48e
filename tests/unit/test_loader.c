/* The loader's and the output files' safety at the level of the modules: the vocabulary's keyed hash
 * (siphash.h), float32 limits on both load paths, output files written atomically and never over a
 * protected file (outfile.h). tests/test_reliability.py tests the same through the command line. */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "helpers.h"
#include "model.h"
#include "outfile.h"
#include "siphash.h"
#include "vocab.h"

static void test_siphash_reference_vectors(void **state)
{
    (void)state;
    /* SipHash-1-3 of the first bytes of 00 01 02 ... with the key 00 01 .. 0f (the reference
     * implementation's vectors_sip13; byte strings there, read little-endian here). */
    rs_siphash_key key = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    unsigned char message[16];
    for (int i = 0; i < 16; i++)
        message[i] = (unsigned char)i;
    assert_true(rs_siphash(&key, message, 0) == 0xabac0158050fc4dcULL);
    assert_true(rs_siphash(&key, message, 1) == 0xc9f49bf37d57ca93ULL);
    assert_true(rs_siphash(&key, message, 15) == 0xd320d86d2a519956ULL);
    rs_siphash_key a = rs_siphash_random_key(), b = rs_siphash_random_key();
    assert_true(a.k0 != b.k0 || a.k1 != b.k1);
}

static void test_vocabulary_lookups_do_not_depend_on_the_key(void **state)
{
    (void)state;
    enum { COUNT = 5000 };
    static char text[COUNT][16];
    const char *strings[COUNT];
    size_t lengths[COUNT];
    for (int i = 0; i < COUNT; i++) {
        snprintf(text[i], sizeof text[i], "w%d", i % 4000); /* 1000 repeated: they keep their first id */
        strings[i] = text[i];
        lengths[i] = strlen(text[i]);
    }
    for (int round = 0; round < 2; round++) {
        rs_vocab vocab;
        rs_error err;
        rs_vocab_init(&vocab);
        assert_int_equal(rs_vocab_build(&vocab, strings, lengths, COUNT, &err), 0);
        for (int i = 0; i < COUNT; i++)
            assert_int_equal(rs_vocab_find(&vocab, strings[i], lengths[i]), i % 4000);
        assert_int_equal(rs_vocab_find(&vocab, "w4000", 5), -1);
        assert_int_equal(rs_vocab_find(&vocab, "", 0), -1);
        rs_vocab_free(&vocab);
    }
}

/* The tiny model's text with the first value of output.bias replaced by `value`. */
static char *model_with_bias(const char *value)
{
    tiny_config c = tiny_default();
    cJSON *doc = tiny_doc(&c, 1);
    float ones[7] = {1, 1, 1, 1, 1, 1, 1};
    tiny_set_values(doc, "output.bias", ones, c.vt);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    const char *key = "\"output.bias\":{\"shape\":[7],\"data\":[1,";
    char *at = strstr(text, key);
    assert_non_null(at);
    size_t before = (size_t)(at - text) + strlen(key) - 2, len = strlen(text);
    char *changed = malloc(len + strlen(value) + 1);
    assert_non_null(changed);
    snprintf(changed, len + strlen(value) + 1, "%.*s%s%s", (int)before, text, value, at + strlen(key) - 1);
    free(text);
    return changed;
}

static void test_float32_max_on_both_load_paths(void **state)
{
    (void)state;
    const struct {
        const char *text;
        bool finite;
    } cases[] = {{"3.4028235e38", true}, {"-3.4028235e38", true}, {"340282346638528859811704183484516925440", true},
                 {"3.4028235677973366e38", false}, {"3.4028236e38", false}, {"1e39", false}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = model_with_bias(cases[i].text);
        for (int slow = 0; slow < 2; slow++) {
            rs_model model;
            rs_error err;
            int rc = slow ? rs_model_load_cjson(&model, text, strlen(text), "tiny.json", &err)
                          : rs_model_load_text(&model, text, strlen(text), "tiny.json", &err);
            if (cases[i].finite) {
                if (rc != 0)
                    fail_msg("%s (%s path): %s", cases[i].text, slow ? "slow" : "fast", err.message);
                assert_true(model.weights.output.bias[0] == (cases[i].text[0] == '-' ? -FLT_MAX : FLT_MAX));
                rs_model_free(&model);
            } else {
                assert_int_equal(rc, -1);
                assert_non_null(strstr(err.message, "not a finite float32 value"));
            }
        }
        free(text);
    }
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buffer[256];
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    buffer[n] = '\0';
    fclose(f);
    return buffer;
}

static void test_outfile_commit_and_abandon(void **state)
{
    (void)state;
    char dir[] = "/tmp/rs-outfile-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64], input[64];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    snprintf(input, sizeof input, "%s/in.txt", dir);
    FILE *f = fopen(path, "wb");
    fputs("old\n", f);
    fclose(f);
    rs_error err;
    rs_outfile out;
    /* abandoned: the old contents stay, no temporary file is left */
    assert_int_equal(rs_outfile_open(&out, path, &err), 0);
    fputs("new\n", out.file);
    rs_outfile_abandon(&out);
    assert_string_equal(read_all(path), "old\n");
    /* committed: replaced whole */
    assert_int_equal(rs_outfile_open(&out, path, &err), 0);
    assert_int_equal(rs_outfile_open(&(rs_outfile){0}, path, &err), -1); /* already an open output */
    assert_non_null(strstr(err.message, "given as two outputs"));
    fputs("new\n", out.file);
    assert_string_equal(read_all(path), "old\n");
    assert_int_equal(rs_outfile_commit(&out, &err), 0);
    assert_string_equal(read_all(path), "new\n");
    /* a protected file is refused */
    f = fopen(input, "wb");
    fputs("input\n", f);
    assert_int_equal(rs_outfile_protect(fileno(f), input, "an input", &err), 0);
    fclose(f);
    assert_int_equal(rs_outfile_open(&out, input, &err), -1);
    assert_non_null(strstr(err.message, "is an input: refusing to overwrite it"));
    assert_string_equal(read_all(input), "input\n");
    rs_outfile_reset();
    assert_int_equal(rs_outfile_open(&out, input, &err), 0);
    rs_outfile_abandon(&out);
    rs_outfile_abandon(&out); /* twice is fine */
    unlink(path);
    unlink(input);
    assert_int_equal(rmdir(dir), 0); /* nothing else was left in it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_reference_vectors),
        cmocka_unit_test(test_vocabulary_lookups_do_not_depend_on_the_key),
        cmocka_unit_test(test_float32_max_on_both_load_paths),
        cmocka_unit_test(test_outfile_commit_and_abandon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
