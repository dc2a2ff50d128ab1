/*
 * Lock statistics per lock class: acquisitions, contentions, wait and hold
 * times in log-linear histograms, holds over the budget.
 *
 * Per thread: each thread counts into its own block per class (allocated
 * on its first use of the class), so instances of one class used by
 * different threads never share a written cache line.  A dump adds up the
 * blocks of the live threads (relaxed loads: a near-snapshot while threads
 * run) and of the exited ones (merged into the class at thread exit).
 */
#include "verifier/internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t bucket_floor(unsigned b)
{
    if (b < 4)
        return b;
    unsigned msb = b / 4 + 1;
    return (uint64_t)(4 | (b & 3)) << (msb - 2);
}

static void hist_init(struct v_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

/* t's block for class c, made on first use; NULL (nothing counted) if out of memory. */
struct v_cstats *ndislock__v_stats_slow(struct v_thread *t, const struct v_class *c)
{
    if (t->guard)
        return NULL;                        /* signal handler inside the verifier: no malloc */
    if (c->id >= t->nstats) {
        unsigned n = t->nstats ? t->nstats : 16;
        while (n <= c->id)
            n *= 2;
        struct v_cstats **a = calloc(n, sizeof *a);
        if (a == NULL)
            return NULL;
        /* the old array stays readable by a dump until the swap (both under mu) */
        if (ndislock__v_lock(t)) {
            if (t->stats)
                memcpy(a, t->stats, t->nstats * sizeof *a);
            free(t->stats);
            t->stats = a;
            t->nstats = n;
            ndislock__v_unlock(t);
        } else {
            free(a);
            return NULL;
        }
    }
    struct v_cstats *s = v_line_alloc(sizeof *s);
    if (s == NULL)
        return NULL;
    s->acq = s->cont = s->over = 0;
    hist_init(&s->wait);
    hist_init(&s->hold);
    __atomic_store_n(&t->stats[c->id], s, __ATOMIC_RELEASE);
    return s;
}

static void hist_sum(struct v_hist *d, const struct v_hist *s)
{
    uint64_t mn = __atomic_load_n(&s->min, __ATOMIC_RELAXED);
    uint64_t mx = __atomic_load_n(&s->max, __ATOMIC_RELAXED);

    d->count += __atomic_load_n(&s->count, __ATOMIC_RELAXED);
    d->sum += __atomic_load_n(&s->sum, __ATOMIC_RELAXED);
    for (unsigned i = 0; i < V_HIST; i++)
        d->b[i] += __atomic_load_n(&s->b[i], __ATOMIC_RELAXED);
    if (mn < d->min)
        d->min = mn;
    if (mx > d->max)
        d->max = mx;
}

static void cstats_sum(struct v_cstats *d, const struct v_cstats *s)
{
    d->acq += __atomic_load_n(&s->acq, __ATOMIC_RELAXED);
    d->cont += __atomic_load_n(&s->cont, __ATOMIC_RELAXED);
    d->over += __atomic_load_n(&s->over, __ATOMIC_RELAXED);
    hist_sum(&d->wait, &s->wait);
    hist_sum(&d->hold, &s->hold);
}

/* Under mu: an exiting thread's counts go to its classes. */
void ndislock__v_stats_merge_thread(struct v_thread *t)
{
    for (unsigned i = 0; i < t->nstats; i++) {
        struct v_cstats *s = t->stats[i];
        struct v_class *c = ndislock__v_class_by_id(i);
        if (s == NULL || c == NULL)
            continue;
        if (c->dead == NULL && (c->dead = malloc(sizeof *c->dead)) != NULL) {
            c->dead->acq = c->dead->cont = c->dead->over = 0;
            hist_init(&c->dead->wait);
            hist_init(&c->dead->hold);
        }
        if (c->dead)
            cstats_sum(c->dead, s);
        free(s);
        t->stats[i] = NULL;
    }
}

/* Under mu: class c's totals (exited threads + live ones). */
static void class_total(struct v_cstats *out, const struct v_class *c)
{
    out->acq = out->cont = out->over = 0;
    hist_init(&out->wait);
    hist_init(&out->hold);
    if (c->dead)
        cstats_sum(out, c->dead);
    ndislock__v_stats_live(out, c->id);
}

/* The p-quantile (0 < p <= 1): the floor of its bucket, clamped to [min, max]. */
static uint64_t pct(const struct v_hist *h, double p)
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

static const char *file_of(const struct v_class *c)
{
    const char *s = strrchr(c->file, '/');
    return s ? s + 1 : c->file;
}

static void json_hist(v_buf *b, const char *name, const struct v_hist *h)
{
    ndislock__v_bprintf(b, "\"%s\":{\"count\":%llu,\"min_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,"
                        "\"max_ns\":%llu,\"mean_ns\":%llu}", name, (unsigned long long)h->count,
                        (unsigned long long)(h->count ? h->min : 0),
                        (unsigned long long)pct(h, 0.5), (unsigned long long)pct(h, 0.99),
                        (unsigned long long)h->max,
                        (unsigned long long)(h->count ? h->sum / h->count : 0));
}

/* Under mu. */
void ndislock__v_stats_text(v_buf *b, int json)
{
    struct v_cstats *t = malloc(sizeof *t);
    uint32_t n = ndislock__v_class_count();
    unsigned hold_us = ndislock__v.opt.hold_us;
    int first = 1;

    if (t == NULL)
        return;
    if (json)
        ndislock__v_bprintf(b, "{\"hold_budget_us\":%u,\"classes\":[", hold_us);
    else
        ndislock__v_bprintf(b, "ndislock: lock statistics (times in ns; wait counts contended "
                            "acquires only; hold budget %u us)\n  %-28s %-20s %10s %8s %8s %8s "
                            "%8s %8s %8s %8s %8s %8s\n", hold_us, "lock", "site", "acquired",
                            "contend", "over", "wait_p50", "wait_p99", "wait_max", "hold_min",
                            "hold_p50", "hold_p99", "hold_max");
    for (uint32_t i = 0; i < n; i++) {
        const struct v_class *c = ndislock__v_class_by_id(i);
        if (c == NULL || c->hidden)
            continue;
        class_total(t, c);
        if (t->acq == 0 && c->key == NULL)
            continue;
        if (json) {
            ndislock__v_bputs(b, first ? "{\"lock\":" : ",{\"lock\":");
            ndislock__v_bjson(b, c->name);
            char site[300];
            snprintf(site, sizeof site, "%s:%d", file_of(c), c->line);
            ndislock__v_bputs(b, ",\"site\":");
            ndislock__v_bjson(b, site);
            ndislock__v_bprintf(b, ",\"acquisitions\":%llu,\"contentions\":%llu,\"over_budget\":%llu,",
                                (unsigned long long)t->acq, (unsigned long long)t->cont,
                                (unsigned long long)t->over);
            json_hist(b, "wait", &t->wait);
            ndislock__v_bputs(b, ",");
            json_hist(b, "hold", &t->hold);
            ndislock__v_bputs(b, "}");
        } else {
            char site[64];
            snprintf(site, sizeof site, "%s:%d", file_of(c), c->line);
            ndislock__v_bprintf(b, "  %-28s %-20s %10llu %8llu %8llu %8llu %8llu %8llu %8llu %8llu "
                                "%8llu %8llu\n", c->name, site, (unsigned long long)t->acq,
                                (unsigned long long)t->cont, (unsigned long long)t->over,
                                (unsigned long long)pct(&t->wait, 0.5),
                                (unsigned long long)pct(&t->wait, 0.99),
                                (unsigned long long)t->wait.max,
                                (unsigned long long)(t->hold.count ? t->hold.min : 0),
                                (unsigned long long)pct(&t->hold, 0.5),
                                (unsigned long long)pct(&t->hold, 0.99),
                                (unsigned long long)t->hold.max);
        }
        first = 0;
    }
    if (json)
        ndislock__v_bputs(b, "]}\n");
    free(t);
}

void ndislock_stats_dump(FILE *out, int json)
{
    struct v_thread *t = ndislock__vt;
    struct v_slow s;
    v_buf b = { 0 };

    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        ndislock__v_stats_text(&b, json);
        ndislock__v_unlock(t);
    }
    ndislock__v_leave(&s);
    if (b.p)
        fwrite(b.p, 1, b.len, out);
    fflush(out);
    ndislock__v_bfree(&b);
}

