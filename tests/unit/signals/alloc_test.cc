// The classify hot path must not allocate once its thread's scratch is warm.
// Counts global operator new calls while a thread_local flag is set.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "signals/text_classifier.h"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace sr::signals {
namespace {

TEST(AllocTest, ClassifyDoesNotAllocateWhenWarm) {
  for (const char* task : {"domain", "jailbreak"}) {
    auto clf = load_text_classifier(task, "", {});
    ASSERT_TRUE(clf.has_value()) << clf.error().message;
    std::string big;
    while (big.size() < 100000) big += "Explain how the immune system fights a virus, step by step. ";
    const std::string texts[] = {"short prompt", big, "Ünïcödé ｆｕｌｌｗｉｄｔｈ text \xFF with a bad byte"};
    for (const auto& t : texts) (*clf)->classify(t);  // warm the thread's scratch
    g_allocations = 0;
    g_counting = true;
    for (int i = 0; i < 10; ++i) {
      for (const auto& t : texts) (*clf)->classify(t);
    }
    g_counting = false;
    EXPECT_EQ(g_allocations, 0) << task;
  }
}

}  // namespace
}  // namespace sr::signals
