// The signature types fuzz_value decodes typed bytes as, picked by the first
// input byte (index = byte % count). Shared with make_corpus.cpp, which writes
// a seed for each; append only, so that committed seeds keep their type.
#pragma once

#include <cstddef>

namespace ferry_fuzz {

inline constexpr const char* kValueTypes[] = {
    "any",
    "list<any>",
    "list<i64>",
    "map<str,list<f64>>",
    "tuple<str,optional<i64>>",
    "map<i32,str>",
    "map<u64,bytes>",
    "list<tuple<>>",
    "array<u8,4>",
    "optional<list<bool>>",
    "tuple<i8,u16,i32,u32,u64,f32,f64,none>",
    "map<str,any>",
    "list<list<list<str>>>",
    "map<f64,i64>",  // always refused: float keys cannot become a Value
    "list<optional<map<str,tuple<bytes,any>>>>",
    "array<array<i16,3>,2>",
};
inline constexpr std::size_t kValueTypeCount = sizeof kValueTypes / sizeof kValueTypes[0];

}  // namespace ferry_fuzz
