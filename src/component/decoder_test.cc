#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>

#include "component/component.h"
#include "component/decoder_test_bytes.h"

namespace wcloud::component {
namespace {

using test_bytes::Bytes;
using test_bytes::Cat;
using test_bytes::ComponentBytes;
using test_bytes::Leb;
using test_bytes::Name;
using test_bytes::Section;

Result<std::shared_ptr<const Component>> Decode(const Bytes& bytes) {
  return DecodeComponent(std::make_shared<const std::vector<uint8_t>>(bytes));
}

std::string DecodeError(const Bytes& bytes) {
  auto result = Decode(bytes);
  if (result) return "(decoded)";
  return result.error().message();
}

// A core module with one exported function `f: [i32] -> [i32]` and a memory `mem`.
Bytes CoreModule() {
  return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,  // header
          0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f,  // type section
          0x03, 0x02, 0x01, 0x00,                          // function section
          0x05, 0x03, 0x01, 0x00, 0x01,                    // memory section
          0x07, 0x0d, 0x02, 0x01, 'f',  0x00, 0x00, 0x03, 'm', 'e', 'm', 0x02, 0x00,  // exports
          0x0a, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0b};                            // code
}

// (type (func (param "x" u32) (result string)))
Bytes FuncTypeU32ToString() { return Cat({{0x40, 0x01}, Name("x"), {0x79, 0x00, 0x73}}); }

TEST(DecoderTest, EmptyComponent) {
  auto c = Decode(ComponentBytes({}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE((*c)->definitions.empty());
  EXPECT_EQ((*c)->offset, 0u);
}

TEST(DecoderTest, RejectsWhatIsNotAComponent) {
  EXPECT_EQ(DecodeError({}), "offset 0: too short for a component preamble");
  EXPECT_EQ(DecodeError({'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}),
            "offset 0: not a WebAssembly binary (bad magic)");
  EXPECT_EQ(DecodeError(CoreModule()),
            "offset 0: this is a core WebAssembly module, not a component");
  EXPECT_EQ(DecodeError({0x00, 0x61, 0x73, 0x6d, 0x0c, 0x00, 0x01, 0x00}),
            "offset 4: unsupported component binary version 12 (expected 13)");
  EXPECT_EQ(DecodeError({0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x02, 0x00}),
            "offset 6: unknown binary layer");
}

TEST(DecoderTest, SkipsCustomSections) {
  auto c = Decode(ComponentBytes({Section(0, Cat({Name("producers"), {1, 2, 3}}))}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE((*c)->definitions.empty());
}

TEST(DecoderTest, SectionBounds) {
  Bytes bytes = ComponentBytes({});
  bytes.insert(bytes.end(), {0x07, 0x10, 0x00});
  EXPECT_EQ(DecodeError(bytes), "offset 8: section 7 size 16 exceeds the 1 bytes left");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, {0x00, 0xff})})),
            "offset 11: section 7 has trailing bytes");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(13, {})})), "offset 8: unknown section id 13");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(12, {0x00})})),
            "offset 10: value definitions (section 12) are not supported");
}

TEST(DecoderTest, HugeCountsFailBeforeAllocating) {
  // A type section claiming 2^32-1 entries in 5 bytes.
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, {0xff, 0xff, 0xff, 0xff, 0x0f})})),
            "offset 10: type count 4294967295 exceeds the 0 bytes left");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(10, {0x80, 0x80, 0x80, 0x80, 0x10})})),
            "offset 10: integer too large for u32");
  // A record with a billion fields.
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, {0x01, 0x72, 0x80, 0x94, 0xeb, 0xdc, 0x03})})),
            "offset 12: record field count 1000000000 exceeds the 0 bytes left");
}

