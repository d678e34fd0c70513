// Batch Self-Book as Accurx's Batch Messaging page has it: choose what the batch sends (rule, message, invite
// code, decline), upload the list with a file picker, review it (counts, the patients who can be sent a page at a
// time, those who cannot with the reason, the not-accepted list to download), send; then follow it as it sends.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include "hub/batch/CsvReader.h"
#include "hub/workflows/BatchSelfBook.h"
#include "hub/workflows/StartTime.h"

#include <clinhub/kit/UkTime.hpp>

#include <Poco/Exception.h>

#include <cstdlib>
#include <sstream>

namespace clinhub::console {
namespace {

using workflows::Batch;
using workflows::BatchSelfBook;
using workflows::FieldError;
using workflows::InvalidRequest;

constexpr int kRowsShown = 50;
constexpr int kBatchesShown = 50;

struct TermField {
    const char* workflow;
    const char* id;
};
constexpr TermField kTermFields[] = {
    {"rule", "rule"},
    {"message", "message"},
    {"invite_code.code", "invite-code"},
    {"invite_code.term", "invite-term"},
    {"invite_code", "invite-code"},
    {"decline.code.code", "decline-code"},
    {"decline.code.term", "decline-term"},
    {"decline.code", "decline-code"},
};

std::string termFieldId(const std::string& workflowName) {
    for (const auto& f : kTermFields)
        if (workflowName == f.workflow) return f.id;
    return "rule";
}

std::string batchStateText(const std::string& state) {
    if (state == "draft") return "Waiting for its list";
    if (state == "uploading") return "List being checked";
    if (state == "ready") return "Ready to send";
    if (state == "scheduled") return "Scheduled";
    if (state == "sending") return "Sending";
    if (state == "sent") return "Sent";
    return sentence(state);
}

std::string ruleTitle(const Page& page, const std::string& rule) {
    const auto found = page.organisation.rules.find(rule);
    return found == page.organisation.rules.end() || found->second.title.empty() ? rule : found->second.title;
}

std::optional<config::Code> codeFrom(const std::string& code, const std::string& term) {
    if (code.empty() && term.empty()) return std::nullopt;
    return config::Code{code, term};
}

// ---- New batch -------------------------------------------------------------------------------------------

void renderNewBatch(Page& page, int status, const workflows::BatchTermsRequest& terms,
                    const std::vector<FieldError>& errors) {
    Data rules{Data::type::list};
    for (const auto& [id, rule] : page.organisation.rules) {
        Data option;
        option.set("id", id);
        option.set("title", rule.title.empty() ? id : rule.title);
        option.set("selected", id == terms.rule);
        rules.push_back(option);
    }
    Data data;
    data.set("rules", rules);
    data.set("action", page.path("/batches/new"));
    data.set("checkAction", page.path("/links/check"));
    data.set("message", terms.message);
    data.set("inviteCode", terms.inviteCode ? terms.inviteCode->code : std::string());
    data.set("inviteTerm", terms.inviteCode ? terms.inviteCode->term : std::string());
    data.set("allowDecline", terms.allowDecline);
    data.set("declineCode", terms.declineCode ? terms.declineCode->code : std::string());
    data.set("declineTerm", terms.declineCode ? terms.declineCode->term : std::string());
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& e : errors) {
        const auto id = termFieldId(e.field);
        summary.emplace_back(id, sentence(e.message));
        Data error;
        error.set("message", sentence(e.message));
        data.set(camelCase(id) + "Error", error);
    }
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
    page.render(status, Section::batches, "New batch", "console-batch-new", data, !errors.empty());
}

void createBatch(BatchSelfBook& batches, Page& page) {
    workflows::BatchTermsRequest terms;
    terms.rule = page.field("rule");
    terms.message = page.field("message", 4096);
    terms.inviteCode = codeFrom(page.field("invite_code"), page.field("invite_term"));
    terms.allowDecline = page.field("allow_decline") == "yes";
    if (terms.allowDecline) terms.declineCode = codeFrom(page.field("decline_code"), page.field("decline_term"));
    try {
        const auto batch = batches.create(page.ods(), terms, page.by);
        page.redirect(page.path("/batches/" + batch.id));
    } catch (const InvalidRequest& e) {
        renderNewBatch(page, 422, terms, e.errors());
    }
}

// ---- A batch ---------------------------------------------------------------------------------------------

Data countsList(const std::map<std::string, int64_t>& counts) {
    Data list{Data::type::list};
    for (const auto& [key, count] : counts) {
        if (count == 0) continue;
        Data row;
        row.set("label", sentence(key));
        row.set("count", std::to_string(count));
        list.push_back(row);
    }
    return list;
}

// A page of rows (those that can be sent, or those that cannot), with the link to the next page.
void rowsPage(BatchSelfBook& batches, Page& page, const Batch& batch, bool rejected, Data& data) {
    const auto key = rejected ? "cannot" : "can";
    const auto after = std::max(0, std::atoi(page.request.query(std::string(key) + "_after").value_or("0").c_str()));
    const auto rows = batches.rows(page.ods(), batch.id, rejected, after, kRowsShown);
    Data list{Data::type::list};
    for (const auto& r : rows) {
        Data row;
        row.set("row", std::to_string(r.row));
        if (rejected) {
            std::string uploaded;
            for (const auto& f : r.fields)
                uploaded += (uploaded.empty() ? "" : ", ") + f;
            row.set("uploaded", uploaded);
            row.set("reason", sentence(r.reason));
        } else {
            row.set("nhsNumber", nhsNumberText(r.nhsNumber));
            row.set("mobile", r.mobile.empty() ? std::string("From the appointment book") : r.mobile);
            row.set("name", r.name);
            setText(row, "linkHref", r.linkId.empty() ? std::string() : page.path("/links/" + r.linkId));
        }
        list.push_back(row);
    }
    data.set(std::string(key) + "Rows", list);
    data.set(std::string(key) + "Any", !rows.empty());
    if (static_cast<int>(rows.size()) == kRowsShown)
        data.set(std::string(key) + "Next", page.path("/batches/" + batch.id + "?" + key +
                                                      "_after=" + std::to_string(rows.back().row) + "#" + key));
    if (after > 0) data.set(std::string(key) + "First", page.path("/batches/" + batch.id + "#" + key));
}

void batchPage(BatchSelfBook& batches, Page& page) {
    const auto found = batches.find(page.ods(), page.request.param("id"));
    if (!found) throw workflows::NotFound("no such batch");
    const auto& batch = *found;
    const bool staff = page.can(Role::staff);
    Data data;
    data.set("id", batch.id);
    data.set("state", batchStateText(batch.state));
    data.set("ruleTitle", ruleTitle(page, batch.terms.rule));
    data.set("message", batch.terms.message.empty() ? std::string("The rule's own invite") : batch.terms.message);
    data.set("fragments", countOf(batch.smsFragments, "text message", "text messages"));
    data.set("inviteCode", batch.terms.inviteCode
                               ? batch.terms.inviteCode->term + " (" + batch.terms.inviteCode->code + ")"
                               : std::string("None"));
    data.set("decline", !batch.terms.allowDecline ? std::string("No")
                        : batch.terms.declineCode ? "Yes, and " + batch.terms.declineCode->term + " (" +
                                                        batch.terms.declineCode->code + ") is written when they do"
                                                  : std::string("Yes"));
    data.set("created", whenText(batch.createdAt));
    const bool canUpload = staff && (batch.state == "draft" || batch.state == "ready");
    data.set("canUpload", canUpload);
    // A multipart form cannot be read for its token before the file: the token comes in the address.
    data.set("uploadAction", page.path("/batches/" + batch.id + "/csv?csrf=" + page.who.session.csrf));
    data.set("columns", batch.csvFormat == "nhs_number_only"
                            ? std::string("one column: NHS number. Mobile numbers and dates of birth come from the "
                                          "appointment book")
                            : std::string("NHS number, mobile number and date of birth, and optionally a first name"));
    setText(data, "uploadError", batch.uploadError.empty() ? std::string() : sentence(batch.uploadError));
    const bool reviewed = batch.state != "draft" && batch.state != "uploading";
    data.set("reviewed", reviewed);
    if (reviewed) {
        data.set("canSendCount", countOf(batch.canSend, "patient", "patients"));
        data.set("cannotSendCount", countOf(batch.cannotSend, "patient", "patients"));
        data.set("reasons", countsList(batch.reasons));
        data.set("rejectedHref", page.path("/batches/" + batch.id + "/rejected.csv"));
        data.set("hasRejected", batch.cannotSend > 0);
        rowsPage(batches, page, batch, false, data);
        rowsPage(batches, page, batch, true, data);
    }
    data.set("canSend", staff && (batch.state == "ready" || batch.state == "scheduled") && batch.canSend > 0);
    const bool canSchedule = staff && batch.state == "ready" && batch.canSend > 0;
    data.set("canSchedule", canSchedule);
    data.set("scheduleAction", page.path("/batches/" + batch.id + "/schedule"));
    if (canSchedule) data.set("scheduleFields", scheduleFields("Or send it later (UK time)"));
    data.set("cancelScheduleAction", page.path("/batches/" + batch.id + "/schedule/cancel"));
    if (batch.state == "scheduled") {
        data.set("scheduledFor", whenText(batch.scheduledFor));
        setText(data, "scheduledQuiet", quietHoursNote(page.organisation, batch.scheduledFor));
    }
    data.set("sendAction", page.path("/batches/" + batch.id + "/send"));
    const bool sending = batch.state == "sending" || batch.state == "sent";
    data.set("sending", sending);
    if (sending) {
        data.set("minted", std::to_string(batch.minted) + " of " + std::to_string(batch.canSend));
        data.set("invites", countsList(batch.invites));
        std::map<std::string, int64_t> links;
        for (const auto& [state, count] : batch.links)
            if (const auto s = links::linkStateFrom(state)) links[lowerCase(stateText(*s))] += count;
        data.set("links", countsList(links));
        data.set("refreshHref", page.path("/batches/" + batch.id));
        data.set("stillSending", batch.state == "sending");
    }
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "uploaded"  ? "The list is checked"
            : done == "sending" ? "The batch is sending"
                                : "");
    page.render(200, Section::batches, "Batch: " + ruleTitle(page, batch.terms.rule), "console-batch", data);
}

