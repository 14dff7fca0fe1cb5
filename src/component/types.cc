#include "component/types.h"

#include <array>
#include <cassert>

namespace wcloud::component {

TypeRef PrimitiveType(TypeKind kind) {
  // Immutable after first use; shared so primitive uses never allocate.
  static const std::array<TypeRef, 13> kPrimitives = [] {
    std::array<TypeRef, 13> types;
    for (size_t i = 0; i < types.size(); ++i) {
      auto type = std::make_shared<ValType>();
      type->kind = static_cast<TypeKind>(i);
      types[i] = std::move(type);
    }
    return types;
  }();
  static const TypeRef kErrorContext = [] {
    auto type = std::make_shared<ValType>();
    type->kind = TypeKind::kErrorContext;
    return TypeRef(std::move(type));
  }();
  if (kind == TypeKind::kErrorContext) return kErrorContext;
  auto index = static_cast<size_t>(kind);
  assert(index < kPrimitives.size() && "PrimitiveType of a compound kind");
  return kPrimitives[index];
}

const char* PrimitiveName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kS8:
      return "s8";
    case TypeKind::kU8:
      return "u8";
    case TypeKind::kS16:
      return "s16";
    case TypeKind::kU16:
      return "u16";
    case TypeKind::kS32:
      return "s32";
    case TypeKind::kU32:
      return "u32";
    case TypeKind::kS64:
      return "s64";
    case TypeKind::kU64:
      return "u64";
    case TypeKind::kF32:
      return "f32";
    case TypeKind::kF64:
      return "f64";
    case TypeKind::kChar:
      return "char";
    case TypeKind::kString:
      return "string";
    case TypeKind::kErrorContext:
      return "error-context";
    default:
      return nullptr;
  }
}

}  // namespace wcloud::component
