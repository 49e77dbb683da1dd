// The worker's protocol loop.
#pragma once

#include "worker_options.hpp"

namespace ferry::worker {

// Loads the plugin, says hello (or why loading failed) and serves calls until
// shutdown or end of stream. Returns the process exit code.
int serve(const Options& options);

}  // namespace ferry::worker
