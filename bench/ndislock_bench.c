/*
 * ndislock_bench - ndislock's spin locks beside the usual user-mode locks, in
 * one process, rounds interleaved, medians of several repetitions, ratios to
 * the baselines of the same run.
 *
 *   ndislock_bench [--quick] [--reps N] [--ms N] [--json FILE] [--dat FILE]
 *                  [--only a,b] [--threads 2,4] [--workload cs/2,queue/4]
 *
 * Workloads, at thread counts that follow the machine (1, 2, 4, ... up to
 * 4x the online CPUs; --threads overrides):
 *   pair       one thread, lock+unlock of an uncontended lock: ns per pair
 *   cs/T       T threads, a critical section that writes two shared cache
 *              lines, a little private work outside: acquisitions/s,
 *              fairness (max/min per-thread acquisitions, Jain's index),
 *              wait p50/p99/max
 *   queue/T    T/2 producers and T/2 consumers (T >= 2) passing packets
 *              through a LIST_ENTRY queue and a free list under the lock, like
 *              a driver's send and completion paths: packets/s; fairness over
 *              the packets each thread moved
 * Each workload compares ndis with the best fair baseline (max/min < 2) and
 * the best baseline of any kind.  Progress goes to stderr, tables to stdout.
 */
#define _GNU_SOURCE
#include "bench_locks.h"

#include <ndis.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

/* ---------------------------------------------------------------- time */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Wait times are taken with the cycle counter (cheap enough to read around
 * every acquisition), converted to ns with a factor calibrated at start. */
static inline uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
    return __rdtsc();
#else
    return now_ns();
#endif
}

static double ns_per_tick = 1.0;

static void calibrate(void)
{
    uint64_t n0 = now_ns(), t0 = ticks();
    struct timespec d = { 0, 50 * 1000 * 1000 };

    nanosleep(&d, NULL);
    ns_per_tick = (double)(now_ns() - n0) / (double)(ticks() - t0);
}

/* ------------------------------------------------- log-linear histogram */

#define HIST_N 1024

static unsigned hist_bucket(uint64_t v)
{
    if (v < 32)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);    /* >= 5 */
    return 32u + (e - 5u) * 16u + (unsigned)((v >> (e - 4u)) & 15u);
}

static uint64_t hist_value(unsigned i)
{
    if (i < 32)
        return i;
    unsigned e = (i - 32u) / 16u + 5u, sub = (i - 32u) % 16u;
    return (uint64_t)(16u + sub) << (e - 4u);
}

/* --------------------------------------------------------- shared data */

struct shared {
    _Alignas(64) uint64_t a[8];     /* line A: a[0] counts every acquisition */
    _Alignas(64) uint64_t b[8];     /* line B */
    _Alignas(64) LIST_ENTRY queue;  /* queue workload */
    LIST_ENTRY free_list;
};

struct packet {
    LIST_ENTRY link;
    uint64_t payload[6];
};

#define POOL 256

struct worker {
    _Alignas(64) pthread_t tid;
    int id, role;                   /* role: 0 cs, 1 producer, 2 consumer */
    struct bench_tctx ctx;
    uint64_t count;                 /* acquisitions (cs) or packets consumed (queue) */
    uint64_t moved;                 /* queue: packets this thread produced or consumed */
    uint64_t acquisitions;
    uint64_t max_wait;
    uint64_t *hist;
};

struct cell {
    const struct bench_lock *lk;
    void *lock;
    struct shared *sh;
    int nthreads, queue;
    volatile int stop;
    pthread_barrier_t start;
    struct worker *w;
};

/* Private work between acquisitions: ~100 ns, so the lock is the bottleneck
 * but a released lock is not re-taken by the same thread at once. */
static void outside_work(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        __asm__ __volatile__("" : : "r"(i));
}

#define TIMED_LOCK(c, w)                                                        \
    do {                                                                        \
        uint64_t t0_ = ticks();                                                 \
        (c)->lk->lock((c)->lock, &(w)->ctx);                                    \
        uint64_t d_ = ticks() - t0_;                                            \
        (w)->hist[hist_bucket(d_)]++;                                           \
        if (d_ > (w)->max_wait)                                                 \
            (w)->max_wait = d_;                                                 \
        (w)->acquisitions++;                                                    \
    } while (0)

