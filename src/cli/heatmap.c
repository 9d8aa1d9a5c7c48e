#include "heatmap.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "utf8.h"

/* Sizes in SVG user units (pixels). Cells shrink from 24 to 12 as sentences grow from 20 to 100 tokens, so
 * that a 100 x 100 matrix stays about 1200 pixels wide; the label font follows the cell. */
#define PAD 12.0
#define TITLE_FONT 14.0
#define TITLE_COLUMNS 120
#define CHAR_WIDTH 0.6   /* average advance of a sans-serif character, in ems: errs on the wide side */
#define SIN45 0.70710678
#define LEGEND_BAR 12.0
#define LEGEND_FONT 10.0
#define PANEL_GAP 24.0
#define FONTS "DejaVu Sans, Noto Sans, Noto Sans Arabic, Vazirmatn, Tahoma, Arial, Helvetica, sans-serif"

/* Room reserved in a stacked document's root element for its size, patched in at the end. */
#define SIZE_FIELD 96

/* viridis at 0, 1/9, ..., 1 */
static const unsigned long VIRIDIS[10] = {0x440154, 0x482878, 0x3e4989, 0x31688e, 0x26828e,
                                          0x1f9e89, 0x35b779, 0x6ece58, 0xb5de2b, 0xfde725};

/* ---- output with checked writes ------------------------------------------------------------------- */

typedef struct writer {
    FILE *f;
    const char *name;
    rs_error *err;
} writer;

static int write_failed(const writer *w)
{
    int code = errno;
    return rs_fail(w->err, "cannot write the SVG heatmap to %s: %s", w->name ? w->name : "the output",
                   code ? strerror(code) : "write error");
}

static int emit(const writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int emit(const writer *w, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    errno = 0;
    int n = vfprintf(w->f, fmt, args);
    va_end(args);
    return n < 0 ? write_failed(w) : 0;
}

static int emit_bytes(const writer *w, const char *bytes, size_t len)
{
    errno = 0;
    if (len && fwrite(bytes, 1, len, w->f) != len)
        return write_failed(w);
    return 0;
}

/* Coordinates with two decimals, by integer arithmetic: printf's %f would follow LC_NUMERIC, and a decimal
 * comma would break the document if the program ever sets a locale. */
static const char *num(char buf[32], double value)
{
    long long hundredths = llround(value * 100.0);
    const char *sign = hundredths < 0 ? "-" : "";
    if (hundredths < 0)
        hundredths = -hundredths;
    if (hundredths % 100 == 0)
        snprintf(buf, 32, "%s%lld", sign, hundredths / 100);
    else
        snprintf(buf, 32, "%s%lld.%02lld", sign, hundredths / 100, hundredths % 100);
    return buf;
}

/* A weight with six decimals (the CSV's precision), locale-free like num(). */
static const char *weight_text(char buf[32], float weight)
{
    if (isnan(weight))
        return "nan";
    if (isinf(weight))
        return weight > 0 ? "inf" : "-inf";
    long long millionths = llround((double)weight * 1e6);
    const char *sign = millionths < 0 ? "-" : "";
    if (millionths < 0)
        millionths = -millionths;
    snprintf(buf, 32, "%s%lld.%06lld", sign, millionths / 1000000, millionths % 1000000);
    return buf;
}

/* ---- UTF-8 and text ---------------------------------------------------------------------------------- */

/* Decodes one code point of a NUL-terminated string (utf8.h), the NUL itself as 0. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    size_t len = strnlen((const char *)s, 4);
    if (len == 0) {
        *cp = 0;
        return 1;
    }
    return rs_utf8_decode(s, len, cp);
}

static int in_rtl_range(uint32_t cp)
{
    return (cp >= 0x0590 && cp <= 0x08FF)     /* Hebrew, Arabic, Syriac, Arabic Supplement, Thaana, NKo,
                                                  Samaritan, Mandaic, Arabic Extended-A/B */
           || (cp >= 0xFB1D && cp <= 0xFDFF)  /* Hebrew and Arabic presentation forms A */
           || (cp >= 0xFE70 && cp <= 0xFEFE)  /* Arabic presentation forms B */
           || (cp >= 0x10800 && cp <= 0x10FFF) /* historic RTL scripts */
           || (cp >= 0x1E800 && cp <= 0x1EFFF);
}

