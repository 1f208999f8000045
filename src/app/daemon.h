// Entry point of the inzaged daemon (command line in contracts §5).
#pragma once

namespace inzage::app {
int DaemonMain(int argc, char** argv);
}  // namespace inzage::app
