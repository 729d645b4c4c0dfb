# Sourced by scripts/test and scripts/fuzz. When ccache is installed (an
# optional package of scripts/setup), compile through it: a second run of CI
# on the same machine, in any clone, reuses what an earlier run compiled.
# ccache keys on the preprocessed source and the flags, so a hit is the same
# object file a compile would give. CCACHE_BASEDIR makes the paths relative
# to the clone; WELLPOSED_CCACHE=0 turns it off.
ccache_args=()
if [ "${WELLPOSED_CCACHE:-1}" = 1 ] && command -v ccache >/dev/null; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
  export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-time_macros,include_file_mtime,include_file_ctime}"
  ccache_args=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
