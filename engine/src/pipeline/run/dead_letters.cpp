#include "pipeline/run/dead_letters.hpp"

#include <ferry/codec.hpp>
#include <ferry/errors.hpp>

namespace ferry::pipeline {

void DeadLetters::open(const std::vector<std::shared_ptr<const SinkConfig>>& outputs, const SinkIo& io,
                       std::function<void(const std::string&)> fail) {
  std::lock_guard lock(mu_);
  fail_ = std::move(fail);
  for (const auto& config : outputs) {
    try {
      outputs_.push_back({config, config->open(io)});
    } catch (const std::exception& e) {
      throw Error(std::string("errors: ") + e.what());
    }
  }
}

void DeadLetters::write(const Item& record) {
  std::lock_guard lock(mu_);
  auto& out = outputs_.at(record.dead_letter - 1);
  try {
    out.writer->add(codec::decode_value(record.bytes));
    // At once: a record is rare, and whoever watches the file wants it now.
    out.writer->flush();
  } catch (const std::exception& e) {
    throw Error(std::string("errors: ") + e.what());
  }
}

bool DeadLetters::take(const std::vector<Item>& items) {
  try {
    for (const auto& item : items)
      if (item.error_record && item.dead_letter) write(item);
    return true;
  } catch (const std::exception& e) {
    if (fail_) fail_(e.what());
    return false;
  }
}

bool DeadLetters::close() {
  std::lock_guard lock(mu_);
  try {
    for (auto& out : outputs_) out.writer->close();
    return true;
  } catch (const std::exception& e) {
    if (fail_) fail_(std::string("errors: ") + e.what());
    return false;
  }
}

}  // namespace ferry::pipeline
