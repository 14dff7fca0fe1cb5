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

}  // namespace wcloud::component
