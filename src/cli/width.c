#include "width.h"

#include <string.h>

#include "utf8.h"

size_t rs_display_width(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), columns = 0;
    while (len > 0) {
        uint32_t cp;
        size_t n = rs_utf8_decode(s, len, &cp);
        columns += (size_t)rs_codepoint_width(cp);
        s += n;
        len -= n;
    }
    return columns;
}
