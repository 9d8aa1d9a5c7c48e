#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

void rs_vocab_init(rs_vocab *vocab)
{
    memset(vocab, 0, sizeof *vocab);
}

void rs_vocab_free(rs_vocab *vocab)
{
    free(vocab->text);
    free(vocab->offsets);
    free(vocab->lengths);
    free(vocab->slots);
    rs_vocab_init(vocab);
}

int32_t rs_vocab_find(const rs_vocab *vocab, const char *string, size_t len)
{
    if (vocab->slot_count == 0)
        return -1;
    size_t mask = vocab->slot_count - 1;
    for (size_t slot = (size_t)rs_siphash(&vocab->key, string, len) & mask;; slot = (slot + 1) & mask) {
        int32_t id = vocab->slots[slot];
        if (id < 0)
            return -1;
        if (vocab->lengths[id] == len && memcmp(vocab->text + vocab->offsets[id], string, len) == 0)
            return id;
    }
}

int rs_vocab_build(rs_vocab *vocab, const char *const *strings, const size_t *lengths, size_t count,
                   rs_error *err)
{
    rs_vocab_free(vocab);
    if (count > INT32_MAX / 2)
        return rs_fail(err, "vocabulary too large (%zu entries)", count);
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (lengths[i] > SIZE_MAX - total - 1)
            return rs_fail(err, "out of memory (vocabulary)");
        total += lengths[i] + 1;
    }
    size_t slot_count = 16;
    while (slot_count < count * 2) /* load factor <= 1/2 keeps probes short */
        slot_count *= 2;
    vocab->text = rs_alloc_array(total, 1, "vocabulary", err);
    vocab->offsets = rs_alloc_array(count, sizeof *vocab->offsets, "vocabulary", err);
    vocab->lengths = rs_alloc_array(count, sizeof *vocab->lengths, "vocabulary", err);
    vocab->slots = rs_alloc_array(slot_count, sizeof *vocab->slots, "vocabulary", err);
    if (!vocab->text || !vocab->offsets || !vocab->lengths || !vocab->slots) {
        rs_vocab_free(vocab);
        return -1;
    }
    vocab->slot_count = slot_count;
    vocab->key = rs_siphash_random_key();
    memset(vocab->slots, 0xff, slot_count * sizeof *vocab->slots);
    size_t offset = 0;
    for (size_t i = 0; i < count; i++) {
        memcpy(vocab->text + offset, strings[i], lengths[i]);
        vocab->text[offset + lengths[i]] = '\0';
        vocab->offsets[i] = offset;
        vocab->lengths[i] = lengths[i];
        offset += lengths[i] + 1;
    }
    vocab->size = count;
    size_t mask = slot_count - 1;
    for (size_t i = 0; i < count; i++) {
        const char *s = vocab->text + vocab->offsets[i];
        size_t slot = (size_t)rs_siphash(&vocab->key, s, lengths[i]) & mask;
        for (;; slot = (slot + 1) & mask) {
            int32_t id = vocab->slots[slot];
            if (id < 0) {
                vocab->slots[slot] = (int32_t)i;
                break;
            }
            if (vocab->lengths[id] == lengths[i] && memcmp(vocab->text + vocab->offsets[id], s, lengths[i]) == 0)
                break; /* a duplicate keeps its first id */
        }
    }
    return 0;
}