static int is_combining(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) || (cp >= 0x0591 && cp <= 0x05BD)
           || cp == 0x05BF || cp == 0x05C1 || cp == 0x05C2 || cp == 0x05C4 || cp == 0x05C5 || cp == 0x05C7
           || (cp >= 0x0610 && cp <= 0x061A) || (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670
           || (cp >= 0x06D6 && cp <= 0x06DC) || (cp >= 0x06DF && cp <= 0x06E4) || cp == 0x06E7 || cp == 0x06E8
           || (cp >= 0x06EA && cp <= 0x06ED) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF)
           || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064)
           || (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFE20 && cp <= 0xFE2F)
           || (cp >= 0xE0100 && cp <= 0xE01EF);
}

static int is_wide(uint32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF)
           || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF)
           || (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F)
           || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F)
           || (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

static size_t cp_columns(uint32_t cp)
{
    return is_combining(cp) ? 0 : is_wide(cp) ? 2 : 1;
}

int rs_heatmap_is_rtl(const char *token)
{
    const unsigned char *s = (const unsigned char *)token;
    while (*s) {
        uint32_t cp;
        s += decode(s, &cp);
        if (in_rtl_range(cp))
            return 1;
    }
    return 0;
}

size_t rs_heatmap_columns(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t columns = 0;
    while (*s) {
        uint32_t cp;
        s += decode(s, &cp);
        columns += cp_columns(cp);
    }
    return columns;
}

/* The byte length of the longest prefix of text that fits max_columns, keeping combining marks with their
 * base; *fits says whether that prefix is the whole text. */
static size_t fitting_prefix(const char *text, size_t max_columns, int *fits)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t columns = 0, len = 0;
    while (s[len]) {
        uint32_t cp;
        size_t n = decode(s + len, &cp);
        size_t w = cp_columns(cp);
        if (columns + w > max_columns)
            break;
        columns += w;
        len += n;
    }
    *fits = s[len] == '\0';
    return len;
}

/* Advances of ASCII ' ' .. '~' in DejaVu Sans Bold, the first and among the widest fonts of FONTS, in
 * thousandths of an em (from the font's hmtx table): titles are bold, and bold glyphs are wider than the 0.6 em
 * average that the labels assume ("<unk>" is 3.1 em, not 3.0; "W" alone 1.1). */
static const unsigned short BOLD_ADVANCE[95] = {
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683, 683, 821,
    837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457,
    365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838};

/* The width in ems of a bold title as emit_title writes it (at most TITLE_COLUMNS columns): ASCII by the table
 * above, other characters at 0.84 em per column (as wide as the widest common bold letters), combining marks
 * none. */
static double bold_title_ems(const char *title)
{
    int fits;
    size_t len = fitting_prefix(title, TITLE_COLUMNS, &fits), i = 0;
    const unsigned char *s = (const unsigned char *)title;
    double ems = fits ? 0.0 : 1.0; /* the ellipsis */
    while (i < len) {
        uint32_t cp;
        i += decode(s + i, &cp);
        ems += cp >= 0x20 && cp < 0x7F ? BOLD_ADVANCE[cp - 0x20] / 1000.0 : 0.84 * (double)cp_columns(cp);
    }
    return ems;
}

/* Columns of text as a label of at most max_columns (shortened ones end in a one-column ellipsis). */
static size_t label_columns(const char *text, size_t max_columns)
{
    size_t columns = rs_heatmap_columns(text);
    return columns > max_columns ? max_columns : columns;
}

