#pragma once
// Every service file registers its routes and state validators through one function here;
// register_all() is the list main.cpp serves. A new service adds one declaration, one line
// in register_all() and its file in sim/CMakeLists.txt.
#include "sim/server.hpp"

namespace sim {

void register_control(Sim& sim);  // control.cpp: /_sim/...
void register_entra(Sim& sim);    // entra.cpp: /entra, /imds, /msi
void register_fabric(Sim& sim);   // fabric.cpp: the "fabric" state key (routes below)
void register_fabric_workspaces(Sim& sim);   // fabric_workspaces.cpp: workspaces, roles, identity
void register_fabric_items(Sim& sim);        // fabric_items.cpp: /workspaces/{ws}/items
void register_fabric_mirroring(Sim& sim);    // fabric_mirroring.cpp: mirrored databases
void register_fabric_databricks(Sim& sim);   // fabric_databricks.cpp: Databricks catalogs, discovery
void register_fabric_connections(Sim& sim);  // fabric_connections.cpp: /connections
void register_fabric_pipelines(Sim& sim);    // fabric_pipelines.cpp: /deploymentPipelines
void register_fabric_git(Sim& sim);          // fabric_git.cpp: /workspaces/{ws}/git
void register_fabric_shortcuts(Sim& sim);    // fabric_shortcuts.cpp: OneLake shortcuts
void register_keyvault(Sim& sim); // keyvault.cpp: /keyvault/{vault}/...
void register_arm(Sim& sim);      // arm*.cpp: /arm/subscriptions/... (Resource Manager)
// families.cpp declares register_operations (Fabric and ARM long-running operations).

void register_all(Sim& sim);

}  // namespace sim
