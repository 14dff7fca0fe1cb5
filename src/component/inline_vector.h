// A vector of trivially copyable elements whose first N live inline, so the canonical ABI's
// per-call buffers (core values, flattened types, lent handles) need no heap allocation in the
// common case and still hold any count.
#pragma once

#include <cassert>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace wcloud::component {

template <typename T, size_t N>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "elements are copied as plain values and never destroyed");

 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return spilled_ ? heap_.data() : inline_.items; }
  const T* data() const { return spilled_ ? heap_.data() : inline_.items; }
  // Pointers make this a contiguous range: std::span converts from it implicitly.
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) {
    assert(i < size_);
    return data()[i];
  }
  const T& operator[](size_t i) const {
    assert(i < size_);
    return data()[i];
  }

  void push_back(T v) {
    if (!spilled_ && size_ < N) {
      inline_.items[size_++] = v;
      return;
    }
    if (!spilled_) Spill();
    heap_.push_back(v);
    ++size_;
  }
  // New elements are value-initialized.
  void resize(size_t n) {
    if (!spilled_ && n > N) Spill();
    if (spilled_) {
      heap_.resize(n);
    } else {
      for (size_t i = size_; i < n; ++i) inline_.items[i] = T{};
    }
    size_ = n;
  }
  void clear() { resize(0); }

 private:
  void Spill() {
    heap_.assign(inline_.items, inline_.items + size_);
    spilled_ = true;
  }

  // Left uninitialized: a call's buffer is written before it is read, and zeroing all N slots
  // would cost more than the few it uses. Assigning to an element begins its lifetime.
  union Storage {
    Storage() {}
    T items[N];
  } inline_;
  std::vector<T> heap_;  // all elements once more than N were held
  size_t size_ = 0;
  bool spilled_ = false;
};

}  // namespace wcloud::component
