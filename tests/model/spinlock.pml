/*
 * spinlock.pml - the lock protocol of include/ndislock/spin.h and
 * src/lock/spin_contended.c, for the SPIN model checker.
 *
 * What is modelled:
 *   - acquire: CAS 0->1; spin (any number of CAS attempts); register as a
 *     sleeper (seq_cst add to `waiters`); the heavy fence (membarrier); a
 *     futex wait that sleeps only if the state still has the value seen;
 *     woken, compete again; a sleeper may at any wake-up become starving
 *     (the 1 ms clock is a nondeterministic choice here, a superset).
 *   - release: the store of 0 goes into the releasing thread's store
 *     buffer; the relaxed load of `waiters` that follows may execute before
 *     the store drains (the store->load reordering every CPU, x86 included,
 *     performs); wake one sleeper if the count was nonzero; with a starving
 *     sleeper, CAS 0->2 (hand-off) and wake a starving one.
 *   - memory: a buffered store drains at any moment; a thread's own RMW or
 *     syscall (futex) drains its own buffer first (RMWs are full barriers
 *     here and the kernel's futex code begins with one); membarrier drains
 *     every buffer - the IPI runs a full barrier on each CPU.
 *
 * Checked:
 *   - mutual exclusion: the assert in the critical section;
 *   - no lost wake-up: every thread does ITER acquisitions and ends; a
 *     sleeper left asleep with nobody to wake it is an invalid end state.
 *
 * Broken variants, each of which must fail with an invalid end state
 * (tests/model/check_model.sh checks all three):
 *   -DNO_FENCE    the heavy fence removed: the unlocker's load of `waiters`
 *                 passes its buffered store, the sleeper sees "held" and
 *                 sleeps, nobody wakes it;
 *   -DNO_RECHECK  the hand-off without the re-check: the starving sleeper
 *                 took the lock normally between the unlocker's load of
 *                 `waiters` and its CAS 0->2, so state 2 has nobody to claim
 *                 it and every later thread sleeps (the model found this in
 *                 the first version of spin_contended.c).
 */
#ifndef N
#define N 3
#endif
#ifndef ITER
#define ITER 2
#endif

#define FREE    0
#define HELD    1
#define HANDOFF 2
#define B_NORMAL   1
#define B_STARVING 2
#define B_ANY      3

byte state = FREE;   /* the futex word, as visible in memory */
byte nwait = 0;      /* waiters bits 0-15 */
byte nstarve = 0;    /* waiters bits 16-31 */
bool sb[N];          /* sb[i]: thread i has a store of FREE to `state` buffered */
bool asleep[N];      /* in futex_wait */
byte bits[N];        /* its futex bitset */
byte in_cs = 0;

inline drain_own() {
    if
    :: sb[_pid] -> state = FREE; sb[_pid] = 0
    :: else -> skip
    fi
}

inline cas(from, to, ok) {
    atomic {
        drain_own();
        if
        :: state == from -> state = to; ok = 1
        :: else -> ok = 0
        fi
    }
}

inline heavy_fence() {
#ifndef NO_FENCE
    atomic {
        i = 0;
        do
        :: i < N -> if :: sb[i] -> state = FREE; sb[i] = 0 :: else -> skip fi; i++
        :: else -> break
        od;
        i = 0
    }
#else
    skip
#endif
}

/* futex_wait(&state, expected): sleep unless the word changed; until woken */
inline futex_wait(expected, b) {
    atomic {
        drain_own();
        if
        :: state == expected -> asleep[_pid] = 1; bits[_pid] = b
        :: else -> skip
        fi
    }
    (asleep[_pid] == 0)
}

/* futex_wake(&state, 1, b): wake at most one sleeper whose bitset meets b */
inline futex_wake(b) {
    atomic {
        drain_own();
        if
        :: asleep[0] && (bits[0] & b) -> asleep[0] = 0
        :: asleep[1] && (bits[1] & b) -> asleep[1] = 0
#if N > 2
        :: asleep[2] && (bits[2] & b) -> asleep[2] = 0
#endif
        :: else -> skip
        fi
    }
}

inline spin_phase(ok) {
    do
    :: cas(FREE, HELD, ok); if :: ok -> break :: else -> skip fi
    :: ok = 0; break
    od
}

inline acquire() {
    cas(FREE, HELD, ok);
    if
    :: ok -> goto locked
    :: else -> skip
    fi;
    spin_phase(ok);
    if
    :: ok -> goto locked
    :: else -> skip
    fi;
    atomic { drain_own(); nwait++ };          /* seq_cst fetch_add */
    heavy_fence();
    starving = 0;
    do
    :: s = state;
       if
       :: s == FREE -> cas(FREE, HELD, ok); if :: ok -> break :: else -> skip fi
       :: else -> skip
       fi;
       if
       :: s == HANDOFF && starving -> cas(HANDOFF, HELD, ok); if :: ok -> break :: else -> skip fi
       :: else -> skip
       fi;
       if
       /* never sleep on a hand-off meant for us: it may be a new one (ABA) */
       :: s == HELD || (s == HANDOFF && !starving) ->
          futex_wait(s, (starving -> B_STARVING : B_NORMAL))
       :: else -> skip
       fi;
       if
       :: !starving ->                       /* waited past the threshold */
          atomic { nstarve++; starving = 1 };
          heavy_fence()
       :: true ->
          spin_phase(ok); if :: ok -> break :: else -> skip fi
       fi
    od;
    atomic { nwait--; if :: starving -> nstarve-- :: else -> skip fi };
locked:
    skip
}

inline release() {
    sb[_pid] = 1;                             /* release store of FREE, buffered */
    atomic { w = nwait; ws = nstarve };       /* relaxed load of waiters: may pass the store */
    if
    :: w != 0 ->
       atomic { w = nwait; ws = nstarve };
       if
       :: ws != 0 ->
          cas(FREE, HANDOFF, ok);
          if
          :: ok ->
#ifndef NO_RECHECK
             ws = nstarve;                    /* still a starving sleeper to claim it? */
             if
             :: ws != 0 -> futex_wake(B_STARVING)
             :: else ->                       /* no: undo the hand-off, unless one just claimed it */
                cas(HANDOFF, FREE, ok);
                if
                :: ok -> futex_wake(B_ANY)
                :: else -> skip
                fi
             fi
#else
             futex_wake(B_STARVING)
#endif
          :: else -> skip
          fi
       :: else -> futex_wake(B_ANY)
       fi
    :: else -> skip
    fi
}

active [N] proctype thread() {
    bool ok, starving;
    byte s, w, ws, i, iter = 0;

    do
    :: iter < ITER ->
       acquire();
       in_cs++;
       assert(in_cs == 1);                    /* mutual exclusion */
       in_cs--;
       release();
       iter++
    :: else -> break
    od
}

/* The memory system: a buffered store drains at any moment. */
active proctype memory() {
end:
    do
    :: atomic { sb[0] -> state = FREE; sb[0] = 0 }
    :: atomic { sb[1] -> state = FREE; sb[1] = 0 }
#if N > 2
    :: atomic { sb[2] -> state = FREE; sb[2] = 0 }
#endif
    od
}
