/* rnnsearch: neural machine translation with attention from the command line. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "diag.h"
#include "error.h"
#include "kernels.h"
#include "model.h"
#include "model_find.h"
#include "model_list.h"
#include "ops.h"
#include "outfile.h"
#include "rnnsearch.h"
#include "session.h"
#include "signals.h"
#include "sink.h"
#include "strbuf.h"


#define EXIT_MISMATCH 1
#define EXIT_ERROR 2

static int fail(const rs_error *err)
{
    rs_status_clear();
    fprintf(stderr, "rnnsearch: %s\n", err->message);
    return EXIT_ERROR;
}

/* The end of a run whose output failed: a reader that went away is not an error (see README). */
static int write_failure(const rs_sink *sink, const rs_error *err)
{
    if (sink && sink->broken_pipe)
        return EXIT_SUCCESS;
    return fail(err);
}

/* --help on standard output, written in one piece through the sink: the text is longer than stdio's buffer,
 * and a write error inside fputs would otherwise lose its errno (a full disk reported as an I/O error). */
static int print_help(rs_sink *out)
{
    rs_error err;
    char *text = NULL;
    size_t len = 0;
    FILE *memory = open_memstream(&text, &len);
    if (!memory) {
        rs_fail(&err, "out of memory (the help text)");
        return fail(&err);
    }
    rs_cli_help(memory);
    int rc = fclose(memory) == 0 ? rs_sink_write(out, text, len, &err) : rs_fail(&err, "out of memory (the help text)");
    free(text);
    if (rc == 0)
        rc = rs_sink_close(out, &err);
    return rc < 0 ? write_failure(out, &err) : EXIT_SUCCESS;
}

/* --list-models: the table of model_list.h on standard output. */
static int list_models(rs_sink *out)
{
    rs_error err;
    rs_model_dirs dirs;
    rs_strbuf text;
    rs_strbuf_init(&text);
    int rc = rs_model_dirs_init(&dirs, RS_DATADIR, &err);
    if (rc == 0)
        rc = rs_model_list(&dirs, &text, &err);
    rs_model_dirs_free(&dirs);
    if (rc == 0)
        rc = rs_sink_write(out, text.data, text.len, &err);
    rs_strbuf_free(&text);
    if (rc == 0)
        rc = rs_sink_close(out, &err);
    return rc < 0 ? write_failure(out, &err) : EXIT_SUCCESS;
}

/* Standard output as a sink: unbuffered (sink.h) when it is a pipe, terminal or socket. */
static rs_sink stdout_sink(void)
{
    rs_sink sink = {.file = stdout, .name = "standard output"};
    struct stat st;
    if (fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
        rs_sink_unbuffer(&sink);
    return sink;
}

/* The files of a run: every input opened (and registered with outfile.h) before anything is translated or
 * any output created, so a missing third file fails before the first is translated. */
typedef struct run_files {
    FILE **inputs;
    const char **names; /* for messages: the file name, or "standard input" */
    int count;
    rs_outfile output; /* -o */
    rs_outfile csv;    /* --align-csv FILE */
} run_files;

static void close_inputs(run_files *files)
{
    for (int i = 0; i < files->count; i++)
        if (files->inputs[i] && files->inputs[i] != stdin)
            fclose(files->inputs[i]);
    free(files->inputs);
    free(files->names);
    files->inputs = NULL;
    files->names = NULL;
    files->count = 0;
}

/* Room for every input open at once: the soft limit on descriptors raised towards the hard one. */
static void allow_open_files(int count)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
        limit.rlim_cur >= (rlim_t)count + 32)
        return;
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max > (rlim_t)count + 32 ? (rlim_t)count + 32
                                                                                            : limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

static int open_inputs(const rs_cli *cli, run_files *files, rs_error *err)
{
    static char *const STDIN_ONLY[] = {"-"};
    char *const *paths = cli->session.file_count ? cli->session.files : STDIN_ONLY;
    int count = cli->session.file_count ? cli->session.file_count : 1;
    allow_open_files(count);
    files->inputs = calloc((size_t)count, sizeof *files->inputs);
    files->names = calloc((size_t)count, sizeof *files->names);
    if (!files->inputs || !files->names)
        return rs_fail(err, "out of memory (%d input files)", count);
    for (int i = 0; i < count; i++) {
        bool is_stdin = strcmp(paths[i], "-") == 0;
        files->names[i] = is_stdin ? "standard input" : paths[i];
        files->inputs[i] = is_stdin ? stdin : fopen(paths[i], "rb");
        files->count = i + 1;
        if (!files->inputs[i])
            return rs_fail(err, "cannot open %s: %s", paths[i], strerror(errno));
        struct stat st;
        if (fstat(fileno(files->inputs[i]), &st) == 0 && S_ISDIR(st.st_mode))
            return rs_fail(err, "read error on %s: %s", files->names[i], strerror(EISDIR));
        if (rs_outfile_protect(fileno(files->inputs[i]), files->names[i], "an input", err) < 0)
            return -1;
    }
    return 0;
}

