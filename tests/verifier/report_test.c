/*
 * The shape of the verifier's reports and the options around them, on the
 * violations program (violations.c):
 *   - a report starts with "==PID==", its first line stays "ndislock:
 *     error: RULE_ID: ...", it lists the locks the thread holds, and it
 *     ends with "SUMMARY: ndislock: RULE_ID ..."; one summary at exit;
 *   - LOCK_ORDER_CYCLE gives the cycle on one line and who recorded each edge;
 *   - JSON lines carry the pid and a time; log= and json= files are truncated;
 *   - exitcode=, log_path= (PATH.pid), help=1 (exit 0, every option);
 *   - the simulated processors' keys accepted, their settings in the report;
 *   - suppressions=: rule, lock, fun and file conditions, a non-matching
 *     line, and a malformed file refused with its line number;
 *   - dot=: only the locks of some edge, one label per edge, the cycle red.
 *   usage: report_test path/to/violations
 */
#define _GNU_SOURCE
#include "violations_run.h"

#include <signal.h>

static char dir[] = "/tmp/ndislock_report_XXXXXX";
static char json[1 << 16], file[1 << 16];
static pid_t child;

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* dir/name */
static const char *at(const char *name)
{
    static char p[4][300];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* Runs violations SCENARIO with NDISLOCK_OPTIONS=opts; the wait status. */
static int run(const char *scenario, const char *opts)
{
    char o[300], e[300];

    snprintf(o, sizeof o, "%s", at("out"));
    snprintf(e, sizeof e, "%s", at("err"));
    return violations_run(&scenario, 1, opts, o, e, &child);
}

static int exited(int st, int code)
{
    if (!WIFEXITED(st) || WEXITSTATUS(st) != code)
        fprintf(stderr, "expected exit %d, got status 0x%x; stderr:\n%s\n", code, st, err);
    return WIFEXITED(st) && WEXITSTATUS(st) == code;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}


static void report_shape(void)
{
    char buf[300];
    const char *base = "verify=1:halt_on_error=0:hold_us=0:stats=0";

    snprintf(buf, sizeof buf, "%s:json=%s", base, at("json"));
    int st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 66));
    slurp(at("json"), json, sizeof json);

    /* "==PID== ====" on the line before the first line, which keeps its text */
    snprintf(buf, sizeof buf, "==%d== ====", (int)child);
    const char *sep = strstr(err, buf);
    CHECK(sep != NULL && (sep == err || sep[-1] == '\n'));
    const char *first = sep ? strchr(sep, '\n') : NULL;
    CHECK(first != NULL && !strncmp(first + 1, "ndislock: error: LOCK_ORDER_CYCLE: ", 35));

    /* the cycle on one line, and who recorded each edge */
    CHECK(strstr(err, ": \"&adapter->RecvLock\" => \"&adapter->SendLock\" => \"&adapter->RecvLock\"\n")
          != NULL);
    /* (tid, then the thread's name: under an emulator, the emulator's) */
    snprintf(buf, sizeof buf, "\"&adapter->SendLock\" -> \"&adapter->RecvLock\" recorded by thread %d \"",
             (int)child);
    CHECK(strstr(err, buf) != NULL);

    /* lockdep's held-locks list: RecvLock, where it was allocated and taken */
    snprintf(buf, sizeof buf, "  1 lock held by thread %d \"", (int)child);
    CHECK(strstr(err, buf) != NULL);
    CHECK(strstr(err, "    #0: \"&adapter->RecvLock\" (violations.c:") != NULL);

    /* one SUMMARY per report (with the offending line under libdw), one at exit */
    CHECK_EQ(count(err, "\nSUMMARY: ndislock: LOCK_ORDER_CYCLE "), 1);
#ifdef NDISLOCK_TEST_LIBDW
    snprintf(buf, sizeof buf, "\nSUMMARY: ndislock: LOCK_ORDER_CYCLE violations.c:%d in lock_order_cycle\n",
             marker("at"));
    CHECK(strstr(err, buf) != NULL);
    snprintf(buf, sizeof buf, "taken at violations.c:%d in lock_order_cycle\n", marker("at") - 1);
    CHECK(strstr(err, buf) != NULL);
