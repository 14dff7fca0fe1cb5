// FairQueue without workers: turns across workloads, shares with a worker held back, a
// component's maxConcurrency, the bounded queue, removal while jobs wait.
#include "host/fair_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wcloud::host {
namespace {

using Queue = FairQueue<std::string>;

Admission Push(Queue& q, uint64_t gate, std::string job) { return q.Push(gate, job); }

// Pops until nothing may start; the jobs in order, their tickets kept in `running`.
std::vector<std::string> PopAll(Queue& q, std::vector<Queue::Ticket>& running) {
  std::vector<std::string> jobs;
  while (auto started = q.Pop()) {
    jobs.push_back(started->job);
    running.push_back(started->ticket);
  }
  return jobs;
}

TEST(FairQueueTest, OneWorkloadMayUseEveryWorker) {
  Queue q({.slots = 3});
  q.AddGate(1, "a", 0);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Push(q, 1, "a" + std::to_string(i)), Admission::kQueued);
  std::vector<Queue::Ticket> running;
  EXPECT_EQ(PopAll(q, running), (std::vector<std::string>{"a0", "a1", "a2"}));
  q.Done(running[0]);
  EXPECT_EQ(q.Pop()->job, "a3");
}

TEST(FairQueueTest, ABusyWorkloadLeavesAWorkerForTheOthers) {
  Queue q({.slots = 3});
  q.AddGate(1, "spin", 0);
  q.AddGate(2, "hello", 0);
  for (int i = 0; i < 10; ++i) Push(q, 1, "spin" + std::to_string(i));
  std::vector<Queue::Ticket> running;
  // Alone busy: every worker but one.
  EXPECT_EQ(PopAll(q, running), (std::vector<std::string>{"spin0", "spin1"}));
  // The other workload gets the one held back, ahead of the spinner's eight waiting.
  Push(q, 2, "hello0");
  EXPECT_EQ(q.Pop()->job, "hello0");
  EXPECT_FALSE(q.Pop());
}

TEST(FairQueueTest, BusyWorkloadsSplitTheWorkersAndTakeTurns) {
  Queue q({.slots = 5});
  q.AddGate(1, "a", 0);
  q.AddGate(2, "b", 0);
  q.AddGate(3, "c", 0);
  for (int i = 0; i < 4; ++i) {
    Push(q, 1, "a" + std::to_string(i));
    Push(q, 2, "b" + std::to_string(i));
  }
  std::vector<Queue::Ticket> running;
  // Two busy of three: (5 - 1) / 2 each, in turns; one worker stays free for c.
  EXPECT_EQ(PopAll(q, running), (std::vector<std::string>{"a0", "b0", "a1", "b1"}));
  Push(q, 3, "c0");
  EXPECT_EQ(q.Pop()->job, "c0");
  // c's arrival stopped none of a's; a starts no more until it is below its new share of 1.
  q.Done(running[0]);
  EXPECT_FALSE(q.Pop()) << "three busy: (5 - 1) / 3 = 1 each, and a still runs one";
  q.Done(running[2]);
  EXPECT_EQ(q.Pop()->job, "a2");
}

TEST(FairQueueTest, TurnsGoRoundRobinNotFirstComeFirstServed) {
  Queue q({.slots = 1});
  q.AddGate(1, "a", 0);
  q.AddGate(2, "b", 0);
  q.AddGate(3, "b", 0);  // a second component of b: b's two share b's turns
  for (int i = 0; i < 3; ++i) Push(q, 1, "a" + std::to_string(i));
  Push(q, 2, "b-x0");
  Push(q, 2, "b-x1");
  Push(q, 3, "b-y0");
  std::vector<std::string> order;
  while (auto started = q.Pop()) {
    order.push_back(started->job);
    q.Done(started->ticket);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a0", "b-x0", "a1", "b-y0", "a2", "b-x1"}));
}

TEST(FairQueueTest, MaxConcurrencyHoldsAComponentButNotItsNeighbours) {
  Queue q({.slots = 4});
  q.AddGate(1, "w", 1);  // maxConcurrency 1
  q.AddGate(2, "w", 0);
  Push(q, 1, "limited0");
  Push(q, 1, "limited1");
  Push(q, 2, "free0");
  Push(q, 2, "free1");
  std::vector<Queue::Ticket> running;
  EXPECT_EQ(PopAll(q, running), (std::vector<std::string>{"limited0", "free0", "free1"}));
  q.Done(running[1]);
  EXPECT_FALSE(q.Pop()) << "limited1 must wait for limited0";
  q.Done(running[0]);
  EXPECT_EQ(q.Pop()->job, "limited1");
}

TEST(FairQueueTest, AFullQueueRefusesOnlyItsOwnWorkload) {
  Queue q({.slots = 2, .max_queued = 2});
  q.AddGate(1, "a", 0);
  q.AddGate(2, "b", 0);
  EXPECT_EQ(Push(q, 1, "a0"), Admission::kQueued);
  EXPECT_EQ(Push(q, 1, "a1"), Admission::kQueued);
  std::string refused = "a2";
  EXPECT_EQ(q.Push(1, refused), Admission::kQueueFull);
  EXPECT_EQ(refused, "a2") << "a refused job stays with the caller, to answer it";
  EXPECT_EQ(Push(q, 2, "b0"), Admission::kQueued);
  // Started jobs no longer count as waiting.
  EXPECT_EQ(q.Pop()->job, "a0");
  EXPECT_EQ(Push(q, 1, "a2"), Admission::kQueued);
}

TEST(FairQueueTest, ARemovedGateRefusesNewJobsAndFinishesWaitingOnes) {
  Queue q({.slots = 2});
  q.AddGate(1, "a", 0);
  q.AddGate(2, "b", 0);
  Push(q, 1, "a0");
  Push(q, 1, "a1");
  EXPECT_EQ(Push(q, 9, "nobody"), Admission::kUnknownGate);
  q.RemoveGate(1);
  EXPECT_EQ(Push(q, 1, "a2"), Admission::kUnknownGate);
  EXPECT_EQ(q.flows(), 2u) << "a's jobs still wait";
  auto first = q.Pop();
  ASSERT_TRUE(first);
  q.Done(first->ticket);
  auto second = q.Pop();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->job, "a1");
  q.Done(second->ticket);
  EXPECT_EQ(q.flows(), 1u) << "a went with its last job";
  // b alone now: every worker.
  EXPECT_EQ(q.Share(), 2u);
}

}  // namespace
}  // namespace wcloud::host