/* Writes text[0..len) XML-escaped; characters XML 1.0 cannot hold become U+FFFD. */
static int emit_escaped_n(const writer *w, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t run = 0, i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = decode(s + i, &cp);
        const char *replacement = NULL;
        switch (cp) {
        case '&': replacement = "&amp;"; break;
        case '<': replacement = "&lt;"; break;
        case '>': replacement = "&gt;"; break;
        case '"': replacement = "&quot;"; break;
        case '\'': replacement = "&apos;"; break;
        default:
            if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF
                || cp == 0xFFFD)
                replacement = "\xEF\xBF\xBD";
        }
        if (replacement) {
            if (emit_bytes(w, text + run, i - run) || emit_bytes(w, replacement, strlen(replacement)))
                return -1;
            run = i + n;
        }
        i += n;
    }
    return emit_bytes(w, text + run, len - run);
}

static int emit_escaped(const writer *w, const char *text)
{
    return emit_escaped_n(w, text, strlen(text));
}

/* The label text: the token, or its first max_columns - 1 columns and an ellipsis. */
static int emit_label_text(const writer *w, const char *text, size_t max_columns)
{
    int fits;
    size_t len = fitting_prefix(text, max_columns, &fits);
    if (fits)
        return emit_escaped_n(w, text, len);
    len = fitting_prefix(text, max_columns - 1, &fits);
    return emit_escaped_n(w, text, len) || emit(w, "\xE2\x80\xA6");
}

/* The content of a <text> holding one token: RTL tokens in an embedding of their own; the whole token as a
 * tooltip when the label is shortened. */
static int emit_token_label(const writer *w, const char *token)
{
    int rtl = rs_heatmap_is_rtl(token);
    if (rtl && emit(w, "<tspan direction=\"rtl\" unicode-bidi=\"embed\">"))
        return -1;
    if (emit_label_text(w, token, RS_HEATMAP_LABEL_COLUMNS) || (rtl && emit(w, "</tspan>")))
        return -1;
    if (rs_heatmap_columns(token) > RS_HEATMAP_LABEL_COLUMNS)
        return emit(w, "<title>") || emit_escaped(w, token) || emit(w, "</title>");
    return 0;
}

/* A title such as "3: <Persian translation>" changes direction at its first right-to-left word; from there on
 * it is a right-to-left embedding, so that the sentence's neutral characters (a final period) land on its
 * left end as a reader of the sentence expects, and a shortened title's ellipsis too. */
static int emit_title(const writer *w, const char *title)
{
    int fits;
    size_t len = fitting_prefix(title, TITLE_COLUMNS, &fits);
    if (!fits)
        len = fitting_prefix(title, TITLE_COLUMNS - 1, &fits);
    const unsigned char *s = (const unsigned char *)title;
    size_t split = len, i = 0, word = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = decode(s + i, &cp);
        if (cp == ' ')
            word = i + n;
        if (in_rtl_range(cp)) {
            split = word;
            break;
        }
        i += n;
    }
    const char *ellipsis = title[len] ? "\xE2\x80\xA6" : "";
    if (split == len)
        return emit_escaped_n(w, title, len) || emit(w, "%s", ellipsis);
    return emit_escaped_n(w, title, split) || emit(w, "<tspan direction=\"rtl\" unicode-bidi=\"embed\">")
           || emit_escaped_n(w, title + split, len - split) || emit(w, "%s</tspan>", ellipsis);
}

/* ---- colour ----------------------------------------------------------------------------------------- */

unsigned long rs_heatmap_colour(float weight)
{
    double x = weight;
    if (!(x > 0.0))
        x = 0.0; /* NaN too; the writer shows NaN cells grey before asking */
    if (x > 1.0)
        x = 1.0;
    double position = x * 9.0;
    int low = (int)position;
    if (low >= 9)
        return VIRIDIS[9];
    double t = position - low;
    unsigned long a = VIRIDIS[low], b = VIRIDIS[low + 1], colour = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
        double ca = (double)((a >> shift) & 0xFF), cb = (double)((b >> shift) & 0xFF);
        unsigned long c = (unsigned long)lround(ca + (cb - ca) * t);
        colour |= c << shift;
    }
    return colour;
}

