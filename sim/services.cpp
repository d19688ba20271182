// The services tarn-sim serves, in registration order (earlier routes win on overlap).
#include "sim/services.hpp"

#include "sim/families.hpp"

namespace sim {

void register_all(Sim& sim) {
  register_control(sim);
  register_operations(sim);
  register_entra(sim);
  register_fabric(sim);
  register_keyvault(sim);
  register_arm(sim);
}

}  // namespace sim
