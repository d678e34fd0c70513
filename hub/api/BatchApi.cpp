#include "hub/api/BatchApi.h"

#include "hub/api/ApiSupport.h"
#include "hub/batch/CsvReader.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/String.h>
#include <Poco/URI.h>

#include <sstream>

namespace clinhub::api {
namespace {

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflows::FieldError;

const std::string kBatches = "/api/v1/organisations/{ods}/batches";
const std::string kBatch = kBatches + "/{id}";

Object::Ptr countsJson(const std::map<std::string, int64_t>& counts) {
    auto out = object();
    for (const auto& [key, value] : counts)
        out->set(key, value);
    return out;
}

Poco::Dynamic::Var codeJson(const std::optional<config::Code>& code) {
    if (!code) return {};
    auto out = object();
    out->set("code", code->code);
    out->set("term", code->term);
    return out;
}

// The summary staff check before sending, and then how sending goes. No patient appears in it.
Object::Ptr batchJson(const workflows::Batch& b) {
    auto out = object();
    out->set("id", b.id);
    out->set("status", b.state);
    out->set("rule", b.terms.rule);
    out->set("csv_format", b.csvFormat);
    out->set("message", b.terms.message);
    out->set("sms_fragments", b.smsFragments);
    out->set("invite_code", codeJson(b.terms.inviteCode));
    auto decline = object();
    decline->set("allowed", b.terms.allowDecline);
    decline->set("code", codeJson(b.terms.declineCode));
    out->set("decline", decline);
    Array::Ptr header = new Array;
    for (const auto& h : b.header)
        header->add(h);
    out->set("columns", header);
    out->set("can_be_sent", b.canSend);
    out->set("cannot_be_sent", b.cannotSend);
    out->set("cannot_be_sent_by_reason", countsJson(b.reasons));
    out->set("upload_error", b.uploadError.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(b.uploadError));
    out->set("links_minted", b.minted);
    out->set("invites", countsJson(b.invites));
    out->set("links", countsJson(b.links));
    out->set("created_at", isoUtc(b.createdAt));
    out->set("uploaded_at", b.uploadedAt ? Poco::Dynamic::Var(isoUtc(b.uploadedAt)) : Poco::Dynamic::Var());
    out->set("send_at", b.sendAt ? Poco::Dynamic::Var(isoUtc(b.sendAt)) : Poco::Dynamic::Var());
    out->set("scheduled_for", b.scheduledFor ? Poco::Dynamic::Var(isoUtc(b.scheduledFor)) : Poco::Dynamic::Var());
    return out;
}

std::optional<config::Code> codeField(const Object::Ptr& from, const std::string& name, const std::string& field,
                                      std::vector<FieldError>& errors) {
    if (!from || !from->has(name) || from->isNull(name)) return std::nullopt;
    const auto code = from->getObject(name);
    if (!code) {
        errors.push_back({field, field + " must be an object with code and term"});
        return std::nullopt;
    }
    return config::Code{stringField(code, "code", field + ".code", errors),
                        stringField(code, "term", field + ".term", errors)};
}

class BatchApi {
public:
    explicit BatchApi(workflows::BatchSelfBook& batches) : batches_(batches) {}

    void create(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        workflows::BatchTermsRequest terms;
        terms.rule = stringField(body, "rule", "rule", errors);
        terms.message = stringField(body, "message", "message", errors);
        terms.inviteCode = codeField(body, "invite_code", "invite_code", errors);
        if (body->has("decline") && !body->isNull("decline")) {
            const auto decline = body->getObject("decline");
            if (!decline) {
                errors.push_back({"decline", "decline must be an object: {allowed, code}"});
            } else {
                const auto allowed = decline->get("allowed");
                if (!allowed.isEmpty() && !allowed.isBoolean())
                    errors.push_back({"decline.allowed", "decline.allowed must be true or false"});
                terms.allowDecline = allowed.isBoolean() && allowed.extract<bool>();
                terms.declineCode = codeField(decline, "code", "decline.code", errors);
            }
        }
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto batch = batches_.create(request.param("ods"), terms, by);
        response.json(batchJson(batch), 201);
        response.header("Location", resourcePath(request.param("ods"), "batches", batch.id));
    }

    void upload(const audit::Context& by, Request& request, Response& response) {
        const auto type = Poco::toLower(request.header("Content-Type").value_or(""));
        if (!type.starts_with("text/csv"))
            return response.problem(415, "send the list as text/csv, the file as it was saved");
        // Said before reading a byte, when the request says its size.
        const auto limit = batches_.maxUploadBytes();
        if (request.poco().hasContentLength() && request.poco().getContentLength64() > static_cast<Poco::Int64>(limit))
            return response.problem(413, "the file is larger than the limit of " +
                                             std::to_string(limit / (1024 * 1024)) +
                                             " MiB: split the list into smaller files");
        try {
            response.json(
                batchJson(batches_.upload(request.param("ods"), request.param("id"), request.bodyStream(), by)));
        } catch (const batch::FileError& e) {
            fileRefused(request, response, e);
        } catch (const workflows::BookUnavailable& e) {
            response.problem(502, e.what());
        } catch (const workflows::BatchBusy& e) {
            response.problem(409, e.what());
        }
    }

    void get(const audit::Context& /*by*/, Request& request, Response& response) {
        const auto batch = batches_.find(request.param("ods"), request.param("id"));
        if (!batch) return response.problem(404, "no such batch");
        response.json(batchJson(*batch));
    }

