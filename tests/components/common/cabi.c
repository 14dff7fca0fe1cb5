// The allocator of the hand-written guests: power-of-two size classes with free lists, so a host
// that calls in a loop keeps the guest's memory bounded. Each block has an 8-byte header.
#include "cabi.h"

// clang lowers struct copies and zeroing to these calls; without a libc they live here.
void* memcpy(void* dst, const void* src, size_t n) {
  uint8_t* d = dst;
  const uint8_t* s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void* memset(void* dst, int c, size_t n) {
  uint8_t* d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

enum { kMinClass = 4, kClasses = 32, kLive = 0x4c495645, kFree = 0x46524545 };

typedef struct Header {
  uint32_t size_class;
  uint32_t state;  // kLive or kFree
} Header;

extern uint8_t __heap_base;
static uint8_t* heap_start;
static uint8_t* heap_top;
static Header* free_lists[kClasses];

_Noreturn void CabiTrap(void) { __builtin_trap(); }

static uint32_t ClassFor(uint32_t size) {
  uint32_t k = kMinClass;
  while (k < kClasses - 1 && ((uint32_t)1 << k) < size) k++;
  if (((uint32_t)1 << k) < size) CabiTrap();
  return k;
}

void* CabiAlloc(uint32_t size) {
  uint32_t k = ClassFor(size);
  Header* h = free_lists[k];
  if (h) {
    free_lists[k] = *(Header**)(h + 1);
  } else {
    if (!heap_start) {
      heap_start = (uint8_t*)(((uintptr_t)&__heap_base + 7) & ~(uintptr_t)7);
      heap_top = heap_start;
    }
    uintptr_t end = (uintptr_t)heap_top + sizeof(Header) + ((uintptr_t)1 << k);
    uintptr_t have = __builtin_wasm_memory_size(0) * 65536;
    if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) {
      CabiTrap();
    }
    h = (Header*)heap_top;
    heap_top = (uint8_t*)end;
    h->size_class = k;
  }
  h->state = kLive;
  return h + 1;
}

void CabiFree(void* p) {
  uint8_t* b = p;
  if (!heap_start || b < heap_start + sizeof(Header) || b >= heap_top || ((uintptr_t)b & 7)) return;
  Header* h = (Header*)b - 1;
  if (h->state != kLive) return;
  h->state = kFree;
  *(Header**)p = free_lists[h->size_class];
  free_lists[h->size_class] = h;
}

// The canonical ABI's allocation entry point: (old, old_size, align, new_size) -> ptr.
EXPORT("cabi_realloc")
void* cabi_realloc(void* old, uint32_t old_size, uint32_t align, uint32_t new_size) {
  if (align > 8) CabiTrap();
  if (old) {
    Header* h = (Header*)old - 1;
    if (new_size <= ((uint32_t)1 << h->size_class)) return old;
  }
  void* p = CabiAlloc(new_size);
  if (old) {
    memcpy(p, old, old_size < new_size ? old_size : new_size);
    CabiFree(old);
  }
  return p;
}
