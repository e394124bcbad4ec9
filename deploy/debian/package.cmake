# The Debian package (CPack's DEB generator, from the build tree: `scripts/package.sh`).
# CPack rather than debhelper: the package is built from the same CMake install rules a developer
# uses, in one step, with no debian/ tree to keep in step with the build; dpkg-shlibdeps still
# computes the library dependencies. Layout: binaries in /usr/bin, the web client in
# /usr/share/parley/client, the unit in /lib/systemd/system, settings in /etc/parley/parley.toml
# (a conffile), extra flags in /etc/default/parley,
# staff accounts in /etc/parley/agents.json (made empty by postinst, kept by parley-admin),
# records in /var/lib/parley (the unit's StateDirectory).
include(GNUInstallDirs)

install(TARGETS parley-server parley-admin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/client-js/dist/ DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/client
        PATTERN "*.map" EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/help/ DESTINATION ${CMAKE_INSTALL_DATADIR}/parley/help)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/parley.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/default DESTINATION /etc/default RENAME parley)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/debian/parley.toml DESTINATION /etc/parley)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${PROJECT_SOURCE_DIR}/SECURITY.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/parley)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/parley RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/deploy/hours.example.json ${PROJECT_SOURCE_DIR}/deploy/parley.example.toml ${PROJECT_SOURCE_DIR}/deploy/nginx/parley.conf.template
              ${PROJECT_SOURCE_DIR}/deploy/prometheus/prometheus.yml ${PROJECT_SOURCE_DIR}/deploy/prometheus/alerts.yml
              ${PROJECT_SOURCE_DIR}/deploy/grafana/parley-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/parley/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parley)
set(CPACK_PACKAGE_VENDOR "Parley")
set(CPACK_PACKAGE_CONTACT "Parley maintainers <security@parley.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted customer-support server: live chat, tickets by e-mail, reports")
set(CPACK_PACKAGE_DESCRIPTION "Parley serves a chat widget for a website, a console for support agents and \
supervisors, tickets answered by e-mail outside business hours, and reports. It keeps its records in SQLite \
(/var/lib/parley) or PostgreSQL.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nginx, postgresql, redis-server")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_SOURCE_DIR}/deploy/debian/conffiles
    ${PROJECT_SOURCE_DIR}/deploy/debian/postinst ${PROJECT_SOURCE_DIR}/deploy/debian/prerm
    ${PROJECT_SOURCE_DIR}/deploy/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
