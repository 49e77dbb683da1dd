// ferry-worker as a forkserver: loads its plugin once, then forks a worker
// per request of the host (the engine's StartMethod::forkserver), as
// Python's multiprocessing forkserver does.
#pragma once

#include <memory>

#include "plugin/loader.hpp"
#include "worker_options.hpp"

namespace ferry::worker {

// What run_forkserver returns in a worker it forked.
inline constexpr int kForkedChild = -1;

// Serves fork requests on options.fd until the host closes it, and returns
// the forkserver's exit code. In each worker it forks it returns
// kForkedChild instead, with options describing that worker (its sockets on
// fds 3 and 4, its memory limit) and plugin loaded: the caller then serves
// calls as any worker does.
int run_forkserver(Options& options, std::unique_ptr<plugin::LoadedPlugin>& plugin);

}  // namespace ferry::worker
