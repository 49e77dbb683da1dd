/* ferry plugin ABI, version 1.
 *
 * The only contract between a plugin shared library and ferry-worker. It is
 * plain C on purpose: a plugin built by another compiler or standard library
 * still loads, and nothing but fixed-width integers, pointer+length bytes and
 * function pointers crosses it: no exceptions, no std:: types.
 *
 * A plugin exports exactly one symbol, FERRY_PLUGIN_SYMBOL, a function that
 * returns a pointer to a static ferry_plugin_v1. Plugin authors never write
 * these structs by hand: <ferry/plugin.hpp> generates them from typed C++.
 *
 * Ownership: whoever allocates frees. A task hands its output to the host
 * through ferry_sink_v1::write during the call; the host copies it before
 * write returns. */
#ifndef FERRY_ABI_H
#define FERRY_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped on any incompatible change to the structs below. */
#define FERRY_ABI_VERSION 1u

/* Name of the one exported entry point: const ferry_plugin_v1* ferry_plugin(void). */
#define FERRY_PLUGIN_SYMBOL "ferry_plugin"

/* Status codes returned by ferry_task_v1::invoke. */
#define FERRY_OK 0
/* The task threw; output holds "<exception type>\0<message>". */
#define FERRY_TASK_ERROR 1
/* The input bytes did not decode into the task's parameters; output holds a message. */
#define FERRY_BAD_INPUT 2

/* ferry_call_v1::flags: the input is a ferry::Value archive (a list of the
 * arguments) instead of the typed cereal binary form of the parameters. */
#define FERRY_CALL_VALUE_IN 1u
/* ferry_call_v1::flags: the result is written as a ferry::Value archive
 * instead of the typed cereal binary form. */
#define FERRY_CALL_VALUE_OUT 2u
/* Both: what hosts use at the edges (YAML in, JSON out). */
#define FERRY_CALL_VALUE (FERRY_CALL_VALUE_IN | FERRY_CALL_VALUE_OUT)

/* Where a task writes its output bytes. write may be called several times;
 * the bytes are appended. */
typedef struct ferry_sink_v1 {
  void* state;
  void (*write)(void* state, const uint8_t* data, uint64_t size);
} ferry_sink_v1;

/* A run of bytes the caller keeps. */
typedef struct ferry_span_v1 {
  const uint8_t* data;
  uint64_t size;
} ferry_span_v1;

/* Services the worker offers to a running task (ferry::Context wraps it). */
typedef struct ferry_host_v1 {
  uint32_t struct_size; /* sizeof(ferry_host_v1) as the host compiled it */
  uint32_t reserved_flags;
  void* state;
  /* Writes one log line for the task; level 0 debug, 1 info, 2 warning, 3 error. */
  void (*log)(void* state, int32_t level, const char* message, uint64_t size);
  /* Sends one encoded manager request (shared dicts, lists, queues, locks,
   * events; see <ferry/manager_protocol.hpp>) and writes the encoded reply to
   * reply. With reply null the request is posted: no reply is awaited, and
   * it takes effect, in order, before the task's result reaches the host.
   * Returns FERRY_OK, or nonzero when the manager cannot be reached. May
   * block (queue get, lock acquire, event wait). May be null. */
  int32_t (*manager)(void* state, const uint8_t* request, uint64_t size, ferry_sink_v1* reply);
  /* Opens descriptor id that the manager shares (the memory of a
   * ferry::SharedValue or SharedArray, an end of a ferry pipe): stores a new
   * file descriptor, owned by the caller, in *fd. Returns FERRY_OK, or
   * nonzero when there is no such descriptor or no manager. May be null. */
  int32_t (*open_descriptor)(void* state, uint64_t id, int32_t* fd);
  /* As manager, the request given as count parts that join, in order, into
   * its encoding: a large queue item is sent from where it lies instead of
   * being copied into one buffer first. Null in workers built before it
   * (this was a reserved slot, zeroed): join the parts and call manager. */
  int32_t (*manager_parts)(void* state, const ferry_span_v1* parts, uint32_t count, ferry_sink_v1* reply);
  void* reserved[5];
} ferry_host_v1;