#endif
    CHECK(strstr(err, "\nSUMMARY: ndislock: 1 error(s), 0 warning(s)\n") != NULL);
    CHECK(strstr(err, "exiting with status 66") != NULL);

    /* JSON: rule first, then pid and an RFC 3339 UTC time; the held locks */
    snprintf(buf, sizeof buf, "{\"rule\":\"LOCK_ORDER_CYCLE\",\"severity\":\"error\",\"pid\":%d,\"time\":\"20",
             (int)child);
    CHECK(strstr(json, buf) == json);
    const char *tm = strstr(json, "\"time\":\"");
    CHECK(tm != NULL && tm[8 + 10] == 'T' && strstr(tm, "Z\",") == tm + 8 + 26);
    CHECK(strstr(json, "\"held\":[{\"lock\":\"&adapter->RecvLock\"") != NULL);
    CHECK(strstr(json, "\"equivalent\":\"Driver Verifier 0xC4/0x1001") != NULL);
    CHECK_EQ(count(json, "\n"), 1);

    /* a warning: its own first line and SUMMARY; the exit line counts it */
    st = run("LOCK_NESTED", "verify=1:halt_on_error=0:lock_nested=1:stats=0");
    CHECK(exited(st, 0));
    CHECK(strstr(err, "\nndislock: warning: LOCK_NESTED: ") != NULL);
    CHECK(strstr(err, "\nSUMMARY: ndislock: LOCK_NESTED ") != NULL);
    CHECK(strstr(err, "\nSUMMARY: ndislock: 0 error(s), 1 warning(s)\n") != NULL);

    /* the simulated processors' settings in the report and its JSON line (they replay the run) */
    snprintf(buf, sizeof buf, "%s:cpus=2:sched_seed=7:json=%s", base, at("json"));
    st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 66));
    slurp(at("json"), json, sizeof json);
    CHECK(strstr(err, "\n  schedule: cpus=2:sched=perturb:sched_seed=7\n") != NULL);
    CHECK(strstr(json, "\"schedule\":\"cpus=2:sched=perturb:sched_seed=7\"") != NULL);
    st = run("LOCK_ORDER_CYCLE", "verify=1:cpus=abc");
    CHECK(exited(st, 2) && strstr(err, "cpus=abc") != NULL && strstr(out, "done") == NULL);

    /* no report, no summary */
    st = run("LOCK_NESTED", "verify=1:halt_on_error=0:stats=0");
    CHECK(exited(st, 0) && strstr(err, "SUMMARY") == NULL);
}

static void options(void)
{
    char buf[600];

    /* exitcode= */
    int st = run("LOCK_ORDER_CYCLE", "verify=1:halt_on_error=0:stats=0:exitcode=3");
    CHECK(exited(st, 3) && strstr(out, "done") != NULL);
    st = run("LOCK_ORDER_CYCLE", "verify=1:halt_on_error=0:stats=0:exitcode=256");
    CHECK(exited(st, 2) && strstr(err, "'exitcode' must be a number from 0 to 255") != NULL);

    /* help=1: every option and rule on stdout, exit 0 before the program runs */
    st = run("LOCK_ORDER_CYCLE", "help=1");
    CHECK(exited(st, 0) && strstr(out, "done") == NULL);
    const char *keys[] = { "verify", "halt_on_error", "exitcode", "stats", "hold_us", "lock_nested",
                           "acquire_stacks", "deadlock_ms", "help", "log", "log_path", "json",
                           "stats_json", "dot", "suppressions" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        snprintf(buf, sizeof buf, "\n  %s ", keys[i]);
        CHECK(strstr(out, buf) != NULL);
    }
    CHECK(strstr(out, "\n  LOCK_ORDER_CYCLE ") != NULL);

    /* log= and json= truncate: nothing of a previous run stays */
    put(at("log"), "stale line from an earlier run\n");
    put(at("json"), "stale line from an earlier run\n");
    snprintf(buf, sizeof buf, "verify=1:halt_on_error=0:stats=0:log=%s:json=%s", at("log"), at("json"));
    st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 66));
    slurp(at("log"), file, sizeof file);
    slurp(at("json"), json, sizeof json);
    CHECK(strstr(file, "stale") == NULL && strstr(json, "stale") == NULL);
    CHECK(strstr(file, "ndislock: error: LOCK_ORDER_CYCLE: ") != NULL);
    CHECK(strstr(file, "SUMMARY: ndislock: 1 error(s)") != NULL);
    CHECK(strstr(err, "LOCK_ORDER_CYCLE") == NULL);

    /* log_path=P: P.<pid>, and nothing on stderr */
    snprintf(buf, sizeof buf, "verify=1:halt_on_error=0:stats=0:log_path=%s", at("nd"));
    st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 66));
    snprintf(buf, sizeof buf, "%s.%d", at("nd"), (int)child);
    slurp(buf, file, sizeof file);
    CHECK(strstr(file, "ndislock: error: LOCK_ORDER_CYCLE: ") != NULL);
    CHECK(strstr(err, "LOCK_ORDER_CYCLE") == NULL);
}

