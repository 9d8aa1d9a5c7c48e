/* libFuzzer target for the tokenizer: any bytes must tokenize, detokenize and parse without a memory error,
 * undefined behaviour or a broken invariant. Not part of `make test`; run it with clang:
 *
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *       -Isrc/engine src/engine/tokenizer.c src/engine/utf8.c src/engine/unicode_tables.c src/engine/error.c \
 *       tests/fuzz/fuzz_tokenizer.c \
 *       $(pkg-config --cflags --libs libcjson) -o fuzz_tokenizer
 *   ./fuzz_tokenizer -max_total_time=60 -max_len=512
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "loader.h"
#include "tokenizer.h"
#include "unicode_tables.h"
#include "utf8.h"

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition))                                                                                     \
            abort();                                                                                          \
    } while (0)

static size_t concat(const rs_tokens *tokens, char *out)
{
    size_t len = 0;
    for (size_t i = 0; i < tokens->count; i++) {
        size_t n = strlen(rs_tokens_get(tokens, i));
        memcpy(out + len, rs_tokens_get(tokens, i), n);
        len += n;
    }
    return len;
}

static void check_tokens(const rs_tokens *tokens)
{
    for (size_t i = 0; i < tokens->count; i++) {
        const unsigned char *token = (const unsigned char *)rs_tokens_get(tokens, i);
        size_t n = strlen((const char *)token);
        CHECK(n > 0);
        for (size_t k = 0; k < n;) {
            uint32_t cp;
            size_t used = rs_utf8_decode(token + k, n - k, &cp);
            CHECK(cp != RS_UTF8_REPLACEMENT || memcmp(token + k, "\xEF\xBF\xBD", 3) == 0);
            CHECK(rs_uc_class(cp) != RS_UC_SEPARATOR);
            k += used;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned flags = data[0];
    const char *line = (const char *)data + 1;
    size_t len = size - 1;
    rs_tok_options options = {.lowercase = flags & 1, .fold_accents = flags & 2, .split_elision = flags & 4,
                              .capitalize = flags & 8};
    rs_error err;
    rs_tokens plain, split;
    rs_tokens_init(&plain);
    rs_tokens_init(&split);
    CHECK(rs_tokenize(&options, line, len, &plain, &err) == 0);
    options.split_punctuation = true;
    CHECK(rs_tokenize(&options, line, len, &split, &err) == 0);
    check_tokens(&plain);
    check_tokens(&split);
    CHECK(split.count >= plain.count);

    /* Splitting punctuation only cuts tokens. A code point yields at most 3 code points of 4 bytes. */
    char *a = malloc(len * 12 + 1), *b = malloc(len * 12 + 1);
    CHECK(a && b);
    size_t a_len = concat(&plain, a), b_len = concat(&split, b);
    CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
    free(a);
    free(b);

    const char **list = malloc((split.count + 1) * sizeof *list);
    CHECK(list);
    for (size_t i = 0; i < split.count; i++)
        list[i] = rs_tokens_get(&split, i);
    char *text = rs_detokenize(&options, list, split.count, &err);
    CHECK(text);
    free(text);
    free(list);

    /* Raw bytes as target tokens (a vocabulary may hold anything): NUL-separated pieces of the input. */
    char *copy = malloc(len + 1);
    const char **pieces = malloc((len + 1) * sizeof *pieces);
    CHECK(copy && pieces);
    memcpy(copy, line, len);
    copy[len] = '\0';
    size_t count = 0;
    for (size_t start = 0; start <= len;) {
        pieces[count++] = copy + start;
        start += strlen(copy + start) + 1;
    }
    text = rs_detokenize(&options, pieces, count, &err);
    CHECK(text);
    free(text);
    free(pieces);
    free(copy);

    cJSON *json = cJSON_ParseWithLength(line, len);
    if (json) {
        rs_tokenizer tok;
        err.message[0] = '\0';
        int rc = rs_tokenizer_parse(&tok, json, "fuzz.json", &err);
        CHECK(rc == 0 || (rc == -1 && err.message[0] != '\0'));
        if (rc == 0)
            rs_tokenizer_free(&tok); /* a sentencepiece side owns its model */
        cJSON_Delete(json);
    }
    rs_tokens_free(&plain);
    rs_tokens_free(&split);
    return 0;
}
