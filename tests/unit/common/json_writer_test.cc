// JsonWriter: commas, nesting and escapes, checked by parsing the output back.
#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace inzage {
namespace {

TEST(JsonWriter, WritesNestedObjectsAndArraysWithTheirCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject()
      .Member("id", "e-1")
      .Member("count", 3)
      .Member("ok", true)
      .Key("none")
      .Null()
      .Key("list")
      .BeginArray()
      .Int(-1)
      .Uint(2)
      .BeginObject()
      .EndObject()
      .BeginArray()
      .EndArray()
      .Double(0.5)
      .EndArray()
      .Key("optional")
      .StringOrNull("")
      .Key("raw")
      .Raw(R"({"a":[1]})")
      .EndObject();
  EXPECT_EQ(out, R"({"id":"e-1","count":3,"ok":true,"none":null,"list":[-1,2,{},[],0.5],)"
                 R"("optional":null,"raw":{"a":[1]}})");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
  std::string out;
  JsonWriter(&out).BeginArray().String("a\"b\\c\nd\te\x01 <script>é").EndArray();
  EXPECT_EQ(out, "[\"a\\\"b\\\\c\\nd\\te\\u0001 <script>é\"]");
  EXPECT_EQ(nlohmann::json::parse(out)[0], "a\"b\\c\nd\te\x01 <script>é");
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
  std::string out;
  JsonWriter(&out).BeginArray().Double(1.0 / 0.0).EndArray();
  EXPECT_EQ(out, "[null]");
}

}  // namespace
}  // namespace inzage
