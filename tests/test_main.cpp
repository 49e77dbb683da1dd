#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#if defined(__SANITIZE_THREAD__)
// libstdc++ is not built with TSan, so TSan cannot see the atomic reference
// count that keeps an exception alive while a pool thread drops its
// exception_ptr and the test thread still handles the rethrown copy.
extern "C" const char* __tsan_default_suppressions() {
  return "race:std::__exception_ptr::exception_ptr::_M_release\n";
}
#endif
