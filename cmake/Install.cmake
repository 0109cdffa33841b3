# Install and package (docs/INSTALL.md): FHS paths from GNUInstallDirs, the
# data files where common/paths looks for them at run time (share/catsd
# beside the binaries' prefix), the systemd units, the default configuration,
# and the Debian package (CPack's DEB generator; scripts/package).
include(GNUInstallDirs)
# Installing (cmake --install, cpack) builds nothing: scripts/package builds
# only the three binaries, and a package of build/ must not start a build.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS catsd cats-collector RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS catsctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

file(GLOB CATS_YANG_MODULES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/yang/*.yang)
install(FILES ${CATS_YANG_MODULES} DESTINATION ${CMAKE_INSTALL_DATADIR}/catsd/yang)
install(FILES ${PROJECT_SOURCE_DIR}/metric-collector/profiles/engines.json DESTINATION ${CMAKE_INSTALL_DATADIR}/catsd)
file(GLOB CATS_EXAMPLES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/yang/examples/*.json)
install(FILES ${CATS_EXAMPLES} DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/INSTALL.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The configuration file and the units depend on the prefix at install time
# (cpack installs with /usr, `cmake --install --prefix` with another), so a
# script decides then: /usr's configuration lives in /etc, as GNUInstallDirs
# has it, any other prefix's in <prefix>/etc.
install(CODE "set(CATS_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(CATS_BINARY_DIR \"${PROJECT_BINARY_DIR}\")
set(CATS_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")")
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/install-system-files.cmake)

# The Debian package. Dependencies: what dpkg-shlibdeps finds in the
# binaries, adduser for the postinst, and libyuma-base for the IETF NETCONF
# modules (ietf-netconf-acm in a configuration, the NETCONF server).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME catsd)
set(CPACK_PACKAGE_CONTACT "catsd maintainers <catsd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "BGP speaker for Computing-Aware Traffic Steering (CATS)")
set(CPACK_PACKAGE_DESCRIPTION "catsd advertises and selects anycast service sites by network cost and \
compute load (the CATS metric attribute), and programs the choice into the Linux FIB. With \
cats-collector (metrics from inference engines) and catsctl (the CLI).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, libyuma-base")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/postinst ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
    ${PROJECT_SOURCE_DIR}/packaging/deb/postrm ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# DESTDIR staging with the real prefix, so the install script above sees
# /usr, whatever the build directory's CMAKE_INSTALL_PREFIX (build/ has /usr/local).
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
