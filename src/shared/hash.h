/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.h - a small chained hash table keyed by a uint64 (shared/hash.c).
 * The stored types embed their chain pointer ('hnext') first.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct HashTable {
        void **buckets;
        size_t n_buckets;      /* power of two */
        size_t n;
} HashTable;

void *hash_get(const HashTable *h, uint64_t key, uint64_t (*key_of)(const void *));
/* 0, or -ENOMEM (the table could not grow; the item is not stored). */
int hash_put(HashTable *h, void *item, uint64_t key, uint64_t (*key_of)(const void *));
void hash_remove(HashTable *h, void *item, uint64_t key);
void hash_free(HashTable *h);
/* Frees every item with free_item, then the table: one pass, no unlinking. */
void hash_drain(HashTable *h, void (*free_item)(void *));
/* Iteration: *bucket and *item start at 0/NULL; returns the next item or NULL. */
void *hash_next(const HashTable *h, size_t *bucket, void **item);
