/* The workspace: buffers laid out by one function, placed aligned and apart, grown only when a batch needs
 * more, and sizes past the address space reported instead of placed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "workspace.h"

typedef struct owner {
    size_t rows, cols;
    float *matrix;
    int32_t *ids;
    double *sums;
} owner;

static void layout(void *arg, rs_workspace *ws)
{
    owner *o = arg;
    RS_TAKE(ws, o->matrix, o->rows, o->cols);
    RS_TAKE(ws, o->ids, o->rows, 1);
    RS_TAKE(ws, o->sums, o->cols, 1);
}

static void test_buffers_are_aligned_and_apart(void **state)
{
    (void)state;
    rs_workspace ws;
    rs_workspace_init(&ws);
    owner o = {3, 5, NULL, NULL, NULL};
    rs_error err = {{0}};
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    assert_non_null(o.matrix);
    assert_true((uintptr_t)o.matrix % 64 == 0 && (uintptr_t)o.ids % 64 == 0 && (uintptr_t)o.sums % 64 == 0);
    assert_true((char *)o.ids >= (char *)(o.matrix + 15));
    assert_true((char *)o.sums >= (char *)(o.ids + 3));
    /* every byte is writable (valgrind and ASan check it) */
    memset(o.matrix, 1, 15 * sizeof *o.matrix);
    memset(o.ids, 2, 3 * sizeof *o.ids);
    memset(o.sums, 3, 5 * sizeof *o.sums);
    rs_workspace_free(&ws);
}

static void test_grows_only_when_needed(void **state)
{
    (void)state;
    rs_workspace ws;
    rs_workspace_init(&ws);
    owner o = {100, 10, NULL, NULL, NULL};
    rs_error err = {{0}};
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    unsigned char *base = ws.base;
    size_t capacity = ws.capacity;
    o.rows = 7; /* smaller: the same block */
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    assert_ptr_equal(ws.base, base);
    assert_int_equal(ws.capacity, capacity);
    assert_ptr_equal(o.matrix, base);
    o.rows = 1000; /* larger: a new block that holds it */
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    assert_true(ws.capacity >= 1000 * 10 * sizeof(float) + 1000 * sizeof(int32_t));
    memset(o.ids, 0, 1000 * sizeof *o.ids);
    /* an empty layout still gets a block */
    o.rows = o.cols = 0;
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    assert_non_null(o.matrix);
    rs_workspace_free(&ws);
}

static void test_sizes_past_the_address_space(void **state)
{
    (void)state;
    rs_workspace ws;
    rs_workspace_init(&ws);
    owner o = {SIZE_MAX / 2, 3, NULL, NULL, NULL};
    rs_error err = {{0}};
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "the test owner", &err), -1);
    assert_non_null(strstr(err.message, "out of memory (the test owner"));
    assert_null(o.matrix);
    assert_null(o.ids);
    /* one size that fits, but not the sum */
    o.rows = SIZE_MAX / 8;
    o.cols = 1;
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "the test owner", &err), -1);
    assert_null(o.sums);
    /* the workspace is still usable */
    o.rows = 2;
    assert_int_equal(rs_workspace_fit(&ws, layout, &o, "test", &err), 0);
    assert_non_null(o.sums);
    rs_workspace_free(&ws);
    rs_workspace_free(&ws); /* freeing twice is harmless */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffers_are_aligned_and_apart),
        cmocka_unit_test(test_grows_only_when_needed),
        cmocka_unit_test(test_sizes_past_the_address_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
