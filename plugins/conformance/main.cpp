// clinhub-conformance: the conformance kit on its own (Run.cpp has the command line; README.md the rest).
#include "Kit.h"

int main(int argc, char** argv) { return clinhub::conformance::run(argc, argv); }