void uploadList(BatchSelfBook& batches, Page& page) {
    const auto back = page.path("/batches/" + page.request.param("id"));
    try {
        if (!page.file("csv", batches.maxUploadBytes(),
                       [&](std::istream& csv) { batches.upload(page.ods(), page.request.param("id"), csv, page.by); }))
            return;
    } catch (const batch::FileError&) {
        // Kept as the batch's upload error, which its page shows at the file picker.
        return page.redirect(back + "#upload");
    } catch (const workflows::BatchBusy& e) {
        return page.message(409, "The list cannot be uploaded now", sentence(e.what()));
    } catch (const workflows::BookUnavailable& e) {
        return page.message(502, "The appointment book did not answer", sentence(e.what()));
    } catch (const Poco::Exception&) {
        return page.message(400, "The file did not arrive whole", "Go back and choose the file again.");
    }
    page.redirect(back + "?done=uploaded");
}

void batchesList(BatchSelfBook& batches, Page& page) {
    const auto before = page.request.query("before").value_or("");
    const auto list = batches.list(page.ods(), kBatchesShown, before.size() > 64 ? std::string() : before);
    Data rows{Data::type::list};
    for (const auto& b : list) {
        Data row;
        row.set("href", page.path("/batches/" + b.id));
        row.set("ruleTitle", ruleTitle(page, b.terms.rule));
        row.set("state", batchStateText(b.state));
        row.set("created", whenText(b.createdAt));
        row.set("canSend", std::to_string(b.canSend));
        row.set("cannotSend", std::to_string(b.cannotSend));
        rows.push_back(row);
    }
    Data data;
    data.set("batches", rows);
    data.set("any", !list.empty());
    data.set("canCreate", page.can(Role::staff));
    data.set("newHref", page.path("/batches/new"));
    if (static_cast<int>(list.size()) == kBatchesShown)
        data.set("nextHref", page.path("/batches?before=" + list.back().id));
    page.render(200, Section::batches, "Batches", "console-batches", data);
}

} // namespace

