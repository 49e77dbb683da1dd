// For ferry's own programs (the ferry CLI, ferry-worker), never for libferry
// inside an embedding host, whose malloc settings are its own.
#pragma once

#include <malloc.h>

namespace ferry {

// Keeps freed memory in the heap. Large buffers (a 10 MB queue put, a big
// chunk, a pipeline's batches) pass through buffers of the same sizes again
// and again; by default glibc maps each afresh and unmaps or trims it when
// freed, so every use pays its page faults and zeroing again (~10 us a page
// on a virtual machine). Kept, the memory is reused; a process's peak usage
// is what it keeps, as Python's processes do.
inline void keep_heap() {
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace ferry
