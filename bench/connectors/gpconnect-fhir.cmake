# bench_gpconnect_fhir_overhead: what the gpconnect-fhir plugin adds to a freeSlots call over the same GP
# Connect slot search sent straight to gpconnect_sim.
add_executable(bench_gpconnect_fhir_overhead ${CMAKE_CURRENT_LIST_DIR}/gpconnect_fhir_overhead.cpp)
target_include_directories(bench_gpconnect_fhir_overhead PRIVATE ${PROJECT_SOURCE_DIR}
  ${PROJECT_SOURCE_DIR}/tests/simulators)
target_link_libraries(bench_gpconnect_fhir_overhead PRIVATE clinhub_core Poco::Net Poco::JSON Poco::Foundation)
target_compile_definitions(bench_gpconnect_fhir_overhead PRIVATE GPCONNECT_SIM="$<TARGET_FILE:gpconnect_sim>"
  GPCONNECT_PLUGIN="$<TARGET_FILE:clinhub-gpconnect-fhir>"
  GPCONNECT_FIXTURE="${PROJECT_SOURCE_DIR}/tests/simulators/gpconnect/fixture.json")
add_dependencies(bench_gpconnect_fhir_overhead clinhub-gpconnect-fhir gpconnect_sim)