/* Runs LOCK_ORDER_CYCLE with the suppressions file text; the wait status. */
static int suppressed(const char *text)
{
    char buf[400];
    put(at("supp"), text);
    snprintf(buf, sizeof buf, "verify=1:halt_on_error=0:stats=0:suppressions=%s", at("supp"));
    return run("LOCK_ORDER_CYCLE", buf);
}

static void suppressions(void)
{
    /* each kind of condition: suppressed, counted, printed nowhere, exit 0 */
    const char *match[] = {
        "# the cycle is known\nrule:LOCK_ORDER_CYCLE\n",
        "lock:&adapter->Send*\n",
        "  rule:LOCK_* lock:*SendLock   # both must match\n",
#ifdef NDISLOCK_TEST_LIBDW
        "fun:lock_order_c?cle\n",
        "file:violations.c\n",
#endif
    };
    for (size_t i = 0; i < sizeof match / sizeof match[0]; i++) {
        int st = suppressed(match[i]);
        CHECK(exited(st, 0) && strstr(out, "done") != NULL);
        CHECK(strstr(err, "ndislock: error") == NULL);
        CHECK(strstr(err, "SUMMARY: ndislock: 0 error(s), 0 warning(s), 1 suppressed\n") != NULL);
        CHECK(strstr(err, "  1 suppressed by line ") != NULL);
    }
    /* a line whose conditions do not all match suppresses nothing */
    int st = suppressed("rule:LOCK_NESTED\nrule:LOCK_ORDER_CYCLE lock:&adapter->Queue*\nfun:no_such_fn\n");
    CHECK(exited(st, 66) && strstr(err, "ndislock: error: LOCK_ORDER_CYCLE: ") != NULL);
    CHECK(strstr(err, "suppressed") == NULL);

    /* malformed: refused, naming the file's line */
    const char *bad[][2] = {
        { "rule:LOCK_ORDER_CYCLE\n\nfunction:x\n", ":3: unknown kind" },
        { "# ok\nrule:NO_SUCH_RULE\n", ":2: no rule id matches" },
        { "lock\n", ":1: expected kind:pattern" },
        { "rule:LOCK_* rule:IRQL_*\n", ":1: the same kind twice" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = suppressed(bad[i][0]);
        CHECK(exited(st, 2) && strstr(out, "done") == NULL);
        CHECK(strstr(err, bad[i][1]) != NULL);
    }
    char buf[400];
    snprintf(buf, sizeof buf, "verify=1:suppressions=%s", at("missing"));
    st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 2) && strstr(err, "'suppressions'") != NULL);
}

static void dot(void)
{
    char buf[400];

    snprintf(buf, sizeof buf, "verify=1:halt_on_error=0:stats=0:dot=%s", at("dot"));
    int st = run("LOCK_ORDER_CYCLE", buf);
    CHECK(exited(st, 66));
    slurp(at("dot"), file, sizeof file);
    CHECK(strstr(file, "digraph ndislock_lock_order {") == file);
    /* two locks, both on the cycle; no lock outside an edge */
    CHECK_EQ(count(file, "[label=\"&adapter->"), 2);
    CHECK_EQ(count(file, " color=red penwidth=2];"), 2);
    /* two edges, each one label (count, where, thread), both red */
    CHECK_EQ(count(file, " -> c"), 2);
    CHECK_EQ(count(file, "[label=\"1\\n"), 2);
    CHECK_EQ(count(file, " color=red fontcolor=red penwidth=2];"), 2);
    snprintf(buf, sizeof buf, "\\nthread %d \\\"", (int)child);
    CHECK_EQ(count(file, buf), 2);

    /* no cycle: nothing red, and only the locks of the one edge (SendLock -> RecvLock) */
    snprintf(buf, sizeof buf, "verify=1:stats=0:dot=%s", at("dot"));
    st = run("LOCK_NESTED", buf);
    CHECK(exited(st, 0));
    slurp(at("dot"), file, sizeof file);
    CHECK(strstr(file, "color=red") == NULL);
    CHECK_EQ(count(file, " -> c"), 1);
    CHECK_EQ(count(file, "[label=\"&adapter->"), 2);
}

int main(int argc, char **argv)
{
    violations_init(argc, argv, dir);

    report_shape();
    options();
    suppressions();
    dot();

    char rm[300];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    CHECK(system(rm) == 0);
    CHECK_DONE();
}
