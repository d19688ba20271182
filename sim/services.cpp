// The services tarn-sim serves, in registration order (earlier routes win on overlap).
#include "sim/services.hpp"

#include "sim/families.hpp"

namespace sim {

void register_all(Sim& sim) {
  register_control(sim);
  register_operations(sim);
  register_entra(sim);
  register_fabric(sim);
  register_fabric_workspaces(sim);
  register_fabric_shortcuts(sim);  // before the item routes: .../items/{id}/shortcuts
  register_fabric_items(sim);
  register_fabric_mirroring(sim);
  register_fabric_databricks(sim);
  register_fabric_connections(sim);
  register_fabric_pipelines(sim);
  register_fabric_git(sim);
  register_keyvault(sim);
  register_arm(sim);
}

}  // namespace sim
