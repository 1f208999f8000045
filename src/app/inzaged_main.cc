// `inzaged`: the daemon. All logic is in src/app.
#include "app/daemon.h"
#include "app/jemalloc_options.h"

int main(int argc, char** argv) { return inzage::app::DaemonMain(argc, argv); }
