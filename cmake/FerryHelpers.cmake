# Shared build logic: warnings, sanitizers, plugins and tests.
# (ferry_add_plugin itself is in FerryPlugin.cmake, which the package ships.)

# Flags every target of ours gets: warnings on, and the sanitizers when asked.
function(ferry_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(FERRY_SANITIZE)
    # GCC's -Wmaybe-uninitialized misfires under the sanitizers (in
    # libstdc++'s <regex>, which Catch2 includes); it stays on elsewhere.
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                           -fno-sanitize-recover=undefined -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
    target_compile_definitions(${target} PRIVATE FERRY_SANITIZED=1)
  endif()
  if(FERRY_TSAN)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer -Wno-maybe-uninitialized)
    target_link_options(${target} PRIVATE -fsanitize=thread)
    target_compile_definitions(${target} PRIVATE FERRY_SANITIZED=1)
  endif()
endfunction()

# What ferry_add_plugin (cmake/FerryPlugin.cmake, shipped in the package)
# adds to the plugins built in this tree: our warnings and sanitizer flags.
function(ferry_in_tree_plugin_defaults target)
  ferry_target_defaults(${target})
  if(FERRY_SANITIZE)
    # A plugin is loaded by an instrumented worker; it needs no runtime of its own.
    target_link_options(${target} PRIVATE -Wl,--allow-shlib-undefined)
  endif()
endfunction()

# ferry_add_test(NAME SOURCES... [LIBS libs...] [THREADS]): a Catch2 test
# executable registered with CTest through catch_discover_tests. THREADS marks
# tests where threads and processes meet: they carry the CTest label
# `threads` and build with the target ferry_thread_tests, which is what the
# ThreadSanitizer run in CI builds and runs (ctest -L threads).
function(ferry_add_test name)
  cmake_parse_arguments(ARG "THREADS" "" "LIBS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ferry_test_main ${ARG_LIBS})
  ferry_target_defaults(${name})
  if(ARG_THREADS)
    catch_discover_tests(${name} PROPERTIES ENVIRONMENT "FERRY_TEST=1" LABELS threads)
    add_dependencies(ferry_thread_tests ${name})
  else()
    catch_discover_tests(${name} PROPERTIES ENVIRONMENT "FERRY_TEST=1")
  endif()
endfunction()

# ferry_install_dir(OUT NAME): CMAKE_INSTALL_<NAME> (GNUInstallDirs) as an
# absolute path under a stand-in prefix, for computing paths between
# installed folders that hold whatever prefix `cmake --install` is given.
function(ferry_install_dir out name)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${name}}")
    set(${out} "${CMAKE_INSTALL_${name}}" PARENT_SCOPE)
  else()
    set(${out} "/ferry-prefix/${CMAKE_INSTALL_${name}}" PARENT_SCOPE)
  endif()
endfunction()
