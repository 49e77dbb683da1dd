// FERRY_API: marks what libferry.so exports. libferry is built with hidden
// visibility, so only declarations carrying this macro are its ABI.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define FERRY_API __attribute__((visibility("default")))
#else
#define FERRY_API
#endif
