# clinhub_add_plugin(<target> [INSTALL] SOURCES <files...>)
# Builds a connector plugin as a shared object named lib<target>.so that exports only its entry point.
# INSTALL: `cmake --install` puts it in CLINHUB_PLUGIN_INSTALL_DIR (by default lib/clinhub/plugins under the
# prefix), one of the folders an installed hub searches, so a plugin installed to the hub's prefix is found.
include(GNUInstallDirs)
set(CLINHUB_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/clinhub_plugin.map)
if(NOT DEFINED CLINHUB_PLUGIN_INSTALL_DIR)
  set(CLINHUB_PLUGIN_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/clinhub/plugins)
endif()

function(clinhub_add_plugin target)
  cmake_parse_arguments(ARG "INSTALL" "" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE clinhub::sdk)
  # --as-needed: clinhub::kit brings libcurl, pugixml and Poco with it; a plugin depends only on those it
  # calls.
  target_link_options(${target} PRIVATE "LINKER:--version-script=${CLINHUB_PLUGIN_VERSION_SCRIPT}"
    "LINKER:--as-needed")
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${CLINHUB_PLUGIN_VERSION_SCRIPT}
    PREFIX "lib")
  if(ARG_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${CLINHUB_PLUGIN_INSTALL_DIR})
  endif()
  # The hub's own tree builds every plugin declared so far as part of `clinhub_runtime`.
  set_property(GLOBAL APPEND PROPERTY CLINHUB_PLUGIN_TARGETS ${target})
endfunction()
