/*
 * sched=pct: a run is a function of its seed.  The workload: three threads
 * (ndislock_sched_thread_create) take a spin lock, queue DPCs on two
 * processors, sleep (virtual time), hand a KEVENT over and join; a periodic
 * timer ticks.  Everything they do is appended, in the order it happens,
 * to a log (under the lock, or at DISPATCH_LEVEL on one processor).
 *
 *   pct_test run SEED      does the workload under cpus=2:sched=pct:sched_seed=SEED
 *                          and prints the log's hash and length
 *   pct_test perkey SEED   the same, the settings given key by key, the seed last
 *                          (as the NDISLOCK_OPTIONS parser hands them over)
 *   pct_test               runs itself: seed 5 three times and once key by key
 *                          (the same log each time, to the last entry), seeds 1..8 (at least
 *                          three different logs: the seed does choose), and
 *                          checks that the timer ticked in virtual time
 *   pct_test outside       a thread sleeps outside the library while it runs
 *                          and main joins with plain pthread_join: the run
 *                          still ends (the baton is handed back), and the exit
 *                          line says it is not exactly replayable (CTest checks)
 */
#define _GNU_SOURCE
#include <ndis.h>
#include <ndislock/sched.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define WORKERS 3
#define ROUNDS  150
#define LOG_MAX 8192

static NDIS_SPIN_LOCK lock;
static uint16_t log_[LOG_MAX];
static unsigned nlog, ticks;
static KDPC dpcs[2];
static KEVENT handed;
static NDIS_HANDLE timer;

static void append(unsigned what)      /* under lock */
{
    if (nlog < LOG_MAX)
        log_[nlog++] = (uint16_t)what;
}

static VOID Dpc(PKDPC Dpc, PVOID Ctx, PVOID A1, PVOID A2)
{
    (void)Dpc; (void)A2;
    NdisDprAcquireSpinLock(&lock);
    append(100 + (unsigned)(uintptr_t)Ctx * 10 + (unsigned)(uintptr_t)A1);
    NdisDprReleaseSpinLock(&lock);
}

static VOID Tick(PVOID S1, PVOID Ctx, PVOID S2, PVOID S3)
{
    (void)S1; (void)Ctx; (void)S2; (void)S3;
    NdisDprAcquireSpinLock(&lock);
    append(200);
    ticks++;
    NdisDprReleaseSpinLock(&lock);
}

static void *worker(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;

    if (id == 1)                            /* waits for worker 0's hand-over */
        KeWaitForSingleObject(&handed, Executive, KernelMode, FALSE, NULL);
    for (unsigned i = 0; i < ROUNDS; i++) {
        NdisAcquireSpinLock(&lock);
        append(id);
        NdisReleaseSpinLock(&lock);
        if (i % 10 == id)
            KeInsertQueueDpc(&dpcs[i % 2], (PVOID)(uintptr_t)id, NULL);
        if (i % 25 == 0)
            NdisMSleep(300);
        if (id == 0 && i == ROUNDS / 2)
            KeSetEvent(&handed, 0, FALSE);
    }
    return NULL;
}

/* NDISLOCK_OPTIONS's parser hands keys over one at a time (src/sched/sched.h). */
int ndislock__sched_option(const char *key, const char *value);

static int run(uint64_t seed, int per_key)
{
    char opts[96], value[24];
    pthread_t t[WORKERS];
    NDIS_TIMER_CHARACTERISTICS tc = { 0 };
    LARGE_INTEGER due = { .QuadPart = -2000 };     /* 200 us, then every 1 ms */
    uint64_t hash = 14695981039346656037ull;       /* FNV-1a */

    snprintf(opts, sizeof opts, "cpus=2:sched=pct:sched_seed=%llu", (unsigned long long)seed);
    snprintf(value, sizeof value, "%llu", (unsigned long long)seed);
    if (per_key)                            /* another order, the seed last */
        CHECK(ndislock__sched_option("sched", "pct") == 1 && ndislock__sched_option("cpus", "2") == 1 &&
              ndislock__sched_option("sched_seed", value) == 1);
    else
        CHECK(ndislock_sched_configure(opts) == 0);
    NdisAllocateSpinLock(&lock);
    KeInitializeEvent(&handed, NotificationEvent, FALSE);
    for (int k = 0; k < 2; k++) {
        KeInitializeDpc(&dpcs[k], Dpc, (PVOID)(uintptr_t)k);
        KeSetTargetProcessorDpc(&dpcs[k], (CCHAR)k);
    }
    tc.TimerFunction = Tick;
    CHECK(NdisAllocateTimerObject(NULL, &tc, &timer) == NDIS_STATUS_SUCCESS);
    NdisSetTimerObject(timer, due, 1, NULL);
    for (int i = 0; i < WORKERS; i++)
        CHECK(ndislock_sched_thread_create(&t[i], NULL, worker, (void *)(uintptr_t)i) == 0);
    for (int i = 0; i < WORKERS; i++)
        CHECK(ndislock_sched_thread_join(t[i], NULL) == 0);
    NdisCancelTimerObject(timer);
    NdisFreeTimerObject(timer);
    KeFlushQueuedDpcs();
    for (unsigned i = 0; i < nlog; i++)
        hash = (hash ^ log_[i]) * 1099511628211ull;
    printf("log %016llx %u entries %u ticks\n", (unsigned long long)hash, nlog, ticks);
    return 0;
}

