#include "component/wit_printer.h"

#include <gtest/gtest.h>

#include "component/decoder_test_bytes.h"

namespace wcloud::component {
namespace {

using test_bytes::Bytes;
using test_bytes::Cat;
using test_bytes::ComponentBytes;
using test_bytes::Name;
using test_bytes::Section;

std::string Wit(const Bytes& bytes) {
  auto c = DecodeComponent(std::make_shared<const std::vector<uint8_t>>(bytes));
  if (!c) return "decode: " + c.error().message();
  auto wit = PrintWit(**c);
  if (!wit) return "print: " + wit.error().message();
  return *wit;
}

TEST(WitPrinterTest, EmptyWorld) {
  EXPECT_EQ(Wit(ComponentBytes({})), "package root:component;\n\nworld root {\n}\n");
}

// Interfaces of other packages by name; inline interfaces, world types and functions spelled
// out, with `use` for types that an imported interface exports.
TEST(WitPrinterTest, ImportsAndExports) {
  Bytes poll = Cat({{0x42, 0x03},
                    Cat({{0x04, 0x00}, Name("pollable"), {0x03, 0x01}}),
                    Cat({{0x01, 0x72, 0x01}, Name("x"), {0x79}}),
                    Cat({{0x04, 0x00}, Name("rec"), {0x03, 0x00, 0x01}})});
  Bytes iface =
      Cat({{0x42, 0x07},
           Cat({{0x01, 0x6d, 0x02}, Name("one"), Name("two")}),
           Cat({{0x04, 0x00}, Name("e"), {0x03, 0x00, 0x00}}),
           Cat({{0x04, 0x00}, Name("res"), {0x03, 0x01}}),
           {0x01, 0x68, 0x02},
           {0x01, 0x70, 0x7d},
           Cat({{0x01, 0x40, 0x02}, Name("self"), {0x03}, Name("list"), {0x04, 0x01, 0x00}}),
           Cat({{0x04, 0x00}, Name("[method]res.get"), {0x01, 0x05}})});
  Bytes bytes = ComponentBytes({
      Section(7, Cat({{0x01}, poll})),
      Section(10, Cat({{0x01, 0x00}, Name("wasi:io/poll@0.2.0"), {0x05, 0x00}})),
      Section(6, Cat({{0x01, 0x03, 0x00, 0x00}, Name("rec")})),               // type 1: rec
      Section(10, Cat({{0x01, 0x00}, Name("renamed"), {0x03, 0x00, 0x01}})),  // type 2
      Section(7, Cat({{0x04},
                      iface,
                      {0x6b, 0x7f},
                      {0x6a, 0x01, 0x73, 0x01, 0x7d},
                      Cat({{0x40, 0x02}, Name("type"), {0x02}, Name("b"), {0x04, 0x00, 0x05}})})),
      Section(10,
              Cat({{0x02, 0x00}, Name("iface"), {0x05, 0x03}, {0x00}, Name("f"), {0x01, 0x06}})),
  });
  EXPECT_EQ(Wit(bytes),
            "package root:component;\n"
            "\n"
            "world root {\n"
            "  import wasi:io/poll@0.2.0;\n"
            "  import iface: interface {\n"
            "    enum e {\n"
            "      one,\n"
            "      two,\n"
            "    }\n"
            "\n"
            "    resource res {\n"
            "      get: func(%list: list<u8>);\n"
            "    }\n"
            "  }\n"
            "  use wasi:io/poll@0.2.0.{rec as renamed};\n"
            "  import f: func(%type: renamed, b: option<bool>) -> result<string, u8>;\n"
            "}\n");
}

TEST(WitPrinterTest, UnrepresentableItemsAreErrors) {
  Bytes bytes = ComponentBytes(
      {Section(7, {0x01, 0x79}), Section(11, Cat({{0x01, 0x00}, Name("t"), {0x03, 0x00, 0x00}}))});
  EXPECT_EQ(Wit(bytes), "print: component export `t` was not a function or instance");
}

}  // namespace
}  // namespace wcloud::component
