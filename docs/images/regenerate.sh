#!/usr/bin/env bash
# Regenerates the screenshots in docs/images/ (issue 23): the HTML report of
# `wellposed report` in headless Chromium, and the pictures of `check --svg`
# rendered by rsvg-convert. Needs a built CLI (default build/cli/wellposed),
# chromium and rsvg-convert (scripts/setup installs both).
#   bash docs/images/regenerate.sh [path/to/wellposed]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:-$root/build/cli/wellposed}"
out="$root/docs/images"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
for tool in chromium rsvg-convert; do
  command -v "$tool" >/dev/null || { echo "regenerate.sh: $tool is not installed (scripts/setup)" >&2; exit 2; }
done

# A pruned pair too large to draw cell by cell: drawn as a density view.
cat > "$work/pruned-400.json" <<'JSON'
{ "name": "pruned-400", "factors": [
    {"rows": 400, "cols": 400, "support": {"random": {"density": 0.02, "seed": 1}}},
    {"rows": 400, "cols": 400, "support": {"random": {"density": 0.02, "seed": 2}}} ] }
JSON

# The pictures (check --svg), rendered to PNG.
"$bin" check examples/specs/lu-4.json examples/specs/relu-lu.json examples/specs/butterfly-16.json \
  "$work/pruned-400.json" --timeout 5 --svg "$work/svg" > /dev/null || true   # exit 1: some are ill-posed
for name in lu-4 relu-lu-4 butterfly-16 pruned-400; do
  rsvg-convert "$work/svg/$name.svg" -o "$out/picture-$name.png"
done

# The report: verdicts, explanations, certificates, pictures, a factorization
# (run in the scratch folder with relative paths, as a user would).
ln -s "$root/examples" "$work/examples"
(cd "$work" && "$bin" factorize examples/matrices/hadamard-16.npy --spec examples/specs/butterfly-16.json \
  --all-split-errors --quiet -o h16 > /dev/null)
(cd "$work" && "$bin" report examples/specs/lu-4.json examples/specs/butterfly-16.json examples/specs/relu-lu.json \
  examples/specs/random-masks.json --budget 5 -o report.html > /dev/null) || true
(cd "$work" && "$bin" report --factor-result h16 -o report-factorization.html > /dev/null)
shoot() {  # shoot HTML PNG WIDTH HEIGHT
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size="$3,$4" --screenshot="$2" "file://$1" 2>/dev/null
}
shoot "$work/report.html" "$out/report.png" 1000 1500
shoot "$work/report-factorization.html" "$out/report-factorization.png" 1000 760
ls -l "$out"/*.png
