/*
 * Lock statistics per lock class: acquisitions, contentions, wait and hold
 * times in log-linear histograms, holds over the budget.  Updated by the
 * checked operations with relaxed atomics and no lock (each field is an
 * independent counter; a dump taken while threads run is a near-snapshot);
 * dumped as text or JSON from a copy made with atomic loads.
 */
#include "verifier/internal.h"

#include <stddef.h>
#include <string.h>

/*
 * Bucket of v nanoseconds: exact below 4; above, 4 sub-buckets per power of
 * two (msb, next two bits), so any value is within 25% of its bucket's floor.
 */
static unsigned bucket(uint64_t v)
{
    if (v < 4)
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    return (msb - 1) * 4 + (unsigned)((v >> (msb - 2)) & 3);
}

static uint64_t bucket_floor(unsigned b)
{
    if (b < 4)
        return b;
    unsigned msb = b / 4 + 1;
    return (uint64_t)(4 | (b & 3)) << (msb - 2);
}

void v_count(uint64_t *counter)
{
    __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

void v_hist_add(struct v_hist *h, uint64_t ns)
{
    uint64_t m;

    __atomic_fetch_add(&h->count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->sum, ns, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->b[bucket(ns)], 1, __ATOMIC_RELAXED);
    /* min/max: a plain load first; the CAS loop only when this sample is a new extreme */
    m = __atomic_load_n(&h->min, __ATOMIC_RELAXED);
    while (ns < m && !__atomic_compare_exchange_n(&h->min, &m, ns, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    m = __atomic_load_n(&h->max, __ATOMIC_RELAXED);
    while (ns > m && !__atomic_compare_exchange_n(&h->max, &m, ns, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

_Static_assert((sizeof(struct v_class) - offsetof(struct v_class, acquisitions)) % sizeof(uint64_t) == 0,
               "v_class: only uint64_t counters after site");

/* A copy of a class's statistics for printing (the originals keep changing). */
static void snapshot(struct v_class *dst, const struct v_class *src)
{
    const uint64_t *s = (const uint64_t *)(const void *)&src->acquisitions;
    uint64_t *d = (uint64_t *)(void *)&dst->acquisitions;
    size_t n = (sizeof *src - offsetof(struct v_class, acquisitions)) / sizeof(uint64_t);

    dst->site = src->site;
    for (size_t i = 0; i < n; i++)
        d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

/* The p-quantile (0 < p <= 1): the floor of its bucket, clamped to [min, max]. */
uint64_t v_hist_pct(const struct v_hist *h, double p)
{
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)(p * (double)h->count + 0.999999), seen = 0;
    if (want == 0)
        want = 1;
    for (unsigned b = 0; b < V_HIST; b++) {
        seen += h->b[b];
        if (seen >= want) {
            uint64_t v = bucket_floor(b);
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

static const char *cls_name(const struct v_class *c)
{
    return c->site ? c->site->name : "<uninitialized>";
}

static const char *cls_file(const struct v_class *c)
{
    const char *f = c->site ? c->site->file : "?";
    const char *s = strrchr(f, '/');
    return s ? s + 1 : f;
}

static void json_name(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void json_hist(FILE *out, const char *name, const struct v_hist *h)
{
    fprintf(out, "\"%s\":{\"count\":%llu,\"min_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,"
                 "\"max_ns\":%llu,\"mean_ns\":%llu}", name, (unsigned long long)h->count,
            (unsigned long long)(h->count ? h->min : 0), (unsigned long long)v_hist_pct(h, 0.5),
            (unsigned long long)v_hist_pct(h, 0.99), (unsigned long long)h->max,
            (unsigned long long)(h->count ? h->sum / h->count : 0));
}

void v_stats_dump_locked(FILE *out, int json)
{
    if (json) {
        fprintf(out, "{\"hold_budget_us\":%u,\"classes\":[", vstate.opt.hold_us);
        for (unsigned i = 0, first = 1; vstate.classes && i < vstate.nclasses; i++) {
            struct v_class snap;
            const struct v_class *c = &snap;
            snapshot(&snap, &vstate.classes[i]);
            if (c->acquisitions == 0 && c->site == NULL)
                continue;
            fprintf(out, "%s{\"lock\":", first ? "" : ",");
            first = 0;
            json_name(out, cls_name(c));
            fprintf(out, ",\"site\":\"%s:%d\",\"acquisitions\":%llu,\"contentions\":%llu,"
                         "\"over_budget\":%llu,", cls_file(c), c->site ? c->site->line : 0,
                    (unsigned long long)c->acquisitions, (unsigned long long)c->contentions,
                    (unsigned long long)c->over_budget);
            json_hist(out, "wait", &c->wait);
            fputc(',', out);
            json_hist(out, "hold", &c->hold);
            fputc('}', out);
        }
        fprintf(out, "]}\n");
        return;
    }
    fprintf(out, "ndislock: lock statistics (times in ns; wait counts contended acquires only; "
                 "hold budget %u us)\n", vstate.opt.hold_us);
    fprintf(out, "  %-28s %-20s %10s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", "lock", "site", "acquired",
            "contend", "over", "wait_p50", "wait_p99", "wait_max", "hold_min", "hold_p50", "hold_p99",
            "hold_max");
    for (unsigned i = 0; vstate.classes && i < vstate.nclasses; i++) {
        struct v_class snap;
        const struct v_class *c = &snap;
        char site[64];
        snapshot(&snap, &vstate.classes[i]);
        if (c->acquisitions == 0 && c->site == NULL)
            continue;
        snprintf(site, sizeof site, "%s:%d", cls_file(c), c->site ? c->site->line : 0);
        fprintf(out, "  %-28s %-20s %10llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu\n",
                cls_name(c), site, (unsigned long long)c->acquisitions,
                (unsigned long long)c->contentions, (unsigned long long)c->over_budget,
                (unsigned long long)v_hist_pct(&c->wait, 0.5),
                (unsigned long long)v_hist_pct(&c->wait, 0.99), (unsigned long long)c->wait.max,
                (unsigned long long)(c->hold.count ? c->hold.min : 0),
                (unsigned long long)v_hist_pct(&c->hold, 0.5),
                (unsigned long long)v_hist_pct(&c->hold, 0.99), (unsigned long long)c->hold.max);
    }
    fflush(out);
}

void ndislock_stats_dump(FILE *out, int json)
{
    struct v_thread *t = &vthread;

    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    v_stats_dump_locked(out, json);
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}

void ndislock_stats_reset(void)
{
    struct v_thread *t = &vthread;

    pthread_mutex_lock(&vstate.mu);
    t->guard++;
    for (unsigned i = 0; vstate.classes && i < vstate.nclasses; i++) {
        struct v_class *c = &vstate.classes[i];
        uint64_t *d = (uint64_t *)(void *)&c->acquisitions;
        size_t n = (sizeof *c - offsetof(struct v_class, acquisitions)) / sizeof(uint64_t);
        for (size_t k = 0; k < n; k++)
            __atomic_store_n(&d[k], 0, __ATOMIC_RELAXED);
        __atomic_store_n(&c->wait.min, UINT64_MAX, __ATOMIC_RELAXED);
        __atomic_store_n(&c->hold.min, UINT64_MAX, __ATOMIC_RELAXED);
    }
    t->guard--;
    pthread_mutex_unlock(&vstate.mu);
}
