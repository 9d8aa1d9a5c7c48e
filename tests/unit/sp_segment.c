/* A test tool, not a unit test: segments or desegments a whole file with a SentencePiece .model file through
 * rnnsearch's own segmenter (sp_segment.h), one output line per input line, so that tests/test_subword.py can
 * compare it with python3-sentencepiece on large corpora in one process.
 *
 *   sp_segment [--ids] MODEL.model < LINES      the pieces of each line, space-separated (--ids: their ids)
 *   sp_segment --decode MODEL.model < PIECES    the text of each line of space-separated pieces
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sp_model.h"
#include "sp_segment.h"
#include "tokenizer.h"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *bytes = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            unsigned char *bigger = realloc(bytes, cap);
            if (!bigger)
                break;
            bytes = bigger;
        }
        size_t got = fread(bytes + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return bytes;
}

static int segment(const rs_sp_model *model, const char *line, size_t len, int ids, rs_error *err)
{
    static rs_tokens tokens;
    if (rs_sp_encode(model, line, len, &tokens, err) < 0)
        return -1;
    for (size_t i = 0; i < tokens.count; i++) {
        if (i)
            putchar(' ');
        if (ids)
            printf("%d", (int)tokens.ids.at[i]);
        else
            fputs(rs_tokens_get(&tokens, i), stdout);
    }
    putchar('\n');
    return 0;
}

static int desegment(const rs_sp_model *model, char *line, size_t len, rs_error *err)
{
    if (len && line[len - 1] == '\n')
        line[--len] = '\0';
    const char **pieces = malloc((len / 2 + 2) * sizeof *pieces);
    if (!pieces)
        return rs_fail(err, "out of memory");
    size_t count = 0;
    for (char *save = NULL, *p = strtok_r(line, " ", &save); p; p = strtok_r(NULL, " ", &save))
        pieces[count++] = p;
    char *text = rs_sp_decode(model, pieces, count, err);
    free(pieces);
    if (!text)
        return -1;
    puts(text);
    free(text);
    return 0;
}

int main(int argc, char **argv)
{
    int decode = argc == 3 && strcmp(argv[1], "--decode") == 0;
    int ids = argc == 3 && strcmp(argv[1], "--ids") == 0;
    if (argc != 2 && !decode && !ids) {
        fputs("usage: sp_segment [--ids|--decode] MODEL.model < LINES\n", stderr);
        return 2;
    }
    size_t len;
    unsigned char *proto = read_file(argv[argc - 1], &len);
    if (!proto) {
        fprintf(stderr, "sp_segment: cannot read %s\n", argv[argc - 1]);
        return 2;
    }
    rs_sp_model model;
    rs_error err;
    if (rs_sp_model_parse(&model, proto, len, &err) < 0) {
        free(proto);
        fprintf(stderr, "sp_segment: %s: %s\n", argv[argc - 1], err.message);
        return 2;
    }
    free(proto);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int status = 0;
    while (status == 0 && (got = getline(&line, &cap, stdin)) >= 0)
        if ((decode ? desegment(&model, line, (size_t)got, &err) : segment(&model, line, (size_t)got, ids, &err)) < 0) {
            fprintf(stderr, "sp_segment: %s\n", err.message);
            status = 2;
        }
    free(line);
    rs_sp_model_free(&model);
    return status;
}
