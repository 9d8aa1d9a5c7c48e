#include "sentences.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "unicode_tables.h"
#include "utf8.h"

/* Words that a full stop follows without ending the sentence, per language (single letters and words with an
 * inner full stop, such as "z. B." or "U.S.", need no entry: every language treats them so). */
static const char *const ABBREVIATIONS_DE[] = {
    "Abb", "Abs", "Bd", "Bsp", "Dipl", "Dr", "Fr", "Hr", "Hrn", "Ing", "Jh", "Jhd", "Mio", "Mrd", "Nr", "Prof",
    "St", "Str", "Tel", "bspw", "bzgl", "bzw", "ca", "evtl", "geb", "gest", "ggf", "inkl", "usw", "vgl", "zzgl",
    NULL};
static const char *const ABBREVIATIONS_EN[] = {
    "Apr", "Aug", "Capt", "Col", "Dec", "Dr", "Feb", "Fig", "Gen", "Gov", "Hon", "Jan", "Jr", "Jul", "Jun",
    "Lt", "Mar", "Messrs", "Mr", "Mrs", "Ms", "Mt", "No", "Nov", "Oct", "Prof", "Rep", "Rev", "Sen", "Sep",
    "Sept", "Sgt", "Sr", "St", "Vol", "approx", "vs", NULL};
static const char *const ABBREVIATIONS_FR[] = {
    "Dr", "MM", "Me", "Mgr", "Mlle", "Mlles", "Mme", "Mmes", "Pr", "St", "Ste", "av", "bd", "cf", "chap",
    "env", "fig", "hab", "min", "no", "réf", "tél", "vol", NULL};
static const char *const ABBREVIATIONS_FA[] = {"ه.ش", "ه.ق", "ق.م", "ج", "ص", "ش", NULL};

typedef struct language_rules {
    const char *const *codes; /* ISO 639-1 and -2/3 codes */
    const char *const *abbreviations;
    bool ordinals; /* a number of one or two digits and a full stop is an ordinal ("am 1. Mai") */
} language_rules;

static const char *const CODES_DE[] = {"de", "deu", "ger", NULL};
static const char *const CODES_EN[] = {"en", "eng", NULL};
static const char *const CODES_FR[] = {"fr", "fra", "fre", NULL};
static const char *const CODES_FA[] = {"fa", "fas", "per", "pes", NULL};
static const language_rules LANGUAGES[] = {
    {CODES_DE, ABBREVIATIONS_DE, true},
    {CODES_EN, ABBREVIATIONS_EN, false},
    {CODES_FR, ABBREVIATIONS_FR, false},
    {CODES_FA, ABBREVIATIONS_FA, false},
};
#define LANGUAGE_COUNT (sizeof LANGUAGES / sizeof LANGUAGES[0])

static bool in_list(const char *const *list, const char *word, size_t len)
{
    for (; *list; list++)
        if (strlen(*list) == len && memcmp(*list, word, len) == 0)
            return true;
    return false;
}

static const language_rules *find_language(const char *language)
{
    for (size_t i = 0; language && i < LANGUAGE_COUNT; i++)
        if (in_list(LANGUAGES[i].codes, language, strlen(language)))
            return &LANGUAGES[i];
    return NULL;
}

static bool is_final(uint32_t cp) { return cp == '.' || cp == '!' || cp == '?' || cp == 0x2026 || cp == 0x61f; }

static bool is_closing(uint32_t cp)
{
    /* U+201C and U+2018 close German quotes („…“, ‚…‘) */
    return cp == '"' || cp == '\'' || cp == ')' || cp == ']' || cp == '}' || cp == 0xbb || cp == 0x201d ||
           cp == 0x201c || cp == 0x2019 || cp == 0x2018 || cp == 0x203a || cp == 0x300d || cp == 0x300f;
}

static bool is_opening(uint32_t cp)
{
    return cp == '"' || cp == '\'' || cp == '(' || cp == '[' || cp == 0xab || cp == 0x201c || cp == 0x201e ||
           cp == 0x2018 || cp == 0x201a || cp == 0x2039 || cp == 0xbf || cp == 0xa1;
}