TEST(DecoderTest, ValueTypes) {
  Bytes types = Cat({
      {0x0c},                                                       // 12 types
      {0x79},                                                       // 0: u32 (a named-able copy)
      Cat({{0x72, 0x02}, Name("a"), {0x00}, Name("b-c"), {0x73}}),  // 1: record {a: u32, b-c}
      Cat({{0x71, 0x02}, Name("none"), {0x00, 0x00}, Name("some"), {0x01, 0x01, 0x00}}),  // 2
      {0x70, 0x7d},                               // 3: list<u8>
      {0x6f, 0x02, 0x7d, 0x03},                   // 4: tuple<u8, list<u8>>
      Cat({{0x6e, 0x02}, Name("r"), Name("w")}),  // 5: flags
      Cat({{0x6d, 0x01}, Name("one")}),           // 6: enum
      {0x6b, 0x01},                               // 7: option<record>
      {0x6a, 0x01, 0x79, 0x00},                   // 8: result<u32>
      {0x3f, 0x7f, 0x00},                         // 9: resource (rep i32)
      {0x69, 0x09},                               // 10: own<9>
      {0x68, 0x09},                               // 11: borrow<9>
  });
  auto c = Decode(ComponentBytes({Section(7, types)}));
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ((*c)->definitions.size(), 12u);
  auto def = [&](size_t i) { return std::get<TypeDefRef>((*c)->definitions[i]); };
  EXPECT_EQ(def(0)->value->kind, TypeKind::kU32);
  EXPECT_NE(def(0)->value, PrimitiveType(TypeKind::kU32)) << "a defined type has its own identity";
  ASSERT_EQ(def(1)->value->fields.size(), 2u);
  EXPECT_EQ(def(1)->value->fields[0].type, def(0)->value);
  EXPECT_EQ(def(1)->value->fields[1].name, "b-c");
  EXPECT_EQ(def(1)->value->fields[1].type, PrimitiveType(TypeKind::kString));
  ASSERT_EQ(def(2)->value->cases.size(), 2u);
  EXPECT_EQ(def(2)->value->cases[0].type, nullptr);
  EXPECT_EQ(def(2)->value->cases[1].type, def(1)->value);
  EXPECT_EQ(def(3)->value->element, PrimitiveType(TypeKind::kU8));
  EXPECT_EQ(def(4)->value->elements[1], def(3)->value);
  EXPECT_EQ(def(5)->value->labels, (std::vector<std::string>{"r", "w"}));
  EXPECT_EQ(def(6)->value->kind, TypeKind::kEnum);
  EXPECT_EQ(def(7)->value->element, def(1)->value);
  EXPECT_EQ(def(8)->value->ok, PrimitiveType(TypeKind::kU32));
  EXPECT_EQ(def(8)->value->err, nullptr);
  EXPECT_EQ(def(9)->kind, TypeDef::Kind::kResource);
  EXPECT_FALSE(def(9)->resource->is_abstract);
  EXPECT_EQ(def(10)->value->kind, TypeKind::kOwn);
  EXPECT_EQ(def(10)->value->resource, def(9)->resource);
  EXPECT_EQ(def(11)->value->resource, def(9)->resource);
}

TEST(DecoderTest, MalformedValueTypes) {
  auto error = [](Bytes type) {
    return DecodeError(ComponentBytes({Section(7, Cat({{0x01}, type}))}));
  };
  EXPECT_EQ(error({0x72, 0x00}), "offset 11: record has no fields");
  EXPECT_EQ(error(Cat({{0x72, 0x02}, Name("a"), {0x79}, Name("A"), {0x79}})),
            "offset 16: duplicate field name \"A\"");
  EXPECT_EQ(error({0x70, 0x05}), "offset 12: type index 5 out of bounds (0 defined)");
  EXPECT_EQ(error({0x69, 0x7f}), "offset 12: type index 127 out of bounds (0 defined)");
  EXPECT_EQ(error({0x69, 0x00}), "offset 12: type index 0 out of bounds (0 defined)");
  EXPECT_EQ(error({0x66, 0x00}), "offset 11: stream types (async) are not supported");
  EXPECT_EQ(error({0x55}), "offset 11: unknown type form 0x55");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, {0x02, 0x79, 0x69, 0x00})})),
            "offset 13: own of type 0, which is not a resource");
}

