#include "wasm/code_scan.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace wcloud::wasm {
namespace {

// The code sits after a 3-byte stand-in for what precedes it in a module, so that offsets are
// seen to count from the start of the bytes, not of the code.
constexpr size_t kAt = 3;

std::vector<uint8_t> At3(std::vector<uint8_t> code) {
  code.insert(code.begin(), {0xaa, 0xbb, 0xcc});
  return code;
}

struct Stop {
  Finding found;
  size_t offset;
  std::string what;  // the table write's name, the global index or the opcode text
};

// Every stop of FindNext through `code`, and whether the cursor ended failed.
std::vector<Stop> Stops(const std::vector<uint8_t>& bytes, bool* failed = nullptr) {
  ByteCursor c(bytes, kAt, bytes.size());
  std::vector<Stop> stops;
  Instruction in;
  for (Finding f; (f = FindNext(c, in)) != Finding::kNothing;) {
    std::string what = f == Finding::kTableWrite    ? in.name
                       : f == Finding::kGlobalWrite ? std::to_string(in.global)
                                                    : OpcodeText(in);
    stops.push_back({f, in.offset, what});
  }
  if (failed != nullptr) *failed = c.failed();
  return stops;
}

TEST(CodeScanTest, GoesOnAfterAGlobalWriteAndStopsAtATableWrite) {
  bool failed = true;
  const auto stops = Stops(At3({
                               0x41, 0x05, 0x24, 0x81, 0x01,        // global.set 129
                               0x41, 0x00, 0xd0, 0x70, 0x26, 0x00,  // table.set 0
                           }),
                           &failed);
  EXPECT_FALSE(failed);
  ASSERT_EQ(stops.size(), 2u);
  EXPECT_EQ(stops[0].found, Finding::kGlobalWrite);
  EXPECT_EQ(stops[0].offset, kAt + 2);
  EXPECT_EQ(stops[0].what, "129");
  EXPECT_EQ(stops[1].found, Finding::kTableWrite);
  EXPECT_EQ(stops[1].offset, kAt + 9);
  EXPECT_EQ(stops[1].what, "table.set");
}

TEST(CodeScanTest, NamesEveryTableWriteAfterThePrefix) {
  const std::vector<std::pair<std::vector<uint8_t>, std::string>> cases = {
      {{0xfc, 0x0c, 0x00, 0x00}, "table.init"},
      {{0xfc, 0x0e, 0x00, 0x00}, "table.copy"},
      {{0xfc, 0x0f, 0x00}, "table.grow"},
      {{0xfc, 0x11, 0x00}, "table.fill"},
  };
  for (const auto& [code, name] : cases) {
    std::vector<uint8_t> bytes = code;
    bytes.insert(bytes.begin(), {0x41, 0x00});  // i32.const 0
    const std::vector<uint8_t> module = At3(bytes);
    ByteCursor cursor(module, kAt, module.size());
    Instruction in;
    EXPECT_EQ(FindNext(cursor, in), Finding::kTableWrite) << name;
    EXPECT_EQ(in.offset, kAt + 2) << name;
    EXPECT_EQ(in.name, name);
  }
}

TEST(CodeScanTest, BytesInsideImmediatesAreNotOpcodes) {
  // 0x26 (table.set) and 0x24 (global.set) as immediates: none is an instruction.
  bool failed = true;
  EXPECT_TRUE(Stops(At3({
                        0x41, 0x26,                                            // i32.const 38
                        0x42, 0xa6, 0x24,                                      // i64.const, 2 bytes
                        0x44, 0x26, 0x26, 0x26, 0x26, 0x24, 0x24, 0x24, 0x24,  // f64.const
                        0xfd, 0x0c, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,  // v128.const
                        0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26,              //
                        0x0e, 0x02, 0x26, 0x24, 0x00,  // br_table 38 36 0
                        0x28, 0x02, 0xa6, 0x24,        // i32.load offset
                        0x1c, 0x01, 0x7f,              // select (result i32)
                        0x0b,
                    }),
                    &failed)
                  .empty());
  EXPECT_FALSE(failed);
}

TEST(CodeScanTest, UnknownOpcodesAreNamedWithTheirPrefix) {
  const std::vector<std::pair<std::vector<uint8_t>, std::string>> cases = {
      {{0x27}, "0x27"},          {{0xfb, 0x00}, "0xfb"},
      {{0xfc, 0x12}, "0xfc 18"}, {{0xfd, 0x94, 0x02}, "0xfd 276"},
      {{0xfe, 0x4f}, "0xfe 79"},
  };
  for (const auto& [code, text] : cases) {
    std::vector<uint8_t> bytes = code;
    bytes.insert(bytes.begin(), {0x01, 0x01});  // nop nop
    const auto stops = Stops(At3(bytes));
    ASSERT_EQ(stops.size(), 1u) << text;
    EXPECT_EQ(stops[0].found, Finding::kUnknownOpcode);
    EXPECT_EQ(stops[0].offset, kAt + 2) << text;
    EXPECT_EQ(stops[0].what, text);
  }
}

TEST(CodeScanTest, MalformedCodeFailsTheCursorWhereItEnds) {
  const std::vector<uint8_t> bytes = At3({0x01, 0x41, 0x80});  // i32.const, LEB128 cut short
  ByteCursor c(bytes, kAt, bytes.size());
  Instruction in;
  EXPECT_EQ(FindNext(c, in), Finding::kNothing);
  ASSERT_TRUE(c.failed());
  EXPECT_EQ(c.failure_pos(), bytes.size());
  EXPECT_STREQ(c.failure(), "unexpected end");
}

TEST(CodeScanTest, SkipLocalsLeavesTheCursorAtTheFirstInstruction) {
  // Two groups: 3 i32, and 1 (ref null 5).
  const std::vector<uint8_t> bytes = At3({0x02, 0x03, 0x7f, 0x01, 0x63, 0x05, 0x26, 0x00});
  ByteCursor c(bytes, kAt, bytes.size());
  SkipLocals(c);
  EXPECT_FALSE(c.failed());
  EXPECT_EQ(c.pos(), kAt + 6);
}

TEST(CodeScanTest, ConstExprEndsAfterItsEnd) {
  // i32.const 1, global.get 0, i32.add, end; then bytes of whatever follows.
  const std::vector<uint8_t> bytes = At3({0x41, 0x01, 0x23, 0x00, 0x6a, 0x0b, 0x26, 0x27});
  ByteCursor c(bytes, kAt, bytes.size());
  Instruction in;
  EXPECT_EQ(SkipConstExpr(c, in), Finding::kNothing);
  EXPECT_FALSE(c.failed());
  EXPECT_EQ(c.pos(), kAt + 6);
}

TEST(CodeScanTest, ConstExprRefusesWritesAndNamesUnknownOpcodes) {
  {
    const std::vector<uint8_t> bytes = At3({0x41, 0x01, 0x24, 0x00, 0x0b});  // global.set
    ByteCursor c(bytes, kAt, bytes.size());
    Instruction in;
    EXPECT_EQ(SkipConstExpr(c, in), Finding::kNothing);
    ASSERT_TRUE(c.failed());
    EXPECT_STREQ(c.failure(), "instruction not allowed in a constant expression");
  }
  {
    const std::vector<uint8_t> bytes = At3({0x41, 0x01, 0xfc, 0x13, 0x0b});
    ByteCursor c(bytes, kAt, bytes.size());
    Instruction in;
    EXPECT_EQ(SkipConstExpr(c, in), Finding::kUnknownOpcode);
    EXPECT_TRUE(c.failed());
    EXPECT_EQ(in.offset, kAt + 2);
    EXPECT_EQ(OpcodeText(in), "0xfc 19");
  }
  {
    const std::vector<uint8_t> bytes = At3({0x41, 0x01});  // no end
    ByteCursor c(bytes, kAt, bytes.size());
    Instruction in;
    EXPECT_EQ(SkipConstExpr(c, in), Finding::kNothing);
    EXPECT_TRUE(c.failed());
  }
}

}  // namespace
}  // namespace wcloud::wasm
