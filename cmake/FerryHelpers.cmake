# Shared build logic: warnings, sanitizers, plugins and tests.

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

# ferry_add_plugin(NAME SOURCES...): a MODULE library lib<NAME>.so in the
# build's plugins/ folder, built against the SDK only.
function(ferry_add_plugin name)
  add_library(ferry_plugin_${name} MODULE ${ARGN})
  set_target_properties(ferry_plugin_${name} PROPERTIES
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${FERRY_PLUGIN_OUTPUT_DIR}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(ferry_plugin_${name} PRIVATE ferry::sdk)
  ferry_target_defaults(ferry_plugin_${name})
  if(FERRY_SANITIZE)
    # A plugin is loaded by an instrumented worker; it needs no runtime of its own.
    target_link_options(ferry_plugin_${name} PRIVATE -Wl,--allow-shlib-undefined)
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
