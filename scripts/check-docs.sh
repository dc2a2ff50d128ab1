#!/usr/bin/env bash
# Checks that the documentation says what the code does:
#   - the options tables of README.md and docs/VERIFIER.md are the verifier's
#     option table (src/verifier/options.h), as help=1 prints it;
#   - README.md's rule list and docs/VERIFIER.md's Rules table name exactly the
#     rule ids help=1 prints, with their severity;
#   - docs/ARCHITECTURE.md has a line for every file of src/ and include/;
#   - every src/, include/, tests/, scripts/, bench/, examples/ or docs/ path
#     the Markdown files name exists;
#   - no Markdown file cites the specification by section ("SPEC §4"): a reader
#     of the repository does not have it.
#
#   usage: scripts/check-docs.sh [--write] [EMULATOR...] PROGRAM
# PROGRAM is any program linked with ndislock (the tests use
# tests/verifier/violations); NDISLOCK_OPTIONS=help=1 makes it print the
# tables and exit.  --write rewrites the generated blocks (between
# "<!-- BEGIN options -->"-style markers) instead of comparing them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
write=0
if [ "${1:-}" = --write ]; then write=1; shift; fi
[ $# -ge 1 ] || { echo "usage: $0 [--write] [EMULATOR...] PROGRAM" >&2; exit 2; }

help=$(NDISLOCK_OPTIONS=help=1 "$@" </dev/null) || { echo "check-docs: '$*' with help=1 failed" >&2; exit 1; }
fail=0
bad() { echo "check-docs: $*" >&2; fail=1; }

# help=1's option rows: "  name(15) shown(15) help", between its two headers.
options_md() {
    printf '%s\n' "$help" | awk '
        /^ndislock: options/ { on = 1; next }
        /^ndislock: rules/   { on = 0 }
        on && /^  [a-z]/ {
            if (substr($0, 18, 1) != " " || substr($0, 34, 1) != " ")
                { print "check-docs: help=1 row out of its columns: " $0 > "/dev/stderr"; exit 1 }
            name = substr($0, 3, 15); shown = substr($0, 19, 15); text = substr($0, 35)
            sub(/ +$/, "", name); sub(/ +$/, "", shown); gsub(/\|/, "\\|", text)
            printf "| `%s` | %s | %s |\n", name, shown, text
        }' | { echo '| option | default | meaning |'; echo '|---|---|---|'; cat; }
}
# help=1's rule rows: "  ID(25) severity(8) equivalent".
rules() { printf '%s\n' "$help" | awk '/^ndislock: rules/ { on = 1; next } on && /^  [A-Z]/ { print $1, $2 }'; }
rules_md() {
    local errs warns
    errs=$(rules | awk '$2 == "error" { printf "%s`%s`", n++ ? ", " : "", $1 }')
    warns=$(rules | awk '$2 == "warning" { printf "%s`%s`", n++ ? ", " : "", $1 }')
    printf 'Errors: %s.\n\nWarnings (never halt, never change the exit status): %s.\n' "$errs" "$warns"
}

# Replaces or compares the block between "<!-- BEGIN name ... -->" and "<!-- END name -->".
block() {   # block file name generated-text
    local file=$1 name=$2 text=$3 cur
    if ! grep -q "^<!-- BEGIN $name[: ]" "$root/$file"; then bad "$file: no '<!-- BEGIN $name' block"; return; fi
    cur=$(awk -v n="$name" '$0 ~ "^<!-- END " n " -->" { on = 0 } on { print } $0 ~ "^<!-- BEGIN " n "[: ]" { on = 1 }' "$root/$file")
    if [ "$cur" = "$text" ]; then return; fi
    if [ $write = 1 ]; then
        local tmp; tmp=$(mktemp)
        TEXT=$text awk -v n="$name" '
            $0 ~ "^<!-- END " n " -->" { print ENVIRON["TEXT"]; on = 0 }
            !on { print }
            $0 ~ "^<!-- BEGIN " n "[: ]" { on = 1 }' "$root/$file" > "$tmp"
        cat "$tmp" > "$root/$file"; rm -f "$tmp"
        echo "check-docs: rewrote the $name block of $file"
    else
        bad "$file: the $name block differs from the code's table (scripts/check-docs.sh --write PROGRAM updates it):"
        diff <(printf '%s\n' "$cur") <(printf '%s\n' "$text") >&2 || true
    fi
}

opts=$(options_md) || exit 1
[ "$(printf '%s\n' "$opts" | wc -l)" -gt 10 ] || bad "help=1 printed no option table"
block README.md options "$opts"
block docs/VERIFIER.md options "$opts"
block README.md rules "$(rules_md)"

# docs/VERIFIER.md's Rules table: one row per rule id, "(warning" on exactly the warnings.
want=$(rules | sort)
have=$(awk '/^## Rules/ { on = 1; next } /^## / { on = 0 }
            on && /^\| [A-Z][A-Z_]+ / { split($0, c, "|"); id = c[2]; sub(/^ /, "", id);
                                        sev = id ~ /\(warning/ ? "warning" : "error"; sub(/ .*/, "", id);
                                        print id, sev }' "$root/docs/VERIFIER.md" | sort)
[ "$want" = "$have" ] || { bad "docs/VERIFIER.md, Rules: the table's rule ids and severities differ from the code's:"
                           diff <(printf '%s\n' "$want") <(printf '%s\n' "$have") >&2 || true; }

# Paths named in the Markdown files exist (a glob or a "..." abbreviation is not checked).
while IFS=: read -r file path; do
    case $path in *'*'*|*'...'*|*'…'*|*'<'*) continue ;; esac
    [ -e "$root/$path" ] || bad "$file names '$path', which does not exist"
done < <(cd "$root" && grep -oE '(^|[^A-Za-z0-9_./-])(src|include|tests|scripts|bench|examples|docs)/[A-Za-z0-9_./*<>-]*[A-Za-z0-9_*>]' \
             README.md docs/*.md | sed -E 's/:[^A-Za-z0-9_./-]?/:/' | sed -E 's/^([^:]*):[^a-z]*/\1:/' | sort -u)

# docs/ARCHITECTURE.md has a line for every source and public header (by its base name).
while read -r f; do
    grep -qF "$(basename "$f")" "$root/docs/ARCHITECTURE.md" || bad "docs/ARCHITECTURE.md has no line for $f"
done < <(cd "$root" && find src include -name '*.[ch]' | sort)

# The specification is not in the repository: no "SPEC §N".
if grep -n 'SPEC §' "$root"/README.md "$root"/docs/*.md >&2; then bad "the lines above cite the specification by section"; fi

[ $fail = 0 ] && echo "check-docs: README.md and docs/ agree with the code"
exit $fail
