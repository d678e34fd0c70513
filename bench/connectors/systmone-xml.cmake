# systmone-xml's added latency over a direct call to systmone_sim, over TCP and HTTP.
add_executable(bench_systmone_xml_overhead ${CMAKE_CURRENT_LIST_DIR}/systmone_xml_overhead.cpp)
target_include_directories(bench_systmone_xml_overhead PRIVATE ${PROJECT_SOURCE_DIR}
  ${PROJECT_SOURCE_DIR}/tests/simulators)
target_link_libraries(bench_systmone_xml_overhead PRIVATE clinhub_core Poco::Net Poco::Foundation)
target_compile_definitions(bench_systmone_xml_overhead PRIVATE SYSTMONE_SIM="$<TARGET_FILE:systmone_sim>"
  SYSTMONE_FIXTURE="${PROJECT_SOURCE_DIR}/tests/simulators/systmone/fixture.json"
  CLINHUB_PLUGIN_DIR="${CLINHUB_PLUGIN_OUTPUT_DIR}")
add_dependencies(bench_systmone_xml_overhead clinhub-systmone-xml systmone_sim)
