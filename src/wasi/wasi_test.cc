#include "wasi/wasi.h"

#include <gtest/gtest.h>

#include "wasi/exit.h"
#include "wasi/memory_streams.h"
#include "wasi/wasi_state.h"
#include "wasi/wasi_test_fixture.h"

namespace wcloud::wasi {
namespace {

constexpr char kStreams[] = "wasi:io/streams@0.2.0";
constexpr char kPoll[] = "wasi:io/poll@0.2.3";
constexpr uint64_t kMs = 1'000'000;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

class WasiTest : public WasiFixture {
 protected:
  void SetUp() override {
    WasiConfig config;
    config.args = {"app", "--flag"};
    config.env = {{"HOME", "/home/app"}, {"EMPTY", ""}};
    config.initial_cwd = "/";
    config.stdin_stream = std::make_shared<MemoryInputStream>(Bytes("typed input"));
    config.stdout_stream = stdout_;
    config.stderr_stream = stderr_;
    Attach(std::move(config));
  }

  Value Stdout() { return Call1("wasi:cli/stdout@0.2.12", "get-stdout"); }

  std::shared_ptr<MemoryOutputStream> stdout_ = std::make_shared<MemoryOutputStream>();
  std::shared_ptr<MemoryOutputStream> stderr_ = std::make_shared<MemoryOutputStream>();
};

TEST_F(WasiTest, EnvironmentArgumentsAndCwd) {
  // An importer of 0.2.0 finds the 0.2.12 definitions.
  Value env = Call1("wasi:cli/environment@0.2.0", "get-environment");
  ASSERT_EQ(env.items().size(), 2u);
  EXPECT_EQ(env.items()[0], Value::Aggregate({Value::String("HOME"), Value::String("/home/app")}));
  EXPECT_EQ(env.items()[1], Value::Aggregate({Value::String("EMPTY"), Value::String("")}));
  EXPECT_EQ(Call1("wasi:cli/environment@0.2.6", "get-arguments"),
            Value::Aggregate({Value::String("app"), Value::String("--flag")}));
  EXPECT_EQ(Call1("wasi:cli/environment@0.2.12", "initial-cwd"), Value::Some(Value::String("/")));
}

TEST_F(WasiTest, StdoutAndStderrAreCapturedByteExact) {
  Value out = Stdout();
  EXPECT_EQ(out.as_resource().type, res_.output_stream);
  std::vector<uint8_t> binary = {'a', 0, 0xff, '\n'};
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-and-flush",
                  {out, Value::Bytes(binary)}),
            Value::Ok());
  Value err = Call1("wasi:cli/stderr@0.2.0", "get-stderr");
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-and-flush",
                  {err, Value::Bytes(Bytes("oops"))}),
            Value::Ok());
  EXPECT_EQ(stdout_->contents(), std::string("a\0\xff\n", 4));
  EXPECT_EQ(stderr_->contents(), "oops");
}

TEST_F(WasiTest, CheckWriteWriteFlushAndZeroes) {
  Value out = Stdout();
  uint64_t permit = Ok(Call1(kStreams, "[method]output-stream.check-write", {out})).as_unsigned();
  EXPECT_GT(permit, 0u);
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.write", {out, Value::Bytes(Bytes("hi"))}),
            Value::Ok());
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.write-zeroes", {out, Value::Unsigned(2)}),
            Value::Ok());
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.flush", {out}), Value::Ok());
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-flush", {out}), Value::Ok());
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-zeroes-and-flush",
                  {out, Value::Unsigned(1)}),
            Value::Ok());
  EXPECT_EQ(stdout_->contents(), std::string("hi\0\0\0", 5));

  // Writing more than check-write allowed, or more than 4096 bytes blocking, traps.
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.write",
                    {out, Value::Bytes(std::vector<uint8_t>(permit + 1))}));
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.blocking-write-and-flush",
                    {out, Value::Bytes(std::vector<uint8_t>(4097))}));
  Value pollable = Call1(kStreams, "[method]output-stream.subscribe", {out});
  EXPECT_EQ(Call1(kPoll, "[method]pollable.ready", {pollable}), Value::Bool(true));
}

TEST_F(WasiTest, ClosedStreamsReportClosed) {
  Value out = Stdout();
  stdout_->Close();
  Value closed = Value::Err(Value::Case(1));
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.check-write", {out}), closed);
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.write", {out, Value::Bytes({})}), closed);
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.blocking-write-and-flush",
                  {out, Value::Bytes(Bytes("x"))}),
            closed);

  Value in = Call1("wasi:cli/stdin@0.2.0", "get-stdin");
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.read", {in, Value::Unsigned(5)}),
            Value::Ok(Value::Bytes(Bytes("typed"))));
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.skip", {in, Value::Unsigned(1)}),
            Value::Ok(Value::Unsigned(1)));
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.blocking-read", {in, Value::Unsigned(100)}),
            Value::Ok(Value::Bytes(Bytes("input"))));
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.read", {in, Value::Unsigned(1)}), closed);
  EXPECT_EQ(Call1(kStreams, "[method]input-stream.blocking-skip", {in, Value::Unsigned(1)}),
            closed);
}

