#include "hub/config/Loader.h"

#include "hub/config/Schema.h"
#include "hub/config/Text.h"
#include "hub/config/YamlTree.h"
#include "hub/domain/MessageTemplate.h"
#include "hub/domain/SmsLength.h"

#include <Poco/Exception.h>
#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

namespace clinhub::config {

namespace {

// batch_csv's words of earlier versions, named for the book styles they followed, and what they now say.
const std::map<std::string, std::string, std::less<>> kDeprecatedListWords = {{"emis", "nhs_number_only"},
                                                                              {"systmone", "with_contacts"}};

const Schema& hubSchemaParsed() {
    static const Schema schema = Schema::parse(hubSchema());
    return schema;
}

bool anyBroken(const YamlNode& node) {
    if (node.broken) return true;
    return std::any_of(node.items.begin(), node.items.end(), anyBroken) ||
           std::any_of(node.entries.begin(), node.entries.end(), [](auto& e) { return anyBroken(e.value); });
}

std::string kindList(const std::set<Kind>& kinds) {
    std::vector<std::string> names;
    for (Kind k : kinds)
        names.emplace_back(toString(k));
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    return out.empty() ? "nothing" : out;
}

std::vector<std::string> keysOf(const YamlNode* map) {
    std::vector<std::string> keys;
    if (map && map->isMap())
        for (const auto& e : map->entries)
            keys.push_back(e.key);
    return keys;
}

// A reminder offset, "7d" or "2h", in minutes; nullopt when it is not one (or too large to be any).
std::optional<int> reminderMinutes(const std::string& text) {
    if (text.size() < 2 || text.size() > 6) return std::nullopt;
    const char unit = text.back();
    const auto digits = text.substr(0, text.size() - 1);
    if ((unit != 'd' && unit != 'h') || digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoi(digits) * (unit == 'd' ? 24 * 60 : 60);
}

// The checks that need more than one part of the file, or the plugins: what a schema cannot say.
class CrossChecks {
public:
    CrossChecks(const YamlNode& root, const PluginCatalog& plugins, std::string baseDirectory,
                std::vector<Diagnostic>& problems)
        : root_(root), plugins_(plugins), baseDirectory_(std::move(baseDirectory)), problems_(problems) {}

    void run() {
        if (const YamlNode* hub = root_.find("hub"); hub && hub->isMap()) {
            quietHours(hub->find("quiet_hours"));
            readyRequires(hub->find("ready_requires"));
        }
        if (const YamlNode* connectors = root_.find("connectors"); connectors && connectors->isMap())
            for (const auto& entry : connectors->entries)
                connector(entry);
        if (const YamlNode* organisations = root_.find("organisations"); organisations && organisations->isMap())
            for (const auto& entry : organisations->entries) {
                if (const YamlNode* route = entry.value.isMap() ? entry.value.find("route") : nullptr)
                    if (route->isMap()) routes(*route);
                if (entry.value.isMap()) campaigns(entry.value);
                if (entry.value.isMap()) telephoneRules(entry.value);
                if (entry.value.isMap()) messageTemplates(entry.value);
                if (entry.value.isMap()) channels(entry.value);
                if (entry.value.isMap()) quietHours(entry.value.find("quiet_hours"));
                if (entry.value.isMap()) reminders(entry.value);
            }
    }

    // Each connector's section as its plugin will receive it.
    std::map<std::string, std::string> sections;
    // Each SMS connector's longest message, as its plugin declares it for that section.
    std::map<std::string, int> smsLimits;
    // The patient-messaging connectors whose plugin says they fall back to SMS themselves, with that section.
    std::set<std::string> cascading;

private:
    void report(const Mark& mark, std::string message) { problems_.push_back({mark, std::move(message)}); }

    void connector(const YamlEntry& entry) {
        if (!entry.value.isMap()) return;
        const YamlNode* pluginName = entry.value.find("plugin");
        if (!pluginName || !pluginName->isScalar() || pluginName->broken) return;
        const PluginInfo* plugin = plugins_.find(pluginName->text);
        if (!plugin) {
            report(pluginName->mark, unknownPlugin(pluginName->text));
            return;
        }
        const YamlEntry* configEntry = entry.value.entry("config");
        YamlNode section;
        section.kind = YamlNode::Kind::map;
        section.mark = entry.keyMark;
        Mark owner = entry.keyMark;
        if (configEntry) {
            if (!configEntry->value.isMap()) return; // the hub schema has said so already
            section = configEntry->value;
            owner = configEntry->keyMark;
        }
        const std::string path = "connectors." + entry.key + ".config";
        const std::size_t before = problems_.size();
        try {
            const Schema schema = Schema::parse(plugin->configSchema.empty() ? "{}" : plugin->configSchema);
            validate(section, schema, owner, path, problems_);
            if (problems_.size() != before || anyBroken(section)) return;
            applyDefaults(section, schema);
            resolvePaths(section, schema, baseDirectory_);
            const std::string json = toJson(section, schema);
            sections[entry.key] = json;
            if (plugin->checkConfig) pluginChecks(*plugin, section, owner, json);
            if (plugin->kinds.count(Kind::sms) != 0 && problems_.size() == before) {
                smsLimits[entry.key] = smsMaxCharacters(*plugin, json);
                if (!plugin->maxCharacters || plugin->maxCharacters(json) <= 0) undeclared_.insert(entry.key);
            }
            if (plugin->cascades && problems_.size() == before && plugin->cascades(json)) cascading.insert(entry.key);
        } catch (const Poco::Exception& e) {
            // A keyword holding the wrong kind of JSON value ("minimum": "five"): Poco says which conversion.
            report(pluginName->mark,
                   "plugin '" + plugin->name + "' publishes a config schema the hub cannot use: " + e.displayText());
        } catch (const std::exception& e) {
            report(pluginName->mark,
                   "plugin '" + plugin->name + "' publishes a config schema the hub cannot use: " + e.what());
        }
    }

    void pluginChecks(const PluginInfo& plugin, const YamlNode& section, const Mark& owner, const std::string& json) {
        std::vector<ConfigError> errors;
        try {
            errors = plugin.checkConfig(json);
        } catch (const std::exception& e) {
            report(owner, "plugin '" + plugin.name + "' failed while checking this section: " + e.what());
            return;
        }
        for (const auto& error : errors)
            report(markAt(section, owner, error.pointer), "plugin '" + plugin.name + "': " + error.message);
    }

    std::string unknownPlugin(const std::string& name) const {
        const auto available = plugins_.names();
        std::string message = "unknown plugin '" + name + "'";
        if (available.empty()) return message + ": no plugins were found (see plugins.paths)";
        if (auto guess = nearest(name, available)) message += "; did you mean '" + *guess + "'?";
        return message + " (available: " + quotedList(available) + ")";
    }

    void routes(const YamlNode& route) {
        static const std::vector<std::pair<std::string, Kind>> needs = {{"appointment_book", Kind::appointmentBook},
                                                                        {"sms", Kind::sms},
                                                                        {"email", Kind::email},
                                                                        {"immunisations", Kind::immunisationRecords},
                                                                        {"nhs_app", Kind::patientMessaging}};
        for (const auto& [key, kind] : needs) {
            const YamlNode* target = route.find(key);
            if (!target) continue;
            std::vector<const YamlNode*> names;
            if (target->isScalar()) names.push_back(target);
            for (const auto& item : target->items)
                names.push_back(&item);
            std::map<std::string, Mark> seen;
            for (const YamlNode* name : names) {
                if (!name->isScalar() || name->broken) continue;
                if (auto earlier = seen.find(name->text); earlier != seen.end()) {
                    report(name->mark, "connector '" + name->text + "' is already listed at line " +
                                           std::to_string(earlier->second.line) + ", column " +
                                           std::to_string(earlier->second.column));
                    continue;
                }
                seen.emplace(name->text, name->mark);
                routeTarget(*name, key, kind);
            }
        }
    }

    // Windows and notice are a telephone rule's: on a face-to-face rule they would silently do nothing.
    // A telephone rule's windows each open before they close, and none overlaps another, so every slot
    // falls in one window at most and a patient's choice books one time of day.
    void telephoneRules(const YamlNode& organisation) {
        const YamlNode* rules = organisation.find("rules");
        if (!rules || !rules->isMap()) return;
        for (const auto& rule : rules->entries) {
            if (!rule.value.isMap()) continue;
            const YamlNode* mode = rule.value.find("mode");
            const bool telephone = mode && mode->isScalar() && mode->text == "telephone";
            for (const char* key : {"windows", "min_notice_hours"})
                if (const YamlEntry* entry = rule.value.entry(key); entry && !telephone)
                    report(entry->keyMark, std::string(key) + " is for telephone rules only: add mode: telephone, or "
                                                              "remove it");
            const YamlNode* windows = rule.value.find("windows");
            if (!telephone || !windows) continue;
            std::vector<std::pair<int, int>> seen;
            std::set<std::string> labels;
            for (const auto& item : windows->items) {
                const YamlNode* label = item.isMap() ? item.find("label") : nullptr;
                const auto from = item.isMap() ? minutes(item.find("from")) : std::nullopt;
                const auto to = item.isMap() ? minutes(item.find("to")) : std::nullopt;
                if (label && label->isScalar() && !label->broken && !labels.insert(label->text).second)
                    report(label->mark,
                           "window '" + label->text + "' is already defined: give each window its own label");
                if (!from || !to) continue;
                if (*to <= *from) {
                    report(item.find("to")->mark,
                           "a window must close after it opens (" + item.find("from")->text + ")");
                    continue;
                }
                for (const auto& [otherFrom, otherTo] : seen)
                    if (*from < otherTo && otherFrom < *to) {
                        report(item.find("from")->mark, "this window overlaps an earlier one: a slot may be in one "
                                                        "window only");
                        break;
                    }
                seen.emplace_back(*from, *to);
            }
        }
    }

    // A window's time; one the schema's pattern lets through but no clock shows (25:00) is reported here.
    std::optional<int> minutes(const YamlNode* node) {
        if (!node || !node->isScalar() || node->broken) return std::nullopt;
        const auto found = kit::parseTimeOfDay(node->text);
        if (!found && node->text.size() == 5 && node->text[2] == ':' && node->text < "3")
            report(node->mark, "'" + node->text + "' is not a time of day: from 00:00 to 24:00");
        return found;
    }

    // Each reminder offset within bounds, once.
    void reminders(const YamlNode& organisation) {
        const YamlNode* rules = organisation.find("rules");
        if (!rules || !rules->isMap()) return;
        for (const auto& rule : rules->entries) {
            const YamlNode* offsets = rule.value.isMap() ? rule.value.find("reminders") : nullptr;
            if (!offsets) continue;
            std::map<int, std::string> seen;
            for (const auto& offset : offsets->items) {
                if (!offset.isScalar() || offset.broken) continue;
                const auto minutes = reminderMinutes(offset.text);
                if (!minutes) continue; // the schema's pattern says what is wrong
                if (*minutes < 60 || *minutes > 60 * 24 * 60)
                    report(offset.mark,
                           "a reminder " + offset.text + " before the appointment is out of bounds: 1h to 60d");
                else if (auto [it, fresh] = seen.emplace(*minutes, offset.text); !fresh)
                    report(offset.mark, offset.text + " is the same time before as " + it->second + ", already listed");
            }
        }
    }

    void quietHours(const YamlNode* quiet) {
        if (!quiet || !quiet->isMap()) return;
        for (const char* key : {"from", "to"})
            // The schema refuses what is not shaped HH:MM; what is, may still be no time (25:00).
            if (const YamlNode* time = quiet->find(key);
                time && time->isScalar() && !time->broken && time->text.size() == 5 && !kit::parseTimeOfDay(time->text))
                report(time->mark, "'" + time->text + "' is not a time of day: write HH:MM, 00:00 to 24:00");
    }

    // The organisation's channels and each rule's: each word once, the NHS App before SMS, each routed, and no
    // SMS of the hub's after a connector that sends its own.
    void channels(const YamlNode& organisation) {
        const YamlNode* route = organisation.find("route");
        channelList(organisation.find("channels"), route);
        if (const YamlNode* rules = organisation.find("rules"); rules && rules->isMap())
            for (const auto& rule : rules->entries)
                if (rule.value.isMap()) channelList(rule.value.find("channels"), route);
    }

    void channelList(const YamlNode* list, const YamlNode* route) {
        if (!list) return;
        std::vector<const YamlNode*> words;
        if (list->isScalar()) words.push_back(list);
        for (const auto& item : list->items)
            words.push_back(&item);
        const YamlNode* app = route && route->isMap() ? route->find("nhs_app") : nullptr;
        const YamlNode* sms = route && route->isMap() ? route->find("sms") : nullptr;
        const YamlNode* appSeen = nullptr;
        std::set<std::string> seen;
        for (const YamlNode* word : words) {
            if (!word->isScalar() || word->broken) continue;
            // A list's words are the schema's to check; a single word is not a list.
            if (word == list && word->text != "nhs_app" && word->text != "sms") {
                report(word->mark, "unknown channel '" + word->text + "': nhs_app or sms");
                continue;
            }
            if (!seen.insert(word->text).second) {
                report(word->mark, "'" + word->text + "' is already listed");
                continue;
            }
            if (word->text == "nhs_app") {
                appSeen = word;
                if (!seen.contains("sms")) {
                    if (!app)
                        report(word->mark, "nhs_app needs a patient-messaging connector: route 'nhs_app' to one "
                                           "(NHS Notify, say)");
                    continue;
                }
                report(word->mark, "nhs_app must come before sms: the hub falls back from the NHS App to SMS, not "
                                   "the other way");
            } else if (word->text == "sms") {
                if (!sms) report(word->mark, "sms needs an SMS connector: route 'sms' to one");
                if (appSeen && app && app->isScalar() && cascading.contains(app->text))
                    report(word->mark, "connector '" + app->text +
                                           "' falls back to SMS itself (its routing plan says so), so an SMS of the "
                                           "hub's could reach the patient a second time: write channels: [nhs_app]");
            }
        }
    }

    // A campaign invites with one of its organisation's rules and labels its cohort from the records.
    void campaigns(const YamlNode& organisation) {
        const YamlNode* campaigns = organisation.find("campaigns");
        if (!campaigns || !campaigns->isMap()) return;
        const YamlNode* rules = organisation.find("rules");
        for (const auto& entry : campaigns->entries) {
            const YamlNode* rule = entry.value.isMap() ? entry.value.find("rule") : nullptr;
            if (rule && rule->isScalar() && !rule->broken && !(rules && rules->isMap() && rules->find(rule->text))) {
                const auto defined = keysOf(rules);
                std::string message = "unknown rule '" + rule->text + "'";
                if (defined.empty())
                    message += ": this organisation defines no rules";
                else if (auto guess = nearest(rule->text, defined))
                    message += "; did you mean '" + *guess + "'?";
                else
                    message += " (rules defines " + quotedList(defined) + ")";
                report(rule->mark, message);
            }
        }
        const YamlNode* route = organisation.find("route");
        if (!(route && route->isMap() && route->find("immunisations")))
            report(organisation.entry("campaigns")->keyMark,
                   "campaigns label each patient from the national immunisation records: route "
                   "'immunisations' to a connector that looks them up");
    }

    // The shortest limit of the SMS connectors the organisation routes to (any may carry a message after a
    // failover), and the one that sets it; the ABI's default when none declares one.
    std::pair<int, std::string> smsLimit(const YamlNode& organisation) const {
        const YamlNode* route = organisation.find("route");
        const YamlNode* sms = route && route->isMap() ? route->find("sms") : nullptr;
        std::vector<const YamlNode*> names;
        if (sms && sms->isScalar()) names.push_back(sms);
        if (sms)
            for (const auto& item : sms->items)
                names.push_back(&item);
        std::pair<int, std::string> shortest{CLINHUB_SMS_DEFAULT_MAX_CHARACTERS, ""};
        bool any = false;
        for (const YamlNode* name : names) {
            const auto limit = name->isScalar() ? smsLimits.find(name->text) : smsLimits.end();
            if (limit == smsLimits.end()) continue;
            if (!any || limit->second < shortest.first) shortest = {limit->second, limit->first};
            any = true;
        }
        return shortest;
    }

    // Each rule's SMS texts, and each campaign's community clinic texts, through the scanner that renders
    // them, and measured as a patient would get them against what the routed connectors can send.
    void messageTemplates(const YamlNode& organisation) {
        const YamlNode* rules = organisation.find("rules");
        if (!rules || !rules->isMap()) return;
        for (const auto& rule : rules->entries) {
            const YamlNode* templates = rule.value.isMap() ? rule.value.find("templates") : nullptr;
            if (!templates || !templates->isMap()) continue;
            for (const auto& entry : templates->entries)
                messageTemplate(organisation, rule.value, entry.key, entry.value, false);
        }
        const YamlNode* campaigns = organisation.find("campaigns");
        if (!campaigns || !campaigns->isMap()) return;
        for (const auto& campaign : campaigns->entries) {
            const YamlNode* community = campaign.value.isMap() ? campaign.value.find("community") : nullptr;
            const YamlNode* ruleName = campaign.value.find("rule");
            const YamlNode* rule = ruleName && ruleName->isScalar() ? rules->find(ruleName->text) : nullptr;
            if (!community || !community->isMap() || !rule || !rule->isMap()) continue;
            // They carry the link a child is booked with, as a batch's message must.
            for (const auto& entry : community->entries)
                messageTemplate(organisation, *rule, entry.key, entry.value, true);
        }
    }

    void messageTemplate(const YamlNode& organisation, const YamlNode& rule, const std::string& key,
                         const YamlNode& text, bool needsUrl) {
        if (!text.isScalar() || text.broken) return;
        const auto [limit, setBy] = smsLimit(organisation);
        const YamlNode* hub = root_.find("hub");
        const YamlNode* publicUrl = hub && hub->isMap() ? hub->find("public_url") : nullptr;
        try {
            const auto parsed = domain::scanTemplate(text.text, domain::placeholdersOf(key));
            if (needsUrl && !parsed.uses("url"))
                return report(text.mark, key + " must include {{url}}, where each child's link goes");
            if (!key.ends_with("_sms")) return;
            const auto length = domain::smsLength(
                domain::renderSample(parsed, scalar(organisation.find("name")), scalar(rule.find("title")),
                                     publicUrl && publicUrl->isScalar() ? publicUrl->text : Http{}.publicUrl));
            if (length.characters > limit)
                report(text.mark, key + " comes to about " + std::to_string(length.characters) +
                                      " characters as sent (with a link, a name, a day and a place), but " +
                                      (setBy.empty() ? std::string("SMS connectors that declare no limit send")
                                                     : "the routed SMS connector '" + setBy + "' sends") +
                                      " at most " + std::to_string(limit) +
                                      (undeclared_.count(setBy) != 0 ? " (it declares no limit: the default)" : ""));
        } catch (const domain::TemplateError& e) {
            // At the value's start: escapes and folded lines make a column inside it guesswork, so
            // the message counts characters into the text instead.
            report(text.mark, e.what());
        }
    }

    static std::string scalar(const YamlNode* node) { return node && node->isScalar() ? node->text : ""; }

    // The connector `name` names, or nullptr after reporting that there is none.
    const YamlNode* knownConnector(const YamlNode& name) {
        const YamlNode* connectors = root_.find("connectors");
        const YamlNode* connector = connectors && connectors->isMap() ? connectors->find(name.text) : nullptr;
        if (connector) return connector;
        const auto defined = keysOf(connectors);
        std::string message = "unknown connector '" + name.text + "'";
        if (defined.empty())
            message += ": no connectors are defined";
        else if (auto guess = nearest(name.text, defined))
            message += "; did you mean '" + *guess + "'?";
        else
            message += " (connectors defines " + quotedList(defined) + ")";
        report(name.mark, message);
        return nullptr;
    }

    // A readiness that waits on a connector the file does not define would never be met, or never checked.
    void readyRequires(const YamlNode* list) {
        if (!list || !list->isSequence()) return; // the schema has said so
        for (const auto& name : list->items)
            if (name.isScalar() && !name.broken) knownConnector(name);
    }

    void routeTarget(const YamlNode& name, const std::string& need, Kind kind) {
        const YamlNode* connector = knownConnector(name);
        if (!connector) return;
        const YamlNode* pluginName = connector->isMap() ? connector->find("plugin") : nullptr;
        const PluginInfo* plugin = pluginName && pluginName->isScalar() ? plugins_.find(pluginName->text) : nullptr;
        if (!plugin || plugin->kinds.count(kind)) return; // an unknown plugin is reported where it is named
        report(name.mark, "connector '" + name.text + "' cannot serve " + need + ": its plugin '" + plugin->name +
                              "' implements only " + kindList(plugin->kinds) + ", not " + toString(kind));
    }

    std::set<std::string> undeclared_; // SMS connectors whose plugin declares no limit: they get the default
    const YamlNode& root_;
    const PluginCatalog& plugins_;
    std::string baseDirectory_;
    std::vector<Diagnostic>& problems_;
};

// Reads the checked tree into a Config. Every value here has passed the schema, so it only picks
// values and defaults.
class ConfigReader {
public:
    void readStaffSignIn(const YamlNode& node, StaffSignIn& out) {
        out.sessionIdleMinutes = integer(node.find("session_idle_minutes"), out.sessionIdleMinutes);
        out.sessionHours = integer(node.find("session_hours"), out.sessionHours);
        out.lockoutAttempts = integer(node.find("lockout_attempts"), out.lockoutAttempts);
        out.lockoutMinutes = integer(node.find("lockout_minutes"), out.lockoutMinutes);
        const YamlNode* sso = node.find("single_sign_on");
        if (!sso) return;
        StaffSignIn::SingleSignOn read;
        read.mark = sso->mark;
        read.name = text(sso->find("name"), read.name);
        read.issuer = text(sso->find("issuer"), "");
        read.clientId = text(sso->find("client_id"), "");
        read.clientSecretEnv = text(sso->find("client_secret_env"), "");
        read.redirectUri = text(sso->find("redirect_uri"), "");
        read.emailClaim = text(sso->find("email_claim"), read.emailClaim);
        if (const YamlNode* newUsers = sso->find("new_users")) {
            read.newUserOrganisation = text(newUsers->find("organisation"), "");
            read.newUserRole = text(newUsers->find("role"), "");
        }
        out.singleSignOn = read;
    }

    Config read(const YamlNode& root, const std::string& file, const std::string& baseDirectory,
                std::map<std::string, std::string> sections, const std::map<std::string, int>& smsLimits,
                const std::set<std::string>& cascading) {
        Config config;
        config.file = file;
        // The default store follows the rule for written ones: beside the config file, not wherever the
        // hub happened to be started from.
        config.storeUrl = "sqlite:" + (std::filesystem::path(baseDirectory) / "clinhub.db").string();
        config.listenMark = config.storeMark = Mark{file, 0, 0};
        if (const YamlNode* hub = root.find("hub")) {
            if (const YamlNode* listen = hub->find("listen")) config.listenMark = listen->mark;
            if (const YamlNode* store = hub->find("store")) config.storeMark = store->mark;
            config.logLevel = text(hub->find("log_level"), config.logLevel);
            config.http.listen = text(hub->find("listen"), config.http.listen);
            config.http.adminListen = text(hub->find("admin_listen"), config.http.adminListen);
            config.http.localDemo = boolean(hub->find("local_demo"), config.http.localDemo);
            config.http.retentionIntervalSeconds =
                integer(hub->find("retention_interval_s"), config.http.retentionIntervalSeconds);
            config.auditRetentionDays = integer(hub->find("audit_retention_days"), config.auditRetentionDays);
            config.readyRequires = texts(hub->find("ready_requires"));
            config.http.reminderIntervalSeconds =
                integer(hub->find("reminder_interval_s"), config.http.reminderIntervalSeconds);
            config.http.trustedProxies = texts(hub->find("trusted_proxies"));
            if (const YamlNode* staff = hub->find("staff_sign_in")) readStaffSignIn(*staff, config.staffSignIn);
            if (const YamlNode* limits = hub->find("patient_limits")) {
                config.http.dateOfBirthChecksPerHour =
                    integer(limits->find("date_of_birth_checks_per_hour"), config.http.dateOfBirthChecksPerHour);
                config.http.bookingsPerHour = integer(limits->find("bookings_per_hour"), config.http.bookingsPerHour);
            }
            config.http.publicUrl = text(hub->find("public_url"), config.http.publicUrl);
            config.http.staffUrl = text(hub->find("staff_url"), config.http.staffUrl);
            config.storeUrl = text(hub->find("store"), config.storeUrl);
            if (const YamlNode* http = hub->find("http")) {
                config.http.threads = integer(http->find("threads"), config.http.threads);
                config.http.maxQueued = integer(http->find("max_queued"), config.http.maxQueued);
                config.http.maxUploadMegabytes = integer(http->find("max_upload_mb"), config.http.maxUploadMegabytes);
                config.http.headTimeoutSeconds = integer(http->find("head_timeout_s"), config.http.headTimeoutSeconds);
                config.http.idleTimeoutSeconds = integer(http->find("idle_timeout_s"), config.http.idleTimeoutSeconds);
                config.http.bodyMinKilobytesPerSecond =
                    integer(http->find("body_min_kb_s"), config.http.bodyMinKilobytesPerSecond);
                config.http.maxRequestsPerConnection =
                    integer(http->find("max_requests_per_connection"), config.http.maxRequestsPerConnection);
                config.http.maxConnections = integer(http->find("max_connections"), config.http.maxConnections);
                config.http.maxConnectionsPerClient =
                    integer(http->find("max_connections_per_client"), config.http.maxConnectionsPerClient);
            }
            if (const YamlNode* outbox = hub->find("outbox")) readOutbox(*outbox, config.outbox);
            if (const YamlNode* books = hub->find("books")) {
                config.books.callsPerOrganisation =
                    integer(books->find("calls_per_organisation"), config.books.callsPerOrganisation);
                config.books.freeSlotsCacheSeconds =
                    integer(books->find("free_slots_cache_s"), config.books.freeSlotsCacheSeconds);
            }
        }
        if (const YamlNode* plugins = root.find("plugins")) config.pluginPaths = texts(plugins->find("paths"));
        if (const YamlNode* connectors = root.find("connectors")) {
            for (const auto& entry : connectors->entries) {
                Connector& c = config.connectors[entry.key];
                c.name = entry.key;
                c.plugin = text(entry.value.find("plugin"), "");
                if (const YamlNode* limit = entry.value.find("rate_limit"))
                    c.ratePerMinute = integer(limit->find("per_minute"), 0);
                c.configJson = std::move(sections[entry.key]);
                if (const auto limit = smsLimits.find(entry.key); limit != smsLimits.end())
                    c.smsMaxCharacters = limit->second;
                c.cascades = cascading.contains(entry.key);
                c.mark = entry.keyMark;
            }
        }
        const YamlNode* hub = root.find("hub");
        const domain::QuietHours quiet = quietHours(hub ? hub->find("quiet_hours") : nullptr, {});
        if (const YamlNode* organisations = root.find("organisations"))
            for (const auto& entry : organisations->entries)
                config.organisations[entry.key] = organisation(entry.key, entry.value, quiet);
        return config;
    }

private:
    static std::string text(const YamlNode* node, const std::string& fallback) {
        return node && node->isScalar() ? node->text : fallback;
    }
    static int integer(const YamlNode* node, int fallback) {
        return node && node->isScalar() ? std::stoi(node->text) : fallback;
    }
    static bool boolean(const YamlNode* node, bool fallback) {
        return node && node->isScalar() ? booleanValue(node->text) : fallback;
    }
    static std::vector<std::string> texts(const YamlNode* node) {
        std::vector<std::string> out;
        if (node && node->isScalar()) out.push_back(node->text);
        if (node)
            for (const auto& item : node->items)
                out.push_back(item.text);
        return out;
    }
    static std::map<std::string, std::string> textMap(const YamlNode* node) {
        std::map<std::string, std::string> out;
        if (node)
            for (const auto& e : node->entries)
                out[e.key] = e.value.text;
        return out;
    }
    static std::optional<Code> code(const YamlNode* node) {
        if (!node) return std::nullopt;
        return Code{text(node->find("code"), ""), text(node->find("term"), "")};
    }

    static void readOutbox(const YamlNode& node, Outbox& outbox) {
        outbox.workers = integer(node.find("workers"), outbox.workers);
        outbox.pollMilliseconds = integer(node.find("poll_ms"), outbox.pollMilliseconds);
        outbox.batchSize = integer(node.find("batch_size"), outbox.batchSize);
        outbox.maxAttempts = integer(node.find("max_attempts"), outbox.maxAttempts);
        outbox.backoffBaseSeconds = integer(node.find("backoff_base_s"), outbox.backoffBaseSeconds);
        outbox.backoffCapSeconds = integer(node.find("backoff_cap_s"), outbox.backoffCapSeconds);
        outbox.leaseSeconds = integer(node.find("lease_s"), outbox.leaseSeconds);
    }

    // A quiet_hours section, or `fallback` when there is none.
    static domain::QuietHours quietHours(const YamlNode* node, const domain::QuietHours& fallback) {
        if (!node) return fallback;
        const domain::QuietHours standard;
        return {kit::parseTimeOfDay(text(node->find("from"), "20:00")).value_or(standard.fromMinute),
                kit::parseTimeOfDay(text(node->find("to"), "08:00")).value_or(standard.toMinute)};
    }

    static Organisation organisation(const std::string& ods, const YamlNode& node,
                                     const domain::QuietHours& hubQuietHours) {
        Organisation o;
        o.ods = ods;
        o.name = text(node.find("name"), "");
        o.notifyEmail = text(node.find("notify_email"), "");
        o.batchCsv = text(node.find("batch_csv"), o.batchCsv);
        if (const auto now = kDeprecatedListWords.find(o.batchCsv); now != kDeprecatedListWords.end())
            o.batchCsv = now->second;
        o.retentionDays = integer(node.find("retention_days"), o.retentionDays);
        if (const YamlNode* route = node.find("route")) {
            o.route.appointmentBook = text(route->find("appointment_book"), "");
            o.route.sms = texts(route->find("sms"));
            o.route.email = text(route->find("email"), "");
            o.route.immunisations = text(route->find("immunisations"), "");
            o.route.nhsApp = text(route->find("nhs_app"), "");
        }
        o.channels = texts(node.find("channels"));
        if (o.channels.empty()) o.channels = {"sms"};
        o.readWaitHours = integer(node.find("read_wait_h"), o.readWaitHours);
        o.quietHours = quietHours(node.find("quiet_hours"), hubQuietHours);
        if (const YamlNode* rules = node.find("rules"))
            for (const auto& entry : rules->entries) {
                Rule& r = o.rules[entry.key] = rule(entry.key, entry.value);
                if (r.channels.empty()) r.channels = o.channels;
            }
        if (const YamlNode* campaigns = node.find("campaigns"))
            for (const auto& entry : campaigns->entries)
                o.campaigns[entry.key] = campaign(entry.key, entry.value);
        return o;
    }

    static Campaign campaign(const std::string& id, const YamlNode& node) {
        Campaign c;
        c.id = id;
        c.rule = text(node.find("rule"), "");
        c.target = text(node.find("target"), "");
        c.doses = integer(node.find("doses"), c.doses);
        c.secondDoseDueDays = integer(node.find("second_dose_due_days"), c.secondDoseDueDays);
        c.inviteLeadDays = integer(node.find("invite_lead_days"), c.inviteLeadDays);
        c.communityInviteDays = integer(node.find("community_invite_days"), c.communityInviteDays);
        c.community = textMap(node.find("community"));
        return c;
    }

    static Rule rule(const std::string& id, const YamlNode& node) {
        Rule r;
        r.id = id;
        r.title = text(node.find("title"), "");
        r.slotTypes = texts(node.find("slot_types"));
        if (const YamlNode* types = node.find("slot_types")) {
            if (types->isScalar()) r.slotTypeMarks.push_back(types->mark);
            for (const auto& item : types->items)
                r.slotTypeMarks.push_back(item.mark);
        }
        r.horizonDays = integer(node.find("horizon_days"), r.horizonDays);
        r.linkExpiryDays = integer(node.find("link_expiry_days"), r.linkExpiryDays);
        r.allowDecline = boolean(node.find("allow_decline"), r.allowDecline);
        r.allowReschedule = boolean(node.find("allow_reschedule"), r.allowReschedule);
        r.allowCancel = boolean(node.find("allow_cancel"), r.allowCancel);
        if (text(node.find("mode"), "") == "telephone") r.mode = AppointmentMode::telephone;
        r.minNoticeHours = integer(node.find("min_notice_hours"), r.minNoticeHours);
        r.windows = defaultCallWindows();
        if (const YamlNode* windows = node.find("windows"); windows && !windows->items.empty()) {
            r.windows.clear();
            for (const auto& item : windows->items)
                r.windows.push_back({text(item.find("label"), ""), *kit::parseTimeOfDay(text(item.find("from"), "")),
                                     *kit::parseTimeOfDay(text(item.find("to"), ""))});
        }
        r.channels = texts(node.find("channels"));
        for (const auto& offset : texts(node.find("reminders")))
            if (const auto minutes = reminderMinutes(offset)) r.reminderMinutes.push_back(*minutes);
        std::sort(r.reminderMinutes.rbegin(), r.reminderMinutes.rend());
        if (const YamlNode* codes = node.find("codes")) {
            r.inviteCode = code(codes->find("invite"));
            r.bookedCode = code(codes->find("booked"));
            r.declineCode = code(codes->find("decline"));
        }
        r.templates = textMap(node.find("templates"));
        r.pages = textMap(node.find("pages"));
        return r;
    }
};

void warnDeprecated(const YamlNode& root, std::vector<Diagnostic>& warnings) {
    const YamlNode* organisations = root.find("organisations");
    if (!organisations || !organisations->isMap()) return;
    for (const auto& entry : organisations->entries) {
        const YamlNode* words = entry.value.isMap() ? entry.value.find("batch_csv") : nullptr;
        if (!words || !words->isScalar()) continue;
        if (const auto now = kDeprecatedListWords.find(words->text); now != kDeprecatedListWords.end())
            warnings.push_back({words->mark, "batch_csv: '" + words->text + "' is deprecated and reads as '" +
                                                 now->second + "': write that instead"});
    }
}

std::string baseDirectoryOf(const std::string& fileName) {
    return std::filesystem::absolute(std::filesystem::path(fileName)).lexically_normal().parent_path().string();
}

} // namespace

LoadResult loadConfigText(const std::string& text, const std::string& fileName, const PluginCatalog& plugins,
                          const Environment& env) {
    LoadResult result;
    std::optional<YamlNode> root = parseYaml(text, fileName, env, result.problems);
    if (!root) return result;
    if (root->isNull()) {
        result.problems.push_back({Mark{fileName, 1, 1}, "the file is empty: see config/reference.yaml for every key"});
        return result;
    }
    const Schema& schema = hubSchemaParsed();
    validate(*root, schema, root->mark, "", result.problems);
    const std::string baseDirectory = baseDirectoryOf(fileName);
    CrossChecks checks(*root, plugins, baseDirectory, result.problems);
    if (root->isMap()) checks.run();

    std::stable_sort(result.problems.begin(), result.problems.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.mark.line, a.mark.column) < std::tie(b.mark.line, b.mark.column);
    });
    if (!result.problems.empty()) return result;
    warnDeprecated(*root, result.warnings);
    applyDefaults(*root, schema);
    resolvePaths(*root, schema, baseDirectory);
    result.config = ConfigReader().read(*root, fileName, baseDirectory, std::move(checks.sections), checks.smsLimits,
                                        checks.cascading);
    return result;
}

LoadResult loadConfig(const std::string& path, const PluginCatalog& plugins, const Environment& env) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        LoadResult result;
        result.problems.push_back({Mark{path, 0, 0}, std::string("cannot read the file: ") + std::strerror(errno)});
        return result;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return loadConfigText(text.str(), path, plugins, env);
}

} // namespace clinhub::config
