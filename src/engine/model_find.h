/* Models by name: `-m fra-eng` finds fra-eng.json in the model directories, and --list-models shows what is
 * there. The directories, searched in this order:
 *   1. each directory of $RNNSEARCH_MODEL_PATH (colon-separated; empty entries are skipped),
 *   2. models/ next to the executable (a build tree: the repository's bundled models),
 *   3. DATADIR/rnnsearch (where `make install` puts the bundled models).
 * The first NAME.json found wins. An argument is a name when it has no '/', does not end in ".json" and no
 * file of that name exists (so `-m FILE` still means the file, as the spec says); anything else is a path.
 * The engine's, as the library's rs_model_open takes the same names; the --list-models table is the front
 * end's (model_list.h). */
#ifndef RS_MODEL_FIND_H
#define RS_MODEL_FIND_H

#include <stdbool.h>

#include "error.h"

/* Where `make install` puts the models: the Makefile compiles DATADIR in. */
#ifndef RS_DATADIR
#define RS_DATADIR "/usr/local/share"
#endif

/* The model used when neither -m nor $RNNSEARCH_MODEL names one. */
#define RS_DEFAULT_MODEL_NAME "deu-eng"

#define RS_MODEL_DIRS_MAX 64

typedef struct rs_model_dirs {
    char *dirs[RS_MODEL_DIRS_MAX]; /* in search order */
    int count;
} rs_model_dirs;

/* The search order above; datadir is the compiled-in DATADIR. Directories past RS_MODEL_DIRS_MAX are ignored. */
int rs_model_dirs_init(rs_model_dirs *dirs, const char *datadir, rs_error *err);
void rs_model_dirs_free(rs_model_dirs *dirs);

/* Whether -m's argument is a model name rather than a file (see above). */
bool rs_model_is_name(const char *arg);

/* The model file for -m's argument; NULL: $RNNSEARCH_MODEL when set and not empty (a file or a name), else the
 * default model's name. *path is malloc'd. Fails (naming the directories searched) when a name is nowhere. */
int rs_model_find(const rs_model_dirs *dirs, const char *arg, char **path, rs_error *err);

#endif