    // Newest first, a page at a time: ?before= the last id of the page before.
    void list(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const int limit = limitQuery(request, errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto batches = batches_.list(request.param("ods"), limit, request.query("before").value_or(""));
        Array::Ptr list = new Array;
        for (const auto& b : batches)
            list->add(batchJson(b));
        auto body = object();
        body->set("batches", list);
        body->set("next_before", static_cast<int>(batches.size()) == limit ? Poco::Dynamic::Var(batches.back().id)
                                                                           : Poco::Dynamic::Var());
        response.json(body);
    }

    // The rows that can be sent (?can_be_sent=true, the default) or cannot, in spreadsheet order, a page at a
    // time: ?after= the last row of the page before.
    void rows(const audit::Context& /*by*/, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const int limit = limitQuery(request, errors);
        const auto which = request.query("can_be_sent").value_or("true");
        if (which != "true" && which != "false") errors.push_back({"can_be_sent", "can_be_sent must be true or false"});
        int after = 0;
        if (const auto text = request.query("after")) {
            after = wholeNumber(*text).value_or(-1);
            if (after < 0) errors.push_back({"after", "after must be a row number"});
        }
        if (!errors.empty()) return unprocessable(request, response, errors);
        const bool rejected = which == "false";
        const auto rows = batches_.rows(request.param("ods"), request.param("id"), rejected, after, limit);
        Array::Ptr list = new Array;
        for (const auto& r : rows) {
            auto row = object();
            row->set("row", r.row);
            if (rejected) {
                Array::Ptr fields = new Array;
                for (const auto& f : r.fields)
                    fields->add(f);
                row->set("fields", fields);
                row->set("reason", r.reason);
            } else {
                // No date of birth: it is what the patient proves who they are with.
                row->set("nhs_number", r.nhsNumber);
                row->set("mobile", r.mobile.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.mobile));
                row->set("name", r.name.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.name));
                row->set("link_id", r.linkId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.linkId));
            }
            list->add(row);
        }
        auto body = object();
        body->set("rows", list);
        body->set("next_after",
                  static_cast<int>(rows.size()) == limit ? Poco::Dynamic::Var(rows.back().row) : Poco::Dynamic::Var());
        response.json(body);
    }

    void rejected(const audit::Context& /*by*/, Request& request, Response& response) {
        std::ostringstream csv;
        batches_.writeRejected(request.param("ods"), request.param("id"), csv);
        response.text(csv.str(), 200, "text/csv; charset=utf-8");
        response.header("Content-Disposition",
                        "attachment; filename=\"" + request.param("id") + "-cannot-be-sent.csv\"");
    }

    void send(const audit::Context& by, Request& request, Response& response) {
        try {
            response.json(batchJson(batches_.send(request.param("ods"), request.param("id"), by)), 202);
        } catch (const workflows::BatchBusy& e) {
            response.problem(409, e.what());
        }
    }

    void schedule(const audit::Context& by, Request& request, Response& response) {
        std::vector<FieldError> errors;
        const auto at = instantField(request.jsonObject(), "at", errors);
        if (!at) return unprocessable(request, response, errors);
        try {
            response.json(batchJson(batches_.schedule(request.param("ods"), request.param("id"), *at, by)));
        } catch (const workflows::BatchBusy& e) {
            response.problem(409, e.what());
        } catch (const workflows::ScheduleConflict& e) {
            response.problem(409, e.what());
        }
    }

    void cancelSchedule(const audit::Context& by, Request& request, Response& response) {
        try {
            response.json(batchJson(batches_.cancelSchedule(request.param("ods"), request.param("id"), by)));
        } catch (const workflows::ScheduleConflict& e) {
            response.problem(409, e.what());
        }
    }

private:
    workflows::BatchSelfBook& batches_;
};

const std::vector<Route<BatchApi>>& table() {
    static const std::vector<Route<BatchApi>> all{
        {{"POST", kBatches, Role::staff, "createBatch", true}, &BatchApi::create},
        {{"PUT", kBatch + "/csv", Role::staff, "uploadBatchCsv", true}, &BatchApi::upload},
        {{"GET", kBatches, Role::viewer, "listBatches"}, &BatchApi::list},
        {{"GET", kBatch, Role::viewer, "getBatch"}, &BatchApi::get},
        {{"GET", kBatch + "/rows", Role::viewer, "listBatchRows"}, &BatchApi::rows},
        {{"GET", kBatch + "/rejected.csv", Role::viewer, "batchRejectedCsv"}, &BatchApi::rejected},
        {{"POST", kBatch + "/send", Role::staff, "sendBatch", true}, &BatchApi::send},
        {{"PUT", kBatch + "/schedule", Role::staff, "scheduleBatch", true}, &BatchApi::schedule},
        {{"DELETE", kBatch + "/schedule", Role::staff, "cancelBatchSchedule", true}, &BatchApi::cancelSchedule},
    };
    return all;
}

} // namespace

const std::vector<RouteName>& batchApiRoutes() {
    static const std::vector<RouteName> names = namesOf(table());
    return names;
}

void addBatchApi(http::Router& router, workflows::BatchSelfBook& batches, staff::SignIn& signIn,
                 audit::AuditLog& audit) {
    addRoutes(router, signIn, audit, std::make_shared<BatchApi>(batches), table());
}

} // namespace clinhub::api
