// Shared libraries the plugin loader must refuse, written without the SDK's
// FERRY_PLUGIN so that each can break exactly one rule of <ferry/abi.h>.
// CMakeLists.txt builds this file once per variant, selected by a macro:
//   FERRY_BROKEN_NOT_A_PLUGIN  a valid .so with no ferry_plugin symbol
//   FERRY_BROKEN_BAD_ABI       a descriptor from a future ABI (version 999)
//   FERRY_BROKEN_DUPLICATE     two tasks with the same name
// (other_abi.cpp is the SDK-built counterpart of BAD_ABI.)
#include <ferry/abi.h>

#define FERRY_EXPORT extern "C" __attribute__((visibility("default")))

#if defined(FERRY_BROKEN_NOT_A_PLUGIN)

// Something to export, so the library loads and merely lacks the entry point.
FERRY_EXPORT int not_ferry_answer(void) { return 42; }

#elif defined(FERRY_BROKEN_BAD_ABI)

// Otherwise well formed: the version alone must be the reason for refusal.
static const ferry_plugin_v1 descriptor = {
    999u, sizeof(ferry_plugin_v1), "bad_abi", "1.0", nullptr, 0, nullptr, {},
};

FERRY_EXPORT const ferry_plugin_v1* ferry_plugin(void) { return &descriptor; }

#elif defined(FERRY_BROKEN_DUPLICATE)

// Never called: a loader must refuse the table before running anything.
static int32_t refuse(void*, const ferry_call_v1*) { return FERRY_BAD_INPUT; }

static const ferry_task_v1 tasks[] = {
    {"same", "(i64)", "i64", "the first of two tasks named same", &refuse, nullptr, nullptr, nullptr, {}},
    {"same", "(str)", "str", "the second of two tasks named same", &refuse, nullptr, nullptr, nullptr, {}},
};

static const ferry_plugin_v1 descriptor = {
    FERRY_ABI_VERSION, sizeof(ferry_plugin_v1), "duplicate_tasks", "1.0", nullptr, 2, tasks, {},
};

FERRY_EXPORT const ferry_plugin_v1* ferry_plugin(void) { return &descriptor; }

#else
#error "define one of the FERRY_BROKEN_* variants"
#endif
