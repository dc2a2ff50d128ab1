/*
 * seeds.h - the seed driver of the sample (--seeds=A..B): runs the sample
 * once per seed and stops at the first run that reports something.
 */
#ifndef SAMPLE_SEEDS_H
#define SAMPLE_SEEDS_H

#include <stdint.h>

struct seed_range {
    uint64_t first, last;
};

/* "A..B" (A <= B, at most 1000000 seeds); 0, or -1 if malformed. */
int seed_range_parse(const char *s, struct seed_range *r);

/* Runs argv (without its --seeds= and --sched= options, with --quiet and
 * --sched=<sched>:sched_seed=S) once per seed S of r; stops at the first
 * run that reports (exit status not 0, a signal, or an "ndislock: error:"
 * line), prints its output and the command that replays it, and returns 1;
 * 0 if no run reported.  sched may be NULL (the seed alone). */
int seeds_run(int argc, char **argv, const char *sched, const struct seed_range *r);

#endif
