/* libFuzzer target for the whole-file load path: the bytes are written to a file (a memfd, a regular file)
 * and loaded with rs_model_load, as `rnnsearch -m FILE` does: reading into memory, byte order marks, the stop
 * at a NUL character, the fast loader that hands pages back as it passes them, the slow path when it
 * declines. The result must be what rs_model_load_text gives for the same bytes: the same model or the same
 * one-line message. `make fuzz` runs it; by hand:
 *
 *   make build/fuzz/fuzz_file
 *   build/fuzz/fuzz_file -dict=tests/fuzz/model.dict build/fuzz/corpus/file tests/fuzz/corpus/model
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dense.h"
#include "model.h"

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition))                                                                                     \
            abort();                                                                                          \
    } while (0)

static void same_floats(const float *a, const float *b, size_t count)
{
    CHECK((a == NULL) == (b == NULL));
    if (a)
        CHECK(memcmp(a, b, count * sizeof *a) == 0);
}

/* The weights both loads must agree on (fuzz_model.c compares every tensor of the two in-memory paths). */
static void same_models(const rs_model *a, const rs_model *b)
{
    CHECK(memcmp(&a->config, &b->config, sizeof a->config) == 0);
    CHECK(a->source_vocab.size == b->source_vocab.size && a->target_vocab.size == b->target_vocab.size);
    const rs_embedding *ea = &a->weights.encoder_embedding, *eb = &b->weights.encoder_embedding;
    CHECK(ea->rows == eb->rows && ea->dim == eb->dim && ea->dtype == eb->dtype);
    CHECK(memcmp(ea->values, eb->values, rs_embedding_bytes(ea)) == 0);
    const rs_dense_layer *x = &a->weights.output, *y = &b->weights.output;
    CHECK(x->out_dim == y->out_dim && x->in_dim == y->in_dim && x->dtype == y->dtype);
    CHECK(memcmp(x->packed, y->packed, rs_dense_bytes(x)) == 0);
    same_floats(x->bias, y->bias, (size_t)x->out_dim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz.json", 0);
        CHECK(fd >= 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
    rs_model from_file, from_text;
    rs_error file_err, text_err;
    memset(&file_err, 0, sizeof file_err);
    memset(&text_err, 0, sizeof text_err);
    int file_rc = rs_model_load(&from_file, path, &file_err);
    /* an empty file is refused before any parsing, in words of its own */
    int text_rc = size ? rs_model_load_text(&from_text, (const char *)data, size, path, &text_err) : -1;
    CHECK(file_rc == text_rc);
    if (file_rc == 0) {
        same_models(&from_file, &from_text);
        rs_model_free(&from_file);
        rs_model_free(&from_text);
        return 0;
    }
    CHECK(strncmp(file_err.message, path, strlen(path)) == 0 && strchr(file_err.message, '\n') == NULL);
    /* the file is read up to the chunk with its first NUL: the message may differ only past such a byte */
    if (size && !memchr(data, '\0', size))
        CHECK(strcmp(file_err.message, text_err.message) == 0);
    return 0;
}
