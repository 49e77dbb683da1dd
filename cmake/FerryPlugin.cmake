# ferry_add_plugin(): build a ferry plugin, a MODULE library that a
# ferry-worker loads. Shipped in ferry's CMake package
# (find_package(ferry CONFIG) includes it) and used by ferry's own plugins.
#
#   ferry_add_plugin(NAME SOURCES src... [OUTPUT_DIRECTORY dir] [INSTALL])
#
# Makes the target ferry_plugin_<NAME>, the file lib<NAME>.so, built against
# the SDK only (ferry::sdk: header-only, no libferry), with hidden visibility
# so that the plugin exports nothing but its ferry_plugin entry point.
#   OUTPUT_DIRECTORY  where lib<NAME>.so is written (default: the variable
#                     FERRY_PLUGIN_OUTPUT_DIR if set, else CMake's default)
#   INSTALL           install it into <prefix>/<libdir>/ferry/plugins, where a
#                     libferry installed in the same prefix finds it by name
include_guard(GLOBAL)
include(GNUInstallDirs)

function(ferry_add_plugin name)
  cmake_parse_arguments(ARG "INSTALL" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "ferry_add_plugin(${name}): no SOURCES given")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ferry_add_plugin(${name}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  set(target ferry_plugin_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${name}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(FERRY_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${FERRY_PLUGIN_OUTPUT_DIR})
  endif()
  target_link_libraries(${target} PRIVATE ferry::sdk)
  if(ARG_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/ferry/plugins)
  endif()
  # ferry's own build adds its warnings and sanitizer flags (cmake/FerryHelpers.cmake).
  if(COMMAND ferry_in_tree_plugin_defaults)
    ferry_in_tree_plugin_defaults(${target})
  endif()
endfunction()
