# Install rules: headers, both libraries, ndislock.pc and the CMake package
# (ndislock::ndislock, ndislock::ndislock_static).  tests/install/ checks each.
include(CMakePackageConfigHelpers)

install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ndislock ndislock_static EXPORT ndislockTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ndislockTargets NAMESPACE ndislock::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ndislock)

# ndislockConfig.cmake finds libdw again on the consumer's machine (the
# exported targets name ndislock::libdw, never this machine's path).
if(TARGET ndislock::libdw)
  set(NDISLOCK_WITH_LIBDW ON)
else()
  set(NDISLOCK_WITH_LIBDW OFF)
endif()
configure_package_config_file(cmake/ndislockConfig.cmake.in
        ${CMAKE_CURRENT_BINARY_DIR}/ndislockConfig.cmake
        INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ndislock)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ndislockConfigVersion.cmake
        COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ndislockConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/ndislockConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/ndislock)

# ndislock.pc.  What linking libndislock.a needs beyond it (pkg-config
# --static), as this build found it: libdw through its own libdw.pc where there
# is one beside it (Requires.private, so libdw's static dependencies follow),
# else by name; libdl and the threads library, which have no .pc file
# (Libs.private).  The file is looked for, not asked of pkg-config, which the
# build may lack.
set(NDISLOCK_PC_REQUIRES_PRIVATE "")
set(NDISLOCK_PC_LIBS_PRIVATE "")
if(TARGET ndislock::libdw)
  get_filename_component(libdw_dir ${NDISLOCK_LIBDW} DIRECTORY)
  find_file(NDISLOCK_LIBDW_PC libdw.pc PATHS ${libdw_dir}/pkgconfig ${libdw_dir}/../share/pkgconfig
            NO_DEFAULT_PATH)
  if(NDISLOCK_LIBDW_PC)
    set(NDISLOCK_PC_REQUIRES_PRIVATE libdw)
  else()
    list(FIND CMAKE_C_IMPLICIT_LINK_DIRECTORIES ${libdw_dir} implicit)
    if(implicit LESS 0)
      string(APPEND NDISLOCK_PC_LIBS_PRIVATE " -L${libdw_dir}")
    endif()
    string(APPEND NDISLOCK_PC_LIBS_PRIVATE " -ldw")
  endif()
endif()
foreach(lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND NDISLOCK_PC_LIBS_PRIVATE " -l${lib}")
endforeach()
# glibc 2.34+ has the threads in libc (CMAKE_THREAD_LIBS_INIT empty); -lpthread is still valid there.
if(CMAKE_THREAD_LIBS_INIT)
  string(APPEND NDISLOCK_PC_LIBS_PRIVATE " ${CMAKE_THREAD_LIBS_INIT}")
else()
  string(APPEND NDISLOCK_PC_LIBS_PRIVATE " -lpthread")
endif()
string(STRIP "${NDISLOCK_PC_LIBS_PRIVATE}" NDISLOCK_PC_LIBS_PRIVATE)
file(RELATIVE_PATH NDISLOCK_PC_TO_PREFIX
     /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/ndislock.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ndislock.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ndislock.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
