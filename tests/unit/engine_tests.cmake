# Unit tests of libferry's own code (as opposed to the header-only SDK).
# Guarded like tests/integration: the SDK can be built without the engine.
if(TARGET ferry)
  ferry_add_test(value_text_test value_text_test.cpp LIBS ferry::ferry)
endif()
