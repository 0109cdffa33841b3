# Run by `cmake --install` and cpack (cmake/Install.cmake): the files whose
# place or text depend on the prefix at install time. CATS_SOURCE_DIR,
# CATS_BINARY_DIR and CATS_SBINDIR are set just before.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(etc /etc)
else()
  set(etc "${CMAKE_INSTALL_PREFIX}/etc")
endif()

# The default configuration (a conffile in the package): written once, never
# over an operator's file.
if(EXISTS "$ENV{DESTDIR}${etc}/catsd/catsd.json")
  message(STATUS "Kept: $ENV{DESTDIR}${etc}/catsd/catsd.json")
else()
  file(INSTALL DESTINATION "${etc}/catsd" TYPE FILE FILES "${CATS_SOURCE_DIR}/packaging/catsd.json"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
endif()

# The units name /usr/sbin and /etc/catsd; under another prefix, that prefix's.
set(sbin "${CMAKE_INSTALL_PREFIX}/${CATS_SBINDIR}")
# A directory per destination: installs to several prefixes may run at once.
string(MD5 dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
foreach(unit catsd.service cats-collector.service)
  file(READ "${CATS_SOURCE_DIR}/packaging/systemd/${unit}" text)
  string(REPLACE "/usr/sbin/" "${sbin}/" text "${text}")
  string(REPLACE "/etc/catsd" "${etc}/catsd" text "${text}")
  set(out "${CATS_BINARY_DIR}/packaging/${dest}/${unit}")
  file(WRITE "${out}" "${text}")
  file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE FILES "${out}")
endforeach()