/* ---- layout ------------------------------------------------------------------------------------------ */

typedef struct layout {
    double cell, font, char_width;
    double title_height;
    double left, top;          /* the grid's top-left corner */
    double grid_width, grid_height;
    double legend_x, legend_height;
    double width, height;
    int rtl_axis;
} layout;

/* +1 for a right-to-left token, -1 for one with left-to-right letters, 0 for punctuation, digits and
 * special tokens written as <...> (bos/eos/unk), which should not outvote a short RTL sentence. */
int rs_heatmap_token_direction(const char *token)
{
    size_t len = strlen(token);
    if (len >= 2 && token[0] == '<' && token[len - 1] == '>')
        return 0;
    if (rs_heatmap_is_rtl(token))
        return 1;
    const unsigned char *s = (const unsigned char *)token;
    while (*s) {
        uint32_t cp;
        s += decode(s, &cp);
        int ascii_letter = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
        int symbol = cp < 0xC0 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F)
                     || is_combining(cp);
        if (ascii_letter || !symbol)
            return -1;
    }
    return 0;
}

static int source_runs_rtl(const rs_heatmap_sentence *s)
{
    if (s->source_direction != RS_HEATMAP_AUTO)
        return s->source_direction == RS_HEATMAP_RTL;
    int votes = 0;
    for (size_t j = 0; j < s->n_source; j++)
        votes += rs_heatmap_token_direction(s->source[j]);
    return votes > 0;
}

static double column_x(const layout *l, size_t n_source, size_t j)
{
    size_t position = l->rtl_axis ? n_source - 1 - j : j;
    return l->left + (double)position * l->cell;
}

static void compute_layout(const rs_heatmap_sentence *s, layout *l)
{
    size_t n = s->n_source > s->n_target ? s->n_source : s->n_target;
    l->cell = n <= 20 ? 24.0 : n >= 100 ? 12.0 : 24.0 - (double)(n - 20) * 12.0 / 80.0;
    l->font = l->cell * 0.55 < 8.0 ? 8.0 : l->cell * 0.55;
    l->char_width = CHAR_WIDTH * l->font;
    l->rtl_axis = source_runs_rtl(s);

    double title_width = 0.0;
    l->title_height = 0.0;
    if (s->title && s->title[0]) {
        l->title_height = TITLE_FONT + 10.0;
        title_width = bold_title_ems(s->title) * TITLE_FONT;
    }

    double target_label = 0.0;
    for (size_t i = 0; i < s->n_target; i++) {
        double w = (double)label_columns(s->target[i], RS_HEATMAP_LABEL_COLUMNS) * l->char_width;
        if (w > target_label)
            target_label = w;
    }
    double source_label = 0.0;
    for (size_t j = 0; j < s->n_source; j++) {
        double w = (double)label_columns(s->source[j], RS_HEATMAP_LABEL_COLUMNS) * l->char_width;
        if (w > source_label)
            source_label = w;
    }
    l->left = PAD + target_label + 8.0;
    l->top = PAD + l->title_height + source_label * SIN45 + l->font + 6.0;
    l->grid_width = (double)s->n_source * l->cell;
    l->grid_height = (double)s->n_target * l->cell;
    l->legend_x = l->left + l->grid_width + 16.0;
    l->legend_height = l->grid_height < 80.0 ? 80.0 : l->grid_height > 240.0 ? 240.0 : l->grid_height;

    double right = l->legend_x + LEGEND_BAR + 6.0 + (s->row_scale ? 8.0 : 4.0) * CHAR_WIDTH * LEGEND_FONT;
    /* Rotated source labels lean right, past the grid for the last columns. */
    for (size_t j = 0; j < s->n_source; j++) {
        double w = (double)label_columns(s->source[j], RS_HEATMAP_LABEL_COLUMNS) * l->char_width;
        double end = column_x(l, s->n_source, j) + 0.5 * l->cell + (w + l->font) * SIN45;
        if (end > right)
            right = end;
    }
    if (PAD + title_width > right)
        right = PAD + title_width;
    l->width = ceil(right + PAD);
    double body = l->grid_height > l->legend_height ? l->grid_height : l->legend_height;
    l->height = ceil(l->top + body + PAD);
}