struct worker_arg {
    struct cell *c;
    struct worker *w;
};

static void *cs_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct cell *c = wa->c;
    struct worker *w = wa->w;
    struct shared *sh = c->sh;

    if (c->lk->dispatch)
        KeRaiseIrql(DISPATCH_LEVEL, &(KIRQL){ 0 });
    pthread_barrier_wait(&c->start);
    while (!c->stop) {
        TIMED_LOCK(c, w);
        /* two shared lines, read-modify-write: the lines move with the lock */
        sh->a[0]++;
        sh->a[1] += sh->b[0];
        sh->b[0]++;
        sh->b[1] ^= sh->a[0];
        c->lk->unlock(c->lock, &w->ctx);
        w->count++;
        outside_work(200);
    }
    return NULL;
}

static void *queue_main(void *arg)
{
    struct worker_arg *wa = arg;
    struct cell *c = wa->c;
    struct worker *w = wa->w;
    struct shared *sh = c->sh;

    pthread_barrier_wait(&c->start);
    while (!c->stop) {
        PLIST_ENTRY e = NULL;

        if (w->role == 1) {                             /* producer: allocate, fill, queue */
            TIMED_LOCK(c, w);
            if (!IsListEmpty(&sh->free_list))
                e = RemoveHeadList(&sh->free_list);
            c->lk->unlock(c->lock, &w->ctx);
            if (e == NULL) {
                sched_yield();   /* pool exhausted: let a consumer run */
                continue;
            }
            struct packet *p = CONTAINING_RECORD(e, struct packet, link);
            for (int i = 0; i < 6; i++)
                p->payload[i] = w->count + (uint64_t)i;
            TIMED_LOCK(c, w);
            InsertTailList(&sh->queue, e);
            sh->a[0]++;
            c->lk->unlock(c->lock, &w->ctx);
            w->moved++;
        } else {                                        /* consumer: dequeue, read, free */
            TIMED_LOCK(c, w);
            if (!IsListEmpty(&sh->queue))
                e = RemoveHeadList(&sh->queue);
            c->lk->unlock(c->lock, &w->ctx);
            if (e == NULL) {
                sched_yield();   /* queue empty: let a producer run */
                continue;
            }
            struct packet *p = CONTAINING_RECORD(e, struct packet, link);
            uint64_t sum = 0;
            for (int i = 0; i < 6; i++)
                sum += p->payload[i];
            __asm__ __volatile__("" : : "r"(sum));
            TIMED_LOCK(c, w);
            InsertTailList(&sh->free_list, e);
            c->lk->unlock(c->lock, &w->ctx);
            w->count++;
            w->moved++;
        }
        outside_work(100);
    }
    return NULL;
}

/* One measured cell: result of one lock, one workload, one repetition. */
struct result {
    double rate;            /* acquisitions/s (cs) or packets/s (queue) */
    double maxmin, jain;
    double p50, p99, max;   /* wait, ns */
    int ok;                 /* mutual exclusion held (counts add up) */
};

static void *xalloc(size_t align, size_t n)
{
    void *p = aligned_alloc(align, (n + align - 1) / align * align);

    if (p == NULL) {
        perror("aligned_alloc");
        exit(2);
    }
    memset(p, 0, n);
    return p;
}

static struct result run_cell(const struct bench_lock *lk, int nthreads, int queue, unsigned ms)
{
    struct cell c;
    struct worker *w = xalloc(64, sizeof(*w) * (size_t)nthreads);
    struct worker_arg *wa = xalloc(64, sizeof(*wa) * (size_t)nthreads);
    struct packet *pool = NULL;
    struct result r = { 0 };

