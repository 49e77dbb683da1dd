# Unit tests of libferry's own code (as opposed to the header-only SDK).
# Guarded like tests/integration: the SDK can be built without the engine.
# Tests of private headers link the layer's static library (engine/CMakeLists.txt),
# never libferry too: one copy of the engine a test.
if(TARGET ferry)
  ferry_add_test(value_text_test value_text_test.cpp LIBS ferry::ferry)
  ferry_add_test(manager_store_test manager_store_test.cpp LIBS ferry_manager THREADS)
  # Large queue items kept in the frame they came in; descriptors refused.
  ferry_add_test(held_item_test held_item_test.cpp LIBS ferry_manager THREADS)
  # largest_allocation.cpp counts allocations, for tests of hostile lengths.
  add_library(ferry_largest_allocation OBJECT largest_allocation.cpp)
  ferry_target_defaults(ferry_largest_allocation)
  ferry_add_test(type_expr_test type_expr_test.cpp LIBS ferry_values)
  ferry_add_test(typed_value_test typed_value_test.cpp $<TARGET_OBJECTS:ferry_largest_allocation> LIBS ferry_values)
  ferry_add_test(pipeline_loader_test pipeline_loader_test.cpp pipeline_problems_test.cpp connector_table_test.cpp
                 LIBS ferry_pipeline)
  target_compile_definitions(pipeline_loader_test PRIVATE FERRY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # Distributed runs: URLs, entries, the host's assembler.
  ferry_add_test(broker_units_test broker_units_test.cpp LIBS ferry_pipeline)
  # The queue between stages.
  ferry_add_test(item_queue_test item_queue_test.cpp LIBS ferry_pipeline)
  # The worker protocol's framing and messages.
  ferry_add_test(wire_test wire_test.cpp wire_layout_test.cpp wire_large_frame_test.cpp
                 $<TARGET_OBJECTS:ferry_largest_allocation> LIBS ferry_wire)
  ferry_add_test(spin_policy_test spin_policy_test.cpp LIBS ferry_wire)
  # Sealed shared pages; posts written ahead of a request.
  ferry_add_test(shared_pages_test shared_pages_test.cpp LIBS ferry_wire)
  ferry_add_test(lane_test lane_test.cpp LIBS ferry_wire THREADS)
  # The pool's result buffer, private to the pool layer.
  ferry_add_test(result_buffer_test result_buffer_test.cpp LIBS ferry_pool THREADS)
  ferry_add_test(buffer_recycler_test buffer_recycler_test.cpp LIBS ferry_pool THREADS)
  ferry_add_test(group_queue_test group_queue_test.cpp LIBS ferry_pool)
endif()

# Where libferry looks for ferry-worker and plugins (engine/src/plugin/install_layout.cpp).
# Linked statically, the layout is found from the executable's own file, so
# the test is put where libferry.so is (build/lib) and sees what it sees.
if(TARGET ferry)
  ferry_add_test(install_layout_test install_layout_test.cpp LIBS ferry_plugin)
  set_target_properties(install_layout_test PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_LIBRARY_OUTPUT_DIRECTORY})
  target_compile_definitions(install_layout_test PRIVATE
    FERRY_TEST_LIBRARY_DIR="$<TARGET_FILE_DIR:ferry>"
    FERRY_TEST_WORKER="$<TARGET_FILE:ferry-worker>"
    FERRY_TEST_PLUGIN_DIR="${FERRY_PLUGIN_OUTPUT_DIR}")
  add_dependencies(install_layout_test ferry-worker)
endif()
