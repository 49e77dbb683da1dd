# Unit tests of libferry's own code (as opposed to the header-only SDK).
ferry_add_test(value_text_test value_text_test.cpp LIBS ferry::ferry)