TEST(DecoderTest, FuncTypesInBothResultEncodings) {
  Bytes types = Cat({{0x03},
                     FuncTypeU32ToString(),
                     Cat({{0x40, 0x00, 0x01, 0x02}, Name("a"), {0x79}, Name("b"), {0x73}}),
                     {0x40, 0x00, 0x01, 0x00}});
  auto c = Decode(ComponentBytes({Section(7, types)}));
  ASSERT_TRUE(c) << c.error().message();
  auto f0 = std::get<TypeDefRef>((*c)->definitions[0])->func;
  ASSERT_EQ(f0->params.size(), 1u);
  EXPECT_EQ(f0->params[0].name, "x");
  ASSERT_EQ(f0->results.size(), 1u);
  EXPECT_EQ(f0->results[0].name, "");
  auto f1 = std::get<TypeDefRef>((*c)->definitions[1])->func;
  ASSERT_EQ(f1->results.size(), 2u);
  EXPECT_EQ(f1->results[1].name, "b");
  EXPECT_TRUE(std::get<TypeDefRef>((*c)->definitions[2])->func->results.empty());
  // A borrow in a result is invalid.
  Bytes bad = Cat({{0x03}, {0x3f, 0x7f, 0x00}, {0x68, 0x00}, {0x40, 0x00, 0x00, 0x01}});
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, bad)})),
            "offset 18: function results may not contain borrow");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(7, {0x01, 0x43, 0x00, 0x01, 0x00})})),
            "offset 11: async function types are not supported");
}

// The shape jco emits for an imported WASI interface: an instance type with its own type
// space, an outer alias into the enclosing component, and a fresh abstract resource.
Bytes StreamsInstanceType() {
  return Cat({{0x42, 0x05},
              {0x02, 0x03, 0x02, 0x01, 0x00},                            // alias outer 1 0 (type)
              Cat({{0x04, 0x00}, Name("error"), {0x03, 0x00, 0x00}}),    // export (type (eq 0))
              Cat({{0x04, 0x00}, Name("output-stream"), {0x03, 0x01}}),  // (sub resource)
              {0x01, 0x68, 0x02},                                        // type (borrow 2)
              Cat({{0x04, 0x00}, Name("[method]output-stream.flush"), {0x01, 0x00}})});
}

TEST(DecoderTest, InstanceTypesHaveTheirOwnIndexSpaces) {
  // The last export names func type 0 of the *instance* type space, which is the outer alias:
  // not a func type.
  Bytes bytes = ComponentBytes({Section(7, Cat({{0x02}, {0x70, 0x73}, StreamsInstanceType()}))});
  EXPECT_EQ(DecodeError(bytes), "offset 83: type index 0 is not a func type");

  Bytes instance = Cat({{0x42, 0x06},
                        {0x02, 0x03, 0x02, 0x01, 0x00},
                        Cat({{0x04, 0x00}, Name("error"), {0x03, 0x00, 0x00}}),
                        Cat({{0x04, 0x00}, Name("output-stream"), {0x03, 0x01}}),
                        {0x01, 0x68, 0x02},
                        Cat({{0x01, 0x40, 0x01}, Name("self"), {0x03, 0x01, 0x00}}),
                        Cat({{0x04, 0x00}, Name("[method]output-stream.flush"), {0x01, 0x04}})});
  auto c = Decode(ComponentBytes({
      Section(7, Cat({{0x02}, {0x70, 0x73}, instance})),
      Section(10, Cat({{0x01, 0x00}, Name("wasi:io/streams@0.2.12"), {0x05, 0x01}})),
      Section(6, Cat({{0x01, 0x03, 0x00, 0x00}, Name("output-stream")})),
  }));
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ((*c)->imports.size(), 1u);
  const auto& import = (*c)->imports[0];
  EXPECT_EQ(import.name, "wasi:io/streams@0.2.12");
  ASSERT_EQ(import.type.kind, ExternKind::kInstance);
  const auto& exports = import.type.instance->exports;
  ASSERT_EQ(exports.size(), 3u);
  auto list = std::get<TypeDefRef>((*c)->definitions[0]);
  EXPECT_EQ(exports[0].type.type, list) << "(eq 0) keeps the outer type's identity";
  const auto& stream = exports[1].type.type;
  ASSERT_EQ(stream->kind, TypeDef::Kind::kResource);
  EXPECT_TRUE(stream->resource->is_abstract);
  EXPECT_EQ(stream->resource->name, "output-stream");
  EXPECT_EQ(exports[2].type.func->params[0].type->resource, stream->resource);
  // The alias of the export is the very same type.
  auto alias = std::get<AliasDef>((*c)->definitions[3]);
  EXPECT_EQ(std::get<AliasInstanceExport>(alias).name, "output-stream");
}

