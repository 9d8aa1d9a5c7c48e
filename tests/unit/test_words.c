/* Sentence splitting (sentences.h), piece-to-word grouping (words.h) and the visible form of --check's
 * differences (visible.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sentences.h"
#include "strbuf.h"
#include "visible.h"
#include "words.h"

/* The sentences of text joined with " | ". */
static char *split(const char *text, const char *language)
{
    rs_span *spans = NULL;
    size_t cap = 0;
    int count = 0;
    rs_error err;
    assert_int_equal(rs_split_sentences(text, strlen(text), language, &spans, &cap, &count, &err), 0);
    rs_strbuf out;
    rs_strbuf_init(&out);
    for (int i = 0; i < count; i++) {
        assert_int_equal(rs_strbuf_puts(&out, i ? " | " : "", &err), 0);
        assert_int_equal(rs_strbuf_append(&out, text + spans[i].start, spans[i].len, &err), 0);
    }
    free(spans);
    char *result = strdup(out.data ? out.data : "");
    rs_strbuf_free(&out);
    return result;
}

static void expect_split(const char *text, const char *language, const char *expected)
{
    char *got = split(text, language);
    if (strcmp(got, expected) != 0)
        fail_msg("%s (%s): got \"%s\", expected \"%s\"", text, language ? language : "-", got, expected);
    free(got);
}

static void test_sentences(void **state)
{
    (void)state;
    expect_split("Zwei Kinder spielen im Park. Ein Hund läuft hinter ihnen her. Die Mutter sieht zu.", "de",
                 "Zwei Kinder spielen im Park. | Ein Hund läuft hinter ihnen her. | Die Mutter sieht zu.");
    expect_split("Wo bist du? Ich bin hier! 12 Hunde spielen.", "de", "Wo bist du? | Ich bin hier! | 12 Hunde spielen.");
    expect_split("Er sagte: \"Komm her.\" Dann ging er.", "de", "Er sagte: \"Komm her.\" | Dann ging er.");
    expect_split("Er kam (spät.) Sie nicht.", "de", "Er kam (spät.) | Sie nicht.");
    expect_split("Sie sagte: „Gut.“ Dann ging sie.", "de", "Sie sagte: „Gut.“ | Dann ging sie.");
    expect_split("Ich weiß nicht... Vielleicht morgen.", "de", "Ich weiß nicht... | Vielleicht morgen.");
    expect_split("Warte… Was?", "de", "Warte… | Was?");
    expect_split("Ich weiß nicht... vielleicht morgen.", "de", "Ich weiß nicht... vielleicht morgen.");
    /* abbreviations, initials, ordinals */
    expect_split("Ich esse z. B. Äpfel und Birnen.", "de", "Ich esse z. B. Äpfel und Birnen.");
    expect_split("Ich esse z.B. Äpfel.", "de", "Ich esse z.B. Äpfel.");
    expect_split("Dr. Müller kommt am 1. Mai. Er bleibt.", "de", "Dr. Müller kommt am 1. Mai. | Er bleibt.");
    expect_split("Das war 1999. Dann kam 2000.", "de", "Das war 1999. | Dann kam 2000.");
    expect_split("Mr. Smith met J. K. Rowling. She smiled.", "en", "Mr. Smith met J. K. Rowling. | She smiled.");
    expect_split("M. Dupont est là. Mme. Martin aussi.", "fr", "M. Dupont est là. | Mme. Martin aussi.");
    expect_split("He lives in the U.S. He likes it.", "en", "He lives in the U.S. He likes it.");
    /* an English line has no German ordinals; an unknown language takes every rule */
    expect_split("Chapter 1. The beginning.", "en", "Chapter 1. | The beginning.");
    expect_split("Am 1. Mai. Dr. Who.", NULL, "Am 1. Mai. | Dr. Who.");
    expect_split("Am 1. Mai.", "xx", "Am 1. Mai.");
    /* no split before lowercase, without space, or at the end; whitespace between sentences is left out */
    expect_split("Das ist gut. und dann?", "de", "Das ist gut. und dann?");
    expect_split("Version 2.5 ist da.Ja.", "de", "Version 2.5 ist da.Ja.");
    expect_split("Eins.  \t Zwei.  ", "de", "Eins. | Zwei.  ");
    expect_split("", "de", "");
    expect_split("   ", "de", "   ");
    /* Persian: a caseless script, its question mark */
    expect_split("حالت چطور است؟ من خوبم.", "fa", "حالت چطور است؟ | من خوبم.");
    /* NUL bytes and ill-formed UTF-8 are just bytes */
    expect_split("A\xff. B\x01.", "en", "A\xff. | B\x01.");
}

