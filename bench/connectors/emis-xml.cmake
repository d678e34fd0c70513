# bench_emis_xml_overhead: what the emis-xml plugin adds to a freeSlots call over the same requests sent
# straight to emis_sim.
add_executable(bench_emis_xml_overhead ${CMAKE_CURRENT_LIST_DIR}/emis_xml_overhead.cpp)
target_include_directories(bench_emis_xml_overhead PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests/simulators)
target_link_libraries(bench_emis_xml_overhead PRIVATE clinhub_core Poco::Net Poco::Foundation)
target_compile_definitions(bench_emis_xml_overhead PRIVATE EMIS_SIM="$<TARGET_FILE:emis_sim>"
  EMIS_PLUGIN="$<TARGET_FILE:clinhub-emis-xml>"
  EMIS_FIXTURE="${PROJECT_SOURCE_DIR}/tests/simulators/emis/fixture.json")
add_dependencies(bench_emis_xml_overhead clinhub-emis-xml emis_sim)
