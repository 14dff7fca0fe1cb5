// SIGINT and SIGTERM for long-running commands (`wcloud up`, `wcloud serve`): blocked before any
// thread starts, so every thread inherits the mask and only the main thread's sigwait sees them.
#pragma once

namespace wcloud::cli {

void BlockStopSignals();
// Waits for SIGINT or SIGTERM; returns its name.
const char* WaitForStopSignal();

}  // namespace wcloud::cli
