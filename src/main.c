/* rnnsearch: neural machine translation with attention from the command line. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "error.h"
#include "kernels.h"
#include "model.h"
#include "ops.h"
#include "session.h"
#include "sink.h"

#ifndef RS_VERSION
#define RS_VERSION "unknown"
#endif
#ifndef RS_DATADIR
#define RS_DATADIR "/usr/local/share"
#endif

#define EXIT_MISMATCH 1
#define EXIT_ERROR 2

static int fail(const rs_error *err)
{
    fprintf(stderr, "rnnsearch: %s\n", err->message);
    return EXIT_ERROR;
}

/* $RNNSEARCH_MODEL, else models/deu-eng.json next to the executable (a build tree), else the installed one. */
static const char *default_model(char *buffer, size_t size)
{
    const char *env = getenv("RNNSEARCH_MODEL");
    if (env && *env)
        return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            int len = snprintf(buffer, size, "%s/models/deu-eng.json", exe);
            if (len > 0 && (size_t)len < size && access(buffer, R_OK) == 0)
                return buffer;
        }
    }
    snprintf(buffer, size, "%s/rnnsearch/deu-eng.json", RS_DATADIR);
    return buffer;
}

/* The end of a run whose output failed: a reader that went away is not an error (see README). */
static int write_failure(const rs_sink *sink, const rs_error *err)
{
    if (sink && sink->broken_pipe)
        return EXIT_SUCCESS;
    return fail(err);
}

static int translate_inputs(const rs_cli *cli, const rs_model *model, rs_sink *out, rs_sink *csv)
{
    rs_error err;
    rs_session session;
    int status = EXIT_SUCCESS;
    if (rs_session_init(&session, cli, model, out, csv, &err) < 0) {
        status = csv && csv->broken_pipe ? EXIT_SUCCESS : fail(&err);
        rs_session_free(&session);
        return status;
    }
    static char *const STDIN_ONLY[] = {"-"};
    char *const *files = cli->file_count ? cli->files : STDIN_ONLY;
    int count = cli->file_count ? cli->file_count : 1;
    for (int i = 0; i < count && status == EXIT_SUCCESS; i++) {
        bool is_stdin = strcmp(files[i], "-") == 0;
        const char *name = is_stdin ? "standard input" : files[i];
        FILE *in = is_stdin ? stdin : fopen(files[i], "rb");
        if (!in) {
            rs_fail(&err, "cannot open %s: %s", files[i], strerror(errno));
            status = fail(&err);
            break;
        }
        if (rs_session_run(&session, in, name, &err) < 0)
            status = (out && out->broken_pipe) || (csv && csv->broken_pipe) ? EXIT_SUCCESS : fail(&err);
        if (!is_stdin)
            fclose(in);
        if ((out && out->broken_pipe) || (csv && csv->broken_pipe))
            break;
    }
    if (status == EXIT_SUCCESS && rs_session_finish(&session, &err) < 0)
        status = fail(&err);
    rs_session_free(&session);
    return status;
}

int main(int argc, char **argv)
{
    /* Write errors are seen as EPIPE from write() instead of a silent death. */
    signal(SIGPIPE, SIG_IGN);

    rs_error err;
    rs_cli cli;
    if (rs_cli_parse(&cli, argc, argv, &err) < 0)
        return fail(&err);
    rs_sink out = {stdout, "standard output", false};
    if (cli.help || cli.version) {
        if (cli.help)
            rs_cli_help(stdout);
        else
            printf("rnnsearch %s\nkernels: %s\n", RS_VERSION, rs_kernels_active()->isa);
        return rs_sink_close(&out, &err) < 0 ? write_failure(&out, &err) : EXIT_SUCCESS;
    }

    /* The CSV file is created before the (slow) model load, so a bad path fails fast. */
    rs_sink csv_file = {NULL, NULL, false};
    bool csv_to_stdout = cli.align_csv && strcmp(cli.align_csv, "-") == 0;
    if (cli.align_csv && !csv_to_stdout) {
        csv_file.file = fopen(cli.align_csv, "wb");
        csv_file.name = cli.align_csv;
        if (!csv_file.file) {
            rs_fail(&err, "cannot create %s: %s", cli.align_csv, strerror(errno));
            return fail(&err);
        }
    }

    char path_buffer[PATH_MAX + 64];
    const char *model_path = cli.model_path ? cli.model_path : default_model(path_buffer, sizeof path_buffer);
    rs_model model;
    if (rs_model_load(&model, model_path, &err) < 0) {
        if (csv_file.file)
            fclose(csv_file.file);
        if (!cli.model_path && strstr(err.message, ": cannot open model: "))
            fprintf(stderr, "rnnsearch: %s (give a model with -m FILE or RNNSEARCH_MODEL)\n", err.message);
        else
            fail(&err);
        return EXIT_ERROR;
    }
    if (cli.quantize_int8 && rs_model_quantize(&model, &err) < 0) {
        rs_model_free(&model);
        if (csv_file.file)
            fclose(csv_file.file);
        return fail(&err);
    }
    rs_set_threads(cli.threads ? cli.threads : rs_default_threads());

    int status;
    if (cli.check_file) {
        long long differ = 0;
        if (rs_check_run(&cli, &model, &out, &differ, &err) < 0)
            status = out.broken_pipe ? EXIT_SUCCESS : fail(&err);
        else
            status = differ ? EXIT_MISMATCH : EXIT_SUCCESS;
    } else {
        rs_sink *csv = csv_to_stdout ? &out : cli.align_csv ? &csv_file : NULL;
        status = translate_inputs(&cli, &model, csv_to_stdout ? NULL : &out, csv);
    }
    rs_model_free(&model);

    if (csv_file.file && rs_sink_close(&csv_file, &err) < 0 && status != EXIT_ERROR)
        status = fail(&err);
    if (rs_sink_close(&out, &err) < 0 && status != EXIT_ERROR && !out.broken_pipe)
        status = fail(&err);
    return status;
}
