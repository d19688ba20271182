// Microsoft Fabric REST API under {base}/fabric/v1 (api.fabric.microsoft.com/v1). For now the
// workspace list, which proves the Fabric bearer check and paging; the state's "fabric" key
// holds what the routes serve.
#include "sim/families.hpp"
#include "sim/services.hpp"

namespace sim {
namespace {

json workspaces(const json& state) {
  if (!state.contains("fabric") || !state["fabric"].contains("workspaces")) return json::array();
  return state["fabric"]["workspaces"];
}

void list_workspaces(Exchange& ex) {
  if (!ex.sim.check_bearer(ex, fabric_audience)) return;
  fabric_list(ex, ex.sim.read(workspaces), page_size(ex.sim));
}

void validate(const json& state) {
  if (!state.contains("fabric")) return;
  shape::object(state["fabric"], "fabric");
  if (state["fabric"].contains("workspaces")) shape::array(state["fabric"]["workspaces"], "fabric.workspaces");
}

}  // namespace

void register_fabric(Sim& sim) {
  sim.add_validator(validate);
  sim.route("GET", "/fabric/v1/workspaces", list_workspaces);
}

}  // namespace sim
