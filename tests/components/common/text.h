// Text helpers the C guests share: a growing output buffer of CabiAlloc'd bytes, and the few
// string functions a freestanding guest needs. Header-only (static inline): each guest takes what
// it uses.
#ifndef WCLOUD_TESTS_COMPONENTS_COMMON_TEXT_H_
#define WCLOUD_TESTS_COMPONENTS_COMMON_TEXT_H_

#include "cabi.h"

typedef struct Buf {
  uint8_t* ptr;
  uint32_t len;
  uint32_t cap;
} Buf;

static inline void Append(Buf* b, const uint8_t* data, uint32_t n) {
  if (b->len + n > b->cap) {
    uint32_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n) cap *= 2;
    uint8_t* p = CabiAlloc(cap);
    if (b->len) memcpy(p, b->ptr, b->len);
    CabiFree(b->ptr);
    b->ptr = p;
    b->cap = cap;
  }
  if (n) memcpy(b->ptr + b->len, data, n);
  b->len += n;
}

static inline uint32_t Length(const char* s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

static inline void AppendText(Buf* b, const char* s) { Append(b, (const uint8_t*)s, Length(s)); }
static inline void AppendStr(Buf* b, Str s) { Append(b, s.ptr, s.len); }

static inline void AppendU64(Buf* b, uint64_t v) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) Append(b, (const uint8_t*)&digits[--n], 1);
}

static inline int Equals(Str s, const char* text) {
  uint32_t n = Length(text);
  if (s.len != n) return 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s.ptr[i] != (uint8_t)text[i]) return 0;
  }
  return 1;
}

// Decimal u64; 0 on success.
static inline int ParseU64(Str s, uint64_t* out) {
  if (s.len == 0 || s.len > 20) return 1;
  uint64_t v = 0;
  for (uint32_t i = 0; i < s.len; i++) {
    if (s.ptr[i] < '0' || s.ptr[i] > '9') return 1;
    v = v * 10 + (s.ptr[i] - '0');
  }
  *out = v;
  return 0;
}

// `s` split at '\n' into a fresh array of views into `s` (no copies); *count pieces.
static inline Str* Split(Str s, uint32_t* count) {
  uint32_t n = 1;
  for (uint32_t i = 0; i < s.len; i++) n += s.ptr[i] == '\n';
  Str* parts = CabiAlloc(n * sizeof(Str));
  uint32_t k = 0, start = 0;
  for (uint32_t i = 0; i <= s.len; i++) {
    if (i == s.len || s.ptr[i] == '\n') {
      parts[k++] = (Str){s.ptr + start, i - start};
      start = i + 1;
    }
  }
  *count = n;
  return parts;
}

#endif  // WCLOUD_TESTS_COMPONENTS_COMMON_TEXT_H_
