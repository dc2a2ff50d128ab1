/*
 * Runs every scenario of violations.c three ways and checks the verifier:
 *   - violation, halt_on_error=0: the first report names the rule, the lock
 *     and its allocation line, the offending line (with libdw), a JSON line
 *     with the rule; exit status 66 for an error, 0 for a warning;
 *   - twin (same shape, correct): no report, exit 0;
 *   - violation with the default halt_on_error=1: aborts (errors only).
 * Also: a bad NDISLOCK_OPTIONS is refused with a message naming the option.
 *   usage: rules_test path/to/violations
 */
#define _GNU_SOURCE
#include "violations_run.h"

#include <signal.h>

static char dir[] = "/tmp/ndislock_rules_XXXXXX";
static char json[1 << 16];

/* Runs violations rule [twin] with NDISLOCK_OPTIONS=opts plus a json file, read into json;
 * returns the wait status. */
static int run(const char *rule, int twin, const char *opts)
{
    char o[256], e[256], j[256], env[600];
    const char *args[] = { rule, "twin" };

    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    snprintf(j, sizeof j, "%s/json", dir);
    unlink(j);
    snprintf(env, sizeof env, "%s:json=%s", opts, j);
    int st = violations_run(args, twin ? 2 : 1, env, o, e, NULL);
    slurp(j, json, sizeof json);
    return st;
}

struct expect {
    const char *rule;
    const char *lock;       /* expected lock name; NULL: none, "-": never initialized */
    const char *alloc;      /* marker of its allocation line */
    const char *opts;       /* extra options */
    int warning;
};

static const struct expect cases[] = {
    { "LOCK_NOT_INITIALIZED", "-", NULL, "", 0 },
    { "LOCK_USE_AFTER_FREE", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_FREE_WHILE_HELD", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_RECURSIVE_ACQUIRE", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_RELEASE_NOT_HELD", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_RELEASE_WRONG_OWNER", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_VARIANT_MISMATCH", "&adapter->SendLock", "alloc", "", 0 },
    { "IRQL_DPR_NOT_DISPATCH", "&adapter->SendLock", "alloc", "", 0 },
    { "IRQL_ACQUIRE_TOO_HIGH", "&adapter->SendLock", "alloc", "", 0 },
    { "IRQL_BAD_RAISE_LOWER", NULL, NULL, "", 0 },
    { "LOCK_RELEASE_ORDER", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_HELD_AT_EXIT", "&adapter->SendLock", "alloc", "", 0 },
    { "LOCK_ORDER_CYCLE", "&adapter->SendLock", "alloc", "", 0 },
    { "SAME_CLASS_CYCLE", "&adapter->Queue[i]", "alloc", "", 0 },
    { "LOCK_DEADLOCK", "&adapter->SendLock", "alloc", ":deadlock_ms=300", 0 },
    { "ISR_SPINLOCK", "&adapter->SendLock", "alloc", "", 0 },
    { "INTERRUPT_LIFECYCLE", NULL, NULL, "", 0 },
    { "INTERLOCKED_LOCK_HELD", "&adapter->SendLock", "alloc", "", 0 },
    { "BLOCKING_AT_DISPATCH", "&adapter->SendLock", "alloc", "", 0 },
    { "HOLD_TIME_EXCEEDED", "&adapter->SendLock", "alloc", ":hold_us=1000", 1 },
    { "LOCK_NESTED", "&adapter->RecvLock", "allocr", ":lock_nested=1", 1 },
    { "KE_DPC_NOT_DISPATCH", "&kspin", "allock", "", 0 },
    { "KE_VARIANT_MISMATCH", "&kspin", "allock", "", 0 },
    { "QUEUED_MIX", "&kspin", "allock", "", 0 },
    { "STALL_TOO_LONG", NULL, NULL, "", 0 },
    { "LOCK_DOUBLE_INIT", "&adapter->SendLock", "alloc", "", 1 },
    { "IRQL_CALL_TOO_HIGH", NULL, NULL, "", 0 },
    { "ACTIVE_AT_UNLOAD", NULL, NULL, "", 0 },
    { "HANDLER_HELD_AT_EXIT", "&adapter->SendLock", "alloc", "", 0 },
    { "DPC_TIME_EXCEEDED", NULL, NULL, ":hold_us=25", 1 },
    { "RW_PROMOTION", "FilterLock", "alloc", "", 0 },
    { "SELF_DEADLOCK", NULL, NULL, "", 0 },
};

/* Scenario name -> the rule it must produce (when they differ). */
static const char *rule_of(const char *scenario)
{
    static const char *const map[][2] = {
        { "SAME_CLASS_CYCLE", "LOCK_ORDER_CYCLE" },
        { "KE_DPC_NOT_DISPATCH", "IRQL_DPR_NOT_DISPATCH" },
        { "KE_VARIANT_MISMATCH", "LOCK_VARIANT_MISMATCH" },
        { "QUEUED_MIX", "LOCK_VARIANT_MISMATCH" },
        { "HANDLER_HELD_AT_EXIT", "LOCK_HELD_AT_EXIT" },
        { "RW_PROMOTION", "LOCK_RECURSIVE_ACQUIRE" },
        { "SELF_DEADLOCK", "LOCK_RECURSIVE_ACQUIRE" },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(scenario, map[i][0]))
            return map[i][1];
    return scenario;
}

static void check_case(const struct expect *c)
{
    const char *rule = rule_of(c->rule);
    char opts[128], head[128], buf[256];
    int st;

    printf("-- %s\n", c->rule);
    /* violation, continue mode */
    snprintf(opts, sizeof opts, "verify=1:halt_on_error=0:hold_us=0%s", c->opts);
    st = run(c->rule, 0, opts);
    if (!strstr(err, rule))
        fprintf(stderr, "stdout:\n%s\nstderr:\n%s\n", out, err);
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), c->warning ? 0 : 66);
    CHECK(strstr(out, "done") != NULL);
    snprintf(head, sizeof head, "ndislock: %s: %s: ", c->warning ? "warning" : "error", rule);
    const char *first = strstr(err, "ndislock: e") ? strstr(err, "ndislock: e") : strstr(err, "ndislock: w");
    CHECK(first != NULL && !strncmp(first, head, strlen(head)));  /* the first report is this rule */
    if (c->lock && !strcmp(c->lock, "-")) {
        CHECK(strstr(err, "(never initialized)") != NULL);
    } else if (c->lock) {
        snprintf(buf, sizeof buf, "  lock \"%s\" allocated at violations.c:%d", c->lock, marker(c->alloc));
        CHECK(strstr(err, buf) != NULL);
    }
#ifdef NDISLOCK_TEST_LIBDW
    snprintf(buf, sizeof buf, " violations.c:%d", marker("at"));
    const char *hit = strstr(first, buf);
    CHECK(marker("at") > 0 && hit != NULL);
    CHECK(hit[strlen(buf)] == '\n' || hit[strlen(buf)] == ' ');
#endif
    snprintf(buf, sizeof buf, "{\"rule\":\"%s\",\"severity\":\"%s\"", rule, c->warning ? "warning" : "error");
    CHECK(strstr(json, buf) == json);
    CHECK(strstr(json, "\"prior_stack\":[") != NULL && strstr(json, "\"thread\":{\"tid\":") != NULL);

    /* the correct twin */
    st = run(c->rule, 1, opts);
    if (strstr(err, "ndislock: error") || strstr(err, "ndislock: warning"))
        fprintf(stderr, "twin reported:\n%s\n", err);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(err, "ndislock: error") == NULL && strstr(err, "ndislock: warning") == NULL);
    CHECK(json[0] == '\0');

    /* default halt_on_error=1: errors abort() (SIGABRT) */
    if (!c->warning) {
        snprintf(opts, sizeof opts, "verify=1:hold_us=0%s", c->opts);
        st = run(c->rule, 0, opts);
        CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
        CHECK(strstr(err, head) != NULL && strstr(out, "done") == NULL);
    }
}

