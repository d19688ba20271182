#pragma once
// Every service file registers its routes and state validators through one function here;
// register_all() is the list main.cpp serves. A new service adds one declaration, one line
// in register_all() and its file in sim/CMakeLists.txt.
#include "sim/server.hpp"

namespace sim {

void register_control(Sim& sim);  // control.cpp: /_sim/...
void register_entra(Sim& sim);    // entra.cpp: /entra, /imds, /msi
void register_fabric(Sim& sim);   // fabric.cpp: /fabric/v1/...
void register_keyvault(Sim& sim); // keyvault.cpp: /keyvault/{vault}/...
void register_arm(Sim& sim);      // arm*.cpp: /arm/subscriptions/... (Resource Manager)
// families.cpp declares register_operations (Fabric and ARM long-running operations).

void register_all(Sim& sim);

}  // namespace sim
