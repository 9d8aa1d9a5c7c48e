#include "writers.h"

#include <stdio.h>
#include <string.h>

#include "token_view.h"

static const rs_writer WRITERS[] = {
    {"text", rs_format_text, rs_format_tokens_text},
    {"jsonl", rs_format_jsonl, rs_format_tokens_jsonl},
};

#define WRITER_COUNT (sizeof WRITERS / sizeof *WRITERS)

const rs_writer *rs_writer_default(void) { return &WRITERS[0]; }

const rs_writer *rs_writer_find(const char *name)
{
    for (size_t i = 0; i < WRITER_COUNT; i++)
        if (strcmp(WRITERS[i].name, name) == 0)
            return &WRITERS[i];
    return NULL;
}

void rs_writer_names(char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < WRITER_COUNT && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s'%s'", i == 0 ? "" : i + 1 < WRITER_COUNT ? ", " : " or ",
                                 WRITERS[i].name);
}
