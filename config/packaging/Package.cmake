# The Debian packages, made by CPack from the install rules (`cmake --build build --target package`, or
# `cd build && cpack -G DEB`): clinhub_<version>_amd64.deb, the hub as a systemd service, and
# clinhub-dev_<version>_amd64.deb, the plugin SDK. docs/operations.md installs the first.

# What the hub reads at run time besides its plugins. NHS.UK frontend's stylesheet and images come from
# node_modules (scripts/setup's npm ci, never committed): the binary finds them at
# <exe>/../share/clinhub/nhsuk-frontend (web::defaultAssetDir).
set(CLINHUB_NHSUK_FRONTEND ${PROJECT_SOURCE_DIR}/node_modules/nhsuk-frontend/dist/nhsuk)
if(EXISTS ${CLINHUB_NHSUK_FRONTEND}/nhsuk-frontend.min.css)
  install(FILES ${CLINHUB_NHSUK_FRONTEND}/nhsuk-frontend.min.css
    DESTINATION ${CMAKE_INSTALL_DATADIR}/clinhub/nhsuk-frontend)
  install(DIRECTORY ${CLINHUB_NHSUK_FRONTEND}/assets/images
    DESTINATION ${CMAKE_INSTALL_DATADIR}/clinhub/nhsuk-frontend/assets)
else()
  message(WARNING "no ${CLINHUB_NHSUK_FRONTEND}: run scripts/setup, or the package's pages are unstyled")
endif()

# The configs of this repository as examples: the demo's seeds the packaged config's local book.
install(FILES ${PROJECT_SOURCE_DIR}/config/README.md ${PROJECT_SOURCE_DIR}/config/reference.yaml
  ${PROJECT_SOURCE_DIR}/config/demo.yaml ${PROJECT_SOURCE_DIR}/config/demo-book.yaml
  ${PROJECT_SOURCE_DIR}/config/multi-node.yaml ${PROJECT_SOURCE_DIR}/config/practice-emis.yaml
  ${PROJECT_SOURCE_DIR}/config/practice-gpconnect.yaml ${PROJECT_SOURCE_DIR}/config/practice-systmone.yaml
  ${PROJECT_SOURCE_DIR}/schemas/config.schema.json
  DESTINATION ${CMAKE_INSTALL_DATADIR}/clinhub/examples)
install(FILES ${PROJECT_SOURCE_DIR}/docs/operations.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# systemd's own folder for a package's units (under the prefix: /usr/lib/systemd/system in the package).
install(FILES ${PROJECT_SOURCE_DIR}/config/systemd/clinhub.service DESTINATION lib/systemd/system)
# The config a sysadmin edits, at /etc whatever the prefix: so only in the package (CPack installs one
# component at a time), never by a plain `cmake --install --prefix DIR`, which must not write to /etc.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/clinhub.yaml DESTINATION /etc/clinhub EXCLUDE_FROM_ALL)

set(CLINHUB_PACKAGE_MAINTAINER "clinhub maintainers <maintainers@clinhub.invalid>"
  CACHE STRING "The Maintainer: field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME clinhub)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "clinhub")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT ${CLINHUB_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CLINHUB_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # <name>_<version>_<arch>.deb
# Depends: from the libraries the binaries link (dpkg-shlibdeps, in dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A release build's debug information is most of the binary's size; a crash is read with a build tree's.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL clinhub dev)

set(CPACK_DEBIAN_CLINHUB_PACKAGE_NAME clinhub)
# One string (several would be a list, joined with ';'): the summary line, then the long description.
string(CONCAT CPACK_COMPONENT_CLINHUB_DESCRIPTION
  "integration hub for UK GP practices: self-book links, appointment books, SMS\n"
  "clinhub sends patients one-use links by SMS to book, move or decline an appointment, booked straight\n"
  "into the practice's own appointment book through connector plugins (EMIS, SystmOne, GP Connect), with\n"
  "a durable outbox for every message. This package holds the hub, its shipped plugins, NHS.UK frontend's\n"
  "stylesheet, example configs and a hardened systemd unit (clinhub.service).")
# sqlite3 and PostgreSQL's client for backups and a look at the store; neither is needed to serve.
set(CPACK_DEBIAN_CLINHUB_PACKAGE_SUGGESTS "sqlite3, postgresql-client")
set(CPACK_DEBIAN_CLINHUB_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/deb/conffiles
  ${CMAKE_CURRENT_LIST_DIR}/deb/postinst ${CMAKE_CURRENT_LIST_DIR}/deb/prerm ${CMAKE_CURRENT_LIST_DIR}/deb/postrm)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME clinhub-dev)
string(CONCAT CPACK_COMPONENT_DEV_DESCRIPTION
  "plugin SDK for clinhub: headers, connector kit and CMake package\n"
  "What a connector plugin for clinhub is built with, out of the hub's tree: the C ABI header\n"
  "clinhub/plugin.h, the header-only C++ layer, the static connector kit (clinhub::kit), the CMake\n"
  "package (find_package(clinhub)) and the conformance tools (clinhub-conformance, clinhub-plugin).")
# The kit's CMake package finds these when a plugin is configured (plugins/sdk/cmake/clinhubConfig.cmake.in).
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "cmake (>= 3.25), g++ (>= 4:12), libpoco-dev (>= 1.11), libcurl4-openssl-dev | libcurl-dev, libpugixml-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)

include(CPack)