    memset(&c, 0, sizeof(c));
    c.lk = lk;
    c.lock = xalloc(128, lk->size < 128 ? 128 : lk->size);
    c.sh = xalloc(64, sizeof(*c.sh));
    c.nthreads = nthreads;
    c.queue = queue;
    c.w = w;
    lk->init(c.lock);
    if (queue) {
        pool = xalloc(64, sizeof(*pool) * POOL);
        InitializeListHead(&c.sh->queue);
        InitializeListHead(&c.sh->free_list);
        for (int i = 0; i < POOL; i++)
            InsertTailList(&c.sh->free_list, &pool[i].link);
    }
    pthread_barrier_init(&c.start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        w[i].id = i;
        w[i].role = queue ? 1 + (i & 1) : 0;
        w[i].hist = xalloc(64, sizeof(uint64_t) * HIST_N);
        w[i].ctx.node = bench_node_size ? xalloc(64, bench_node_size) : NULL;
        wa[i].c = &c;
        wa[i].w = &w[i];
        if (pthread_create(&w[i].tid, NULL, queue ? queue_main : cs_main, &wa[i]) != 0) {
            perror("pthread_create");
            exit(2);
        }
    }
    pthread_barrier_wait(&c.start);
    uint64_t t0 = now_ns();
    struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&d, NULL);
    __atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < nthreads; i++)
        pthread_join(w[i].tid, NULL);
    double secs = (double)(now_ns() - t0) / 1e9;

    uint64_t total = 0, acq = 0, mx = 0, mn = UINT64_MAX, maxw = 0;
    double sq = 0;
    static uint64_t hist[HIST_N];
    memset(hist, 0, sizeof(hist));
    int nfair = 0;
    for (int i = 0; i < nthreads; i++) {
        total += w[i].count;
        acq += w[i].acquisitions;
        /* Fairness: cs, lock acquisitions of every thread; queue, packets each
         * thread moved (an empty pool or queue sends a thread to sched_yield,
         * so its failed looks count the scheduler's choices, not the lock's). */
        uint64_t x = queue ? w[i].moved : w[i].acquisitions;
        mx = x > mx ? x : mx;
        mn = x < mn ? x : mn;
        sq += (double)x * (double)x;
        nfair++;
        maxw = w[i].max_wait > maxw ? w[i].max_wait : maxw;
        for (int b = 0; b < HIST_N; b++)
            hist[b] += w[i].hist[b];
    }
    r.rate = (double)total / secs;
    r.maxmin = mn ? (double)mx / (double)mn : 1e9;
    uint64_t sum = 0;
    for (int i = 0; i < nthreads; i++)
        sum += queue ? w[i].moved : w[i].acquisitions;
    r.jain = sq > 0 ? (double)sum * (double)sum / ((double)nfair * sq) : 0;
    uint64_t seen = 0;
    r.p50 = r.p99 = -1;
    for (int b = 0; b < HIST_N; b++) {
        seen += hist[b];
        if (r.p50 < 0 && seen * 2 >= acq)
            r.p50 = (double)hist_value((unsigned)b) * ns_per_tick;
        if (r.p99 < 0 && seen * 100 >= acq * 99)
            r.p99 = (double)hist_value((unsigned)b) * ns_per_tick;
    }
    r.max = (double)maxw * ns_per_tick;
    if (queue) {
        uint64_t in = 0, out = total, listed = 0;
        for (PLIST_ENTRY e = c.sh->queue.Flink; e != &c.sh->queue; e = e->Flink)
            listed++;
        for (PLIST_ENTRY e = c.sh->free_list.Flink; e != &c.sh->free_list; e = e->Flink)
            listed++;
        in = c.sh->a[0];
        /* every packet is in exactly one list; produced - consumed are queued */
        r.ok = listed == POOL && in >= out;
    } else {
        r.ok = c.sh->a[0] == total;
    }
    lk->destroy(c.lock);
    for (int i = 0; i < nthreads; i++) {
        free(w[i].hist);
        free(w[i].ctx.node);
    }
    pthread_barrier_destroy(&c.start);
    free(pool);
    free(c.sh);
    free(c.lock);
    free(w);
    free(wa);
    return r;
}

/*
 * The scheduler's floor under a wait time: n threads that only read the
 * clock, no lock; the longest gap between two reads is the longest a thread
 * sat runnable but off its CPU.  No lock can promise a worst wait below it
 * while its waiters stay runnable.
 */
struct gap_arg {
    volatile int *stop;
    uint64_t max;
};

static void *gap_main(void *arg)
{
    struct gap_arg *g = arg;
    uint64_t prev = ticks(), m = 0;

    while (!*g->stop) {
        uint64_t t = ticks();
        m = t - prev > m ? t - prev : m;
        prev = t;
    }
    g->max = m;
    return NULL;
}

