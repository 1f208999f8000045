// `inzage`: the operator's tool (replay, check-policy, keygen, ...). All logic is in src/app.
#include "app/jemalloc_options.h"
#include "app/tool.h"

int main(int argc, char** argv) { return inzage::app::ToolMain(argc, argv); }