/* ---- drawing ----------------------------------------------------------------------------------------- */

static int emit_defs(const writer *w)
{
    if (emit(w, "<defs><linearGradient id=\"rs-heatmap-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"))
        return -1;
    for (int k = 0; k < 10; k++) {
        char offset[32];
        if (emit(w, "<stop offset=\"%s\" stop-color=\"#%06lx\"/>", num(offset, k / 9.0), VIRIDIS[k]))
            return -1;
    }
    return emit(w, "</linearGradient></defs>\n");
}

static int emit_legend(const writer *w, const layout *l, int row_scale)
{
    char a[32], b[32], c[32], d[32];
    double x = l->legend_x, y = l->top, h = l->legend_height;
    if (emit(w, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"url(#rs-heatmap-scale)\" "
                "stroke=\"#888888\" stroke-width=\"0.5\"/>\n",
             num(a, x), num(b, y), num(c, LEGEND_BAR), num(d, h)))
        return -1;
    static const char *const TICKS[] = {"0", "0.25", "0.5", "0.75", "1"};
    static const char *const ROW_TICKS[] = {"0", "0.25 max", "0.5 max", "0.75 max", "row max"};
    for (int k = 0; k < 5; k++) {
        double ty = y + h - h * k / 4.0;
        if (emit(w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#444444\" stroke-width=\"1\"/>",
                 num(a, x + LEGEND_BAR), num(b, ty), num(c, x + LEGEND_BAR + 4.0), num(d, ty))
            || emit(w, "<text x=\"%s\" y=\"%s\" font-size=\"%s\">%s</text>\n", num(a, x + LEGEND_BAR + 6.0),
                    num(b, ty + 0.35 * LEGEND_FONT), num(c, LEGEND_FONT), (row_scale ? ROW_TICKS : TICKS)[k]))
            return -1;
    }
    return 0;
}

static int emit_cells(const writer *w, const layout *l, const rs_heatmap_sentence *s)
{
    char a[32], b[32], c[32], weight[32];
    if (emit(w, "<g shape-rendering=\"crispEdges\">\n"))
        return -1;
    for (size_t i = 0; i < s->n_target; i++) {
        double y = l->top + (double)i * l->cell;
        float row_max = 0.0f;
        for (size_t j = 0; s->row_scale && j < s->n_source; j++)
            if (fabsf(s->weights[i * s->n_source + j]) > row_max)
                row_max = fabsf(s->weights[i * s->n_source + j]);
        for (size_t j = 0; j < s->n_source; j++) {
            float value = s->weights[i * s->n_source + j];
            float shade = !s->row_scale ? value : row_max > 0.0f ? fabsf(value) / row_max : 0.0f;
            unsigned long colour = isnan(value) ? 0x999999 : rs_heatmap_colour(shade);
            if (emit(w, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"#%06lx\"><title>",
                     num(a, column_x(l, s->n_source, j)), num(b, y), num(c, l->cell), c, colour)
                || emit_escaped(w, s->target[i]) || emit(w, " \xE2\x86\x90 ") || emit_escaped(w, s->source[j])
                || emit(w, ": %s</title></rect>\n", weight_text(weight, value)))
                return -1;
        }
    }
    return emit(w, "</g>\n");
}