void addBatchPages(PageRoutes& routes) {
    auto& batches = routes.services().batches;
    routes.get("/batches", Role::viewer, [&batches](Page& page) { batchesList(batches, page); });
    routes.get("/batches/new", Role::staff,
               [](Page& page) { renderNewBatch(page, 200, {page.request.query("rule").value_or("")}, {}); });
    routes.post("/batches/new", Role::staff, "createBatch", [&batches](Page& page) { createBatch(batches, page); });
    routes.get("/batches/{id}", Role::viewer, [&batches](Page& page) { batchPage(batches, page); });
    routes.post("/batches/{id}/csv", Role::staff, "uploadBatchCsv",
                [&batches](Page& page) { uploadList(batches, page); });
    routes.get("/batches/{id}/rejected.csv", Role::viewer, [&batches](Page& page) {
        std::ostringstream csv;
        batches.writeRejected(page.ods(), page.request.param("id"), csv);
        page.response.header("Cache-Control", "no-store");
        page.response.header("Content-Disposition",
                             "attachment; filename=\"" + page.request.param("id") + "-cannot-be-sent.csv\"");
        page.response.text(csv.str(), 200, "text/csv; charset=utf-8");
    });
    routes.post("/batches/{id}/schedule", Role::staff, "scheduleBatch", [&batches](Page& page) {
        const auto back = page.path("/batches/" + page.request.param("id"));
        const auto at = scheduleTime(page);
        if (!at) return;
        try {
            batches.schedule(page.ods(), page.request.param("id"), *at, page.by);
        } catch (const workflows::InvalidRequest& e) {
            return page.message(422, "The batch cannot be scheduled then",
                                e.errors().empty() ? std::string() : sentence(e.errors().front().message));
        } catch (const workflows::ScheduleConflict& e) {
            return page.message(409, "The batch cannot be scheduled now", sentence(e.what()));
        } catch (const workflows::BatchBusy& e) {
            return page.message(409, "The batch cannot be scheduled now", sentence(e.what()));
        }
        page.redirect(back + "?done=scheduled");
    });
    routes.post("/batches/{id}/schedule/cancel", Role::staff, "cancelBatchSchedule", [&batches](Page& page) {
        try {
            batches.cancelSchedule(page.ods(), page.request.param("id"), page.by);
        } catch (const workflows::ScheduleConflict& e) {
            return page.message(409, "The schedule cannot be cancelled", sentence(e.what()));
        }
        page.redirect(page.path("/batches/" + page.request.param("id") + "?done=unscheduled"));
    });
    routes.post("/batches/{id}/send", Role::staff, "sendBatch", [&batches](Page& page) {
        try {
            batches.send(page.ods(), page.request.param("id"), page.by);
        } catch (const workflows::BatchBusy& e) {
            return page.message(409, "The batch cannot be sent now", sentence(e.what()));
        }
        page.redirect(page.path("/batches/" + page.request.param("id") + "?done=sending"));
    });
}

} // namespace clinhub::console
