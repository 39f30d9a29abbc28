/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.c - a small chained hash table keyed by a uint64, for the core's
 * group and membership tables. Items are owned by the caller and embed the
 * chain pointer first; the table only links them. It never allocates items,
 * never frees them on its own (hash_drain takes the caller's free function)
 * and knows nothing about IGMP.
 */
#include "hash.h"

#include <errno.h>
#include <stdlib.h>

/* Every stored type starts with its 'hnext' pointer. */
typedef struct HashItem {
        struct HashItem *hnext;
} HashItem;

static size_t hash_slot(const HashTable *h, uint64_t key) {
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;
        return (size_t) key & (h->n_buckets - 1);
}

void *hash_get(const HashTable *h, uint64_t key, uint64_t (*key_of)(const void *)) {
        if (h->n_buckets == 0)
                return NULL;
        for (HashItem *it = h->buckets[hash_slot(h, key)]; it; it = it->hnext)
                if (key_of(it) == key)
                        return it;
        return NULL;
}

static int hash_grow(HashTable *h, uint64_t (*key_of)(const void *)) {
        size_t nb = h->n_buckets ? h->n_buckets * 2 : 64;
        void **b = calloc(nb, sizeof *b);
        HashTable n = { .buckets = b, .n_buckets = nb, .n = h->n };

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < h->n_buckets; i++) {
                HashItem *it = h->buckets[i];
                while (it) {
                        HashItem *next = it->hnext;
                        size_t s = hash_slot(&n, key_of(it));
                        it->hnext = n.buckets[s];
                        n.buckets[s] = it;
                        it = next;
                }
        }
        free(h->buckets);
        *h = n;
        return 0;
}

int hash_put(HashTable *h, void *item, uint64_t key, uint64_t (*key_of)(const void *)) {
        HashItem *it = item;
        size_t s;

        if (h->n >= h->n_buckets) {
                int r = hash_grow(h, key_of);
                if (r < 0 && h->n_buckets == 0)
                        return r; /* a full table still works, only slower */
        }
        s = hash_slot(h, key);
        it->hnext = h->buckets[s];
        h->buckets[s] = it;
        h->n++;
        return 0;
}

void hash_remove(HashTable *h, void *item, uint64_t key) {
        HashItem **pp;

        if (h->n_buckets == 0)
                return;
        for (pp = (HashItem **) &h->buckets[hash_slot(h, key)]; *pp; pp = &(*pp)->hnext)
                if (*pp == item) {
                        *pp = ((HashItem *) item)->hnext;
                        h->n--;
                        return;
                }
}

void *hash_next(const HashTable *h, size_t *bucket, void **item) {
        HashItem *it = *item;

        if (it && it->hnext) {
                *item = it->hnext;
                return *item;
        }
        for (size_t b = it ? *bucket + 1 : *bucket; b < h->n_buckets; b++)
                if (h->buckets[b]) {
                        *bucket = b;
                        *item = h->buckets[b];
                        return *item;
                }
        *bucket = h->n_buckets;
        *item = NULL;
        return NULL;
}

void hash_drain(HashTable *h, void (*free_item)(void *)) {
        for (size_t b = 0; b < h->n_buckets; b++) {
                HashItem *it = h->buckets[b];
                while (it) {
                        HashItem *next = it->hnext;
                        free_item(it);
                        it = next;
                }
        }
        hash_free(h);
}

void hash_free(HashTable *h) {
        free(h->buckets);
        *h = (HashTable) {};
}
