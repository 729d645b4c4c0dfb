# wellposed_layer(<name> PUBLIC_DEPS <targets...> [PRIVATE_DEPS <targets...>])
# One static library per layer folder: sources are <folder>/src/*.cpp, public
# headers are <folder>/include/wellposed/... . The target is installed and
# exported as wellposed::wellposed_<name>.
function(wellposed_layer name)
  cmake_parse_arguments(L "" "" "PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp)
  set(target wellposed_${name})
  add_library(${target} STATIC ${srcs})
  add_library(wellposed::${target} ALIAS ${target})
  target_include_directories(${target} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${target} PUBLIC ${L_PUBLIC_DEPS} PRIVATE ${L_PRIVATE_DEPS})
  target_compile_features(${target} PUBLIC cxx_std_20)
  wellposed_warnings(${target})
  install(TARGETS ${target} EXPORT wellposedTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()
