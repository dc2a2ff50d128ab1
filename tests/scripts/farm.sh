# Sourced by the script tests.  farm DIR: fills DIR with one link per command
# on PATH (the first of each name, as a lookup finds it), so a test can run a
# script on PATH=DIR less the commands it removes, plus shims of its own.
# Replace a link with rm first: writing through it would overwrite the real
# command in /usr/bin.
farm() {
    local dir=$1 d f n path_dirs links=()
    local -A seen
    mkdir -p "$dir"
    IFS=: read -ra path_dirs <<<"$PATH"
    for d in "${path_dirs[@]}"; do
        for f in "$d"/*; do
            n=${f##*/}
            [ -z "${seen[$n]:-}" ] && [ -x "$f" ] && [ ! -d "$f" ] || continue
            seen[$n]=1
            links+=("$f")
        done
    done
    ln -s -t "$dir" -- "${links[@]}"
}
