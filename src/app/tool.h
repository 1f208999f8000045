// Entry point of the `inzage` tool: subcommands of docs/contracts.md §5. Each subcommand is a
// function in src/app that returns a process exit code; exceptions from config and policy loading
// are caught here and printed with the file, key and reason.
#pragma once

namespace inzage::app {
int ToolMain(int argc, char** argv);
}  // namespace inzage::app