/* Runs "pct_test run seed" (or "perkey seed"); its log line. */
static void child_as(const char *self, const char *how, uint64_t seed, char *line, size_t n)
{
    char arg[32];
    int fd[2], status;
    ssize_t got = 0, r;
    pid_t pid;

    snprintf(arg, sizeof arg, "%llu", (unsigned long long)seed);
    CHECK(pipe(fd) == 0);
    fflush(NULL);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl(self, self, how, arg, (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    while ((r = read(fd[0], line + got, n - 1 - (size_t)got)) > 0)
        got += r;
    line[got] = '\0';
    close(fd[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(strncmp(line, "log ", 4) == 0);
}

static void child(const char *self, uint64_t seed, char *line, size_t n)
{
    child_as(self, "run", seed, line, n);
}

static void *sleeper(void *arg)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };

    (void)arg;
    NdisAcquireSpinLock(&lock);
    append(7);
    NdisReleaseSpinLock(&lock);
    nanosleep(&ts, NULL);                   /* outside the library, with the baton */
    NdisAcquireSpinLock(&lock);
    append(8);
    NdisReleaseSpinLock(&lock);
    return NULL;
}

static int outside(void)
{
    pthread_t t[2];

    CHECK(ndislock_sched_configure("sched=pct:sched_seed=3:sched_handback_ms=20") == 0);
    NdisAllocateSpinLock(&lock);
    for (int i = 0; i < 2; i++)
        CHECK(ndislock_sched_thread_create(&t[i], NULL, sleeper, NULL) == 0);
    for (int i = 0; i < 2; i++)
        CHECK(pthread_join(t[i], NULL) == 0);      /* plain: blocks with the baton too */
    CHECK_EQ(nlog, 4);
    printf("outside: both threads ran to their end\n");
    return 0;
}

int main(int argc, char **argv)
{
    char first[128], again[128], seen[8][128];
    int distinct = 0;
    unsigned entries, ticks_seen;

    if (argc > 2 && strcmp(argv[1], "run") == 0)
        return run(strtoull(argv[2], NULL, 10), 0);
    if (argc > 2 && strcmp(argv[1], "perkey") == 0)
        return run(strtoull(argv[2], NULL, 10), 1);
    if (argc > 1 && strcmp(argv[1], "outside") == 0)
        return outside();
    child("/proc/self/exe", 5, first, sizeof first);
    printf("seed 5: %s", first);
    CHECK(sscanf(first, "log %*s %u entries %u ticks", &entries, &ticks_seen) == 2);
    CHECK(entries > WORKERS * ROUNDS);      /* DPCs and ticks were logged too */
    CHECK(ticks_seen > 0);                  /* virtual time moved the timer */
    for (int i = 0; i < 2; i++) {
        child("/proc/self/exe", 5, again, sizeof again);
        CHECK(strcmp(again, first) == 0);   /* the same run, entry for entry */
    }
    child_as("/proc/self/exe", "perkey", 5, again, sizeof again);
    CHECK(strcmp(again, first) == 0);       /* the settings, not the order they came in */
    for (uint64_t s = 1; s <= 8; s++) {
        int j;

        child("/proc/self/exe", s, seen[s - 1], sizeof seen[0]);
        for (j = 0; j < (int)s - 1 && strcmp(seen[j], seen[s - 1]) != 0; j++)
            ;
        distinct += j == (int)s - 1;
    }
    printf("seeds 1..8: %d different logs\n", distinct);
    CHECK(distinct >= 3);
    CHECK_DONE();
}
