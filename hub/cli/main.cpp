// clinhub: the hub's command line. Each verb is a small function; `clinhub VERB --help` explains it.
#include "hub/cli/Verbs.h"
#include "hub/store/Store.h"

#include <iostream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    clinhub::store::tuneSqliteForThisProcess();
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        return clinhub::cli::run(args, std::cout, std::cerr);
    } catch (const std::exception& e) {
        std::cerr << "clinhub: " << e.what() << '\n';
        return 1;
    }
}