/* Zeroes every block (a reset while threads count is approximate: a racing count may survive). */
void ndislock_stats_reset(void)
{
    struct v_thread *t = ndislock__vt;
    struct v_slow s;

    ndislock__v_enter(&s, t);
    if (ndislock__v_lock(t)) {
        for (uint32_t i = 0, n = ndislock__v_class_count(); i < n; i++) {
            struct v_class *c = ndislock__v_class_by_id(i);
            if (c && c->dead) {
                c->dead->acq = c->dead->cont = c->dead->over = 0;
                hist_init(&c->dead->wait);
                hist_init(&c->dead->hold);
            }
        }
        ndislock__v_stats_live_reset();
        ndislock__v_unlock(t);
    }
    ndislock__v_leave(&s);
}

/* A live thread's block, zeroed from another thread (relaxed stores: see above). */
void ndislock__v_cstats_zero(struct v_cstats *s)
{
    uint64_t *w = (uint64_t *)(void *)s;

    for (size_t i = 0; i < sizeof *s / sizeof *w; i++)
        __atomic_store_n(&w[i], (uint64_t)0, __ATOMIC_RELAXED);
    __atomic_store_n(&s->wait.min, UINT64_MAX, __ATOMIC_RELAXED);
    __atomic_store_n(&s->hold.min, UINT64_MAX, __ATOMIC_RELAXED);
}

void ndislock__v_stats_sum_into(struct v_cstats *out, const struct v_cstats *s)
{
    cstats_sum(out, s);
}