/* Registers a file by name (the model, the --check file) as one no output may replace. */
static int protect_path(const char *path, const char *role, rs_error *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return 0; /* whoever reads it reports the error */
    int rc = rs_outfile_protect(fd, path, role, err);
    close(fd);
    return rc;
}

/* Creates the output files, after the model and every input passed their checks. */
static int open_outputs(const rs_cli *cli, run_files *files, rs_error *err)
{
    if (rs_outfile_check_stdout(err) < 0)
        return -1;
    if (cli->output && rs_outfile_open(&files->output, cli->output, err) < 0)
        return -1;
    if (cli->align_csv && strcmp(cli->align_csv, "-") != 0 && rs_outfile_open(&files->csv, cli->align_csv, err) < 0)
        return -1;
    return 0;
}

static int translate_inputs(const rs_cli *cli, const rs_model *model, const run_files *files, rs_sink *out,
                            rs_sink *csv)
{
    rs_error err;
    rs_session session;
    int status = EXIT_SUCCESS;
    if (rs_session_init(&session, &cli->session, model, out, csv, &err) < 0) {
        status = csv && csv->broken_pipe ? EXIT_SUCCESS : fail(&err);
        rs_session_free(&session);
        return status;
    }
    for (int i = 0; i < files->count && status == EXIT_SUCCESS && !rs_stop_signal(); i++) {
        if (rs_session_run(&session, files->inputs[i], files->names[i], &err) < 0)
            status = (out && out->broken_pipe) || (csv && csv->broken_pipe) ? EXIT_SUCCESS : fail(&err);
        if ((out && out->broken_pipe) || (csv && csv->broken_pipe))
            break;
    }
    if (status == EXIT_SUCCESS && !rs_stop_signal() && rs_session_finish(&session, &err) < 0)
        status = fail(&err);
    rs_session_free(&session);
    return status;
}

/* The model file of -m (a file or a name) or the default (model_find.h); malloc'd, NULL on failure (reported). */
static char *find_model(const rs_cli *cli)
{
    rs_error err;
    rs_model_dirs dirs;
    char *path = NULL;
    if (rs_model_dirs_init(&dirs, RS_DATADIR, &err) < 0 || rs_model_find(&dirs, cli->model_path, &path, &err) < 0)
        fail(&err);
    rs_model_dirs_free(&dirs);
    return path;
}

/* Loads the model (the default one when -m is not given). */
static int load_model(const rs_cli *cli, rs_model *model)
{
    rs_error err;
    char *model_path = find_model(cli);
    if (!model_path)
        return -1;
    int rc = rs_model_load(model, model_path, &err);
    if (rc < 0) {
        if (!cli->model_path && strstr(err.message, ": cannot open model: "))
            fprintf(stderr, "rnnsearch: %s (give a model with -m FILE or RNNSEARCH_MODEL)\n", err.message);
        else
            fail(&err);
    } else if ((rc = protect_path(model_path, "the model", &err)) < 0 ||
               (cli->quantize_int8 && (rc = rs_model_quantize(model, &err)) < 0)) {
        rs_model_free(model);
        fail(&err);
    }
    free(model_path);
    return rc;
}

/* Runs --check or the translation of the inputs into the open outputs. */
static int run(const rs_cli *cli, const rs_model *model, const rs_check_file *check_file, run_files *files,
               rs_sink *out)
{
    rs_error err;
    if (cli->check_file) {
        long long differ = 0;
        if (rs_check_run(&cli->session, model, check_file, out, &differ, &err) < 0)
            return out->broken_pipe ? EXIT_SUCCESS : fail(&err);
        return differ ? EXIT_MISMATCH : EXIT_SUCCESS;
    }
    rs_sink csv_stdout = stdout_sink();
    rs_sink csv_file = {.file = files->csv.file, .name = cli->align_csv};
    bool csv_to_stdout = cli->align_csv && strcmp(cli->align_csv, "-") == 0;
    rs_sink *csv = csv_to_stdout ? (cli->output ? &csv_stdout : out) : cli->align_csv ? &csv_file : NULL;
    rs_sink *translations = csv_to_stdout && !cli->output ? NULL : out;
    int status = translate_inputs(cli, model, files, translations, csv);
    if (csv == &csv_stdout && csv_stdout.broken_pipe)
        out->broken_pipe = true;
    return status;
}

