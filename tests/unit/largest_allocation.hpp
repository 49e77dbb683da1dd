// The largest single allocation a test binary has made since the last reset,
// so tests can show that hostile input is refused before anything near its
// claim is allocated. Link largest_allocation.cpp, which replaces the global
// operator new and delete, into the test.
#pragma once

#include <atomic>
#include <cstddef>

extern std::atomic<std::size_t> g_largest_alloc;
