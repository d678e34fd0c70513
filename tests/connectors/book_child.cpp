// A second process for the cross-process booking test: opens the local-book file given, waits for the
// agreed start time so every process races at once, tries to book each slot, and prints one line per
// slot: "<slot id> <status>".
#include "hub/host/PluginHost.h"

#include <chrono>
#include <iostream>
#include <thread>

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr << "usage: book_child PLUGIN_FILE DATABASE START_EPOCH_MS SLOT_ID...\n";
        return 2;
    }
    clinhub::host::PluginHost host;
    if (!host.loadFile(argv[1])) return 3;
    std::string error;
    auto book = host.create("child", "local-book", std::string(R"({"database": ")") + argv[2] + "\"}", error);
    if (!book) {
        std::cerr << error << "\n";
        return 4;
    }
    std::this_thread::sleep_until(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(std::stoll(argv[3]))));
    for (int i = 4; i < argc; ++i) {
        clinhub::Appointment appointment;
        const auto result = book->appointmentBook()->book(argv[i], {"9995260182", "", "", "", ""}, "", appointment);
        std::cout << argv[i] << " " << clinhub::toString(result.status) << "\n";
    }
    return 0;
}
