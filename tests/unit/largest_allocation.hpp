// The largest single allocation a test binary has made since the last reset,
// and the sum of them all, so tests can show that hostile input is refused
// before anything near its claim is allocated, and that a buffer grows
// geometrically. Link largest_allocation.cpp, which replaces the global
// operator new and delete, into the test.
#pragma once

#include <atomic>
#include <cstddef>

extern std::atomic<std::size_t> g_largest_alloc;
// Every byte allocated since the last reset, in total.
extern std::atomic<std::size_t> g_total_alloc;