int main(int argc, char **argv)
{
    violations_init(argc, argv, dir);

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);

    /* bad options name the culprit and stop the program */
    int st = run("LOCK_NESTED", 1, "verify=1:bogus_key=3");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2 && strstr(err, "'bogus_key'") != NULL);
    st = run("LOCK_NESTED", 1, "verify=yes");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2 && strstr(err, "'verify'") != NULL);
#ifdef NDISLOCK_TEST_LIBDW
    /* where the earlier acquire was made: its call site by default, the whole stack with acquire_stacks=1 */
    st = run("LOCK_RECURSIVE_ACQUIRE", 0, "verify=1:halt_on_error=0:hold_us=0");
    const char *prior = strstr(err, "  lock acquired earlier at:\n");
    CHECK(WIFEXITED(st) && prior != NULL);
    CHECK(strstr(prior, " in lock_recursive_acquire violations.c:") != NULL);
    CHECK(strstr(prior, " in main violations.c:") == NULL);
    st = run("LOCK_RECURSIVE_ACQUIRE", 0, "verify=1:halt_on_error=0:hold_us=0:acquire_stacks=1");
    prior = strstr(err, "  lock acquired earlier at:\n");
    CHECK(WIFEXITED(st) && prior != NULL);
    CHECK(strstr(prior, " in lock_recursive_acquire violations.c:") != NULL);
    CHECK(strstr(prior, " in main violations.c:") != NULL);
    CHECK(strstr(prior, "checked") == NULL);        /* no verifier frames */
#endif
    /* verify=1 alone dumps the statistics at exit */
    st = run("LOCK_NESTED", 1, "verify=1");
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0 && strstr(err, "&adapter->RecvLock") != NULL);

    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    CHECK(system(rm) == 0);
    CHECK_DONE();
}
