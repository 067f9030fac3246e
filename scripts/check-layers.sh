#!/usr/bin/env bash
# make layers (and make test): checks the `import` lines of every Swift file under Sources/
# (and, for the C modules, Tests/) against the module table of docs/ARCHITECTURE.md.
#
# Fails, naming the file and line, when
#   - a module imports a module of a higher layer (a module imports only its own layer or
#     lower ones);
#   - a directory of Sources/ (a target) has no row in the table;
#   - a row of the table names no directory of Sources/;
#   - a C module (a directory with a module.modulemap) is imported by anything but the
#     wrappers its row names.
# There is no allow-list: every upward import fails.
# Imports of modules that are neither in the table nor in Sources/ (Foundation, Glibc,
# Testing, Dispatch, Synchronization) are not checked. Tests may import any layer.
#
# Table rows: | `Module` | LAYER ... | kind | `Wrapper`, `Wrapper` or - | role |
# (the first cell is the module, the second starts with the layer number 1-6, the fourth
# lists the wrappers of a C module).
set -euo pipefail

root=${1:-.}
table="$root/docs/ARCHITECTURE.md"
[ -f "$table" ] || { echo "layer check: $table not found" >&2; exit 1; }

work=$(mktemp -d /tmp/zkpay-layers.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. The table: "module layer wrappers" per row (wrappers comma-separated, "-" if none).
awk -F'|' '
    function clean(s) { gsub(/[` \t]/, "", s); return s }
    /^\|/ {
        if (!inTable) {
            if (clean($2) == "Module" && clean($3) == "Layer") { inTable = 1; seen = 1 }
            next
        }
        if ($2 ~ /^[ \t]*:?-+/) next
        module = clean($2)
        layer = $3; sub(/^[ \t]*/, "", layer)
        if (layer !~ /^[1-6]([^0-9]|$)/) { printf "BADLAYER %s %d\n", module, NR; next }
        wrappers = clean($5); if (wrappers == "") wrappers = "-"
        print module, substr(layer, 1, 1), wrappers
        next
    }
    { if (inTable) inTable = 0 }
    END { if (!seen) print "NOTABLE" }
' "$table" >"$work/table"

# 2. The targets in Sources/: "module c|swift".
for d in "$root"/Sources/*/; do
    m=$(basename "$d")
    if [ -f "$d/module.modulemap" ]; then echo "$m c"; else echo "$m swift"; fi
done >"$work/targets"

# 3. The imports: "file line owner imported". The owner is the Sources/ module a file
#    belongs to, or "test:TARGET" for files under Tests/.
find "$root/Sources" "$root/Tests" -name '*.swift' -not -path '*/.build/*' | LC_ALL=C sort | while read -r f; do
    rel=${f#"$root"/}
    awk -v file="$rel" '
        {
            line = $0
            sub(/^[ \t]+/, "", line)
            # Attributes and access levels before `import`.
            while (line ~ /^@[A-Za-z_]+[ \t]+/ || line ~ /^(public|package|internal|private|fileprivate|open)[ \t]+/) {
                sub(/^[^ \t]+[ \t]+/, "", line)
            }
            if (line !~ /^import[ \t]+/) next
            sub(/^import[ \t]+/, "", line)
            # import struct/class/enum/protocol/typealias/func/var/let Module.Symbol
            if (line ~ /^(struct|class|enum|protocol|typealias|func|var|let)[ \t]+/) sub(/^[^ \t]+[ \t]+/, "", line)
            name = line
            sub(/[ \t.;\/].*$/, "", name)
            if (name != "") print file, NR, name
        }
    ' "$f"
done | awk -v root="$root" '
    {
        split($1, p, "/")
        owner = (p[1] == "Sources") ? p[2] : "test:" p[2]
        print $1, $2, owner, $3
    }
' >"$work/imports"

# 4. The checks.
awk '
    FILENAME == ARGV[1] {
        if ($1 == "NOTABLE") { print "docs/ARCHITECTURE.md: no module table (a header row | Module | Layer | ... |)"; bad++; next }
        if ($1 == "BADLAYER") { print "docs/ARCHITECTURE.md:" $3 ": the row of " $2 " has no layer number 1-6 in its second cell"; bad++; next }
        if ($1 in layer) { print "docs/ARCHITECTURE.md: " $1 " has two rows"; bad++ }
        layer[$1] = $2; wrappers[$1] = $3; rows[++nrows] = $1
        next
    }
    FILENAME == ARGV[2] { kind[$1] = $2; next }
    {
        file = $1; line = $2; owner = $3; imported = $4
        nimports++
        if (!(imported in layer) && !(imported in kind)) next   # a system module
        if (kind[imported] == "c") {
            n = split(wrappers[imported], w, ","); allowed = 0
            for (i = 1; i <= n; i++) {
                if (w[i] == owner || "test:" w[i] == owner) allowed = 1
            }
            if (!allowed) {
                shown = wrappers[imported]; gsub(/,/, ", ", shown)
                printf "%s:%s: %s imports the C module %s, which only its wrapper (%s) may import; call the wrapper instead\n", file, line, owner, imported, shown
                bad++
            }
        }
        if (owner ~ /^test:/) next
        if (!(owner in layer) || !(imported in layer)) next      # reported below as missing rows
        if (layer[imported] > layer[owner]) {
            printf "%s:%s: %s (layer %s) imports %s (layer %s): a module imports only its own layer or lower ones (docs/ARCHITECTURE.md); move the code or the dependency\n", file, line, owner, layer[owner], imported, layer[imported]
            bad++
        }
    }
    END {
        for (m in kind) if (!(m in layer)) {
            printf "Sources/%s: the module %s has no row in the table of docs/ARCHITECTURE.md; add one with its layer\n", m, m
            bad++
        }
        for (i = 1; i <= nrows; i++) if (!(rows[i] in kind)) {
            printf "docs/ARCHITECTURE.md: the row %s names no directory of Sources/; remove the row or fix its name\n", rows[i]
            bad++
        }
        for (m in kind) if (kind[m] == "c" && (m in layer) && wrappers[m] == "-") {
            printf "docs/ARCHITECTURE.md: the C module %s names no wrapper in its row\n", m
            bad++
        }
        if (bad) { printf "layer check: %d problem(s)\n", bad; exit 1 }
        printf "layer check: %d modules, %d import lines, no upward import\n", nrows, nimports
    }
' "$work/table" "$work/targets" "$work/imports"