TEST_F(WasiTest, SpliceMovesBytesBetweenStreams) {
  Value in = Call1("wasi:cli/stdin@0.2.0", "get-stdin");
  Value out = Stdout();
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.splice", {out, in, Value::Unsigned(5)}),
            Value::Ok(Value::Unsigned(5)));
  EXPECT_EQ(
      Call1(kStreams, "[method]output-stream.blocking-splice", {out, in, Value::Unsigned(1000)}),
      Value::Ok(Value::Unsigned(6)));
  EXPECT_EQ(Call1(kStreams, "[method]output-stream.splice", {out, in, Value::Unsigned(5)}),
            Value::Err(Value::Case(1)));
  EXPECT_EQ(stdout_->contents(), "typed input");
}

TEST_F(WasiTest, MonotonicClockAndTimers) {
  const char* clock = "wasi:clocks/monotonic-clock@0.2.0";
  uint64_t t1 = Call1(clock, "now").as_unsigned();
  uint64_t t2 = Call1(clock, "now").as_unsigned();
  EXPECT_LE(t1, t2);
  EXPECT_GT(Call1(clock, "resolution").as_unsigned(), 0u);

  Value timer = Call1(clock, "subscribe-duration", {Value::Unsigned(40 * kMs)});
  EXPECT_EQ(timer.as_resource().type, res_.pollable);
  EXPECT_EQ(Call1(kPoll, "[method]pollable.ready", {timer}), Value::Bool(false));
  EXPECT_TRUE(Call(kPoll, "[method]pollable.block", {timer}));
  EXPECT_EQ(Call1(kPoll, "[method]pollable.ready", {timer}), Value::Bool(true));
  EXPECT_GE(Call1(clock, "now").as_unsigned() - t2, 40 * kMs);

  Value past = Call1(clock, "subscribe-instant", {Value::Unsigned(t1)});
  EXPECT_EQ(Call1(kPoll, "[method]pollable.ready", {past}), Value::Bool(true));
  // Saturates rather than wrapping into the past.
  Value forever = Call1(clock, "subscribe-duration", {Value::Unsigned(~0ull)});
  EXPECT_EQ(Call1(kPoll, "[method]pollable.ready", {forever}), Value::Bool(false));

  Value wall = Call1("wasi:clocks/wall-clock@0.2.0", "now");
  EXPECT_GT(wall.items()[0].as_unsigned(), 1'600'000'000u);
  EXPECT_LT(wall.items()[1].as_unsigned(), 1'000'000'000u);
  EXPECT_EQ(Call1("wasi:clocks/wall-clock@0.2.0", "resolution").items().size(), 2u);
}

TEST_F(WasiTest, PollWaitsForTheFirstReadyOfSeveral) {
  const char* clock = "wasi:clocks/monotonic-clock@0.2.0";
  Value slow = Call1(clock, "subscribe-duration", {Value::Unsigned(10'000 * kMs)});
  Value fast = Call1(clock, "subscribe-duration", {Value::Unsigned(30 * kMs)});
  uint64_t start = Call1(clock, "now").as_unsigned();
  EXPECT_EQ(Call1(kPoll, "poll", {Value::Aggregate({slow, fast})}),
            Value::Aggregate({Value::Unsigned(1)}));
  EXPECT_GE(Call1(clock, "now").as_unsigned() - start, 25 * kMs);

  Value ready = Call1(kStreams, "[method]output-stream.subscribe", {Stdout()});
  EXPECT_EQ(Call1(kPoll, "poll", {Value::Aggregate({slow, ready, slow, ready})}),
            Value::Aggregate({Value::Unsigned(1), Value::Unsigned(3)}));
  EXPECT_FALSE(Call(kPoll, "poll", {Value::Aggregate({})}));
}

TEST_F(WasiTest, RandomBytesHaveTheAskedLength) {
  for (const char* name : {"get-random-bytes"}) {
    for (uint64_t len : {0u, 1u, 17u, 4096u}) {
      EXPECT_EQ(Call1("wasi:random/random@0.2.0", name, {Value::Unsigned(len)}).as_bytes().size(),
                len);
    }
  }
  for (uint64_t len : {0u, 3u, 1000u}) {
    EXPECT_EQ(
        Call1("wasi:random/insecure@0.2.0", "get-insecure-random-bytes", {Value::Unsigned(len)})
            .as_bytes()
            .size(),
        len);
  }
  EXPECT_NE(Call1("wasi:random/random@0.2.0", "get-random-bytes", {Value::Unsigned(32)}),
            Call1("wasi:random/random@0.2.0", "get-random-bytes", {Value::Unsigned(32)}));
  EXPECT_NE(Call1("wasi:random/random@0.2.0", "get-random-u64").as_unsigned(),
            Call1("wasi:random/random@0.2.0", "get-random-u64").as_unsigned());
  Call1("wasi:random/insecure@0.2.0", "get-insecure-random-u64").as_unsigned();
  EXPECT_EQ(Call1("wasi:random/insecure-seed@0.2.0", "insecure-seed").items().size(), 2u);
  EXPECT_FALSE(Call("wasi:random/random@0.2.0", "get-random-bytes", {Value::Unsigned(1ull << 40)}));
}

TEST_F(WasiTest, ExitStopsTheGuestWithItsStatus) {
  auto exited = Call("wasi:cli/exit@0.2.0", "exit", {Value::Ok()});
  ASSERT_FALSE(exited);
  EXPECT_EQ(ExitStatus(exited.error()), 0);
  exited = Call("wasi:cli/exit@0.2.0", "exit", {Value::Err()});
  ASSERT_FALSE(exited);
  EXPECT_EQ(ExitStatus(exited.error()), 1);
  exited = Call("wasi:cli/exit@0.2.12", "exit-with-code", {Value::Unsigned(42)});
  ASSERT_FALSE(exited);
  EXPECT_EQ(ExitStatus(exited.error()), 42);
  EXPECT_EQ(ExitStatus(exited.error().Wrap("in run")), 42);
  EXPECT_EQ(ExitStatus(Error("a trap")), std::nullopt);
}

TEST_F(WasiTest, StdioIsNotATerminal) {
  EXPECT_EQ(Call1("wasi:cli/terminal-stdin@0.2.0", "get-terminal-stdin"), Value::None());
  EXPECT_EQ(Call1("wasi:cli/terminal-stdout@0.2.0", "get-terminal-stdout"), Value::None());
  EXPECT_EQ(Call1("wasi:cli/terminal-stderr@0.2.0", "get-terminal-stderr"), Value::None());
  EXPECT_NE(linker_.FindResource("wasi:cli/terminal-input@0.2.0", "terminal-input"), nullptr);
  EXPECT_NE(linker_.FindResource("wasi:cli/terminal-output@0.2.0", "terminal-output"), nullptr);
}

TEST_F(WasiTest, BadHandlesTrapAndDroppedHandlesAreGone) {
  Value out = Stdout();
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.check-write",
                    {Value::Resource({res_.output_stream, 9999})}));
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.check-write",
                    {Value::Resource({res_.output_stream, 0})}));
  // A handle of another resource type where an output-stream belongs.
  Value in = Call1("wasi:cli/stdin@0.2.0", "get-stdin");
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.check-write", {in}));
  // Wrong argument count.
  EXPECT_FALSE(Call(kStreams, "[method]output-stream.check-write", {}));

  WasiState* state = data_.Find<WasiState>();
  size_t open_streams = state->output_streams.size();
  Drop(out);
  EXPECT_EQ(state->output_streams.size(), open_streams - 1);
  Drop(out);  // a second drop of the same rep is ignored
  EXPECT_EQ(state->output_streams.size(), open_streams - 1);
  auto after = Call(kStreams, "[method]output-stream.check-write", {out});
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().message().find("not open"), std::string::npos);
  // The stream itself lives on for other handles.
  Value again = Stdout();
  EXPECT_TRUE(Ok(Call1(kStreams, "[method]output-stream.check-write", {again})).as_unsigned() > 0);
}

TEST(WasiAttachTest, CallsWithoutAttachedStateTrap) {
  component::Linker linker;
  AddWasiToLinker(linker);
  component::InstanceData data;
  component::CallContext cx(nullptr, &data);
  std::vector<component::Value> results;
  auto called = (*linker.FindFunc("wasi:cli/environment@0.2.0", "get-arguments"))(cx, {}, results);
  ASSERT_FALSE(called);
  EXPECT_NE(called.error().message().find("AttachWasi"), std::string::npos);

  WasiConfig config;
  config.preopens.push_back({"/nonexistent/wasi-preopen", "/", false});
  auto attached = AttachWasi(data, config);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().message().find("/nonexistent/wasi-preopen"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::wasi
