# bench_notify_send: SMS sends/s through the notify plugin to notify_sim, unthrottled, against the same
# POSTs sent straight from Poco (no plugin).
find_package(Poco 1.11 REQUIRED COMPONENTS JWT)
add_executable(bench_notify_send ${CMAKE_CURRENT_LIST_DIR}/notify_send.cpp)
target_include_directories(bench_notify_send PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests/simulators)
target_link_libraries(bench_notify_send PRIVATE clinhub_core Poco::JWT Poco::Net Poco::JSON Poco::Foundation)
target_compile_definitions(bench_notify_send PRIVATE NOTIFY_SIM="$<TARGET_FILE:notify_sim>"
  NOTIFY_PLUGIN="$<TARGET_FILE:clinhub-notify>"
  NOTIFY_FIXTURE="${PROJECT_SOURCE_DIR}/tests/simulators/notify/fixture.json")
add_dependencies(bench_notify_send clinhub-notify notify_sim)
