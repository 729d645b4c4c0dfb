# Dependencies that Debian ships with pkg-config files only (Z3, GMP, MPFR).
# Shared by the build and by the installed wellposedConfig.cmake so that both
# define the same imported targets.
find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::Z3)
  pkg_check_modules(Z3 REQUIRED IMPORTED_TARGET GLOBAL z3)
endif()
if(NOT TARGET PkgConfig::GMP)
  pkg_check_modules(GMP REQUIRED IMPORTED_TARGET GLOBAL gmp)
endif()
if(NOT TARGET PkgConfig::MPFR)
  pkg_check_modules(MPFR REQUIRED IMPORTED_TARGET GLOBAL mpfr)
endif()
