/* UTF-8 decoding and encoding. Decoding never fails: like Python's bytes.decode('utf-8', 'replace'), every
 * maximal subpart of an ill-formed sequence (Unicode 14, section 3.9 "U+FFFD substitution of maximal subparts")
 * becomes one U+FFFD, so overlongs, surrogates, truncated sequences and stray bytes all decode the same way on
 * both sides of the project. */
#ifndef RS_UTF8_H
#define RS_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[0..len), len > 0: stores it (or U+FFFD) in *cp and returns the bytes consumed,
 * 1 to 4. */
size_t rs_utf8_decode(const unsigned char *s, size_t len, uint32_t *cp);

/* Whether s[0..len) is well-formed UTF-8 (no sequence that rs_utf8_decode replaces). */
bool rs_utf8_valid(const unsigned char *s, size_t len);

/* Writes the UTF-8 form of cp to out and returns its length, 1 to 4; surrogates and values above U+10FFFF
 * are written as U+FFFD. */
size_t rs_utf8_encode(uint32_t cp, char out[4]);

#endif
