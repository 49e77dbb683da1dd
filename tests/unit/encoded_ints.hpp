// Integers as the wire encodes them, for tests that build frames by hand.
#pragma once

#include <cstdint>
#include <string>

#include <ferry/codec.hpp>

inline std::string u32(std::uint32_t x) { return ferry::codec::encode(x); }
inline std::string u64(std::uint64_t x) { return ferry::codec::encode(x); }
