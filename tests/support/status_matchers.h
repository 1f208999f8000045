// ASSERT_OK / EXPECT_OK: a Status or Result that is not OK fails the test and prints its
// message (leveldb's ASSERT_LEVELDB_OK). ASSERT_TRUE(s.ok()) says only "false".
#pragma once

#include <gtest/gtest.h>

#include "common/status.h"

namespace inzage::testing {

inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

}  // namespace inzage::testing

// `expr` is bound to a reference first, so that a temporary Result lives until its status has
// been printed.
#define INZAGE_STATUS_OK_IMPL(fail, expr)                                                \
  do {                                                                                   \
    const auto& inzage_value_ = (expr);                                                  \
    const ::inzage::Status& inzage_status_ = ::inzage::testing::StatusOf(inzage_value_); \
    if (!inzage_status_.ok()) fail() << #expr << ": " << inzage_status_.message();       \
  } while (false)

#define ASSERT_OK(expr) INZAGE_STATUS_OK_IMPL(FAIL, expr)
#define EXPECT_OK(expr) INZAGE_STATUS_OK_IMPL(ADD_FAILURE, expr)
