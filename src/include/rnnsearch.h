/* rnnsearch: the translation engine as a C library (README.md "Library and Python").
 *
 *     rnnsearch_model *model;
 *     rnnsearch_error err;
 *     if (rnnsearch_model_load(&model, "deu-eng", NULL, &err) != RNNSEARCH_OK)
 *         ... err.message says what and where ...
 *     rnnsearch_options options;
 *     rnnsearch_options_init(&options);
 *     options.beam = 5;
 *     const char *lines[] = {"ein Haus .", "eine Katze ."};
 *     rnnsearch_result *result;
 *     if (rnnsearch_translate(model, lines, NULL, 2, &options, &result, &err) == RNNSEARCH_OK) {
 *         puts(rnnsearch_hyp_text(result, 0, 0));
 *         rnnsearch_result_free(result);
 *     }
 *     rnnsearch_model_free(model);
 *
 * The results are those of the command line for the same options: the same tokens, scores, attention and
 * attributions, bit for bit (rnnsearch --format jsonl prints them to 9 or 17 significant digits).
 *
 * Errors are values: a function that can fail returns an rnnsearch_status and, when `err` is not NULL, fills
 * it with the status and a one-line message (the command line's message without "rnnsearch: "). The model
 * also keeps the message of its last failed call (rnnsearch_model_error). Nothing is printed, nothing exits.
 *
 * Handles are opaque. A model may be shared by threads: translations on it (or on several models) run one
 * at a time, since the engine's worker threads are one pool per process. A result belongs to its caller and
 * stays valid until rnnsearch_result_free, whatever else is translated. Accessors take a result, a sentence
 * index i (the input order) and a hypothesis index k (best first); an index out of range gives 0 or NULL.
 *
 * Matrices are row-major float arrays owned by the result. A target step is a target token, the final eos
 * included when the hypothesis emitted it; a source position is a source token, the added bos/eos included.
 * With a subword model (pieces marked with U+2581) tokens are pieces and the word level groups them into
 * words (README.md "Words and pieces"); with a word-level model both levels are the same. */
#ifndef RNNSEARCH_H
#define RNNSEARCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RNNSEARCH_VERSION_MAJOR 1
#define RNNSEARCH_VERSION_MINOR 0
#define RNNSEARCH_VERSION_PATCH 0
#define RNNSEARCH_VERSION "1.0.0"

#if defined(__GNUC__)
#define RNNSEARCH_API __attribute__((visibility("default")))
#else
#define RNNSEARCH_API
#endif

/* The version of the library in use ("1.0.0"), which may differ from RNNSEARCH_VERSION of the header a
 * program was compiled with. */
RNNSEARCH_API const char *rnnsearch_version(void);

typedef enum rnnsearch_status {
    RNNSEARCH_OK = 0,
    RNNSEARCH_ERROR_ARGUMENT = 1, /* a bad argument or option value (NULL, out of range, ...) */
    RNNSEARCH_ERROR_MODEL = 2,    /* the model cannot be found, read or used */
    RNNSEARCH_ERROR_MEMORY = 3,   /* out of memory */
    RNNSEARCH_ERROR_TRANSLATE = 4 /* the engine failed on an input (a message says which) */
} rnnsearch_status;

typedef struct rnnsearch_error {
    int status; /* an rnnsearch_status */
    char message[512];
} rnnsearch_error;

/* A short description of a status ("bad argument", ...). */
RNNSEARCH_API const char *rnnsearch_status_string(int status);

/* ---- models ---- */

typedef struct rnnsearch_model rnnsearch_model;

typedef struct rnnsearch_load_options {
    int threads;       /* worker threads, for the whole process (-t), at most 256; 0: the CPUs available (at
                        * most 8) unless an earlier load set a count, which then stays */
    int quantize_int8; /* non-zero: int8 weights for the matrices (--quantize int8) */
} rnnsearch_load_options;

/* The defaults: threads 0, no quantization. */
RNNSEARCH_API void rnnsearch_load_options_init(rnnsearch_load_options *options);

