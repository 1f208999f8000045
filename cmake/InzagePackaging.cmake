# `cmake --install` and CPack's .deb: binaries in bin/, the unit in the systemd unit directory,
# configuration and the default policy in /etc/inzage (conffiles: an operator's edits survive
# upgrades), schemas, alerting rules, the web pages and the README under share/.
# Keys are never packaged:
# `inzage keygen` makes them on the machine (docs/operations.md, "Installing as a service").
include(GNUInstallDirs)

install(TARGETS inzage inzaged RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# GNUInstallDirs maps sysconfdir to /etc when the prefix is /usr (the presets' prefix and the
# package's): `sudo cmake --install build` puts the files where the unit expects them.
set(INZAGE_ETC "${CMAKE_INSTALL_FULL_SYSCONFDIR}/inzage")
install(FILES config/inzaged.yaml DESTINATION ${INZAGE_ETC})
install(DIRECTORY config/policy/ DESTINATION ${INZAGE_ETC}/policy)
install(FILES systemd/inzaged.service DESTINATION lib/systemd/system)
install(FILES schemas/access-event.schema.json schemas/policy.schema.json
              schemas/config.schema.json schemas/openapi.yaml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/inzage/schemas)
install(FILES config/prometheus/inzage-alerts.yml config/prometheus/inzage-alerts.test.yml
              config/prometheus/prometheus.example.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/inzage/prometheus)
install(FILES README.md packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The pages' screenshots with them: docs/ui.md shows them.
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md"
        PATTERN "*.png")
# The web pages (api.ui_dir) with the files they load, copied into ui/vendor by
# scripts/ui-deps.sh (test.sh and demo.sh run it): installing without them fails loudly rather
# than shipping pages without their styles and charts.
install(FILES ui/index.html DESTINATION ${CMAKE_INSTALL_DATADIR}/inzage/ui)
install(DIRECTORY ui/citizen ui/common ui/console ui/vendor
        DESTINATION ${CMAKE_INSTALL_DATADIR}/inzage/ui
        PATTERN ".inzage-stamp" EXCLUDE)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME inzage)
set(CPACK_PACKAGE_VENDOR "Noaberkracht Dinkelland Tubbergen")
set(CPACK_PACKAGE_CONTACT "inzage maintainers <inzage@noaberkracht.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audit of access to citizens' personal data (Kafka daemon)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
# Runtime libraries from dpkg-shlibdeps (the Debian 12 packages the binaries link), plus tzdata
# for Europe/Amsterdam working hours.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")
# Everything under /etc/inzage is a conffile (listed at configure time from the tree).
file(GLOB_RECURSE INZAGE_POLICY_FILES RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}/config/policy"
     CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/config/policy/*")
list(SORT INZAGE_POLICY_FILES)
set(INZAGE_CONFFILES "/etc/inzage/inzaged.yaml\n")
foreach(f IN LISTS INZAGE_POLICY_FILES)
  string(APPEND INZAGE_CONFFILES "/etc/inzage/policy/${f}\n")
endforeach()
file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/packaging/conffiles" "${INZAGE_CONFFILES}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_BINARY_DIR}/packaging/conffiles")
include(CPack)
