/* libFuzzer target for the command line: the bytes, split at NUL bytes, are the arguments (at most 24).
 * rs_cli_parse must accept them with every invariant of rs_cli holding, or refuse them with one printable
 * line; --help's text must be written whole. `make fuzz` runs it; by hand:
 *
 *   make build/fuzz/fuzz_cli
 *   build/fuzz/fuzz_cli -dict=tests/fuzz/cli.dict build/fuzz/corpus/cli tests/fuzz/corpus/cli
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define CHECK(condition)                                                                                      \
    do {                                                                                                      \
        if (!(condition))                                                                                     \
            abort();                                                                                          \
    } while (0)

#define MAX_ARGS 24

static void check_cli(const rs_cli *cli, int argc)
{
    if (cli->help || cli->version)
        return;
    const rs_search_options *search = &cli->session.decoding.search;
    CHECK(search->beam >= 1 && cli->session.output.n_best >= 1 && cli->session.output.n_best <= search->beam);
    CHECK(search->max_length >= 1 && search->max_length_factor > 0 && search->length_penalty >= 0);
    CHECK(cli->threads >= 0 && cli->threads <= RS_MAX_THREADS); /* 0: the default */
    const rs_decoding *d = &cli->session.decoding;
    CHECK(d->batch_size >= 1 && d->batch_size <= RS_MAX_BATCH_SIZE && d->max_source_tokens >= 1);
    CHECK(cli->session.file_count >= 0 && cli->session.file_count < argc);
    for (int i = 0; i < cli->session.file_count; i++)
        CHECK(cli->session.files[i] != NULL);
    CHECK(!cli->output || *cli->output);
    CHECK(!cli->model_path || *cli->model_path);
}

static void check_message(const char *message)
{
    CHECK(*message && strchr(message, '\n') == NULL);
    for (const unsigned char *p = (const unsigned char *)message; *p; p++)
        CHECK(*p >= 0x20 || *p == '\t');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    CHECK(copy);
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "rnnsearch";
    for (size_t start = 0; start <= size && argc <= MAX_ARGS; start += strlen(copy + start) + 1)
        argv[argc++] = copy + start;
    argv[argc] = NULL;
    rs_cli cli;
    rs_error err;
    memset(&err, 0, sizeof err);
    if (rs_cli_parse(&cli, argc, argv, &err) == 0)
        check_cli(&cli, argc);
    else
        check_message(err.message);
    free(copy);
    return 0;
}
