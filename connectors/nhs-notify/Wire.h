// NHS Notify's JSON:API documents, both ways: the create-message request, and what each answer and callback
// means for the hub (the status and error mapping lives here, in one place). Shapes from the API's OpenAPI
// description (NHSDigital/communications-manager-api, specification/).
#pragma once

#include "Config.h"

#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nhsnotify {

// POST /v1/messages: {"data": {"type": "Message", "attributes": {routingPlanId, messageReference,
// recipient: {nhsNumber[, contactDetails: {sms}]}, [originator: {odsCode}], personalisation}}}.
std::string messageRequest(const Config& config, const clinhub::PatientMessage& message);

// A create's answer: ok with NHS Notify's message id for a 201; ok with `duplicate` set and no id for the 422
// NHS Notify answers a messageReference it already holds (CM_DUPLICATE_REQUEST: the first request was
// accepted, this one is ignored); otherwise the error mapping.
clinhub::Result sendAnswer(long status, const std::string& body, std::string& providerId, bool& duplicate);

// GET /v1/messages/{id}: the message's state, and one Receipt (channel set) per channel it reports.
clinhub::Result messageAnswer(long status, const std::string& body, clinhub::Delivery& delivery,
                              std::vector<clinhub::Receipt>& channels);

// Any non-2xx answer: NHS Notify's {"errors": [{code, status, title, detail, source: {pointer}}]} read into a
// result (5xx, 408, 425 retryable; 429 retryable and certainly not sent when `send`; other 4xx permanent).
clinhub::Result errorAnswer(long status, const std::string& body, const std::string& what, bool send);

// messageStatus: created, pending_enrichment, enriched, sending (accepted), delivered, failed.
clinhub::DeliveryState messageState(const std::string& messageStatus);

// One channel's outcome from its channelStatus and supplierStatus; none for a channel skipped (never used
// because an earlier one reached the patient) or in a status the hub has no word for.
std::optional<clinhub::Receipt> channelReceipt(const std::string& channel, const std::string& channelStatus,
                                               const std::string& supplierStatus, const std::string& description,
                                               const std::string& reasonCode);

// A callback body ({"data": [MessageStatus or ChannelStatus, ...]}, already verified): one Receipt per
// MessageStatus (channel unknown) with one per channel it lists, one per ChannelStatus (channel set).
clinhub::Result callbackBody(const std::string& body, std::vector<clinhub::Receipt>& receipts);

} // namespace nhsnotify
