// The services (id and API key secrets) and templates notify_sim knows, from its --fixture file.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace notifysim {

struct Service {
    std::string id;
    std::string name;
    std::vector<std::string> secrets; // one per API key
};

struct Template {
    std::string id;
    std::string type; // "sms" or "email"
    std::string name;
    int version = 1;
    std::string subject;
    std::string body;
};

struct Fixture {
    std::map<std::string, Service> services;   // by id
    std::map<std::string, Template> templates; // by id

    static Fixture load(const std::string& file);
};

// The ((placeholders)) of a template text, in order, without repeats.
std::vector<std::string> placeholders(const std::string& text);
// The text with each ((name)) replaced by its value.
std::string render(const std::string& text, const std::map<std::string, std::string>& values);

} // namespace notifysim