/* A sentence may start with a digit or a letter that is not lowercase (uppercase, or of a caseless script). */
static bool is_starter(uint32_t cp)
{
    unsigned props = rs_uc_props(cp), cls = props & RS_UC_CLASS_MASK;
    return cls == RS_UC_DIGIT || (cls == RS_UC_WORD && !(props & RS_UC_HAS_UPPER));
}

static uint32_t decode_at(const char *text, size_t len, size_t i, size_t *n)
{
    uint32_t cp;
    *n = rs_utf8_decode((const unsigned char *)text + i, len - i, &cp);
    return cp;
}

static bool listed_abbreviation(const language_rules *rules, const char *word, size_t len)
{
    if (rules)
        return in_list(rules->abbreviations, word, len);
    for (size_t i = 0; i < LANGUAGE_COUNT; i++)
        if (in_list(LANGUAGES[i].abbreviations, word, len))
            return true;
    return false;
}

/* Whether the full stop after text[start .. end) (the word before it) leaves the sentence open. */
static bool abbreviation(const language_rules *rules, const char *text, size_t start, size_t end)
{
    size_t n;
    while (start < end && is_opening(decode_at(text, end, start, &n)))
        start += n;
    if (start == end)
        return false;
    uint32_t first = decode_at(text, end, start, &n);
    if (start + n == end && rs_uc_class(first) == RS_UC_WORD)
        return true; /* an initial: "J. K. Rowling", "z. B.", "M. Dupont" */
    if (memchr(text + start, '.', end - start))
        return true; /* "z.B.", "U.S.", "ه.ش." */
    bool ordinals = rules ? rules->ordinals : true;
    if (ordinals && end - start <= 2 && strspn(text + start, "0123456789") >= end - start)
        return true;
    return listed_abbreviation(rules, text + start, end - start);
}

/* The end of the sentence whose final punctuation starts at i (after the punctuation and closing quotes and
 * brackets), or 0 when no sentence ends there; *next is where the next one starts. */
static size_t sentence_end(const language_rules *rules, const char *text, size_t len, size_t word_start, size_t i,
                           size_t *next)
{
    size_t n, j = i, finals = 0;
    bool only_full_stop = true;
    for (uint32_t cp; j < len && is_final(cp = decode_at(text, len, j, &n)); j += n, finals++)
        only_full_stop = only_full_stop && cp == '.';
    while (j < len && is_closing(decode_at(text, len, j, &n)))
        j += n;
    size_t k = j;
    while (k < len && rs_uc_class(decode_at(text, len, k, &n)) == RS_UC_SEPARATOR)
        k += n;
    if (k == j || k == len)
        return 0;
    size_t m = k;
    uint32_t cp = decode_at(text, len, m, &n);
    if (is_opening(cp) && m + n < len)
        cp = decode_at(text, len, m += n, &n);
    if (!is_starter(cp))
        return 0;
    if (only_full_stop && finals == 1 && abbreviation(rules, text, word_start, i))
        return 0;
    *next = k;
    return j;
}

static int add_span(rs_span **spans, size_t *cap, int *count, size_t start, size_t end, rs_error *err)
{
    void *p = *spans;
    if (rs_reserve(&p, cap, (size_t)*count + 1, sizeof **spans, "sentences", err) < 0)
        return -1;
    *spans = p;
    (*spans)[(*count)++] = (rs_span){start, end - start};
    return 0;
}

int rs_split_sentences(const char *text, size_t len, const char *language, rs_span **spans, size_t *cap,
                       int *count, rs_error *err)
{
    const language_rules *rules = language && *language ? find_language(language) : NULL;
    *count = 0;
    size_t start = 0, word_start = 0, n;
    for (size_t i = 0; i < len; i += n) {
        uint32_t cp = decode_at(text, len, i, &n);
        if (rs_uc_class(cp) == RS_UC_SEPARATOR) {
            word_start = i + n;
            continue;
        }
        size_t next = 0, end = is_final(cp) ? sentence_end(rules, text, len, word_start, i, &next) : 0;
        if (end == 0)
            continue;
        if (add_span(spans, cap, count, start, end, err) < 0)
            return -1;
        start = word_start = next;
        n = next - i;
    }
    return add_span(spans, cap, count, start, len, err);
}
