// The ferry embedding API in one include: Engine, Plugin, Pool, Process,
// AsyncResult, shared objects (Dict, List, Queue, Lock, Event, SharedValue,
// SharedArray, pipes), pipelines and their observers, errors, values and
// their JSON/YAML text forms.
#pragma once

#include <ferry/async_result.hpp>
#include <ferry/broker.hpp>
#include <ferry/engine.hpp>
#include <ferry/errors.hpp>
#include <ferry/pipeline.hpp>
#include <ferry/pipeline_observer.hpp>
#include <ferry/pool.hpp>
#include <ferry/process.hpp>
#include <ferry/result_stream.hpp>
#include <ferry/task_info.hpp>
#include <ferry/value.hpp>
#include <ferry/value_text.hpp>
