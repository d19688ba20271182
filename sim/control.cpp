// The control API under {base}/_sim/: what tests and demos use to seed, inspect, fault and
// save the simulator. Never on a real service path, never logged, never faulted.
#include <chrono>

#include "sim/families.hpp"
#include "sim/services.hpp"

namespace sim {
namespace {

void invalid(Exchange& ex, const char* code, const std::exception& e) { send_error(ex, 400, code, e.what()); }

void add_faults(Exchange& ex) {
  auto body = json_body(ex);
  if (!body) return;
  json specs = body->is_array() ? *body : json::array({*body});
  try {
    for (const auto& s : specs) Fault::from_json(s);  // all or nothing
  } catch (const std::invalid_argument& e) {
    invalid(ex, "InvalidFault", e);
    return;
  }
  json added = json::array();
  for (const auto& s : specs) added.push_back(ex.sim.add_fault(s));
  ex.reply(201, body->is_array() ? added : added[0]);
}

void list_requests(Exchange& ex) {
  try {
    json list = ex.sim.requests(ex.req.get_param_value("method"), ex.req.get_param_value("path"));
    std::size_t n = list.size();
    ex.reply(200, {{"requests", std::move(list)}, {"count", n}});
  } catch (const std::invalid_argument& e) {
    invalid(ex, "InvalidFilter", e);
  }
}

void merge_seed(Exchange& ex) {
  auto body = json_body(ex);
  if (!body) return;
  try {
    ex.sim.merge(*body);
  } catch (const std::invalid_argument& e) {
    invalid(ex, "InvalidSeed", e);
    return;
  }
  ex.reply(200, {{"status", "merged"}});
}

void save(Exchange& ex) {
  if (ex.sim.state_file().empty()) {
    send_error(ex, 409, "NoStateFile", "tarn-sim was started without --state, so there is nowhere to save");
    return;
  }
  try {
    ex.sim.save();
  } catch (const std::exception& e) {
    send_error(ex, 500, "SaveFailed", e.what());
    return;
  }
  ex.reply(200, {{"status", "saved"}, {"file", ex.sim.state_file()}});
}

}  // namespace

void register_control(Sim& sim) {
  auto started = std::chrono::steady_clock::now();
  sim.route("GET", "/_sim/health", [started](Exchange& ex) {
    auto up = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    ex.reply(200, {{"status", "ok"}, {"uptime_ms", up.count()}, {"persistent", !ex.sim.state_file().empty()}});
  });
  sim.route("GET", "/_sim/state", [](Exchange& ex) { ex.reply(200, ex.sim.state()); });
  sim.route("POST", "/_sim/reset", [](Exchange& ex) {
    ex.sim.reset();
    ex.reply(200, {{"status", "reset"}});
  });
  sim.route("POST", "/_sim/seed", merge_seed);
  sim.route("POST", "/_sim/save", save);
  sim.route("GET", "/_sim/faults", [](Exchange& ex) { ex.reply(200, {{"faults", ex.sim.faults()}}); });
  sim.route("POST", "/_sim/faults", add_faults);
  sim.route("DELETE", "/_sim/faults", [](Exchange& ex) {
    ex.sim.clear_faults();
    ex.res.status = 204;
  });
  sim.route("GET", "/_sim/requests", list_requests);
  sim.route("DELETE", "/_sim/requests", [](Exchange& ex) {
    ex.sim.clear_requests();
    ex.res.status = 204;
  });
}

}  // namespace sim
