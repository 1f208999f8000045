// PolicyCopy: a private copy of the shipped policy directory (config/policy) in a TempDir, for
// a test that changes it on purpose; removed with everything in it when the test ends.
// Not thread-safe: one test owns it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/temp_dir.h"

namespace inzage::testing {

inline const std::string kShippedPolicyDir = std::string(INZAGE_SOURCE_DIR) + "/config/policy";

class PolicyCopy {
 public:
  PolicyCopy() {
    for (const auto& e : std::filesystem::directory_iterator(kShippedPolicyDir)) {
      if (e.is_regular_file()) std::filesystem::copy_file(e.path(), dir_.sub(e.path().filename()));
    }
  }

  // Replaces the first occurrence of `from` in `file`; a test whose `from` is not there fails.
  void Replace(const std::string& file, const std::string& from, const std::string& to) {
    std::string text = Read(file);
    const size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from << " is not in " << file;
    text.replace(at, from.size(), to);
    Write(file, text);
  }
  void Write(const std::string& file, const std::string& text) const {
    std::ofstream(dir_.sub(file), std::ios::trunc) << text;
  }
  [[nodiscard]] std::string Read(const std::string& file) const {
    std::ifstream in(dir_.sub(file));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  [[nodiscard]] const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
};

}  // namespace inzage::testing