TEST(DecoderTest, AliasErrors) {
  Bytes import = Section(10, Cat({{0x01, 0x00}, Name("i"), {0x05, 0x00}}));
  Bytes empty_instance_type = Section(7, {0x01, 0x42, 0x00});
  EXPECT_EQ(DecodeError(ComponentBytes({empty_instance_type, import,
                                        Section(6, Cat({{0x01, 0x01, 0x00, 0x00}, Name("f")}))})),
            "offset 24: instance 0 has no export \"f\"");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(6, {0x01, 0x03, 0x02, 0x01, 0x00})})),
            "offset 11: outer alias count 1 exceeds the enclosing scopes");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(6, {0x01, 0x01, 0x02, 0x00, 0x00})})),
            "offset 11: outer alias of a func (only types, core types, core modules and "
            "components)");
  EXPECT_EQ(
      DecodeError(ComponentBytes({Section(6, Cat({{0x01, 0x00, 0x00, 0x01, 0x00}, Name("f")}))})),
      "offset 14: core instance index 0 out of bounds (0 defined)");
}

TEST(DecoderTest, CoreModulesInstancesAndCanon) {
  Bytes module = CoreModule();
  auto c = Decode(ComponentBytes({
      Section(1, module),
      Section(2, {0x01, 0x00, 0x00, 0x00}),  // (core instance (instantiate 0))
      Section(6, Cat({{0x02},
                      Cat({{0x00, 0x00, 0x01, 0x00}, Name("f")}),  // alias core export func
                      Cat({{0x00, 0x02, 0x01, 0x00}, Name("mem")})})),
      Section(7, Cat({{0x01}, FuncTypeU32ToString()})),
      Section(8, {0x02,                                            // two canons
                  0x00, 0x00, 0x00, 0x02, 0x03, 0x00, 0x00, 0x00,  // lift f (memory 0) utf8
                  0x01, 0x00, 0x00, 0x00}),                        // lower func 0
      Section(11, Cat({{0x01, 0x00}, Name("run"), {0x01, 0x00, 0x00}})),
  }));
  ASSERT_TRUE(c) << c.error().message();
  const Component& comp = **c;
  auto core = std::get<CoreModuleDef>(comp.definitions[0]);
  EXPECT_EQ(core.offset, 10u);
  EXPECT_EQ(core.bytes.size(), module.size());
  EXPECT_EQ(core.bytes.data(), comp.bytes->data() + 10);
  auto lift = std::get<CanonLift>(std::get<CanonDef>(comp.definitions[5]));
  EXPECT_EQ(lift.options.memory, std::optional<uint32_t>(0));
  EXPECT_EQ(lift.func_type->params[0].name, "x");
  ASSERT_EQ(comp.exports.size(), 1u);
  EXPECT_EQ(comp.exports[0].name, "run");
  EXPECT_EQ(comp.exports[0].type.func, lift.func_type);
}