static double run_gap(int nthreads, unsigned ms)
{
    static pthread_t t[256];
    static struct gap_arg g[256];
    volatile int stop = 0;
    double m = 0;

    for (int i = 0; i < nthreads; i++) {
        g[i].stop = &stop;
        g[i].max = 0;
        pthread_create(&t[i], NULL, gap_main, &g[i]);
    }
    struct timespec d = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&d, NULL);
    stop = 1;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
        m = (double)g[i].max * ns_per_tick > m ? (double)g[i].max * ns_per_tick : m;
    }
    return m;
}

/* ns per uncontended lock+unlock pair, one thread. */
static double run_pair(const struct bench_lock *lk, unsigned long n)
{
    void *lock = xalloc(128, lk->size < 128 ? 128 : lk->size);
    struct bench_tctx ctx;
    KIRQL old = PASSIVE_LEVEL;

    memset(&ctx, 0, sizeof(ctx));
    ctx.node = bench_node_size ? xalloc(64, bench_node_size) : NULL;

    lk->init(lock);
    if (lk->dispatch)
        KeRaiseIrql(DISPATCH_LEVEL, &old);
    for (unsigned long i = 0; i < n / 16; i++) {     /* warm up */
        lk->lock(lock, &ctx);
        lk->unlock(lock, &ctx);
    }
    uint64_t t0 = now_ns();
    for (unsigned long i = 0; i < n; i++) {
        lk->lock(lock, &ctx);
        lk->unlock(lock, &ctx);
    }
    double ns = (double)(now_ns() - t0) / (double)n;
    if (lk->dispatch)
        KeLowerIrql(old);
    lk->destroy(lock);
    free(lock);
    free(ctx.node);
    return ns;
}

/* ------------------------------------------------------------- driver */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    double t[64];

    memcpy(t, v, sizeof(double) * (size_t)n);
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

static double maxof(double *v, int n)
{
    double m = v[0];

    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

struct workload {
    char name[16];          /* "cs/4" */
    int nthreads, queue;
};

#define MAXWL 32
#define MAXREPS 64
#define MAXLOCKS 16
#define MAXTHREADS 256
/* A baseline counts as fair below this max/min of per-thread acquisitions. */
#define FAIR_MAXMIN 2.0

static struct workload workloads[MAXWL];
static int NWL;

static void add_workload(int queue, int t)
{
    if (NWL < MAXWL && t >= 1 + queue && t <= MAXTHREADS) {
        snprintf(workloads[NWL].name, sizeof(workloads[NWL].name), "%s/%d", queue ? "queue" : "cs", t);
        workloads[NWL].nthreads = t;
        workloads[NWL].queue = queue;
        NWL++;
    }
}

static int selected(const char *only, const char *name)
{
    if (only == NULL)
        return 1;
    size_t n = strlen(name);
    for (const char *p = only; (p = strstr(p, name)) != NULL; p += n)
        if ((p == only || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return 1;
    return 0;
}

/* Parses "2,4,8" into v; returns the count. */
static int parse_list(const char *p, int *v, int max)
{
    int n = 0;

    while (*p && n < max) {
        v[n++] = atoi(p);
        while (*p && *p != ',')
            p++;
        if (*p == ',')
            p++;
    }
    return n;
}

/* Per workload and lock: medians over the rounds (max: the worst round). */
struct summary {
    double rate, maxmin, jain, p50, p99, max;
};

/* The best baseline of a workload, of any kind (fair = 0) or fair only. */
static int best_baseline(const struct summary *sm, const struct bench_lock *const *locks, int nl,
                         int fair)
{
    int best = -1;

    for (int l = 0; l < nl; l++) {
        if (!locks[l]->baseline || locks[l]->pair_only)
            continue;
        if (fair && !(sm[l].maxmin < FAIR_MAXMIN))
            continue;
        if (best < 0 || sm[l].rate > sm[best].rate)
            best = l;
    }
    return best;
}

int main(int argc, char **argv)
{
    int reps = 5;
    unsigned ms = 300;
    unsigned long pairs = 4000000;
    const char *json = "ndislock_bench.json", *dat = NULL, *only = NULL, *wlonly = NULL;
    int tcounts[MAXWL], ntc = 0;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            reps = 3;
            ms = 80;
            pairs = 1000000;
        } else if (!strcmp(argv[i], "--reps") && i + 1 < argc) {
            reps = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--ms") && i + 1 < argc) {
            ms = (unsigned)atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
            json = argv[++i];
        } else if (!strcmp(argv[i], "--dat") && i + 1 < argc) {
            dat = argv[++i];
        } else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            only = argv[++i];
        } else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            ntc = parse_list(argv[++i], tcounts, MAXWL / 2);
        } else if (!strcmp(argv[i], "--workload") && i + 1 < argc) {
            wlonly = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--quick] [--reps N] [--ms N] [--json FILE] [--dat FILE] "
                            "[--only lock,lock] [--threads 2,4] [--workload cs/2,queue/4]\n", argv[0]);
            return 2;
        }
    }
    if (reps < 1 || reps > MAXREPS)
        reps = reps < 1 ? 1 : MAXREPS;
    if (ntc == 0)   /* 1, 2, 4, ... up to 4x the CPUs */
        for (int t = 1; t <= 4 * cpus && ntc < MAXWL / 2; t *= 2)
            tcounts[ntc++] = t;
    for (int q = 0; q < 2; q++)
        for (int i = 0; i < ntc; i++)
            add_workload(q, tcounts[i]);

    const struct bench_lock *locks[MAXLOCKS];
    int nl = 0;
    for (size_t i = 0; i < bench_nlocks && nl < MAXLOCKS; i++)
        if (selected(only, bench_locks[i].name))
            locks[nl++] = &bench_locks[i];
