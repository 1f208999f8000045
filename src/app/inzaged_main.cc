// `inzaged`: the daemon. All logic is in src/app.
#include "app/daemon.h"

int main(int argc, char** argv) { return inzage::app::DaemonMain(argc, argv); }
