# clinhub_add_plugin(<target> SOURCES <files...>)
# Builds a connector plugin as a shared object named lib<target>.so that exports only its entry point.
set(CLINHUB_PLUGIN_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/clinhub_plugin.map)

function(clinhub_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES" ${ARGN})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE clinhub::sdk)
  target_link_options(${target} PRIVATE "LINKER:--version-script=${CLINHUB_PLUGIN_VERSION_SCRIPT}")
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS ${CLINHUB_PLUGIN_VERSION_SCRIPT}
    PREFIX "lib")
  # The hub's own tree builds every plugin declared so far as part of `clinhub_runtime`.
  set_property(GLOBAL APPEND PROPERTY CLINHUB_PLUGIN_TARGETS ${target})
endfunction()
