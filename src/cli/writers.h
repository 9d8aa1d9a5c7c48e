/* The --format values, one entry each (writers.c): the name, the writer of a line's translations and the writer
 * of its tokens (--tokenize). Adding a format is one entry there and the file of its two writers. The other
 * outputs (--align-csv, --heatmap, --html) are files of their own beside the chosen format. */
#ifndef RS_WRITERS_H
#define RS_WRITERS_H

#include <stddef.h>

#include "error.h"
#include "model.h"
#include "output.h"
#include "strbuf.h"
#include "tokenizer.h"
#include "translator.h"

typedef struct rs_writer {
    const char *name; /* the --format value */
    /* Appends input line `id`'s result (output.h). */
    int (*line)(rs_strbuf *out, const rs_model *model, const rs_translation *tr, long long id,
                const rs_output_options *options, rs_error *err);
    /* Appends input line `id`'s source tokens (token_view.h). */
    int (*tokens)(rs_strbuf *out, const rs_model *model, const rs_tokens *tokens, long long id, rs_error *err);
} rs_writer;

/* The default format, text. */
const rs_writer *rs_writer_default(void);

/* The format named `name`, or NULL. */
const rs_writer *rs_writer_find(const char *name);

/* The names as a message lists them: "'text' or 'jsonl'". */
void rs_writer_names(char *out, size_t size);

#endif