/* One invocation of a task. */
typedef struct ferry_call_v1 {
  uint32_t struct_size; /* sizeof(ferry_call_v1) as the host compiled it */
  uint32_t flags;       /* FERRY_CALL_* */
  const uint8_t* input; /* the encoded arguments */
  uint64_t input_size;
  ferry_sink_v1 output; /* result on FERRY_OK, error text otherwise */
  const ferry_host_v1* host; /* never null when called by ferry-worker */
  const char* task_name;
  /* CLOCK_MONOTONIC time, in nanoseconds, past which the host stops this call
   * (SIGTERM, then SIGKILL); 0 when it has no deadline. Read it only when
   * struct_size covers it. */
  int64_t deadline_ns;
} ferry_call_v1;

/* Runs one call. task_state is ferry_task_v1::state. Never throws or longjmps
 * out; returns FERRY_OK, FERRY_TASK_ERROR or FERRY_BAD_INPUT. */
typedef int32_t (*ferry_invoke_v1)(void* task_state, const ferry_call_v1* call);

/* Several items of one call at once (optional; see ferry_task_v1). Item i's
 * input is input[input_ends[i-1] .. input_ends[i]) (from 0 for the first);
 * its output, written through output like one call's, ends at
 * output_ends[i] (bytes written since the batch began), with statuses[i] as
 * invoke would return it. */
typedef struct ferry_batch_v1 {
  uint32_t struct_size; /* sizeof(ferry_batch_v1) as the host compiled it */
  uint32_t flags;       /* FERRY_CALL_*, for every item */
  uint64_t count;
  const uint8_t* input;
  const uint32_t* input_ends; /* [count] */
  ferry_sink_v1 output;
  uint64_t* output_ends; /* [count], set by the task */
  int32_t* statuses;     /* [count], set by the task */
  const ferry_host_v1* host;
  const char* task_name;
  /* Stop after the item whose output takes the total past this. */
  uint64_t max_output;
  /* Read (atomically) before each item: nonzero stops the batch there. */
  const uint32_t* stop;
  /* Added after stop: a task reads it only when struct_size covers it. When
   * non-null, the task writes the index of each item here (an atomic store)
   * before running it, so the worker can say which item a log line is from. */
  uint64_t* current;
} ferry_batch_v1;

/* Runs items of a batch in order, each exactly as invoke would, until the
 * last, *stop, or max_output; returns how many ran. Never throws. */
typedef uint64_t (*ferry_invoke_batch_v1)(void* task_state, const ferry_batch_v1* batch);

/* One task of a plugin. Strings are NUL-terminated, static, UTF-8. */
typedef struct ferry_task_v1 {
  const char* name;      /* unique within the plugin */
  const char* params;    /* parameter types, e.g. "(i64,i64)" */
  const char* result;    /* result type, e.g. "i64" */
  const char* doc;       /* one line, may be empty, never null */
  ferry_invoke_v1 invoke;
  void* state;
  /* Null in plugins built before it existed (this was reserved, zeroed):
   * the host then calls invoke once per item. */
  ferry_invoke_batch_v1 invoke_batch;
  /* Null in plugins built before it existed (this was reserved, zeroed): the
   * parameters' names and the fields of the user structs in params and
   * result, one record per line, cells separated by tabs:
   *   P<tab>name1<tab>name2...                  parameter names, if given
   *   S<tab>Struct<tab>field<tab>type...        one struct, nested ones first
   * (ferry::TaskInfo::parse_schema reads it). */
  const char* schema;
  void* reserved[2];
} ferry_task_v1;

/* What FERRY_PLUGIN_SYMBOL returns. abi_version comes first so that any
 * future layout can be recognised and refused by an older host. */
typedef struct ferry_plugin_v1 {
  uint32_t abi_version; /* FERRY_ABI_VERSION the plugin was built with */
  uint32_t struct_size; /* sizeof(ferry_plugin_v1) as the plugin compiled it */
  const char* name;
  const char* version;
  const char* load_error; /* non-null when registration failed: the reason */
  uint64_t task_count;
  const ferry_task_v1* tasks;
  void* reserved[4];
} ferry_plugin_v1;

typedef const ferry_plugin_v1* (*ferry_plugin_entry_v1)(void);

#ifdef __cplusplus
}
#endif

#endif /* FERRY_ABI_H */
