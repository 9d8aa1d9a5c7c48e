/* Standard base64 (RFC 4648 alphabet, '=' padding optional): the one decoder of the model file's base64 strings,
 * the tensors' (tensor.c, and bulk.c's pre-pass, which feeds a long string a piece at a time so that it can let
 * go of the text behind it) and the SentencePiece models' (subword.c). */
#ifndef RS_BASE64_H
#define RS_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A decode in progress: the characters of a group not yet complete, and where the text is. */
typedef struct rs_base64 {
    uint32_t group;
    unsigned digits, padding;
    size_t offset;   /* characters fed so far, for messages */
    bool skip_space; /* ASCII white space is skipped; else it is an invalid character */
} rs_base64;

void rs_base64_begin(rs_base64 *b, bool skip_space);

/* Decodes text[0..len) after what was fed before, appending to out at *n (out has room for len / 4 * 3 + 3
 * more bytes). On bad input fills err with what is wrong, without a location in the file. */
int rs_base64_feed(rs_base64 *b, const char *text, size_t len, unsigned char *out, size_t *n, rs_error *err);

/* The end of the text: the last bytes of an unpadded group (up to 2 more at *n), or an error when the text
 * stops inside a group or is badly padded. */
int rs_base64_end(rs_base64 *b, unsigned char *out, size_t *n, rs_error *err);

/* The whole of text[0..len), white space skipped: on success *out is a malloc'd buffer of *out_len bytes. */
int rs_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len, rs_error *err);

#endif