/* Ends the outputs: renamed into place after a successful run, else removed (the old files stay). */
static int finish_outputs(const rs_cli *cli, run_files *files, rs_sink *out, int status)
{
    rs_error err;
    bool keep = status != EXIT_ERROR && !rs_stop_signal();
    if (!keep) {
        rs_outfile_abandon(&files->output);
        rs_outfile_abandon(&files->csv);
    } else if (rs_outfile_commit(&files->csv, &err) < 0 || rs_outfile_commit(&files->output, &err) < 0) {
        rs_outfile_abandon(&files->output);
        status = fail(&err);
    }
    rs_sink plain_stdout = {.file = stdout, .name = "standard output"};
    rs_sink *last = cli->output ? &plain_stdout : out;
    if (rs_sink_close(last, &err) < 0 && status != EXIT_ERROR && !last->broken_pipe)
        status = fail(&err);
    if (rs_stop_signal())
        return 128 + rs_stop_signal();
    return status;
}

/* Descriptors 0-2 closed by whoever started rnnsearch are taken by /dev/null opened the wrong way round:
 * reading or writing them fails as on a closed descriptor (EBADF), and no file rnnsearch opens gets their
 * number (an input or output file opened as descriptor 1 would pass for standard output). */
static void hold_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int held = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
        if (held >= 0 && held != fd) {
            dup2(held, fd);
            close(held);
        }
    }
}

int main(int argc, char **argv)
{
    /* Write errors are seen as EPIPE from write() instead of a silent death. */
    signal(SIGPIPE, SIG_IGN);
    hold_standard_descriptors();

    rs_error err;
    rs_cli cli;
    if (rs_cli_parse(&cli, argc, argv, &err) < 0)
        return fail(&err);
    rs_sink out = {.file = stdout, .name = "standard output"};
    rs_check_file check_file;
    memset(&check_file, 0, sizeof check_file);
    if (cli.check_file && !cli.help && !cli.version && !cli.list_models &&
        (rs_check_read(&check_file, cli.check_file, &err) < 0 ||
         rs_check_apply_header(&check_file, argc, argv, &cli, &err) < 0)) {
        rs_check_file_free(&check_file);
        return fail(&err);
    }
    rs_diag_set_quiet(cli.quiet);
    if (cli.help)
        return print_help(&out);
    if (cli.version) {
        printf("rnnsearch %s\nkernels: %s\n", rnnsearch_version(), rs_kernels_active()->isa);
        return rs_sink_close(&out, &err) < 0 ? write_failure(&out, &err) : EXIT_SUCCESS;
    }
    if (cli.list_models) {
        rs_check_file_free(&check_file);
        return list_models(&out);
    }
    rs_signals_install();
    out = stdout_sink();

    rs_model model;
    if (load_model(&cli, &model) < 0) {
        rs_check_file_free(&check_file);
        rs_outfile_reset();
        return rs_stop_signal() ? 128 + rs_stop_signal() : EXIT_ERROR;
    }
    rs_signals_block(true);
    rs_set_threads(cli.threads ? cli.threads : rs_default_threads());
    rs_signals_block(false);

    run_files files = {0};
    int status = EXIT_SUCCESS;
    if ((cli.check_file ? protect_path(cli.check_file, "the --check file", &err) : open_inputs(&cli, &files, &err)) < 0 ||
        open_outputs(&cli, &files, &err) < 0)
        status = fail(&err);
    if (status == EXIT_SUCCESS && !rs_stop_signal()) {
        if (cli.output)
            out = (rs_sink){.file = files.output.file, .name = files.output.path};
        status = run(&cli, &model, &check_file, &files, &out);
    }
    rs_model_free(&model);
    rs_check_file_free(&check_file);
    close_inputs(&files);
    status = finish_outputs(&cli, &files, &out, status);
    rs_outfile_reset();
    return status;
}
