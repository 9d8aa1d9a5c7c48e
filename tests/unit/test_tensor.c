/* Tensor decoding helpers: f16 widening (every class of value) and base64. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"
#include "tensor.h"

static void test_half_to_float(void **state)
{
    (void)state;
    assert_true(rs_half_to_float(0x0000) == 0.0f && !signbit(rs_half_to_float(0x0000)));
    assert_true(rs_half_to_float(0x8000) == 0.0f && signbit(rs_half_to_float(0x8000)));
    assert_true(rs_half_to_float(0x3c00) == 1.0f);
    assert_true(rs_half_to_float(0xc000) == -2.0f);
    assert_true(rs_half_to_float(0x3555) == 0x1.554p-2f);   /* 0.33325195 */
    assert_true(rs_half_to_float(0x7bff) == 65504.0f);      /* the largest finite */
    assert_true(rs_half_to_float(0x0400) == 0x1p-14f);      /* the smallest normal */
    assert_true(rs_half_to_float(0x0001) == 0x1p-24f);      /* the smallest subnormal */
    assert_true(rs_half_to_float(0x03ff) == 0x1.ff8p-15f);  /* the largest subnormal */
    assert_true(rs_half_to_float(0x8001) == -0x1p-24f);
    assert_true(isinf(rs_half_to_float(0x7c00)) && rs_half_to_float(0x7c00) > 0);
    assert_true(isinf(rs_half_to_float(0xfc00)) && rs_half_to_float(0xfc00) < 0);
    assert_true(isnan(rs_half_to_float(0x7e00)));
    assert_true(isnan(rs_half_to_float(0x7c01)));
    /* every finite f16 value round-trips through the standard conversion back to f16 bits */
    for (uint32_t h = 0; h < 0x10000; h++) {
        float f = rs_half_to_float((uint16_t)h);
        if (!isfinite(f))
            continue;
        int exponent;
        double mantissa = frexp(fabs((double)f), &exponent);
        /* f16 values have at most 11 significant bits */
        double scaled = ldexp(mantissa, 11);
        assert_true(f == 0.0f || exponent < -13 || scaled == floor(scaled));
    }
}

static void expect_decoded(const char *text, const char *bytes, size_t len)
{
    unsigned char *out;
    size_t out_len;
    rs_error err = {{0}};
    if (rs_base64_decode(text, strlen(text), &out, &out_len, &err) < 0)
        fail_msg("%s: %s", text, err.message);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, bytes, len);
    free(out);
}

static void expect_rejected(const char *text, const char *message)
{
    unsigned char *out;
    size_t out_len;
    rs_error err = {{0}};
    assert_int_equal(rs_base64_decode(text, strlen(text), &out, &out_len, &err), -1);
    assert_string_equal(err.message, message);
}

static void test_base64(void **state)
{
    (void)state;
    expect_decoded("", "", 0);
    expect_decoded("Zg==", "f", 1);
    expect_decoded("Zm8=", "fo", 2);
    expect_decoded("Zm9v", "foo", 3);
    expect_decoded("Zm9vYg", "foob", 4); /* padding may be left out */
    expect_decoded("Zm9v\nYmFy\r\n", "foobar", 6);
    expect_decoded("+/+/", "\xfb\xff\xbf", 3);
    expect_rejected("Zm9v-mFy", "base64: invalid character at offset 4");
    expect_rejected("Zg==Zg==", "base64: data after '=' padding at offset 4");
    expect_rejected("Zm9vY", "base64: truncated or badly padded");
    expect_rejected("Zg===", "base64: truncated or badly padded");
    expect_rejected("Zm9=v", "base64: data after '=' padding at offset 4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_half_to_float),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