static int emit_labels(const writer *w, const layout *l, const rs_heatmap_sentence *s)
{
    char a[32], b[32], f[32];
    num(f, l->font);
    for (size_t j = 0; j < s->n_source; j++) {
        /* The label's start sits just above the column's centre and climbs to the right. */
        double x = column_x(l, s->n_source, j) + 0.5 * l->cell + 0.3 * l->font;
        double y = l->top - 4.0;
        if (emit(w, "<text transform=\"translate(%s %s) rotate(-45)\" font-size=\"%s\">", num(a, x), num(b, y), f)
            || emit_token_label(w, s->source[j]) || emit(w, "</text>\n"))
            return -1;
    }
    for (size_t i = 0; i < s->n_target; i++) {
        double y = l->top + ((double)i + 0.5) * l->cell + 0.35 * l->font;
        if (emit(w, "<text x=\"%s\" y=\"%s\" font-size=\"%s\" text-anchor=\"end\">", num(a, l->left - 6.0),
                 num(b, y), f)
            || emit_token_label(w, s->target[i]) || emit(w, "</text>\n"))
            return -1;
    }
    return 0;
}

static int emit_panel(const writer *w, const layout *l, const rs_heatmap_sentence *s, double y0)
{
    char a[32], b[32], c[32], d[32];
    if (s->n_source && s->n_target && !s->weights)
        return rs_fail(w->err, "SVG heatmap: no attention weights for a %zu x %zu matrix", s->n_target,
                       s->n_source);
    if (emit(w, "<g class=\"sentence\" transform=\"translate(0 %s)\">\n", num(a, y0)))
        return -1;
    if (l->title_height > 0.0) {
        if (emit(w, "<text x=\"%s\" y=\"%s\" font-size=\"%s\" font-weight=\"bold\">", num(a, PAD),
                 num(b, PAD + TITLE_FONT), num(c, TITLE_FONT))
            || emit_title(w, s->title) || emit(w, "</text>\n"))
            return -1;
    }
    if (emit_cells(w, l, s) || emit_labels(w, l, s) || emit_legend(w, l, s->row_scale))
        return -1;
    if (s->n_source && s->n_target
        && emit(w, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"none\" stroke=\"#888888\" "
                   "stroke-width=\"0.5\"/>\n",
                num(a, l->left), num(b, l->top), num(c, l->grid_width), num(d, l->grid_height)))
        return -1;
    return emit(w, "</g>\n");
}

/* The root element's size attributes; padded with spaces to SIZE_FIELD bytes when they are patched later. */
static int emit_size(const writer *w, double width, double height, int padded)
{
    char a[32], b[32], text[SIZE_FIELD + 1];
    num(a, width);
    num(b, height);
    int n = snprintf(text, sizeof text, " width=\"%s\" height=\"%s\" viewBox=\"0 0 %s %s\"", a, b, a, b);
    if (n < 0 || n >= SIZE_FIELD)
        return rs_fail(w->err, "SVG heatmap: document size %s x %s is too large", a, b);
    if (padded) {
        memset(text + n, ' ', (size_t)(SIZE_FIELD - n));
        n = SIZE_FIELD;
    }
    return emit_bytes(w, text, (size_t)n);
}

static int emit_root_open(const writer *w)
{
    return emit(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                   "version=\"1.1\"");
}

static int emit_root_rest(const writer *w)
{
    return emit(w, " font-family=\"" FONTS "\" fill=\"#222222\">\n"
                   "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n")
           || emit_defs(w);
}

static int flush_out(const writer *w)
{
    errno = 0;
    if (fflush(w->f) != 0 || ferror(w->f))
        return write_failed(w);
    return 0;
}

int rs_heatmap_svg_write(FILE *out, const char *name, const rs_heatmap_sentence *sentence, rs_error *err)
{
    writer w = {out, name, err};
    layout l;
    compute_layout(sentence, &l);
    if (emit_root_open(&w) || emit_size(&w, l.width, l.height, 0) || emit_root_rest(&w)
        || emit_panel(&w, &l, sentence, 0.0) || emit(&w, "</svg>\n"))
        return -1;
    return flush_out(&w);
}

/* ---- stacked documents ------------------------------------------------------------------------------- */

/* Whether the size can be written back in place: the stream seeks, and is not in append mode (where every
 * write lands at the end whatever the position). */
