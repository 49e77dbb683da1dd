# FERRY_FUZZ=ON: included from the top-level CMakeLists.txt before any
# subdirectory, so that every library (sdk, wire, engine) is instrumented for
# libFuzzer's coverage feedback and built with AddressSanitizer and
# UndefinedBehaviorSanitizer. The fuzz targets themselves (tests/fuzz) add
# -fsanitize=fuzzer, which links libFuzzer's main.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FERRY_FUZZ needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                      "configure a fresh build directory with CC=clang CXX=clang++ (apt-get install -y clang)")
endif()
if(FERRY_SANITIZE OR FERRY_TSAN)
  message(FATAL_ERROR "FERRY_FUZZ already builds with AddressSanitizer and UBSan; turn FERRY_SANITIZE and FERRY_TSAN off")
endif()
# As FERRY_SANITIZE does per target (cmake/FerryHelpers.cmake), here for all:
# any undefined behaviour aborts, so libFuzzer reports it as a crash.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
add_compile_definitions(FERRY_SANITIZED=1)
# The fuzz tests are registered with CTest even when FERRY_BUILD_TESTS is off;
# enable_testing() must run at the top level for ctest to find them.
enable_testing()