#if !BENCH_HAVE_CK
    fprintf(stderr, "note: Concurrency Kit headers (ck_spinlock.h) not found at configure time: "
                    "ck_fas, ck_ticket, ck_mcs skipped\n");
#endif
    calibrate();
    fprintf(stderr, "ndislock_bench: %d locks, %d repetitions, %u ms per contended cell, %lu pairs, %ld CPUs\n",
            nl, reps, ms, pairs, cpus);

    /* pair: interleaved rounds */
    static double pair_ns[MAXLOCKS][MAXREPS];
    int want_pair = selected(wlonly, "pair");
    for (int r = 0; want_pair && r < reps; r++) {
        fprintf(stderr, "  pair round %d/%d\n", r + 1, reps);
        for (int k = 0; k < nl; k++) {
            int l = (k + r) % nl;
            pair_ns[l][r] = run_pair(locks[l], pairs);
        }
    }

    /* contended: for each repetition, every workload, every lock */
    static struct result res[MAXWL][MAXLOCKS][MAXREPS];
    double floor_ns[MAXWL] = { 0 };
    int wl_on[MAXWL], bad = 0;
    for (int wl = 0; wl < NWL; wl++)
        wl_on[wl] = selected(wlonly, workloads[wl].name);
    for (int r = 0; r < reps; r++) {
        for (int wl = 0; wl < NWL; wl++) {
            if (!wl_on[wl])
                continue;
            double g = run_gap(workloads[wl].nthreads, ms);
            floor_ns[wl] = g > floor_ns[wl] ? g : floor_ns[wl];
            fprintf(stderr, "  round %d/%d: %s:", r + 1, reps, workloads[wl].name);
            /* rotate the order every round: no lock always runs first
             * (right after the floor measurement) or last */
            for (int k = 0; k < nl; k++) {
                int l = (k + r + wl) % nl;
                if (locks[l]->pair_only)
                    continue;
                res[wl][l][r] = run_cell(locks[l], workloads[wl].nthreads, workloads[wl].queue, ms);
                fprintf(stderr, " %s", locks[l]->name);
                if (!res[wl][l][r].ok) {
                    fprintf(stderr, "(MUTUAL EXCLUSION BROKEN)");
                    bad = 1;
                }
            }
            fprintf(stderr, "\n");
        }
    }

    /* ---- pair ---- */
    double pm[MAXLOCKS], tas_ns = 0, best_pair = 1e30;
    for (int l = 0; l < nl && want_pair; l++) {
        pm[l] = median(pair_ns[l], reps);
        if (!strcmp(locks[l]->name, "tas"))
            tas_ns = pm[l];
        if (locks[l]->baseline && pm[l] < best_pair)
            best_pair = pm[l];
    }
    if (tas_ns == 0)
        tas_ns = best_pair;
    if (want_pair) {
        printf("\nUncontended lock+unlock pair, 1 thread (median of %d, %lu pairs each)\n", reps, pairs);
        printf("%-16s %10s %10s\n", "lock", "ns/pair", "x tas");
        for (int l = 0; l < nl; l++)
            printf("%-16s %10.2f %10.2f\n", locks[l]->name, pm[l], pm[l] / tas_ns);
    }

    /* ---- contended ---- */
    static struct summary sm[MAXWL][MAXLOCKS];
    int fair[MAXWL], any[MAXWL], ndis = -1;
    for (int l = 0; l < nl; l++)
        if (!strcmp(locks[l]->name, "ndis"))
            ndis = l;
    for (int wl = 0; wl < NWL; wl++) {
        if (!wl_on[wl])
            continue;
        for (int l = 0; l < nl; l++) {
            if (locks[l]->pair_only)
                continue;
            double v[MAXREPS];
            struct summary *s = &sm[wl][l];
#define MED(field) (({ for (int r = 0; r < reps; r++) v[r] = res[wl][l][r].field; }), median(v, reps))
            s->rate = MED(rate);
            s->maxmin = MED(maxmin);
            s->jain = MED(jain);
            s->p50 = MED(p50);
            s->p99 = MED(p99);
            for (int r = 0; r < reps; r++)
                v[r] = res[wl][l][r].max;
            s->max = maxof(v, reps);
#undef MED
        }
        fair[wl] = best_baseline(sm[wl], locks, nl, 1);
        any[wl] = best_baseline(sm[wl], locks, nl, 0);
        double bf = fair[wl] >= 0 ? sm[wl][fair[wl]].rate : 0, ba = any[wl] >= 0 ? sm[wl][any[wl]].rate : 0;
        printf("\n%s: %d threads on %ld CPUs (median of %d x %u ms; max wait = worst of all rounds)\n",
               workloads[wl].name, workloads[wl].nthreads, cpus, reps, ms);
        printf("%-16s %10s %8s %8s %8s %6s %9s %9s %10s\n", "lock", workloads[wl].queue ? "Mpkt/s" : "Macq/s",
               "x fair", "x any", "max/min", "jain", "p50 ns", "p99 ns", "max us");
        for (int l = 0; l < nl; l++) {
            if (locks[l]->pair_only)
                continue;
            struct summary *s = &sm[wl][l];
            printf("%-16s %10.3f %8.2f %8.2f %8.2f %6.3f %9.0f %9.0f %10.1f\n", locks[l]->name, s->rate / 1e6,
                   bf > 0 ? s->rate / bf : 0, ba > 0 ? s->rate / ba : 0, s->maxmin, s->jain, s->p50, s->p99,
                   s->max / 1e3);
        }
        printf("(best fair baseline, max/min < %.0f: %s; best of any kind: %s; scheduler floor, longest "
               "off-CPU gap of %d lock-free threads: %.1f us)\n", FAIR_MAXMIN,
               fair[wl] >= 0 ? locks[fair[wl]]->name : "-", any[wl] >= 0 ? locks[any[wl]]->name : "-",
               workloads[wl].nthreads, floor_ns[wl] / 1e3);
    }

    /* ---- ndis against the targets, one row per workload ---- */
    if (ndis >= 0) {
        printf("\nndis against the baselines of each row (targets: >= 1.00 x best fair, >= 0.85 x best of any "
               "kind, max/min < 2, p99 <= the best fair baseline's)\n");
        printf("%-10s %8s  %-24s %7s  %-24s %7s %8s %8s %9s\n", "workload", "ndis", "best fair (max/min)",
               "x fair", "best any (max/min)", "x any", "max/min", "p99 ns", "fair p99");
        for (int wl = 0; wl < NWL; wl++) {
            if (!wl_on[wl])
                continue;
            struct summary *n = &sm[wl][ndis];
            char fb[40] = "-", ab[40] = "-";
            double xf = 0, xa = 0, fp99 = 0;
            if (fair[wl] >= 0) {
                snprintf(fb, sizeof(fb), "%s %.2f (%.2f)", locks[fair[wl]]->name, sm[wl][fair[wl]].rate / 1e6,
                         sm[wl][fair[wl]].maxmin);
                xf = n->rate / sm[wl][fair[wl]].rate;
                fp99 = sm[wl][fair[wl]].p99;
            }
            if (any[wl] >= 0) {
                snprintf(ab, sizeof(ab), "%s %.2f (%.2f)", locks[any[wl]]->name, sm[wl][any[wl]].rate / 1e6,
                         sm[wl][any[wl]].maxmin);
                xa = n->rate / sm[wl][any[wl]].rate;
            }
            printf("%-10s %8.3f  %-24s %7.2f  %-24s %7.2f %8.2f %8.0f %9.0f\n", workloads[wl].name,
                   n->rate / 1e6, fb, xf, ab, xa, n->maxmin, n->p99, fp99);
        }
    }

    FILE *f = fopen(json, "w");
    if (f == NULL) {
        perror(json);
        return 2;
    }
    fprintf(f, "{\n  \"cpus\": %ld, \"reps\": %d, \"cell_ms\": %u, \"pairs\": %lu, \"fair_maxmin\": %.1f,\n",
            cpus, reps, ms, pairs, FAIR_MAXMIN);
    fprintf(f, "  \"pair\": [\n");
    for (int l = 0; l < nl && want_pair; l++)
        fprintf(f, "    {\"lock\": \"%s\", \"ns\": %.3f, \"x_tas\": %.3f}%s\n", locks[l]->name, pm[l],
                pm[l] / tas_ns, l + 1 < nl ? "," : "");
    fprintf(f, "  ],\n  \"contended\": [\n");
    int first = 1;
    for (int wl = 0; wl < NWL; wl++)
        for (int l = 0; l < nl; l++) {
            if (locks[l]->pair_only || !wl_on[wl])
                continue;
            struct summary *s = &sm[wl][l];
            double bf = fair[wl] >= 0 ? sm[wl][fair[wl]].rate : 0, ba = any[wl] >= 0 ? sm[wl][any[wl]].rate : 0;
            fprintf(f, "%s    {\"workload\": \"%s\", \"threads\": %d, \"lock\": \"%s\", \"rate\": %.0f, "
                       "\"x_best_fair\": %.3f, \"best_fair\": \"%s\", \"x_best_any\": %.3f, \"best_any\": \"%s\", "
                       "\"maxmin\": %.3f, \"jain\": %.4f, \"p50_ns\": %.0f, \"p99_ns\": %.0f, \"max_ns\": %.0f, "
                       "\"sched_floor_ns\": %.0f}",
                    first ? "" : ",\n", workloads[wl].queue ? "queue" : "cs", workloads[wl].nthreads,
                    locks[l]->name, s->rate, bf > 0 ? s->rate / bf : 0,
                    fair[wl] >= 0 ? locks[fair[wl]]->name : "", ba > 0 ? s->rate / ba : 0,
                    any[wl] >= 0 ? locks[any[wl]]->name : "", s->maxmin, s->jain, s->p50, s->p99, s->max,
                    floor_ns[wl]);
            first = 0;
        }
    fprintf(f, "\n  ]\n}\n");
    fclose(f);
    fprintf(stderr, "wrote %s\n", json);

    if (dat != NULL) {
        /* gnuplot data, one block per lock: threads, cs Macq/s, cs max/min,
         * queue Mpkt/s, queue max/min (NaN where not measured) */
        f = fopen(dat, "w");
        if (f == NULL) {
            perror(dat);
            return 2;
        }
        for (int l = 0; l < nl; l++) {
            if (locks[l]->pair_only)
                continue;
            fprintf(f, "\"%s\" cs_Macq/s cs_maxmin queue_Mpkt/s queue_maxmin\n", locks[l]->name);
            for (int i = 0; i < ntc; i++) {
                double v[4] = { NAN, NAN, NAN, NAN };
                for (int wl = 0; wl < NWL; wl++)
                    if (wl_on[wl] && workloads[wl].nthreads == tcounts[i]) {
                        v[2 * workloads[wl].queue] = sm[wl][l].rate / 1e6;
                        v[2 * workloads[wl].queue + 1] = sm[wl][l].maxmin;
                    }
                fprintf(f, "%d %.4f %.3f %.4f %.3f\n", tcounts[i], v[0], v[1], v[2], v[3]);
            }
            fprintf(f, "\n\n");
        }
        fclose(f);
        fprintf(stderr, "wrote %s\n", dat);
    }
    if (bad)
        fprintf(stderr, "ERROR: a lock broke mutual exclusion\n");
    return bad;
}
