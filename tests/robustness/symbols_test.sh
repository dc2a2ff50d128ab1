#!/bin/sh
# Every global symbol the libraries define carries the ndislock prefix, so a
# driver linked with them can never collide with one of ours (a static
# library defining `vstate` or `v_report` did).  The only other names
# allowed are the WDK's own (SPEC 1: "where the WDK exports a function, the
# name must also work as a function"), recognized by their prefixes.
#   symbols_test.sh libndislock.a libndislock.so
set -eu
wdk='^(Ke|Ex|Io|Ndis|Interlocked|Rtl|Dbg)[A-Z]'
bad=0
for lib in "$@"; do
    case "$lib" in
        # in an archive every global counts: static linking ignores visibility
        *.a) syms=$(nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }') ;;
        # in a shared library, what it exports: defined, global or weak, not hidden
        *) syms=$(readelf -sW --dyn-syms "$lib" |
                  awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 != "HIDDEN" && $6 != "INTERNAL" &&
                       $7 != "UND" { sub(/@.*/, "", $8); print $8 }') ;;
    esac
    for s in $(printf '%s\n' "$syms" | sort -u); do
        case "$s" in
            ndislock*) ;;
            _init|_fini) ;;     # the toolchain's, in every shared library
            *) if printf '%s\n' "$s" | grep -Eq "$wdk"; then :; else
                   echo "$lib: global symbol without the ndislock prefix: $s"; bad=1
               fi ;;
        esac
    done
    echo "$lib: $(printf '%s\n' "$syms" | sort -u | wc -l) global symbols checked"
done
exit $bad
