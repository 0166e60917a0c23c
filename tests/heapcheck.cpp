// heapcheck.cpp - a test seam: says on stderr whenever a child allocates with operator new.
//
// The Makefile links primeproc's own objects with this file into a test-only program,
// build/tests/primeproc-heapcheck. The file replaces the global operator new and delete (a C++
// program may: they are "replaceable"), and a pthread_atfork handler marks the child side of
// every fork. From then on each operator new in that process writes one line to stderr before
// it allocates, so tests/test_forking.cpp can show that a child formats and prints its verdict
// without the heap. (A direct call of malloc is not counted, nor the C++ runtime's own buffer for
// an exception being thrown: the program's code allocates only through operator new.)
#include <pthread.h>
#include <unistd.h>

#include <cstdlib>
#include <new>

namespace {

bool g_in_child = false;

void mark_child() { g_in_child = true; }

// Before main: every fork from then on runs mark_child in the child.
[[maybe_unused]] const bool g_registered = [] {
    if (pthread_atfork(nullptr, nullptr, mark_child) != 0) std::abort();
    return true;
}();

void* allocate(std::size_t size) {
    if (g_in_child) {
        static const char note[] = "heapcheck: operator new in a child after fork\n";
        // Best effort: the test looks for the line; nothing to do if it cannot be written.
        [[maybe_unused]] const ssize_t n = write(STDERR_FILENO, note, sizeof note - 1);
    }
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
