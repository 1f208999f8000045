// Entry point of the inzaged daemon (command line: docs/contracts.md, command-line contract).
#pragma once

namespace inzage::app {
int DaemonMain(int argc, char** argv);
}  // namespace inzage::app
