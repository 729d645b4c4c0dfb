#!/usr/bin/env bash
# Compile time of a program that includes the umbrella headers (issue 18 item 5),
# against a JSON-only baseline compiled in the same loop.
#
# Usage: bench/umbrella_compile.sh [BUILD_DIR] [RUNS]   (from the repository root;
#        BUILD_DIR holds gpu/generated/wellposed/gpu/build_config.hpp, default build)
#
# Each run compiles, in this order (baseline first, alternating with the others,
# so that a change of machine load hits every translation unit alike):
#   syntax-only (g++ -std=c++20 -fsyntax-only: the front end, what an include costs)
#     json      #include <nlohmann/json.hpp> + <vector>       (baseline)
#     wellposed #include <wellposed/wellposed.hpp>
#     algebra / decide / numeric / gpu: #include <wellposed/<layer>.hpp>
#   full -c (g++ -std=c++20 -O3 -DNDEBUG -c: what a Release build of a small program costs)
#     json-prog      parse + dump one JSON document
#     wellposed-prog tests/consumer/main.cpp (uses wellposed/wellposed.hpp)
# and prints one TSV line per compile: run, mode, unit, wall seconds, CPU seconds
# (user + sys of the compiler: less sensitive to the machine's load). No ccache.
# PRE_TREE=DIR (optional): also compile the two wellposed units with the include
# folders of another source tree (e.g. `git archive <commit> | tar -x -C DIR`),
# as units wellposed@pre and wellposed-prog@pre, in the same loop.
set -euo pipefail
build=${1:-build}
runs=${2:-3}
cxx=${CXX_FOR_BENCH:-g++}
tmp=$(mktemp -d /tmp/umbrella_compile.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
build=$(cd "$build" && pwd)
incs() { echo "-I$1/algebra/include -I$1/decide/include -I$1/numeric/include -I$1/gpu/include -I$1/include"; }
read -r -a inc <<< "$(incs "$PWD") -I$build/gpu/generated -isystem /usr/include/eigen3"
pre=${PRE_TREE:-}
if [[ -n "$pre" ]]; then read -r -a inc_pre <<< "$(incs "$(cd "$pre" && pwd)") -I$build/gpu/generated -isystem /usr/include/eigen3"; fi
printf '#include <nlohmann/json.hpp>\n#include <vector>\n' > "$tmp/json.cpp"
printf '#include <wellposed/wellposed.hpp>\n#include <vector>\n' > "$tmp/wellposed.cpp"
for l in algebra decide numeric gpu; do
  printf '#include <wellposed/%s.hpp>\n#include <vector>\n' "$l" > "$tmp/$l.cpp"
done
cat > "$tmp/json-prog.cpp" <<'EOF'
#include <iostream>
#include <nlohmann/json.hpp>
int main() {
  const auto j = nlohmann::json::parse(R"({"name": "lu-4", "factors": [1, 2, 3]})");
  std::cout << j.dump() << "\n";
  return j["factors"].size() == 3 ? 0 : 1;
}
EOF
cp tests/consumer/main.cpp "$tmp/wellposed-prog.cpp"

secs() {  # secs CMD... -> "wall<TAB>cpu" seconds of CMD (which must succeed)
  local TIMEFORMAT=$'%R\t%U\t%S' t
  t=$( { time "$@" > /dev/null; } 2>&1 )
  awk -F'\t' '{ printf "%s\t%.2f\n", $1, $2 + $3 }' <<< "${t##*$'\n'}"
}
echo "# $(date -u +%FT%TZ) $(uname -n) loadavg before: $(cat /proc/loadavg)"
echo "# $cxx: $($cxx --version | head -1)"
for ((r = 1; r <= runs; r++)); do
  for u in json wellposed json algebra json decide json numeric json gpu; do
    printf '%d\tsyntax-only\t%s\t%s\n' "$r" "$u" "$(secs "$cxx" -std=c++20 -fsyntax-only "${inc[@]}" "$tmp/$u.cpp")"
  done
  if [[ -n "$pre" ]]; then
    printf '%d\tsyntax-only\t%s\t%s\n' "$r" wellposed@pre "$(secs "$cxx" -std=c++20 -fsyntax-only "${inc_pre[@]}" "$tmp/wellposed.cpp")"
  fi
  for u in json-prog wellposed-prog; do
    printf '%d\t-O3 -c\t%s\t%s\n' "$r" "$u" "$(secs "$cxx" -std=c++20 -O3 -DNDEBUG -c "${inc[@]}" "$tmp/$u.cpp" -o "$tmp/$u.o")"
  done
  if [[ -n "$pre" ]]; then
    printf '%d\t-O3 -c\t%s\t%s\n' "$r" wellposed-prog@pre "$(secs "$cxx" -std=c++20 -O3 -DNDEBUG -c "${inc_pre[@]}" "$tmp/wellposed-prog.cpp" -o "$tmp/pre.o")"
  fi
done
echo "# loadavg after: $(cat /proc/loadavg)"