static void test_group_words(void **state)
{
    (void)state;
    const char *tokens[] = {"<s>", "\xe2\x96\x81Sch", "lüssel", "\xe2\x96\x81im", "\xe2\x96\x81", "Büro", ".", "</s>"};
    int word_of[8];
    assert_int_equal(rs_group_words(tokens, 8, 1, 7, true, word_of), 5);
    const int expected[8] = {0, 1, 1, 2, 3, 3, 3, 4};
    assert_memory_equal(word_of, expected, sizeof expected);
    /* a first piece without the mark still starts a word; without pieces every token is a word */
    assert_int_equal(rs_group_words(tokens + 2, 5, 0, 5, true, word_of), 3);
    assert_int_equal(rs_group_words(tokens, 8, 1, 7, false, word_of), 8);
    assert_int_equal(word_of[7], 7);
}

static char *visible(const char *text, size_t len, size_t mark, size_t *column)
{
    rs_strbuf out;
    rs_strbuf_init(&out);
    rs_error err;
    assert_int_equal(rs_visible_append(&out, text, len, mark, column, &err), 0);
    char *result = strdup(out.data ? out.data : "");
    rs_strbuf_free(&out);
    return result;
}

static void test_visible(void **state)
{
    (void)state;
    size_t column;
    char *s = visible("A man. ", 7, 6, &column);
    assert_string_equal(s, "A man.\\x20");
    assert_int_equal(column, 6);
    free(s);
    s = visible(" a\tb\\c\0d\r\x7f\x01", 11, 11, &column);
    assert_string_equal(s, "\\x20a\\tb\\\\c\\0d\\r\\x7F\\x01");
    assert_int_equal(column, strlen("\\x20a\\tb\\\\c\\0d\\r\\x7F\\x01"));
    free(s);
    /* no-break space, zero-width space, BOM, a soft hyphen; ill-formed bytes one by one; é and U+FFFD as is */
    s = visible("a\xc2\xa0" "b\xe2\x80\x8b" "c\xef\xbb\xbf\xc2\xad\xff\xe2\x82 é\xef\xbf\xbd", 22, 0, &column);
    assert_string_equal(s, "a\\u00A0b\\u200Bc\\uFEFF\\u00AD\\xFF\\xE2\\x82 é\xef\xbf\xbd");
    free(s);
    /* the column counts code points of the shown text */
    s = visible("é\tx", 4, 3, &column);
    assert_int_equal(column, 3);
    free(s);
    assert_int_equal(rs_visible_first_difference("A man.", 6, "A man. ", 7), 6);
    assert_int_equal(rs_visible_first_difference("abc", 3, "abd", 3), 2);
    assert_int_equal(rs_visible_first_difference("x\xc3\xa9", 3, "x\xc3\xa8", 3), 1); /* é vs è: at the lead byte */
    assert_int_equal(rs_visible_first_difference("A dog.\0X", 8, "A dog.", 6), 6);
    assert_int_equal(rs_visible_code_points("é\xff" "a", 4), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sentences),
        cmocka_unit_test(test_group_words),
        cmocka_unit_test(test_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