/* Loads a model as `rnnsearch -m NAME_OR_PATH` finds it: a file, or the name of an installed model such as
 * "fra-eng" ($RNNSEARCH_MODEL_PATH, models/ of a build tree, the installed models); NULL: $RNNSEARCH_MODEL,
 * else the default model. options may be NULL (the defaults). *model is NULL on failure. */
RNNSEARCH_API int rnnsearch_model_load(rnnsearch_model **model, const char *name_or_path,
                                       const rnnsearch_load_options *options, rnnsearch_error *err);

RNNSEARCH_API void rnnsearch_model_free(rnnsearch_model *model);

/* The message of the model's last failed call, "" when none failed. Valid until the next call on the model. */
RNNSEARCH_API const char *rnnsearch_model_error(const rnnsearch_model *model);

/* Non-zero when the model's vocabularies are subword pieces (then the word level differs from the pieces). */
RNNSEARCH_API int rnnsearch_model_is_subword(const rnnsearch_model *model);

/* The language codes of the model's meta data ("de", "en"), "" where it names none. */
RNNSEARCH_API const char *rnnsearch_model_source_language(const rnnsearch_model *model);
RNNSEARCH_API const char *rnnsearch_model_target_language(const rnnsearch_model *model);

/* ---- attribution methods (--explain=METHODS) ---- */

typedef enum rnnsearch_method {
    RNNSEARCH_METHOD_ATTENTION = 0,
    RNNSEARCH_METHOD_OCCLUSION = 1,
    RNNSEARCH_METHOD_SALIENCY = 2,
    RNNSEARCH_METHOD_GRAD_INPUT = 3,
    RNNSEARCH_METHOD_IG = 4,
    RNNSEARCH_METHOD_COUNT = 5
} rnnsearch_method;

#define RNNSEARCH_METHOD_BIT(method) (1u << (method))

/* The method's name as --explain=METHODS spells it ("grad_input"); NULL out of range. */
RNNSEARCH_API const char *rnnsearch_method_name(int method);

/* A comma list of method names ("saliency,ig") as a mask of RNNSEARCH_METHOD_BIT. */
RNNSEARCH_API int rnnsearch_methods_parse(const char *list, unsigned *methods, rnnsearch_error *err);

/* ---- translation ---- */

typedef struct rnnsearch_options {
    int beam;                 /* -b: 1 (greedy) .. 1000 (default 5) */
    int n_best;               /* -n: hypotheses kept per sentence, at most beam (default 1) */
    int max_length;           /* --max-length (default 256) */
    double max_length_factor; /* --max-length-factor (default 3.0) */
    double length_penalty;    /* --length-penalty (default 0.6) */
    int no_repeat_ngram;      /* --no-repeat-ngram (default 0: off) */
    int max_source_tokens;    /* --max-source-tokens (default 1024) */
    int split_sentences;      /* 0: --no-split-sentences (default 1) */
    int replace_unk;          /* --replace-unk (default 0) */
    unsigned explain;         /* --explain=METHODS: a mask of RNNSEARCH_METHOD_BIT (default 0: none) */
    int ig_steps;             /* --ig-steps (default 0: adaptive) */
    int batch_size;           /* --batch-size: sentences decoded together (default 32; results do not change) */
    int occlusion_words;      /* 1: --occlusion-unit word (default 0: piece) */
} rnnsearch_options;

/* The command line's defaults. Always start from them: later versions may add fields. */
RNNSEARCH_API void rnnsearch_options_init(rnnsearch_options *options);

typedef struct rnnsearch_result rnnsearch_result;

/* Translates sentences[0 .. count) (UTF-8, one sentence or line each, as the command line reads lines).
 * targets: NULL, or forced decoding (--forced): targets[i] is decoded as the translation of sentences[i]
 * (n_best must be 1). options may be NULL (the defaults). *result is NULL on failure. */
RNNSEARCH_API int rnnsearch_translate(rnnsearch_model *model, const char *const *sentences,
                                      const char *const *targets, int count, const rnnsearch_options *options,
                                      rnnsearch_result **result, rnnsearch_error *err);

RNNSEARCH_API void rnnsearch_result_free(rnnsearch_result *result);

