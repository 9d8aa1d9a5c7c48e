/* The status text of the progress line (progress.h) and display widths (width.h). The progress line itself is
 * tested on a pty by tests/test_progress.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"
#include "width.h"

static void test_status_text(void **state)
{
    (void)state;
    char text[160];
    rs_progress_format(text, sizeof text, 64, 2.0, 250.0, 1000.0);
    assert_string_equal(text, "rnnsearch: 64 lines, 32.0 lines/s, 25%, ETA 0:06");
    rs_progress_format(text, sizeof text, 10, 0.0, 0.0, 1000.0); /* no rate yet: no ETA */
    assert_string_equal(text, "rnnsearch: 10 lines, 0.0 lines/s, 0%, ETA ?");
    rs_progress_format(text, sizeof text, 1, 3600.0, 1.0, 3.0); /* two hours left */
    assert_string_equal(text, "rnnsearch: 1 lines, 0.0 lines/s, 33%, ETA 2:00:00");
    rs_progress_format(text, sizeof text, 5, 1.0, 2000.0, 1000.0); /* more read than the size said */
    assert_string_equal(text, "rnnsearch: 5 lines, 5.0 lines/s, 100%, ETA 0:00");
    rs_progress_format(text, sizeof text, 5, 1.0, 0.0, 0.0); /* empty inputs: no share */
    assert_string_equal(text, "rnnsearch: 5 lines, 5.0 lines/s");
    char small[12];
    rs_progress_format(small, sizeof small, 123456, 1.0, 1.0, 2.0); /* cut, still a C string */
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_display_width(void **state)
{
    (void)state;
    assert_int_equal(rs_display_width(""), 0);
    assert_int_equal(rs_display_width("hund"), 4);
    assert_int_equal(rs_display_width("l\xc3\xa4uft"), 5);           /* ä precomposed */
    assert_int_equal(rs_display_width("la\xcc\x88uft"), 5);          /* a + U+0308 combining diaeresis */
    assert_int_equal(rs_display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: wide */
    assert_int_equal(rs_display_width("\xef\xbd\xb6"), 1);           /* U+FF76 halfwidth katakana */
    assert_int_equal(rs_display_width("\xef\xbc\xa1"), 2);           /* U+FF21 fullwidth A */
    assert_int_equal(rs_display_width("a\xe2\x80\x8b" "b"), 2);      /* U+200B zero width space */
    assert_int_equal(rs_display_width("\xc2\xad"), 1);               /* the soft hyphen is shown */
    assert_int_equal(rs_display_width("\xf0\x9f\x98\x80"), 2);       /* U+1F600 emoji: wide */
    assert_int_equal(rs_display_width("\xff" "a"), 2);               /* an invalid byte: one U+FFFD */
    assert_int_equal(rs_codepoint_width(0x1160), 0);                 /* Hangul medial vowel filler */
    assert_int_equal(rs_codepoint_width(0xAC00), 2);                 /* Hangul syllable */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_text),
        cmocka_unit_test(test_display_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