TEST(DecoderTest, CanonErrors) {
  Bytes setup = Cat({Section(1, CoreModule()), Section(2, {0x01, 0x00, 0x00, 0x00}),
                     Section(6, Cat({{0x01, 0x00, 0x00, 0x01, 0x00}, Name("f")})),
                     Section(7, {0x02, 0x79, 0x3f, 0x7f, 0x00})});
  auto with = [&](Bytes canon) {
    Bytes bytes = ComponentBytes({setup, Section(8, Cat({{0x01}, canon}))});
    return DecodeError(bytes);
  };
  size_t at = 8 + setup.size() + 3;
  auto offset = [&](size_t delta) { return "offset " + std::to_string(at + delta) + ": "; };
  EXPECT_EQ(with({0x00, 0x00, 0x00, 0x00, 0x00}),
            offset(4) + "canon lift type 0 is not a func type");
  EXPECT_EQ(with({0x00, 0x00, 0x07, 0x00, 0x00}),
            offset(2) + "core func index 7 out of bounds (1 defined)");
  EXPECT_EQ(with({0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00}),
            offset(5) + "duplicate or conflicting string-encoding option");
  EXPECT_EQ(with({0x00, 0x00, 0x00, 0x01, 0x06, 0x00}),
            offset(4) + "canon option async is not supported");
  EXPECT_EQ(with({0x02, 0x00}), offset(1) + "type index 0 is not a resource type");
  EXPECT_EQ(with({0x08}),
            offset(0) + "canon 0x08 (an async, thread or error-context built-in) is not supported");
  EXPECT_EQ(with({0x01, 0x00, 0x00, 0x00}), offset(2) + "func index 0 out of bounds (0 defined)");
  // resource.new of an imported (abstract) resource.
  Bytes imported = ComponentBytes(
      {Section(10, Cat({{0x01, 0x00}, Name("r"), {0x03, 0x01}})), Section(8, {0x01, 0x02, 0x00})});
  EXPECT_EQ(DecodeError(imported), "offset 20: resource type 0 is not defined by this component");
  // resource.drop of it is fine.
  imported.back() = 0x00;
  imported[imported.size() - 2] = 0x03;
  EXPECT_TRUE(Decode(imported));
}

TEST(DecoderTest, ImportAndExportNames) {
  Bytes types = Section(7, Cat({{0x01}, FuncTypeU32ToString()}));
  auto import = [](std::string_view name, uint8_t form = 0x00) {
    return Cat({{form}, Name(name), {0x01, 0x00}});
  };
  auto c = Decode(ComponentBytes(
      {types,
       Section(10,
               Cat({{0x02},
                    import("foo"),
                    Cat({{0x01}, Name("wasi:cli/run@0.2.3"), Name("0.2.3"), {0x01, 0x00}})}))}));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ((*c)->imports[1].name, "wasi:cli/run@0.2.3");
  EXPECT_EQ(DecodeError(
                ComponentBytes({types, Section(10, Cat({{0x02}, import("foo"), import("FOO")}))})),
            "offset 28: duplicate import \"FOO\"");
  EXPECT_EQ(DecodeError(ComponentBytes({types, Section(10, Cat({{0x01}, import("foo", 2)}))})),
            "offset 21: unknown name form 0x02");
  Bytes exports = Section(11, Cat({{0x02},
                                   Cat({{0x00}, Name("a"), {0x01, 0x00, 0x00}}),
                                   Cat({{0x00}, Name("a"), {0x01, 0x00, 0x00}})}));
  EXPECT_EQ(
      DecodeError(ComponentBytes({types, Section(10, Cat({{0x01}, import("foo")})), exports})),
      "offset 37: duplicate export \"a\"");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(10, Cat({{0x01}, import("foo")}))})),
            "offset 17: type index 0 out of bounds (0 defined)");
}

TEST(DecoderTest, ExportAscriptionMustMatch) {
  Bytes setup = Cat({Section(7, Cat({{0x02}, FuncTypeU32ToString(), {0x79}})),
                     Section(10, Cat({{0x01, 0x00}, Name("f"), {0x01, 0x00}}))});
  EXPECT_TRUE(Decode(ComponentBytes(
      {setup, Section(11, Cat({{0x01, 0x00}, Name("g"), {0x01, 0x00, 0x01, 0x01, 0x00}}))})));
  EXPECT_EQ(
      DecodeError(ComponentBytes(
          {setup, Section(11, Cat({{0x01, 0x00}, Name("g"), {0x01, 0x00, 0x01, 0x05, 0x00}}))})),
      "offset 37: type index 0 is not a instance type");
}