/* Token levels of the accessors. */
typedef enum rnnsearch_level { RNNSEARCH_PIECES = 0, RNNSEARCH_WORDS = 1 } rnnsearch_level;

/* Sentences in the result (the count translated). */
RNNSEARCH_API int rnnsearch_result_count(const rnnsearch_result *result);

/* The source tokens of sentence i as the encoder saw them (pieces, or words), added bos/eos included; returns
 * their number (0 for a sentence without tokens, which is not translated). */
RNNSEARCH_API int rnnsearch_source_tokens(const rnnsearch_result *result, int i, int level,
                                          const char *const **tokens);

/* The word (index into the word-level source tokens) of each source piece. */
RNNSEARCH_API const int *rnnsearch_source_word_of(const rnnsearch_result *result, int i);

/* Source tokens (and, forced, target tokens) past max_source_tokens, not translated. */
RNNSEARCH_API size_t rnnsearch_source_dropped(const rnnsearch_result *result, int i);

/* Hypotheses of sentence i: min(n_best, those found); 0 for a sentence without tokens. */
RNNSEARCH_API int rnnsearch_hyp_count(const rnnsearch_result *result, int i);

/* The translation as the command line prints it (detokenized). */
RNNSEARCH_API const char *rnnsearch_hyp_text(const rnnsearch_result *result, int i, int k);

/* The target tokens (pieces, or words), eos excluded; returns their number. */
RNNSEARCH_API int rnnsearch_hyp_tokens(const rnnsearch_result *result, int i, int k, int level,
                                       const char *const **tokens);

/* The word (index into the word-level target tokens) of each target piece, eos excluded. */
RNNSEARCH_API const int *rnnsearch_hyp_word_of(const rnnsearch_result *result, int i, int k);

/* Target steps: the tokens, plus the eos when the hypothesis ended with one. */
RNNSEARCH_API int rnnsearch_hyp_steps(const rnnsearch_result *result, int i, int k);
RNNSEARCH_API int rnnsearch_hyp_ended_by_eos(const rnnsearch_result *result, int i, int k);
/* Cut by the length limit without eos. */
RNNSEARCH_API int rnnsearch_hyp_truncated(const rnnsearch_result *result, int i, int k);

/* The sum of the steps' log-probabilities, and that over steps^length_penalty (the ranking score). */
RNNSEARCH_API double rnnsearch_hyp_score(const rnnsearch_result *result, int i, int k);
RNNSEARCH_API double rnnsearch_hyp_normalized_score(const rnnsearch_result *result, int i, int k);

/* log p of each step's token [steps]: their sum is the score, except on a line translated sentence by sentence
 * (README.md "Several sentences on one line"), whose score also counts the eos that ended each sentence but the
 * last (steps the joined hypothesis leaves out). */
RNNSEARCH_API const float *rnnsearch_hyp_logprobs(const rnnsearch_result *result, int i, int k);

/* The attention [rows, cols]: pieces, a row per step and a column per source position; words, a row per
 * target word and the eos, a column per source word (each row still sums to 1). */
RNNSEARCH_API const float *rnnsearch_hyp_attention(const rnnsearch_result *result, int i, int k, int level,
                                                   int *rows, int *cols);

/* A method's attribution [steps, source positions] (pieces), as --explain=METHODS computes it; NULL when the
 * options did not ask for the method. */
RNNSEARCH_API const float *rnnsearch_hyp_attribution(const rnnsearch_result *result, int i, int k, int method,
                                                     int *rows, int *cols);

/* ig's completeness error per step [steps] (NULL without ig). */
RNNSEARCH_API const float *rnnsearch_hyp_ig_error(const rnnsearch_result *result, int i, int k);

/* A method's Spearman rho with the attention per step [steps] (NaN where undefined), and its mean; NULL and
 * NaN for the attention itself and methods not asked for. */
RNNSEARCH_API const double *rnnsearch_hyp_rank_correlation(const rnnsearch_result *result, int i, int k,
                                                           int method);
RNNSEARCH_API double rnnsearch_hyp_mean_rank_correlation(const rnnsearch_result *result, int i, int k, int method);

#ifdef __cplusplus
}
#endif

#endif
