// Loads the shipped connector plugins from the build tree through the real host, in a fresh folder
// per test.
#pragma once

#include "hub/host/PluginHost.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace clinhub::test {

class ConnectorFixture : public ::testing::Test {
protected:
    ConnectorFixture() {
        std::random_device rd;
        dir_ = std::filesystem::temp_directory_path() /
               ("clinhub-connectors-" + std::to_string(rd()) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(dir_);
    }
    ~ConnectorFixture() override {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    void SetUp() override {
        for (const char* name : {"libclinhub-local-book.so", "libclinhub-outbox-file.so"})
            ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/" + name))
                << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    [[nodiscard]] std::string file(const std::string& name) const { return (dir_ / name).string(); }

    void write(const std::string& name, const std::string& text) const { std::ofstream(file(name)) << text; }

    std::shared_ptr<host::ConnectorInstance> create(const std::string& plugin, const std::string& json) {
        std::string error;
        auto instance = host_.create("test-" + plugin, plugin, json, error);
        EXPECT_NE(instance, nullptr) << error;
        return instance;
    }

    std::string createError(const std::string& plugin, const std::string& json) {
        std::string error;
        EXPECT_EQ(host_.create("test-" + plugin, plugin, json, error), nullptr);
        return error;
    }

    host::PluginHost host_;

private:
    std::filesystem::path dir_;
};

} // namespace clinhub::test
