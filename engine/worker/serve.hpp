// The worker's protocol loop.
#pragma once

#include <cstdint>

#include "plugin/loader.hpp"
#include "worker_options.hpp"

namespace ferry::worker {

// Loads the plugin, says hello (or why loading failed) and serves calls until
// shutdown or end of stream. Returns the process exit code.
int serve(const Options& options);

// As serve, with the plugin already loaded (a worker a forkserver forked).
int serve_loaded(const Options& options, const plugin::LoadedPlugin& plugin);

// This worker's protocol version (FERRY_TEST_PROTOCOL stands for another
// release's in tests).
std::uint32_t own_protocol();

}  // namespace ferry::worker