static int can_patch(FILE *out)
{
    if (ftell(out) < 0 || fseek(out, 0, SEEK_CUR) != 0)
        return 0;
    int flags = fcntl(fileno(out), F_GETFL);
    return flags != -1 && !(flags & O_APPEND);
}

int rs_heatmap_svg_begin(rs_heatmap_doc *doc, FILE *out, const char *name, rs_error *err)
{
    memset(doc, 0, sizeof *doc);
    doc->out = out;
    doc->name = name;
    writer w = {out, name, err};
    if (!can_patch(out)) {
        errno = 0;
        doc->spool = tmpfile();
        if (!doc->spool)
            return rs_fail(err, "SVG heatmap for %s: cannot create a temporary file: %s",
                           name ? name : "the output", errno ? strerror(errno) : "tmpfile failed");
        return 0;
    }
    if (emit_root_open(&w))
        return -1;
    doc->size_at = ftell(out);
    if (doc->size_at < 0)
        return write_failed(&w);
    return emit_size(&w, 1.0, 1.0, 1) || emit_root_rest(&w);
}

int rs_heatmap_svg_sentence(rs_heatmap_doc *doc, const rs_heatmap_sentence *sentence, rs_error *err)
{
    writer w = {doc->spool ? doc->spool : doc->out, doc->name, err};
    layout l;
    compute_layout(sentence, &l);
    double y0 = doc->count ? doc->height + PANEL_GAP : 0.0;
    if (doc->count) {
        char a[32], b[32], c[32];
        double y = doc->height + 0.5 * PANEL_GAP;
        if (emit(&w, "<line x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\" stroke=\"#cccccc\" stroke-width=\"1\"/>\n",
                 num(a, PAD), num(b, y), num(c, PAD + 200.0), b))
            return -1;
    }
    if (emit_panel(&w, &l, sentence, y0))
        return -1;
    doc->height = y0 + l.height;
    if (l.width > doc->width)
        doc->width = l.width;
    doc->count++;
    return 0;
}

static int copy_spool(const writer *w, FILE *spool)
{
    char buffer[1 << 14];
    errno = 0;
    if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
        return rs_fail(w->err, "SVG heatmap for %s: temporary file: %s", w->name ? w->name : "the output",
                       errno ? strerror(errno) : "seek failed");
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, spool)) > 0)
        if (emit_bytes(w, buffer, n))
            return -1;
    if (ferror(spool))
        return rs_fail(w->err, "SVG heatmap for %s: cannot read back the temporary file",
                       w->name ? w->name : "the output");
    return 0;
}

/* Writes the final size over the reserved field and returns to the end of the document. */
static int patch_size(const writer *w, long size_at, double width, double height)
{
    errno = 0;
    long end = ftell(w->f);
    if (end < 0 || fseek(w->f, size_at, SEEK_SET) != 0)
        return write_failed(w);
    if (emit_size(w, width, height, 1))
        return -1;
    errno = 0;
    if (fseek(w->f, end, SEEK_SET) != 0)
        return write_failed(w);
    return 0;
}

int rs_heatmap_svg_end(rs_heatmap_doc *doc, rs_error *err)
{
    writer w = {doc->out, doc->name, err};
    double width = doc->width > 1.0 ? doc->width : 1.0, height = doc->height > 1.0 ? doc->height : 1.0;
    int status = 0;
    if (doc->spool) {
        writer spool = {doc->spool, doc->name, err};
        status = emit(&spool, "</svg>\n") || emit_root_open(&w) || emit_size(&w, width, height, 0)
                 || emit_root_rest(&w) || copy_spool(&w, doc->spool) || flush_out(&w);
    } else {
        status = emit(&w, "</svg>\n") || patch_size(&w, doc->size_at, width, height) || flush_out(&w);
    }
    rs_heatmap_svg_abandon(doc);
    return status ? -1 : 0;
}

void rs_heatmap_svg_abandon(rs_heatmap_doc *doc)
{
    if (doc->spool) {
        fclose(doc->spool);
        doc->spool = NULL;
    }
}