// A nested component that imports a resource and exports a function using it: instantiating it
// with a concrete resource substitutes that resource into the instance's export types.
TEST(DecoderTest, NestedComponentsAndResourceSubstitution) {
  Bytes inner = ComponentBytes({
      Section(10, Cat({{0x01, 0x00}, Name("r"), {0x03, 0x01}})),  // import "r" (sub resource)
      Section(7, Cat({{0x02}, {0x69, 0x00}, {0x40, 0x00, 0x00, 0x01}})),  // own 0; func -> own
      Section(10, Cat({{0x01, 0x00}, Name("make"), {0x01, 0x02}})),
      Section(11, Cat({{0x01, 0x00}, Name("make"), {0x01, 0x00, 0x00}})),
  });
  Bytes outer = ComponentBytes({
      Section(7, {0x03, 0x3f, 0x7f, 0x00, 0x69, 0x00, 0x40, 0x00, 0x00, 0x01}),
      Section(10, Cat({{0x01, 0x00}, Name("make"), {0x01, 0x02}})),
      Section(4, inner),
      Section(5,
              Cat({{0x01, 0x00, 0x00, 0x02}, Name("r"), {0x03, 0x00}, Name("make"), {0x01, 0x00}})),
      Section(6, Cat({{0x01, 0x01, 0x00, 0x00}, Name("make")})),
  });
  auto c = Decode(outer);
  ASSERT_TRUE(c) << c.error().message();
  const auto& defs = (*c)->definitions;
  auto resource = std::get<TypeDefRef>(defs[0])->resource;
  auto nested = std::get<std::shared_ptr<const Component>>(defs[4]);
  ASSERT_LT(nested->offset + 8, outer.size());
  EXPECT_EQ(outer[nested->offset + 4], 0x0d);
  EXPECT_EQ(nested->bytes, (*c)->bytes);
  ASSERT_EQ(nested->exports.size(), 1u);
  EXPECT_NE(nested->exports[0].type.func->results[0].type->resource, resource);
  EXPECT_TRUE(nested->exports[0].type.func->results[0].type->resource->is_abstract);
  // The alias (definition 6) added func 1, whose type went through the substitution; checked
  // through an export of it.
  Bytes exported = outer;
  Bytes export_section = Section(11, Cat({{0x01, 0x00}, Name("m"), {0x01, 0x01, 0x00}}));
  exported.insert(exported.end(), export_section.begin(), export_section.end());
  auto e = Decode(exported);
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_EQ((*e)->exports[0].type.func->results[0].type->resource,
            std::get<TypeDefRef>((*e)->definitions[0])->resource);

  // Leaving out an import is an error.
  Bytes missing = ComponentBytes({
      Section(7, {0x03, 0x3f, 0x7f, 0x00, 0x69, 0x00, 0x40, 0x00, 0x00, 0x01}),
      Section(4, inner),
      Section(5, Cat({{0x01, 0x00, 0x00, 0x01}, Name("r"), {0x03, 0x00}})),
  });
  EXPECT_NE(DecodeError(missing).find("misses import \"make\""), std::string::npos)
      << DecodeError(missing);
}

TEST(DecoderTest, OuterAliasFromNestedComponent) {
  Bytes inner = ComponentBytes({Section(6, {0x01, 0x03, 0x02, 0x01, 0x00}),
                                Section(10, Cat({{0x01, 0x00}, Name("f"), {0x01, 0x00}}))});
  auto c =
      Decode(ComponentBytes({Section(7, Cat({{0x01}, FuncTypeU32ToString()})), Section(4, inner)}));
  ASSERT_TRUE(c) << c.error().message();
  auto nested = std::get<std::shared_ptr<const Component>>((*c)->definitions[1]);
  EXPECT_EQ(nested->imports[0].type.func, std::get<TypeDefRef>((*c)->definitions[0])->func);
  // Defined resources are generative and cannot be aliased into a nested component.
  Bytes bad =
      ComponentBytes({Section(7, {0x01, 0x3f, 0x7f, 0x00}),
                      Section(4, ComponentBytes({Section(6, {0x01, 0x03, 0x02, 0x01, 0x00})}))});
  EXPECT_EQ(DecodeError(bad), "offset 27: outer alias of a defined resource type");
}

