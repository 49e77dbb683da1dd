# Unit tests of libferry's own code (as opposed to the header-only SDK).
# Guarded like tests/integration: the SDK can be built without the engine.
if(TARGET ferry)
  ferry_add_test(value_text_test value_text_test.cpp LIBS ferry::ferry)
  # Private engine headers: unit tests mirror engine/src.
  ferry_add_test(manager_store_test manager_store_test.cpp LIBS ferry::ferry THREADS)
  target_include_directories(manager_store_test PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
  # largest_allocation.cpp counts allocations, for tests of hostile lengths.
  add_library(ferry_largest_allocation OBJECT largest_allocation.cpp)
  ferry_target_defaults(ferry_largest_allocation)
  ferry_add_test(type_expr_test type_expr_test.cpp LIBS ferry::ferry)
  ferry_add_test(typed_value_test typed_value_test.cpp $<TARGET_OBJECTS:ferry_largest_allocation> LIBS ferry::ferry)
  foreach(subject type_expr typed_value)
    target_include_directories(${subject}_test PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
  endforeach()
  ferry_add_test(pipeline_loader_test pipeline_loader_test.cpp pipeline_problems_test.cpp connector_table_test.cpp
                 LIBS ferry::ferry)
  target_include_directories(pipeline_loader_test PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
  target_compile_definitions(pipeline_loader_test PRIVATE FERRY_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  # The worker protocol's framing and messages (ferry_wire's headers are its include path).
  ferry_add_test(wire_test wire_test.cpp $<TARGET_OBJECTS:ferry_largest_allocation> LIBS ferry_wire)
endif()

# Where libferry looks for ferry-worker and plugins (engine/src/plugin/install_layout.cpp).
if(TARGET ferry)
  ferry_add_test(install_layout_test install_layout_test.cpp LIBS ferry::ferry)
  target_include_directories(install_layout_test PRIVATE ${PROJECT_SOURCE_DIR}/engine/src)
  target_compile_definitions(install_layout_test PRIVATE
    FERRY_TEST_LIBRARY_DIR="$<TARGET_FILE_DIR:ferry>"
    FERRY_TEST_WORKER="$<TARGET_FILE:ferry-worker>"
    FERRY_TEST_PLUGIN_DIR="${FERRY_PLUGIN_OUTPUT_DIR}")
endif()
