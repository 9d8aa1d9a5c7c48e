/* --check (spec section 5): translates the source of every `source<TAB>expected` line and compares the text
 * line the tool would print (1-best, with ` ||| alignments` under --alignments) with the expected output. */
#ifndef RS_CHECK_H
#define RS_CHECK_H

#include "cli.h"
#include "error.h"
#include "model.h"
#include "sink.h"

/* Reads and validates the whole file first (a line without a tab is an error naming FILE:LINE, before any
 * translation). Writes each mismatch and a summary to out; *differ is the number of differing lines. */
int rs_check_run(const rs_cli *cli, const rs_model *model, rs_sink *out, long long *differ, rs_error *err);

#endif
