// What every hand-written canonical ABI guest here shares: export/import attributes, the
// (ptr, len) layout of strings and lists, and the allocator behind cabi_realloc.
#ifndef WCLOUD_TEST_COMPONENTS_CABI_H_
#define WCLOUD_TEST_COMPONENTS_CABI_H_

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

// string and list<T> in memory and in the return area: (ptr, len), alignment 4.
typedef struct Str {
  uint8_t* ptr;
  uint32_t len;
} Str;

// Aligned to 8 (the largest canonical ABI alignment); traps when memory cannot grow.
void* CabiAlloc(uint32_t size);
// Ignores pointers CabiAlloc did not hand out (hosts may pass any non-null pointer for an empty
// string or list) and pointers already freed.
void CabiFree(void* p);
_Noreturn void CabiTrap(void);

void* memcpy(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);

#endif  // WCLOUD_TEST_COMPONENTS_CABI_H_
