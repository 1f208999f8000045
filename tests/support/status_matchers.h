// ASSERT_OK / EXPECT_OK: a status or Result that is not OK fails the test and prints its
// message (leveldb's ASSERT_LEVELDB_OK). ASSERT_TRUE(s.ok()) says only "false".
#pragma once

#include <gtest/gtest.h>

#include <concepts>
#include <string>

#include "common/status.h"

namespace inzage::testing {

// What a failed status says, or nothing when it is OK: inzage's Status and Result, and any
// library status with ok() and ToString() (rocksdb::Status, protobuf's util::Status).
inline std::string FailureOf(const Status& s) { return s.ok() ? std::string() : s.message(); }
template <typename T>
std::string FailureOf(const Result<T>& r) {
  return FailureOf(r.status());
}
template <typename S>
requires requires(const S& s) {
  { s.ok() } -> std::convertible_to<bool>;
  { s.ToString() } -> std::convertible_to<std::string>;
}
std::string FailureOf(const S& s) {
  if (s.ok()) return {};
  std::string text = s.ToString();
  return text.empty() ? std::string("not OK") : text;
}

}  // namespace inzage::testing

// `expr` is bound to a reference first, so that a temporary Result lives until its status has
// been printed.
#define INZAGE_STATUS_OK_IMPL(fail, expr)                                            \
  do {                                                                               \
    const auto& inzage_value_ = (expr);                                              \
    const std::string inzage_failure_ = ::inzage::testing::FailureOf(inzage_value_); \
    if (!inzage_failure_.empty()) fail() << #expr << ": " << inzage_failure_;        \
  } while (false)

#define ASSERT_OK(expr) INZAGE_STATUS_OK_IMPL(FAIL, expr)
#define EXPECT_OK(expr) INZAGE_STATUS_OK_IMPL(ADD_FAILURE, expr)
