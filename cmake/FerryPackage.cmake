# What `cmake --install` puts under the prefix besides the executables and
# plugins (installed where they are built): libferry, the public headers, the
# CMake package (lib/cmake/ferry) and a pkg-config file (lib/pkgconfig).
# docs/install.md describes the result.
include(CMakePackageConfigHelpers)

set(FERRY_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ferry)

install(TARGETS ferry ferry_sdk EXPORT ferryTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# SDK and engine headers share include/ferry/, as they do for #include <ferry/...>.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/ferry ${PROJECT_SOURCE_DIR}/engine/include/ferry
        ${PROJECT_BINARY_DIR}/generated/include/ferry
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ferryTargets NAMESPACE ferry:: DESTINATION ${FERRY_CMAKE_DIR})

set(FERRY_PACKAGE_PLUGIN_DIR ${CMAKE_INSTALL_LIBDIR}/ferry/plugins)
set(FERRY_PACKAGE_WORKER ${CMAKE_INSTALL_LIBEXECDIR}/ferry/ferry-worker)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/ferryConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/ferryConfig.cmake
  INSTALL_DESTINATION ${FERRY_CMAKE_DIR}
  PATH_VARS FERRY_PACKAGE_PLUGIN_DIR FERRY_PACKAGE_WORKER)
# 0.1.x accepts a request for 0.1 and any lower 0.1.y; not 0.2 (docs/install.md).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/ferryConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/package/ferryConfig.cmake
  ${PROJECT_BINARY_DIR}/package/ferryConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/FerryPlugin.cmake
  DESTINATION ${FERRY_CMAKE_DIR})

# The .pc file finds the prefix from its own folder, so it survives a move too.
ferry_install_dir(pc_dir LIBDIR)
file(RELATIVE_PATH FERRY_PC_TO_PREFIX ${pc_dir}/pkgconfig /ferry-prefix)
string(REGEX REPLACE "/$" "" FERRY_PC_TO_PREFIX "${FERRY_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/ferry.pc.in ${PROJECT_BINARY_DIR}/package/ferry.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/ferry.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