TEST(DecoderTest, CoreTypesAndModuleTypes) {
  Bytes core_types = Cat({{0x02},
                          {0x60, 0x01, 0x7f, 0x00},  // (func (param i32))
                          Cat({{0x50, 0x03},
                               {0x01, 0x60, 0x00, 0x00},
                               Cat({{0x00}, Name("env"), Name("f"), {0x00, 0x00}}),
                               Cat({{0x03}, Name("memory"), {0x02, 0x00, 0x01}})})});
  auto c = Decode(ComponentBytes(
      {Section(3, core_types), Section(10, Cat({{0x01, 0x00}, Name("m"), {0x00, 0x11, 0x01}}))}));
  ASSERT_TRUE(c) << c.error().message();
  auto module = std::get<CoreTypeDef>((*c)->definitions[1]).module;
  ASSERT_TRUE(module);
  ASSERT_EQ(module->imports.size(), 1u);
  EXPECT_EQ(module->imports[0].module, "env");
  EXPECT_EQ(module->exports[0].kind, 2);
  EXPECT_EQ((*c)->imports[0].type.core_module, module);
  EXPECT_EQ(DecodeError(
                ComponentBytes({Section(3, core_types),
                                Section(10, Cat({{0x01, 0x00}, Name("m"), {0x00, 0x11, 0x00}}))})),
            "offset 49: core type index 0 is not a module type");
  EXPECT_EQ(DecodeError(ComponentBytes({Section(3, {0x01, 0x5e, 0x00})})),
            "offset 11: unsupported core type form 0x5e (only func and module types)");
}

TEST(DecoderTest, StartSection) {
  Bytes setup = Cat({Section(7, Cat({{0x01}, FuncTypeU32ToString()})),
                     Section(10, Cat({{0x01, 0x00}, Name("f"), {0x01, 0x00}}))});
  EXPECT_EQ(DecodeError(ComponentBytes({setup, Section(9, {0x00, 0x00, 0x01})})),
            "offset 30: start arity does not match function 0");
  EXPECT_EQ(DecodeError(ComponentBytes({setup, Section(9, {0x01, 0x00, 0x00})})),
            "offset 28: func index 1 out of bounds (1 defined)");
}

TEST(DecoderTest, DeepNestingIsBounded) {
  Bytes bytes = ComponentBytes({});
  for (int i = 0; i < 200; ++i) bytes = ComponentBytes({Section(4, bytes)});
  EXPECT_NE(DecodeError(bytes).find("components nested too deeply"), std::string::npos);
  // option<option<...>> 150 deep.
  Bytes types = {0xd5, 0x01, 0x6b, 0x79};
  for (uint32_t i = 1; i < 213; ++i) {
    types.push_back(0x6b);
    Leb(types, i - 1);
  }
  EXPECT_NE(DecodeError(ComponentBytes({Section(7, types)})).find("type nested too deeply"),
            std::string::npos);
}

// A component with every section kind, truncated at every length: each prefix is an Error,
// never a crash.
TEST(DecoderTest, EveryTruncationIsAnError) {
  // In the instance type, outer type 0 is the func type, so the method export is valid.
  Bytes full = ComponentBytes({
      Section(0, Cat({Name("name"), {1, 2}})),
      Section(1, CoreModule()),
      Section(2, {0x01, 0x00, 0x00, 0x00}),
      Section(3, {0x01, 0x60, 0x01, 0x7f, 0x00}),
      Section(6, Cat({{0x02},
                      Cat({{0x00, 0x00, 0x01, 0x00}, Name("f")}),
                      Cat({{0x00, 0x02, 0x01, 0x00}, Name("mem")})})),
      Section(7, Cat({{0x02}, FuncTypeU32ToString(), StreamsInstanceType()})),
      Section(8, {0x01, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00}),
      Section(4, ComponentBytes({Section(6, {0x01, 0x03, 0x02, 0x01, 0x00})})),
      Section(11, Cat({{0x01, 0x00}, Name("run"), {0x01, 0x00, 0x00}})),
  });
  auto c = Decode(full);
  ASSERT_TRUE(c) << c.error().message();
  for (size_t n = 0; n < full.size(); ++n) {
    Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto r = Decode(prefix);
    // A prefix that ends exactly between sections is a valid smaller component.
    if (r) continue;
    EXPECT_EQ(r.error().message().rfind("offset ", 0), 0u) << r.error().message();
  }
}

}  // namespace
}  // namespace wcloud::component
